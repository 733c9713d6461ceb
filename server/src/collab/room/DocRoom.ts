import * as Y from 'yjs';
import { CLOSE, type DocName } from '@parley/shared/protocol';
import type { Logger } from '../../logger.ts';
import type { Metrics } from '../../metrics.ts';
import type { PersistQueue } from '../../persistence/PersistQueue.ts';
import type { Storage } from '../../persistence/Storage.ts';
import { MalformedAwareness } from '../codec/awarenessPinning.ts';
import { BoardCatalogue } from './BoardCatalogue.ts';
import { CommittedRelay } from '../relay/CommittedRelay.ts';
import { RoomGuard } from '../guard/RoomGuard.ts';
import { RoomLog } from './RoomLog.ts';
import { RoomPresence } from './RoomPresence.ts';
import { encodeSpans, spanOf } from '../relay/transactionSpans.ts';
import { injectedPrecommitFault } from './faults.ts';
import type { Connection } from '../endpoint/Connection.ts';
import { EditBatch } from './EditBatch.ts';
import { EditOrigin } from './EditOrigin.ts';
import { HistoryRecorder } from '../../history/HistoryRecorder.ts';
import { MalformedMessage, decodeClientMessage, encodeSyncStep1 } from '../codec/messageCodec.ts';

export interface RoomDeps {
  readonly storage: Storage;
  readonly persist: PersistQueue;
  readonly log: Logger;
  readonly compactThreshold: number;
  readonly relayFramesPerSecond: number;
  /** For private-notes rooms: the board doc, to colour presence by stakeholder. */
  readonly boardDoc?: Y.Doc;
  readonly metrics?: Metrics;
  /**
   * Told when the room can no longer vouch for its doc (an applied update could not be
   * stored): the room has closed every connection and must be loaded afresh from the store.
   */
  readonly onFailure?: (room: DocRoom) => void;
  /** Whether the board is archived now (RoomRegistry keeps it): then nobody may write. */
  readonly isArchived?: () => boolean;
  /** Whether a user is a member of the board now (BoardMembers): only members may be @mentioned. */
  readonly isMember?: (userId: string) => boolean;
  /** Told of each board-doc update once the store has committed it (the search index). */
  readonly onBoardCommitted?: (boardId: string, update: Uint8Array) => void;
  /**
   * The board's owner epoch this room was loaded under, when instances share the store
   * (scale/BoardOwnership): every write carries it, so the store refuses them once
   * another instance has claimed the board.
   */
  readonly epoch?: number;
}

/**
 * One loaded document (a board, or a stakeholder's private notes) and the connections
 * editing it. Transport-independent: it receives decoded-or-not frames from connections
 * and sends frames back; it never touches sockets.
 */
export class DocRoom {
  readonly doc = new Y.Doc({ gc: true });
  private readonly connections = new Set<Connection>();
  /** The board doc's catalogue entry (title, stakeholder names); none for notes docs. */
  private catalogue: BoardCatalogue | null = null;
  private destroyed = false;
  /**
   * Set when something between apply and commit failed: the doc then holds what the store
   * does not, so nothing more may be acknowledged or stored from it.
   */
  private failure: unknown = null;

  /** The update guard for this doc, with who owns each of its client ids. */
  private guard!: RoomGuard;
  /** Client edits on their way into the doc. */
  private edits!: EditBatch;
  /** Derives the board's point histories from what it commits (none for notes docs). */
  private historyRecorder: HistoryRecorder | null = null;
  /** Who is here: awareness states, pinned to each connection's user. */
  private readonly presence: RoomPresence;
  private readonly relay: CommittedRelay;
  private readonly log: RoomLog;

  private constructor(
    readonly docName: string,
    readonly name: DocName,
    private readonly deps: RoomDeps,
  ) {
    this.presence = new RoomPresence(this.doc, this.connections, deps.boardDoc ?? this.doc);
    this.relay = new CommittedRelay(this.doc, this.connections, deps.relayFramesPerSecond, (frames) =>
      this.deps.metrics?.broadcastFrames.inc(frames),
    );
    this.log = new RoomLog(
      docName,
      deps,
      () => this.relay.fullState(),
      () => this.guard.claimedClients(),
    );
    this.doc.on('afterTransactionCleanup', this.onTransaction);
  }

