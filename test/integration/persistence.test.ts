import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  listPoints,
  openThread,
  pointText,
  toBoardJson,
  type Actor,
  type StakeholderId,
  type UserId,
} from '@parley/shared/model';
import { connectClient, stateEquals, waitFor } from '../helpers/clients.ts';
import { startServer, tempDataDir, type RunningServer } from '../helpers/server.ts';
import { mintToken } from '../helpers/tokens.ts';
import { SqliteStorage } from '../../server/src/persistence/sqlite/SqliteStorage.ts';

const alice: Actor = { userId: 'u-alice' as UserId, name: 'Alice', stakeholderId: 'us' as StakeholderId };
const connect = async (server: RunningServer) =>
  connectClient(server.wsUrl, 'demo', { token: await mintToken(server, { ...alice, role: 'owner' }) });

describe('durability across restarts', () => {
  it('STORE1: a stop and restart on the same data dir keeps every edit, including one made just before SIGTERM', async () => {
    const dataDir = tempDataDir();
    // A long batch window: the last edit is certainly still queued when SIGTERM arrives,
    // so only the graceful shutdown's flush can save it.
    const env = { PARLEY_PERSIST_BATCH_MS: '1000' };
    let server = await startServer({ dataDir, env });
    const a = await connect(server);
    const witness = await connect(server);
    await Promise.all([a.synced, witness.synced]);
    const [p1, p2] = listPoints(a.doc);
    for (let i = 0; i < 50; i++) pointText(a.doc, p1!.id, 'body')!.insert(0, `edit${i} `);
    openThread(a.doc, alice, { pointId: p2!.id, body: 'Comment before restart' });
    pointText(a.doc, p2!.id, 'title')!.insert(0, 'LAST EDIT ');
    // The witness seeing the last edit proves the server applied it.
    await waitFor(() => stateEquals(a.doc, witness.doc), 'the server to apply every edit');
    const expected = toBoardJson(a.doc);
    a.destroy();
    witness.destroy();
    expect(await server.stop('SIGTERM')).toBe(0);

    server = await startServer({ dataDir, env });
    const b = await connect(server);
    try {
      await b.synced;
      expect(toBoardJson(b.doc)).toEqual(expected);
      expect(listPoints(b.doc)[1]!.title.startsWith('LAST EDIT ')).toBe(true);
    } finally {
      b.destroy();
      await server.stop();
    }
  });

  it('STORE2: an idle room is unloaded only after its state is stored, and reloads complete', async () => {
    const dataDir = tempDataDir();
    const server = await startServer({ dataDir, env: { PARLEY_ROOM_IDLE_MS: '50', PARLEY_PERSIST_BATCH_MS: '200' } });
    try {
      const a = await connect(server);
      await a.synced;
      const [p] = listPoints(a.doc);
      pointText(a.doc, p!.id, 'body')!.insert(0, 'Written right before leaving. ');
      const expected = toBoardJson(a.doc);
      // Leave as soon as the update is sent; the room idles out while the write is queued.
      await waitFor(() => a.provider.ws?.bufferedAmount === 0, 'the update to be sent');
      a.destroy();
      await waitFor(() => server.logs.some((l) => l['msg'] === 'room unloaded'), 'the room to unload', 10_000);
      const b = await connect(server);
      await b.synced;
      expect(toBoardJson(b.doc)).toEqual(expected);
      b.destroy();
    } finally {
      await server.stop();
    }
  });

  it('STORE3: a long update log is compacted on load into one entry, with the same content', async () => {
    const dataDir = tempDataDir();
    const env = { PARLEY_COMPACT_THRESHOLD: '20' };
    let server = await startServer({ dataDir, env });
    const a = await connect(server);
    await a.synced;
    const [p] = listPoints(a.doc);
    for (let i = 0; i < 60; i++) {
      pointText(a.doc, p!.id, 'body')!.insert(0, `${i},`);
      await new Promise((r) => setTimeout(r, 2));
    }
    const witness = await connect(server);
    await waitFor(() => stateEquals(a.doc, witness.doc), 'the server to apply every edit');
    const expected = Y.encodeStateVector(a.doc);
    const expectedJson = toBoardJson(a.doc);
    a.destroy();
    witness.destroy();
    await server.stop();

    server = await startServer({ dataDir, env });
    try {
      const b = await connect(server);
      await b.synced;
      await waitFor(() => server.logs.some((l) => l['msg'] === 'compacted update log'), 'the compaction log line');
      expect(Buffer.from(Y.encodeStateVector(b.doc)).equals(Buffer.from(expected))).toBe(true);
      expect(toBoardJson(b.doc)).toEqual(expectedJson);
      b.destroy();
    } finally {
      await server.stop();
    }
    // And the compacted log itself reloads to the same state.
    server = await startServer({ dataDir, env });
    try {
      const c = await connect(server);
      await c.synced;
      expect(toBoardJson(c.doc)).toEqual(expectedJson);
      expect(server.logs.some((l) => l['msg'] === 'compacted update log')).toBe(false);
      c.destroy();
    } finally {
      await server.stop();
    }
  });

  it('STORE6: a room that stays loaded compacts its log as it grows (every 20 × the threshold entries), and the compacted log reloads to the same board', async () => {
    const dataDir = tempDataDir();
    // A compaction every 200 new entries.
    const env = { PARLEY_COMPACT_THRESHOLD: '10' };
    let server = await startServer({ dataDir, env });
    const a = await connect(server);
    const witness = await connect(server);
    await Promise.all([a.synced, witness.synced]);
    const [p] = listPoints(a.doc);
    // Edits a millisecond or more apart: each turn of the server stores what arrived in it
    // as one entry. A loaded machine merges more edits per turn, so edit until the room has
    // compacted (it needs 200 entries; a quiet machine gets there in about 250 edits).
    const compacted = () => server.logs.some((l) => l['msg'] === 'compacted update log while loaded');
    for (let i = 0; i < 5_000 && !compacted(); i++) {
      pointText(a.doc, p!.id, 'body')!.insert(0, `${i},`);
      await new Promise((r) => setTimeout(r, 1));
    }
    await waitFor(() => stateEquals(a.doc, witness.doc), 'the server to apply every edit');
    await waitFor(compacted, 'the live compaction log line');
    const expectedJson = toBoardJson(a.doc);
    a.destroy();
    witness.destroy();
    expect(await server.stop('SIGTERM')).toBe(0);

    const storage = new SqliteStorage(dataDir);
    try {
      // The last compacted state plus fewer than 200 entries stored after it.
      expect((await storage.loadLog('demo')).updates.length).toBeLessThanOrEqual(201);
    } finally {
      await storage.close();
    }
    server = await startServer({ dataDir, env });
    try {
      const b = await connect(server);
      await b.synced;
      expect(toBoardJson(b.doc)).toEqual(expectedJson);
      b.destroy();
    } finally {
      await server.stop();
    }
  });
});
