import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { CLOSE } from '@parley/shared/protocol';
import { META, ROOT } from '@parley/shared/model';
import type { Logger } from '../logger.ts';
import type { PersistQueue } from '../storage/PersistQueue.ts';
import type { Storage } from '../storage/Storage.ts';
import type { Connection } from './Connection.ts';
import {
  MalformedMessage,
  decodeClientMessage,
  encodeAwareness,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeUpdate,
} from './messages.ts';

export interface RoomDeps {
  readonly storage: Storage;
  readonly persist: PersistQueue;
  readonly log: Logger;
  readonly compactThreshold: number;
}

/**
 * One loaded document and the connections editing it. Transport-independent: it receives
 * decoded-or-not frames from connections and sends frames back; it never touches sockets.
 */
export class BoardRoom {
  readonly doc = new Y.Doc({ gc: true });
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  private readonly connections = new Set<Connection>();
  private lastTitle: string | null = null;
  private destroyed = false;

  private constructor(
    readonly docName: string,
    readonly boardId: string,
    private readonly deps: RoomDeps,
  ) {
    // The server is not a participant: it publishes no awareness state of its own.
    this.awareness.setLocalState(null);
    this.doc.on('update', this.onDocUpdate);
    this.awareness.on('update', this.onAwarenessUpdate);
  }

  /**
   * Loads the stored log before any client is attached, so the first sync reply already
   * holds the whole board. Long logs are compacted by applying them to the doc and
   * encoding once (never Y.mergeUpdates, which is superlinear on long logs).
   */
  static async load(docName: string, boardId: string, deps: RoomDeps): Promise<BoardRoom> {
    const room = new BoardRoom(docName, boardId, deps);
    const { updates, lastSeq } = await deps.storage.loadLog(docName);
    room.doc.off('update', room.onDocUpdate);
    try {
      Y.transact(room.doc, () => {
        for (const update of updates) Y.applyUpdate(room.doc, update);
      });
    } finally {
      room.doc.on('update', room.onDocUpdate);
    }
    room.lastTitle = room.title();
    if (updates.length > deps.compactThreshold) {
      await deps.storage.compact(docName, Y.encodeStateAsUpdate(room.doc), lastSeq);
      deps.log.info({ docName, entries: updates.length }, 'compacted update log');
    }
    return room;
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  addConnection(conn: Connection): void {
    this.connections.add(conn);
    conn.send(encodeSyncStep1(this.doc));
    const others = [...this.awareness.getStates().keys()];
    if (others.length > 0) conn.send(encodeAwareness(this.awareness, others));
  }

  removeConnection(conn: Connection): void {
    if (!this.connections.delete(conn)) return;
    if (conn.awarenessClientIds.size > 0) {
      awarenessProtocol.removeAwarenessStates(this.awareness, [...conn.awarenessClientIds], null);
    }
  }

  handleMessage(conn: Connection, data: Uint8Array): void {
    let message;
    try {
      message = decodeClientMessage(data);
    } catch (err) {
      this.reject(conn, err);
      return;
    }
    try {
      switch (message.type) {
        case 'sync-step1':
          conn.send(encodeSyncStep2(Y.encodeStateAsUpdate(this.doc, message.stateVector)));
          break;
        case 'sync-step2':
        case 'sync-update':
          Y.applyUpdate(this.doc, message.update, conn);
          break;
        case 'awareness':
          awarenessProtocol.applyAwarenessUpdate(this.awareness, message.update, conn);
          break;
        case 'query-awareness':
          conn.send(encodeAwareness(this.awareness, [...this.awareness.getStates().keys()]));
          break;
      }
    } catch (err) {
      this.reject(conn, err);
    }
  }

  /** Closes every connection (server shutdown or unload) and frees the doc. */
  destroy(code: typeof CLOSE.goingAway = CLOSE.goingAway): void {
    this.destroyed = true;
    for (const conn of this.connections) conn.close(code);
    this.connections.clear();
    this.awareness.destroy();
    this.doc.destroy();
  }

  private reject(conn: Connection, err: unknown): void {
    const detail = err instanceof Error ? err.message : String(err);
    this.deps.log.warn({ docName: this.docName, conn: conn.id, err: detail }, 'malformed message; closing');
    conn.close(CLOSE.malformed, err instanceof MalformedMessage ? detail : undefined);
  }

  private title(): string {
    const title = this.doc.getMap(ROOT.meta).get(META.title);
    return typeof title === 'string' ? title : '';
  }

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    void this.deps.persist.enqueue(this.docName, update);
    const frame = encodeUpdate(update);
    for (const conn of this.connections) {
      if (conn !== origin) conn.send(frame);
    }
    const title = this.title();
    if (this.docName === this.boardId && title !== this.lastTitle) {
      this.lastTitle = title;
      this.deps.storage.setBoardTitle(this.boardId, title).catch((err: unknown) => {
        this.deps.log.error({ err, boardId: this.boardId }, 'could not store board title');
      });
    }
  };

  private readonly onAwarenessUpdate = (
    change: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    const changed = [...change.added, ...change.updated, ...change.removed];
    if (changed.length === 0) return;
    for (const conn of this.connections) {
      if (conn === origin) {
        for (const id of change.added) conn.awarenessClientIds.add(id);
        for (const id of change.removed) conn.awarenessClientIds.delete(id);
      }
    }
    const frame = encodeAwareness(this.awareness, changed);
    for (const conn of this.connections) conn.send(frame);
  };
}
