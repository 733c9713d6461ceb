import { describe, expect, it } from 'vitest';
import { listPoints, pointText, toBoardJson } from '@parley/shared/model';
import { connectClient, waitFor } from '../helpers/clients.ts';
import { fetchMetric } from '../helpers/metrics.ts';
import { trackSaved } from '../helpers/savedAcks.ts';
import { startServer, tempDataDir } from '../helpers/server.ts';
import { identity, mintToken } from '../helpers/tokens.ts';

describe('durable "saved" acknowledgements', () => {
  it('SAVE1: the server acknowledges each update message once it is stored, in order, and only to subscribers', async () => {
    const server = await startServer({ env: { PARLEY_PERSIST_BATCH_MS: '20' } });
    const token = await mintToken(server, identity('editor', 'us'));
    const a = connectClient(server.wsUrl, 'demo', { token });
    const plain = connectClient(server.wsUrl, 'demo', { token });
    let plainGotAck = false;
    plain.provider.messageHandlers[100] = () => (plainGotAck = true);
    try {
      await Promise.all([a.synced, plain.synced]);
      const saved = trackSaved(a);
      const [p] = listPoints(a.doc);
      const body = pointText(a.doc, p!.id, 'body')!;
      // The provider sent sync step 2 on connect (1 message); each edit is one more.
      for (let i = 0; i < 10; i++) body.insert(0, `${i}`);
      await waitFor(() => saved.count() >= 11, 'acks for the step 2 and ten edits');
      expect(saved.count()).toBe(11);
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
    await a.synced;
    const saved = trackSaved(a);
    const [p] = listPoints(a.doc);
    const body = pointText(a.doc, p!.id, 'body')!;
    const acknowledged: string[] = [];
    const sent: string[] = [];
    // Type until a few acks have come back, then kill the server without warning.
    for (let i = 0; acknowledged.length < 20 && i < 2_000; i++) {
      const word = `w${i} `;
      body.insert(body.length, word);
      sent.push(word);
      await new Promise((r) => setTimeout(r, 2));
      // Message k+1 (after the step 2) carried word k.
      while (acknowledged.length < saved.count() - 1) acknowledged.push(sent[acknowledged.length]!);
    }
    a.destroy();
    expect(await server.stop('SIGKILL')).toBe('SIGKILL');
    server = await startServer({ dataDir });
    const b = connectClient(server.wsUrl, 'demo', { token: await mintToken(server, identity('observer', null)) });
    try {
      await b.synced;
      const stored = toBoardJson(b.doc).points.find((x) => x.id === p!.id)!.body;
      for (const word of acknowledged) expect(stored).toContain(word);
    } finally {
      b.destroy();
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
