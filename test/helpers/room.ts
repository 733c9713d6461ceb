/**
 * A board room on its own (unit tests): the server's DocRoom loaded from a real SQLite
 * store in a temp dir, with connections on in-memory sockets, fed frames directly. Updates go
 * through exactly the path the server takes (decode, guard, apply, store, relay), so a
 * test can watch what a refused update does to the room's doc, the store and the relay.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as Y from 'yjs';
import type { Principal } from '@parley/shared/permissions';
import { MESSAGE, SYNC, parseDocName } from '@parley/shared/protocol';
import { DocRoom } from '../../server/src/collab/room/DocRoom.ts';
import { Connection } from '../../server/src/collab/endpoint/Connection.ts';
import { encodeUpdate } from '../../server/src/collab/codec/messageCodec.ts';
import { createLogger } from '../../server/src/logger.ts';
import { PersistQueue } from '../../server/src/persistence/PersistQueue.ts';
import { SqliteStorage } from '../../server/src/persistence/sqlite/SqliteStorage.ts';
import { MemorySocket } from './memorySocket.ts';

/** An update frame as a client sends it (the server's own encoder: the same bytes). */
export const syncUpdateFrame = encodeUpdate;

export interface RoomConnection {
  readonly conn: Connection;
  /** Frames the server sent this connection, in order. */
  readonly sent: Uint8Array[];
  /** Resolves with the close code and reason the server closed it with. */
  readonly closed: Promise<{ code: number; reason: string }>;
}

export interface RoomHarness {
  readonly room: DocRoom;
  /** A connection of `principal`, joined and past its initial sync. */
  connect(principal: Principal): Promise<RoomConnection>;
  /** Hands `frame` to the room as `from` sent it, then waits until the turn's commit and relay are done. */
  deliver(from: RoomConnection, frame: Uint8Array): Promise<void>;
  /** The update log as stored. */
  storedLog(): Promise<Uint8Array[]>;
  close(): Promise<void>;
}

/** A room for board `demo` whose store starts with `state`. */
export async function roomHarness(state: Uint8Array): Promise<RoomHarness> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-room-'));
  const storage = new SqliteStorage(dataDir);
  await storage.createBoard('demo', 'Demo', state);
  const log = createLogger({ logLevel: 'silent', logFormat: 'json' });
  const persist = new PersistQueue(storage, log, 0);
  const room = await DocRoom.load('demo', parseDocName('demo')!, {
    storage,
    persist,
    log,
    compactThreshold: 500,
    relayFramesPerSecond: 0,
  });
  const settle = async () => {
    await persist.flush();
    // The relay flushes on the tick after the commit; let it, and the acks, go out.
    await new Promise((resolve) => setImmediate(resolve));
  };

  return {
    room,
    async connect(principal) {
      const socket = new MemorySocket();
      const conn = new Connection(principal.userId, socket, '127.0.0.1', {
        messagesPerSecond: 1000,
        messageBurst: 1000,
      });
      conn.access = { principal, sessionId: null };
      conn.initialSyncDone = true;
      room.addConnection(conn);
      return { conn, sent: socket.sent, closed: socket.closed };
    },
    async deliver(from, frame) {
      room.handleMessage(from.conn, frame);
      await settle();
    },
    async storedLog() {
      return (await storage.loadLog('demo')).updates;
    },
    async close() {
      room.destroy();
      await persist.close();
      await storage.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Whether a frame is a sync update or step 2 (document content), not awareness or an ack. */
export function carriesUpdate(frame: Uint8Array): boolean {
  return frame[0] === MESSAGE.sync && (frame[1] === SYNC.update || frame[1] === SYNC.step2);
}

export const stateBytes = (doc: Y.Doc): Buffer => Buffer.from(Y.encodeStateAsUpdate(doc));
