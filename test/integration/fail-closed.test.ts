/**
 * "Saved" is fail-closed (SAVE4): when the step between applying an update and committing
 * it fails, nothing is acknowledged that was not stored, the room reloads from the store,
 * and other writers go on being stored and acknowledged. The fault is injected with
 * PARLEY_FAULT_PRECOMMIT_MARKER (server/src/collab/room/faults.ts), as a hostile value that
 * broke the server's own encode once did.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { ROOT, listPoints, pointText, type PointId } from '@parley/shared/model';
import { CLOSE, MESSAGE, subscribeSavedFrame } from '@parley/shared/protocol';
import { connectClient, waitFor, type StockClient } from '../helpers/clients.ts';
import { fetchMetric } from '../helpers/metrics.ts';
import { trackSaved } from '../helpers/savedAcks.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { openRaw, tokenFor, updateFrame, updateOf, within } from '../helpers/security.ts';

const MARKER = 'FAULT-MARK-7d1';

const boardText = (doc: Y.Doc) => JSON.stringify(Object.values(ROOT).map((root) => doc.getMap(root).toJSON()));

describe('fail-closed saves (integration: real server, injected pre-commit fault)', () => {
  let server: RunningServer;
  const clients: StockClient[] = [];
  let pointId: PointId;

  async function stock(role: 'editor' | 'observer', sid: string | null, name: string) {
    const { token } = await tokenFor(server, role, sid, name);
    const c = connectClient(server.wsUrl, 'demo', { token });
    clients.push(c);
    await c.synced;
    return c;
  }

  beforeAll(async () => {
    server = await startServer({ env: { PARLEY_FAULT_PRECOMMIT_MARKER: MARKER } });
  });

  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server?.stop();
  });

  it('SAVE4: an update whose pre-commit step fails is never acknowledged; the room reloads and other writers are stored and acknowledged', async () => {
    const watcher = await stock('observer', null, 'Watcher');
    const writer = await stock('editor', 'us', 'Writer');
    const acks = trackSaved(writer);
    pointId = listPoints(watcher.doc)[0]!.id;
    const body = (doc: Y.Doc) => pointText(doc, pointId, 'body')!;

    body(writer.doc).insert(0, 'before-fault ');
    await waitFor(() => acks.count() >= 1, 'the first edit to be saved');
    let writerClosed = 0;
    writer.provider.on('connection-close', () => writerClosed++);

    // The faulty update, from a raw editor that asked for saved acks.
    const { token } = await tokenFor(server, 'editor', 'us', 'Faulty');
    const raw = openRaw(`${server.wsUrl}/yjs/demo?token=${token}`);
    await raw.opened;
    await waitFor(() => raw.frames.length > 0, 'the raw client to join');
    raw.ws.send(subscribeSavedFrame());
    const update = updateOf(watcher.doc, (doc) => body(doc).insert(0, `${MARKER} `));
    raw.ws.send(updateFrame(update));
    expect((await within(raw.closed, 10_000, 'the faulty connection to close')).code).toBe(CLOSE.internalError);
    expect(raw.frames.filter((f) => f[0] === MESSAGE.saved)).toHaveLength(0);

    // Everyone was closed to resync with the reloaded room; stock clients reconnect.
    await waitFor(
      () => writerClosed > 0 && writer.provider.wsconnected && writer.provider.synced && acks.count() >= 1,
      'the writer to reconnect and its sync step 2 to be saved',
    );
    const base = acks.count();
    for (let i = 0; i < 5; i++) {
      body(writer.doc).insert(0, `after-fault-${i} `);
      await waitFor(() => acks.count() >= base + i + 1, `the saved ack of later edit ${i}`);
    }
    await waitFor(() => body(watcher.doc).toString().includes('after-fault-4'), 'the later edits to be relayed');
    expect(boardText(watcher.doc)).not.toContain(MARKER);
    expect(await fetchMetric(server.url, 'parley_room_failures_total')).toBe(1);

    // What was acknowledged is stored; the faulty update is not.
    await server.stop('SIGTERM');
    for (const c of clients.splice(0)) c.destroy();
    server = await startServer({ dataDir: server.dataDir, env: { PARLEY_FAULT_PRECOMMIT_MARKER: MARKER } });
    const fresh = await stock('observer', null, 'After restart');
    const text = body(fresh.doc).toString();
    expect(text).toContain('before-fault');
    for (let i = 0; i < 5; i++) expect(text).toContain(`after-fault-${i}`);
    expect(boardText(fresh.doc)).not.toContain(MARKER);
  });
});
