import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { CLOSE, type AwarenessUser, type DocName } from '@parley/shared/protocol';
import { META, ROOT, STAKEHOLDER } from '@parley/shared/model';
import type { Principal } from '@parley/shared/permissions';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { PersistQueue } from '../storage/PersistQueue.ts';
import type { Storage } from '../storage/Storage.ts';
import { MalformedAwareness, pinAwarenessUpdate } from './awarenessPinning.ts';
import type { Connection } from './Connection.ts';
import { checkBoardChanges, type Verdict } from './guard/boardRules.ts';
import { checkPrivateNotesChanges } from './guard/privateNotesRules.ts';
import { UnresolvableUpdate, resolveChanges } from './guard/resolveChanges.ts';
import {
  MalformedMessage,
  decodeClientMessage,
  encodeAwareness,
  encodeSaved,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeUpdate,
} from './messages.ts';

export interface RoomDeps {
  readonly storage: Storage;
  readonly persist: PersistQueue;
  readonly log: Logger;
  readonly compactThreshold: number;
  /** For private-notes rooms: the board doc, to colour presence by stakeholder. */
  readonly boardDoc?: Y.Doc;
  readonly metrics?: Metrics;
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
  /** The store promise of the update the current applyUpdate produced, if any. */
  private lastStored: Promise<void> | null = null;
  private destroyed = false;

  /** Which connection owns each awareness client id in this room. */
  private readonly awarenessOwners = new Map<number, Connection>();

  private constructor(
    readonly docName: string,
    readonly name: DocName,
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
  static async load(docName: string, name: DocName, deps: RoomDeps): Promise<BoardRoom> {
    const room = new BoardRoom(docName, name, deps);
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

  get boardId(): string {
    return this.name.boardId;
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
    for (const id of conn.awarenessClientIds) {
      if (this.awarenessOwners.get(id) === conn) this.awarenessOwners.delete(id);
    }
    if (conn.awarenessClientIds.size > 0) {
      awarenessProtocol.removeAwarenessStates(this.awareness, [...conn.awarenessClientIds], null);
    }
  }

  /** Connections of a user (or all), for closing them when their access changes. */
  connectionsOf(userId?: string): Connection[] {
    return [...this.connections].filter((c) => userId === undefined || c.access?.principal.userId === userId);
  }

  handleMessage(conn: Connection, data: Uint8Array): void {
    if (!conn.messageBudget.take()) {
      this.deps.log.warn({ docName: this.docName, conn: conn.id }, 'message rate exceeded; closing');
      this.deps.metrics?.updatesRefused.inc({ reason: 'rate-limited' });
      conn.close(CLOSE.rateLimited);
      return;
    }
    const access = conn.access;
    if (!access) {
      conn.close(CLOSE.unauthorized);
      return;
    }
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
        case 'sync-update': {
          const verdict = this.guard(access.principal, message.update);
          if (!verdict.ok) {
            // Applied nowhere, broadcast to no one, stored nowhere: the client must resync.
            this.deps.log.warn(
              { docName: this.docName, conn: conn.id, user: access.principal.userId, reason: verdict.reason },
              'forbidden update refused',
            );
            this.deps.metrics?.updatesRefused.inc({ reason: 'forbidden' });
            conn.close(CLOSE.forbiddenUpdate, verdict.reason);
            return;
          }
          this.deps.metrics?.updatesApplied.inc();
          this.lastStored = null;
          Y.applyUpdate(this.doc, message.update, conn);
          // A message that changed nothing (e.g. an empty sync step 2) is "stored" as soon
          // as everything before it is.
          conn.trackUpdate(this.lastStored ?? Promise.resolve(), encodeSaved);
          this.lastStored = null;
          break;
        }
        case 'awareness': {
          const pinned = pinAwarenessUpdate(message.update, this.pinnedUser(access.principal), (id) =>
            this.claimAwarenessId(conn, id),
          );
          if (pinned) awarenessProtocol.applyAwarenessUpdate(this.awareness, pinned, conn);
          break;
        }
        case 'query-awareness':
          conn.send(encodeAwareness(this.awareness, [...this.awareness.getStates().keys()]));
          break;
        case 'subscribe-saved':
          conn.wantsSavedAcks = true;
          break;
      }
    } catch (err) {
      this.reject(conn, err);
    }
  }

  /** Resolves an update to document paths and checks each against the rule table. */
  private guard(principal: Principal, update: Uint8Array): Verdict {
    let changes;
    try {
      ({ changes } = resolveChanges(this.doc, update));
    } catch (err) {
      if (err instanceof UnresolvableUpdate) {
        return { ok: false, reason: `the update ${err.message}; reload to resync` };
      }
      throw new MalformedMessage('undecodable update');
    }
    return this.name.kind === 'board'
      ? checkBoardChanges(principal, this.doc, changes)
      : checkPrivateNotesChanges(principal, this.name.stakeholderId, changes);
  }

  /** A connection may speak only for awareness ids it owns; the first free one is its own. */
  private claimAwarenessId(conn: Connection, clientId: number): boolean {
    const owner = this.awarenessOwners.get(clientId);
    if (owner === conn) return true;
    if (owner !== undefined && owner.isOpen) return false;
    // A client reuses its id after reconnecting; a closed owner no longer holds it.
    this.awarenessOwners.set(clientId, conn);
    conn.awarenessClientIds.add(clientId);
    return true;
  }

  /** The identity the server shows for a principal in presence and remote cursors. */
  private pinnedUser(principal: Principal): AwarenessUser {
    const stakeholders = (this.deps.boardDoc ?? this.doc).getMap<Y.Map<unknown>>(ROOT.stakeholders);
    const sid = principal.stakeholderId ?? '';
    const color = stakeholders.get(sid)?.get(STAKEHOLDER.color);
    const hex = typeof color === 'string' && /^#[0-9a-f]{6}$/i.test(color) ? color : '#64748b';
    return {
      id: principal.userId,
      name: principal.name,
      color: hex,
      colorLight: `${hex}33`,
      stakeholderId: sid,
      role: principal.role,
    };
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
    this.deps.metrics?.updatesRefused.inc({ reason: 'malformed' });
    const readable = err instanceof MalformedMessage || err instanceof MalformedAwareness;
    conn.close(CLOSE.malformed, readable ? detail : undefined);
  }

  private title(): string {
    const title = this.doc.getMap(ROOT.meta).get(META.title);
    return typeof title === 'string' ? title : '';
  }

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    const stored = this.deps.persist.enqueue(this.docName, update);
    if (origin !== null && typeof origin === 'object' && this.connections.has(origin as Connection)) {
      this.lastStored = stored;
    }
    const frame = encodeUpdate(update);
    let sent = 0;
    for (const conn of this.connections) {
      if (conn !== origin) {
        conn.send(frame);
        sent++;
      }
    }
    this.deps.metrics?.broadcastFrames.inc(sent);
    const title = this.title();
    if (this.name.kind === 'board' && title !== this.lastTitle) {
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
    if (origin && typeof origin === 'object' && 'awarenessClientIds' in origin) {
      for (const id of change.removed) (origin as Connection).awarenessClientIds.delete(id);
    }
    const frame = encodeAwareness(this.awareness, changed);
    for (const conn of this.connections) conn.send(frame);
  };
}