  /**
   * Loads the stored log before any client is attached, so the first sync reply already
   * holds the whole board (RoomLog.replayInto: in slices, the event loop free between).
   */
  static async load(docName: string, name: DocName, deps: RoomDeps): Promise<DocRoom> {
    const room = new DocRoom(docName, name, deps);
    room.doc.off('afterTransactionCleanup', room.onTransaction);
    try {
      await room.log.replayInto(room.doc);
    } finally {
      room.doc.on('afterTransactionCleanup', room.onTransaction);
    }
    if (name.kind === 'board') {
      room.catalogue = new BoardCatalogue(name.boardId, room.doc, deps.storage, deps.log);
      room.historyRecorder = new HistoryRecorder(name.boardId, room.doc);
    }
    room.guard = new RoomGuard(
      room.doc,
      name,
      await deps.storage.loadClientOwners(docName),
      deps.isArchived,
      deps.isMember,
    );
    room.edits = new EditBatch({
      docName,
      doc: room.doc,
      guard: room.guard,
      history: room.historyRecorder,
      relay: room.relay,
      storage: deps.storage,
      persist: deps.persist,
      log: deps.log,
      metrics: deps.metrics,
      failedClosed: () => room.failedClosed(),
      failWith: (err) => room.failWith(err),
      reject: (conn, err) => room.reject(conn, err),
    });
    room.log.compactAfterLoad();
    return room;
  }

  /** Settles once a running compaction is done (shutdown waits for it). */
  get compaction(): Promise<void> {
    return this.log.compaction;
  }

  /** The board's point-history recorder; null for a private-notes doc. */
  get history(): HistoryRecorder | null {
    return this.historyRecorder;
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
    this.presence.greet(conn);
  }

  removeConnection(conn: Connection): void {
    if (!this.connections.delete(conn)) return;
    this.presence.leave(conn);
  }

  /** Every connection, for closing them all when the board is deleted. */
  allConnections(): Connection[] {
    return [...this.connections];
  }

  handleMessage(conn: Connection, data: Uint8Array): void {
    if (!conn.isOpen) return;
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
    // Stock y-websocket clients echo every awareness change they receive back to the
    // server; those echoes (entries for ids the connection does not own) are dropped
    // below and must not use up the sender's budget.
    if (message.type !== 'awareness' && !this.chargeMessage(conn)) return;
    try {
      switch (message.type) {
        case 'sync-step1':
          if (!conn.takeSyncRequest()) {
            this.refuseForRate(conn, 'sync request rate exceeded; closing', 'too many sync requests');
            return;
          }
          this.relay.answerStep1(conn, message.stateVector);
          break;
        case 'sync-step2':
          this.edits.receiveSyncStep2(conn, access.principal, message.update);
          break;
        case 'sync-update':
          this.edits.queue(conn, access.principal, message.update);
          break;
        case 'awareness':
          // Only what survives pinning (the sender's own states) costs a message.
          this.presence.receive(conn, access.principal, message.update, () => this.chargeMessage(conn));
          break;
        case 'query-awareness':
          this.presence.greet(conn, true);
          break;
        case 'subscribe-saved':
          conn.wantsSavedAcks = true;
          break;
      }
    } catch (err) {
      this.reject(conn, err);
    }
  }

  /** Applies the edits received this turn now (before an unload checks what is unstored). */
  settle(): void {
    this.edits.applyQueued();
  }

  /** Takes one message from the connection's budget; closes it (4429) when exhausted. */
  private chargeMessage(conn: Connection): boolean {
    if (conn.takeMessage()) return true;
    this.refuseForRate(conn, 'message rate exceeded; closing');
    return false;
  }

  private refuseForRate(conn: Connection, logMessage: string, detail?: string): void {
    this.deps.log.warn({ docName: this.docName, conn: conn.id }, logMessage);
    this.deps.metrics?.updatesRefused.inc({ reason: 'rate-limited' });
    conn.close(CLOSE.rateLimited, detail);
  }

