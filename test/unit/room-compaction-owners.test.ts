import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import * as Y from 'yjs';
import { listPoints, pointText, type StakeholderId, type UserId } from '@parley/shared/model';
import type { Principal } from '@parley/shared/permissions';
import { parseDocName } from '@parley/shared/protocol';
import { DocRoom } from '../../server/src/collab/room/DocRoom.ts';
import { Connection } from '../../server/src/collab/endpoint/Connection.ts';
import { wsRoomSocket } from '../../server/src/collab/endpoint/RoomSocket.ts';
import { createLogger } from '../../server/src/logger.ts';
import { buildDemoState } from '../../server/src/seed/createDemoBoard.ts';
import { encodeUpdate } from '../../server/src/collab/codec/messageCodec.ts';
import { PersistQueue } from '../../server/src/persistence/PersistQueue.ts';
import { SqliteStorage } from '../../server/src/persistence/sqlite/SqliteStorage.ts';
import { SYSTEM_OWNER } from '../../server/src/persistence/Storage.ts';

/** Copies a SQLite store's files as a crash would leave them (no checkpoint, no close). */
function crashImage(from: string): string {
  const to = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-crash-image-'));
  for (const f of fs.readdirSync(from)) fs.copyFileSync(path.join(from, f), path.join(to, f));
  return to;
}

describe('compaction and client-id owners (unit: DocRoom with a real store)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("STORE9: a compaction that stores an edit whose own log entry is still queued also stores its client id's owner, so after a crash its writer may go on writing under that id", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-compact-owners-'));
    const storage = new SqliteStorage(dataDir);
    await storage.createBoard('demo', 'Demo', buildDemoState());
    // A log longer than the threshold, so the room compacts right after it loads.
    const seed = new Y.Doc();
    for (const u of (await storage.loadLog('demo')).updates) Y.applyUpdate(seed, u);
    const [p] = listPoints(seed);
    for (let i = 0; i < 3; i++) {
      const before = Y.encodeStateVector(seed);
      pointText(seed, p!.id, 'body')!.insert(0, `seed-${i} `);
      await storage.appendUpdates([{ docName: 'demo', update: Y.encodeStateAsUpdate(seed, before) }]);
    }
    const log = createLogger({ logLevel: 'silent', logFormat: 'json' });
    // A long batch window: the edit below is applied but its log entry is not committed.
    const persist = new PersistQueue(storage, log, 60_000);
    cleanups.push(async () => {
      await persist.close();
      await storage.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    // The writer's socket, open before the room loads so the edit lands before compaction.
    const wss = new WebSocketServer({ port: 0 });
    cleanups.push(() => void wss.close());
    const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
    const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    cleanups.push(() => client.terminate());
    const socket = await accepted;

    const room = await DocRoom.load('demo', parseDocName('demo')!, {
      storage,
      persist,
      log,
      compactThreshold: 1,
      relayFramesPerSecond: 0,
    });
    cleanups.push(() => room.destroy());
    const writer: Principal = {
      userId: 'u-writer' as UserId,
      name: 'Writer',
      role: 'editor',
      stakeholderId: 'us' as StakeholderId,
    };
    const conn = new Connection('c1', wsRoomSocket(socket), '127.0.0.1', {
      messagesPerSecond: 1000,
      messageBurst: 1000,
    });
    conn.access = { principal: writer, sessionId: null };
    conn.initialSyncDone = true;
    room.addConnection(conn);
    const replica = new Y.Doc();
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(room.doc));
    const before = Y.encodeStateVector(replica);
    pointText(replica, p!.id, 'body')!.insert(0, 'queued-edit ');
    room.handleMessage(conn, encodeUpdate(Y.encodeStateAsUpdate(replica, before)));
    room.settle();
    expect(persist.size, 'the edit waits in the queue').toBe(1);

    await room.compaction;
    // The process dies here: the queued entry (with the owner claim) never commits.
    const image = crashImage(dataDir);
    const reopened = new SqliteStorage(image);
    cleanups.push(async () => {
      await reopened.close();
      fs.rmSync(image, { recursive: true, force: true });
    });
    const stored = new Y.Doc();
    for (const u of (await reopened.loadLog('demo')).updates) Y.applyUpdate(stored, u);
    expect(pointText(stored, p!.id, 'body')!.toString(), 'the compaction stored the edit').toContain('queued-edit');
    const owners = await reopened.loadClientOwners('demo');
    expect(owners.get(replica.clientID)).toBe(writer.userId);
    expect(owners.get(replica.clientID)).not.toBe(SYSTEM_OWNER);
  });
});
