/**
 * A board room on its own (unit tests): the server's DocRoom loaded from an in-memory store
 * (MemoryStorage, held to SQLite's contract in unit/storage-contract.test.ts), with
 * connections on in-memory sockets, fed frames directly. Updates go through exactly the path
 * the server takes (decode, guard, apply, store, relay), so a test can watch what an update
 * does to the room's doc, the store and the relay.
 */
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import type { Principal } from '@parley/shared/permissions';
import { MESSAGE, SYNC, parseDocName } from '@parley/shared/protocol';
import { DocRoom } from '../../server/src/collab/room/DocRoom.ts';
import { Connection } from '../../server/src/collab/endpoint/Connection.ts';
import { encodeUpdate } from '../../server/src/collab/codec/messageCodec.ts';
import { createLogger } from '../../server/src/logger.ts';
import { PersistQueue } from '../../server/src/persistence/PersistQueue.ts';
import { MemoryStorage } from './memoryStorage.ts';
import { MemorySocket } from './memorySocket.ts';

/** An update frame as a client sends it (the server's own encoder: the same bytes). */
export const syncUpdateFrame = encodeUpdate;

export const silentLog = createLogger({ logLevel: 'silent', logFormat: 'json' });

export interface RoomConnection {
  readonly conn: Connection;
  /** Frames the server sent this connection, in order. */
  readonly sent: Uint8Array[];
  /** Resolves with the close code and reason the server closed it with. */
  readonly closed: Promise<{ code: number; reason: string }>;
}

let connections = 0;

/**
 * A connection of `principal` on an in-memory socket, as the endpoint makes one once the
 * client is authenticated and past its initial sync; not yet in any room.
 */
export function memoryConnection(principal: Principal): RoomConnection {
  const socket = new MemorySocket();
  const conn = new Connection(`c${++connections}`, socket, '127.0.0.1', {
    messagesPerSecond: 1000,
    messageBurst: 1000,
  });
  conn.access = { principal, sessionId: null };
  conn.initialSyncDone = true;
  return { conn, sent: socket.sent, closed: socket.closed };
}

/**
 * The code the server closed `connection` with, or null if it is still open after `waitMs`:
 * a test whose connection is never closed fails on the code, not on the test's timeout.
 */
export async function closeCode(connection: RoomConnection, waitMs = 1_000): Promise<number | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const open = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), waitMs)));
  try {
    return await Promise.race([connection.closed.then((c) => c.code), open]);
  } finally {
    clearTimeout(timer);
  }
}

/** The counts of the durable-save acknowledgements a connection was sent, in order. */
export function savedAcks(connection: RoomConnection): number[] {
  return connection.sent
    .filter((frame) => frame[0] === MESSAGE.saved)
    .map((frame) => {
      const decoder = decoding.createDecoder(frame);
      decoding.readVarUint(decoder);
      return decoding.readVarUint(decoder);
    });
}

export interface RoomHarnessOptions {
  /** The store (default: a new one); board `demo` is created in it. */
  readonly storage?: MemoryStorage;
  /** Entries the log holds after the initial state when the room loads. */
  readonly log?: readonly Uint8Array[];
  /** Default 500. */
  readonly compactThreshold?: number;
  /** The persist queue's batch window (default 0: each turn's edits commit right after it). */
  readonly batchMs?: number;
  readonly onFailure?: (room: DocRoom) => void;
  /** Who is a member of the board (only members may be @mentioned); by default nobody. */
  readonly isMember?: (userId: string) => boolean;
}

export interface RoomHarness {
  readonly room: DocRoom;
  readonly storage: MemoryStorage;
  readonly persist: PersistQueue;
  /** A connection of `principal`, joined and past its initial sync. */
  connect(principal: Principal): Promise<RoomConnection>;
  /** Hands `frame` to the room as `from` sent it, then waits until the turn's commit and relay are done. */
  deliver(from: RoomConnection, frame: Uint8Array): Promise<void>;
  /** The update log as stored. */
  storedLog(): Promise<Uint8Array[]>;
  close(): Promise<void>;
}

/**
 * A room for board `demo` whose store starts with `state`. The room is loaded when this
 * resolves, and nothing after the load waits for the event loop: what a test does next
 * happens before the room's first timer (a compaction after a long load, say).
 */
export async function roomHarness(state: Uint8Array, options: RoomHarnessOptions = {}): Promise<RoomHarness> {
  const storage = options.storage ?? new MemoryStorage();
  await storage.createBoard('demo', 'Demo', state);
  if (options.log?.length) await storage.appendUpdates(options.log.map((update) => ({ docName: 'demo', update })));
  const persist = new PersistQueue(storage, silentLog, options.batchMs ?? 0);
  const room = await DocRoom.load('demo', parseDocName('demo')!, {
    storage,
    persist,
    log: silentLog,
    compactThreshold: options.compactThreshold ?? 500,
    relayFramesPerSecond: 0,
    onFailure: options.onFailure,
    ...(options.isMember ? { isMember: options.isMember } : {}),
  });
  const settle = async () => {
    await persist.flush();
    // The relay flushes on the tick after the commit; let it, and the acks, go out.
    await new Promise((resolve) => setImmediate(resolve));
  };

  return {
    room,
    storage,
    persist,
    async connect(principal) {
      const connection = memoryConnection(principal);
      room.addConnection(connection.conn);
      return connection;
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
    },
  };
}

/** Whether a frame is a sync update or step 2 (document content), not awareness or an ack. */
export function carriesUpdate(frame: Uint8Array): boolean {
  return frame[0] === MESSAGE.sync && (frame[1] === SYNC.update || frame[1] === SYNC.step2);
}

export const stateBytes = (doc: Y.Doc): Buffer => Buffer.from(Y.encodeStateAsUpdate(doc));
