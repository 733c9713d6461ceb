import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import * as Y from 'yjs';
import { listPoints, pointText, type StakeholderId, type UserId } from '@parley/shared/model';
import type { Principal } from '@parley/shared/permissions';
import { CLOSE, MESSAGE, parseDocName } from '@parley/shared/protocol';
import { DocRoom } from '../../server/src/collab/room/DocRoom.ts';
import { Connection } from '../../server/src/collab/endpoint/Connection.ts';
import { wsRoomSocket } from '../../server/src/collab/endpoint/RoomSocket.ts';
import { createLogger } from '../../server/src/logger.ts';
import { buildDemoState } from '../../server/src/seed/createDemoBoard.ts';
import { encodeSyncStep2, encodeUpdate } from '../../server/src/collab/codec/messageCodec.ts';
import { PersistQueue } from '../../server/src/persistence/PersistQueue.ts';
import { SqliteStorage } from '../../server/src/persistence/sqlite/SqliteStorage.ts';

const editor: Principal = {
  userId: 'u-editor' as UserId,
  name: 'Editor',
  role: 'editor',
  stakeholderId: 'us' as StakeholderId,
};

/**
 * The paths where Yjs itself throws while applying an update the guard allowed: a turn's
 * batch (edits already applied before it, their client ids already claimed) and a sync
 * step 2 applied alone. A throwing `beforeTransaction` listener stands in for a Yjs failure
 * inside `Y.applyUpdate` / `Y.transact`.
 */
describe('a room fails closed when applying throws (unit: DocRoom with a real store)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setUp() {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-fail-closed-'));
    const storage = new SqliteStorage(dataDir);
    await storage.createBoard('demo', 'Demo', buildDemoState());
    const log = createLogger({ logLevel: 'silent', logFormat: 'json' });
    const persist = new PersistQueue(storage, log, 0);
    const failures: DocRoom[] = [];
    const room = await DocRoom.load('demo', parseDocName('demo')!, {
      storage,
      persist,
      log,
      compactThreshold: 500,
      relayFramesPerSecond: 0,
      onFailure: (r) => failures.push(r),
    });
    const wss = new WebSocketServer({ port: 0 });
    cleanups.push(async () => {
      room.destroy();
      await persist.close();
      await storage.close();
      wss.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    const accepted: WebSocket[] = [];
    wss.on('connection', (s) => accepted.push(s));
    const port = (wss.address() as AddressInfo).port;
    const connect = async () => {
      const client = new WebSocket(`ws://127.0.0.1:${port}`);
      await new Promise((resolve) => client.once('open', resolve));
      while (accepted.length === 0) await new Promise((r) => setTimeout(r, 5));
      const conn = new Connection(`c${Math.random()}`, wsRoomSocket(accepted.shift()!), '127.0.0.1', {
        messagesPerSecond: 1000,
        messageBurst: 1000,
      });
      conn.access = { principal: editor, sessionId: null };
      conn.wantsSavedAcks = true;
      room.addConnection(conn);
      cleanups.push(() => client.terminate());
      const acks: number[] = [];
      client.on('message', (data: Buffer) => data[0] === MESSAGE.saved && acks.push(data[1]!));
      const closed = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)));
      return { conn, acks, closed };
    };
    const replica = new Y.Doc();
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(room.doc));
    const [p] = listPoints(replica);
    const edit = (word: string) => {
      const before = Y.encodeStateVector(replica);
      pointText(replica, p!.id, 'body')!.insert(0, `${word} `);
      return Y.encodeStateAsUpdate(replica, before);
    };
    const stored = async () => {
      await persist.flush();
      const doc = new Y.Doc();
      for (const u of (await storage.loadLog('demo')).updates) Y.applyUpdate(doc, u);
      return pointText(doc, p!.id, 'body')!.toString();
    };
    /** Makes the next transaction on the room's doc throw, once. */
    const failNextTransaction = () => {
      const boom = () => {
        room.doc.off('beforeTransaction', boom);
        throw new Error('injected failure inside Yjs');
      };
      room.doc.on('beforeTransaction', boom);
    };
    return { room, connect, edit, stored, failures, failNextTransaction, persist };
  }

  it('SAVE5: a sync step 2 whose apply throws is never acknowledged; every connection is closed (1011) and the room asks to be reloaded', async () => {
    const t = await setUp();
    const writer = await t.connect();
    const other = await t.connect();
    writer.conn.initialSyncDone = false;
    t.room.handleMessage(other.conn, encodeUpdate(t.edit('stored-first')));
    await t.persist.flush();
    t.failNextTransaction();
    t.room.handleMessage(writer.conn, encodeSyncStep2(t.edit('never-stored')));
    expect(await writer.closed).toBe(CLOSE.internalError);
    expect(await other.closed).toBe(CLOSE.internalError);
    expect(t.failures).toEqual([t.room]);
    expect(t.room.isDestroyed).toBe(true);
    const text = await t.stored();
    expect(text).toContain('stored-first');
    expect(text).not.toContain('never-stored');
    expect(writer.acks).toEqual([]);
  });

  it("SAVE5: a turn's batch of two writers' edits whose transaction throws acknowledges none of them and stores none", async () => {
    const t = await setUp();
    const a = await t.connect();
    const b = await t.connect();
    a.conn.initialSyncDone = true;
    b.conn.initialSyncDone = true;
    t.room.handleMessage(a.conn, encodeUpdate(t.edit('acked-before')));
    await t.persist.flush();
    await expect.poll(() => a.acks.at(-1)).toBe(1);
    // Two writers' edits in one turn; the batch's transaction throws.
    t.room.handleMessage(a.conn, encodeUpdate(t.edit('batch-a')));
    t.room.handleMessage(b.conn, encodeUpdate(t.edit('batch-b')));
    t.failNextTransaction();
    t.room.settle();
    expect(await a.closed).toBe(CLOSE.internalError);
    expect(await b.closed).toBe(CLOSE.internalError);
    expect(t.failures).toEqual([t.room]);
    const text = await t.stored();
    expect(text).toContain('acked-before');
    expect(text).not.toContain('batch-a');
    expect(text).not.toContain('batch-b');
    expect(a.acks).toEqual([1]);
    expect(b.acks).toEqual([]);
  });
});