  /** Closes every connection (server shutdown or unload) and frees the doc. */
  destroy(code: typeof CLOSE.goingAway | typeof CLOSE.internalError = CLOSE.goingAway): void {
    if (this.destroyed) return;
    // Received edits are applied and queued for the store, never dropped with the room.
    if (this.failure === null) this.edits.applyQueued();
    this.edits.discard();
    this.destroyed = true;
    this.relay.close();
    for (const conn of this.connections) conn.close(code);
    this.connections.clear();
    this.presence.destroy();
    this.doc.destroy();
  }

  /**
   * Fail closed: something between apply and commit went wrong, so the doc holds changes
   * the store may never get. Nothing more is acknowledged, stored or relayed from this
   * doc; every connection is closed so that its client resyncs with the room loaded afresh
   * from the store, and resends whatever it was never told was saved.
   */
  private fail(): void {
    if (this.destroyed) return;
    this.deps.log.error(
      { err: this.failure, docName: this.docName, connections: this.connections.size },
      'an applied update could not be committed; reloading the room from the store',
    );
    this.deps.metrics?.roomFailures.inc();
    this.edits.discard();
    this.destroy(CLOSE.internalError);
    this.deps.onFailure?.(this);
  }

  private failWith(err: unknown): void {
    this.failure ??= err;
    this.fail();
  }

  private failedClosed(): boolean {
    if (this.failure === null) return false;
    this.fail();
    return true;
  }

  private reject(conn: Connection, err: unknown): void {
    const detail = err instanceof Error ? err.message : String(err);
    this.deps.log.warn({ docName: this.docName, conn: conn.id, err: detail }, 'malformed message; closing');
    this.deps.metrics?.updatesRefused.inc({ reason: 'malformed' });
    const readable = err instanceof MalformedMessage || err instanceof MalformedAwareness;
    conn.close(CLOSE.malformed, readable ? detail : undefined);
  }

  /**
   * Every change to the doc is stored and relayed from here. The room listens to
   * `afterTransactionCleanup` rather than `update`, because with an `update` listener Yjs
   * encodes every transaction, walking every client id the doc has ever seen (hundreds in a
   * busy board), even when the edit's own bytes are at hand.
   */
  private readonly onTransaction = (tr: Y.Transaction): void => {
    if (this.failure !== null) return;
    try {
      this.commitTransaction(tr);
    } catch (err) {
      // Thrown inside Yjs' cleanup it would leave later transactions unobserved, and every
      // later edit "saved" without being stored; the caller fails the room instead.
      this.failure = err;
    }
  };

  private commitTransaction(tr: Y.Transaction): void {
    const span = spanOf(tr);
    // Taken either way, so that nothing recorded for this transaction joins a later one.
    const history = this.historyRecorder?.takeRows();
    if (span.starts.size === 0 && span.deleteSet.clients.size === 0) return;
    // Client edits carry their context; the server's own changes (a rename, a purge) none.
    const edits = tr.origin instanceof EditOrigin ? tr.origin : null;
    const update = edits?.bytes ?? encodeSpans(this.doc, [span]);
    injectedPrecommitFault(update);
    const stored = this.deps.persist.enqueue(
      {
        docName: this.docName,
        update,
        ...(edits && edits.claims.size > 0 ? { owners: edits.claims } : {}),
        ...(history && history.length > 0 ? { history } : {}),
        ...(this.deps.epoch !== undefined ? { epoch: this.deps.epoch } : {}),
      },
      edits?.kind === 'batch' ? edits.receivedAt : undefined,
    );
    this.log.appendedOne(stored);
    if (edits) edits.stored = stored;
    const onCommitted = this.name.kind === 'board' ? this.deps.onBoardCommitted : undefined;
    // Before the relay's own wait, so whoever is told "saved" can already search for it.
    if (onCommitted) void stored.then(() => onCommitted(this.name.boardId, update));
    // A commit of one connection's edits (one person typing) need not echo back to it.
    this.relay.add(update, span, edits?.sender ?? null, stored);
    this.catalogue?.afterCommit(tr);
  }
}
