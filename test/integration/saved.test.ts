import { describe, expect, it } from 'vitest';
import { listPoints, pointText, toBoardJson } from '@parley/shared/model';
import { MESSAGE } from '@parley/shared/protocol';
import { connectClient, waitFor, type StockClient } from '../helpers/clients.ts';
import { fetchMetric } from '../helpers/metrics.ts';
import { insertedStrings, savedLedger } from '../helpers/replicas.ts';
import { savedLog, trackSaved } from '../helpers/savedAcks.ts';
import { startServer, tempDataDir } from '../helpers/server.ts';
import { identity, mintToken } from '../helpers/tokens.ts';

/** Words typed by SAVE2 look like `[w17]`. */
const wordsIn = (s: string): string[] => s.match(/\[w\d+\]/g) ?? [];
/** SAVE2 kills the server once this many of its edits are acknowledged. */
const ACKED_BEFORE_KILL = 20;

describe('durable "saved" acknowledgements', () => {
  it('SAVE1: the server acknowledges each update message once it is stored, in order, and only to subscribers', async () => {
    // A batch window long enough to tell "stored" from "received": a commit happens only
    // WINDOW_MS after the first update of a batch is queued.
    const WINDOW_MS = 60;
    const server = await startServer({ env: { PARLEY_PERSIST_BATCH_MS: String(WINDOW_MS) } });
    const token = await mintToken(server, identity('editor', 'us'));
    const a = connectClient(server.wsUrl, 'demo', { token });
    const log = savedLog(a);
    const plain = connectClient(server.wsUrl, 'demo', { token });
    let plainGotAck = false;
    plain.provider.messageHandlers[MESSAGE.saved] = () => (plainGotAck = true);
    try {
      await Promise.all([a.synced, plain.synced]);
      // The provider sent its sync step 2 on connect (message 1); each edit is one more.
      await waitFor(() => log.acks.at(-1)?.count === 1, 'the ack of the sync step 2');
      const [p] = listPoints(a.doc);
      const body = pointText(a.doc, p!.id, 'body')!;
      // Three bursts, each acknowledged before the next is typed, so that several acks
      // arrive and their order can be checked.
      const groups: { sentAt: number; upTo: number }[] = [];
      let typed = 0;
      for (const size of [3, 3, 4]) {
        const sentAt = performance.now();
        for (let i = 0; i < size; i++) body.insert(0, `${typed++} `);
        const upTo = 1 + typed;
        expect(log.sentAt).toHaveLength(upTo);
        groups.push({ sentAt, upTo });
        await waitFor(() => (log.acks.at(-1)?.count ?? 0) >= upTo, `acks up to message ${upTo}`);
      }
      await new Promise((r) => setTimeout(r, 2 * WINDOW_MS));

      const counts = log.acks.map((ack) => ack.count);
      // In order: cumulative counts that only grow, never beyond what was sent when they
      // arrived, ending with every message counted, each burst covered whole.
      for (let i = 1; i < counts.length; i++)
        expect(counts[i], `ack ${i} after ${counts[i - 1]}`).toBeGreaterThan(counts[i - 1]!);
      for (const ack of log.acks) expect(ack.count, 'an ack beyond what was sent').toBeLessThanOrEqual(ack.sent);
      expect(counts).toEqual(expect.arrayContaining([1, 4, 7, 11]));
      expect(counts.at(-1)).toBe(11);
      // Once stored: the first ack covering a burst came no sooner than the batch window
      // after the burst was sent (an ack at receipt would come within a millisecond or two).
      for (const g of groups) {
        const first = log.acks.find((ack) => ack.count > g.upTo - 3 && ack.at > g.sentAt)!;
        expect(first.at - g.sentAt, `ack of the burst up to ${g.upTo}`).toBeGreaterThanOrEqual(WINDOW_MS - 5);
      }
      expect(plainGotAck).toBe(false);
    } finally {
      a.destroy();
      plain.destroy();
      await server.stop();
    }
  });

  it('SAVE2: every edit acknowledged as saved survives kill -9 and a restart', async () => {
    const dataDir = tempDataDir();
    let server = await startServer({ dataDir, env: { PARLEY_PERSIST_BATCH_MS: '5' } });
    const a = connectClient(server.wsUrl, 'demo', { token: await mintToken(server, identity('editor', 'us')) });
    // Which words each acknowledged message carried, decoded from what the client sent.
    const ledger = savedLedger(a.provider, (update) => insertedStrings(update).flatMap(wordsIn));
    let b: StockClient | null = null;
    try {
      await a.synced;
      const [p] = listPoints(a.doc);
      const body = pointText(a.doc, p!.id, 'body')!;
      // Type until a good number of edits, and at least half of those sent, are acknowledged,
      // then kill the server without warning while the last ones may still be in flight.
      const enoughAcked = () =>
        ledger.acknowledged().size >= Math.max(ACKED_BEFORE_KILL, Math.ceil(0.5 * ledger.sentLabels().size));
      for (let i = 0; !enoughAcked() && i < 2_000; i++) {
        body.insert(body.length, `[w${i}] `);
        await new Promise((r) => setTimeout(r, 2));
      }
      const sent = ledger.sentLabels();
      expect(await server.stop('SIGKILL')).toBe('SIGKILL');
      await waitFor(() => !a.provider.wsconnected, 'the client to notice the kill');
      a.destroy();
      const acknowledged = [...ledger.acknowledged()];
      expect(ledger.violations).toEqual([]);
      // The check below must not hold vacuously: the server confirmed most of what it got.
      expect(acknowledged.length, `acknowledged of ${sent.size} sent`).toBeGreaterThanOrEqual(ACKED_BEFORE_KILL);
      expect(acknowledged.length).toBeGreaterThanOrEqual(Math.ceil(0.5 * sent.size));

      server = await startServer({ dataDir });
      b = connectClient(server.wsUrl, 'demo', { token: await mintToken(server, identity('observer', null)) });
      await b.synced;
      const stored = new Set(wordsIn(toBoardJson(b.doc).points.find((x) => x.id === p!.id)!.body));
      expect(
        acknowledged.filter((word) => !stored.has(word)),
        'acknowledged words lost',
      ).toEqual([]);
    } finally {
      a.destroy();
      b?.destroy();
      await server.stop();
    }
  });
  it('SAVE3: after a reconnect, a sync step 2 that brings nothing new is acknowledged only once the edits of the previous connection are stored', async () => {
    // A long batch window: the edit is still queued when the client comes back.
    const server = await startServer({ env: { PARLEY_PERSIST_BATCH_MS: '1000' } });
    const a = connectClient(server.wsUrl, 'demo', { token: await mintToken(server, identity('editor', 'us')) });
    const committed = async () => (await fetchMetric(server.url, 'parley_persist_latency_seconds_count')) ?? 0;
    const applied = async () => (await fetchMetric(server.url, 'parley_updates_applied_total')) ?? 0;
    try {
      await a.synced;
      const saved = trackSaved(a);
      const before = { committed: await committed(), applied: await applied() };
      const [p] = listPoints(a.doc);
      pointText(a.doc, p!.id, 'body')!.insert(0, 'queued ');
      for (const deadline = Date.now() + 5_000; (await applied()) === before.applied;) {
        if (Date.now() > deadline) throw new Error('the server never applied the edit');
        await new Promise((r) => setTimeout(r, 10));
      }
      // Drop the connection before the commit; the new one's step 2 is empty (the server has the edit).
      a.provider.disconnect();
      a.provider.connect();
      await waitFor(
        () => a.provider.wsconnected && saved.count() >= 1,
        'the ack of the new connection’s sync step 2',
        5_000,
      );
      expect(await committed(), 'acknowledged before the edit was stored').toBeGreaterThan(before.committed);
    } finally {
      a.destroy();
      await server.stop();
    }
  });
});
