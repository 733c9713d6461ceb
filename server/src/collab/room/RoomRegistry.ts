import type * as Y from 'yjs';
import { ROOT, TRASH, deleteOrphans, deletePoint, mutationOrigin, notesMap, type PointId } from '@parley/shared/model';
import { CLOSE, parseDocName, privateDocName } from '@parley/shared/protocol';
import type { Logger } from '../../logger.ts';
import type { Metrics } from '../../metrics.ts';
import type { PersistQueue } from '../../persistence/PersistQueue.ts';
import type { Storage } from '../../persistence/Storage.ts';
import type { BoardMembers } from '../../accounts/BoardMembers.ts';
import { DocRoom } from './DocRoom.ts';
import type { Connection } from '../endpoint/Connection.ts';
import { TrashPurger, type PurgeSet } from './TrashPurger.ts';

export class UnknownDocError extends Error {}

/**
 * Which boards this instance may serve, when several share the store (scale/BoardOwnership):
 * a board's rooms load only under its claimed epoch, and it is given up once none is left.
 */
export interface BoardOwner {
  /** Resolves with the epoch to write under; rejects if another instance serves the board. */
  acquire(boardId: string): Promise<number>;
  release(boardId: string): Promise<void>;
}

export interface RegistryOptions {
  readonly storage: Storage;
  readonly persist: PersistQueue;
  readonly log: Logger;
  readonly idleMs: number;
  readonly compactThreshold: number;
  readonly relayFramesPerSecond: number;
  readonly metrics?: Metrics;
  /** How long deleted points stay restorable before the server purges them (TRASH). */
  readonly trashPurgeMs?: number;
  /** Told of each board-doc update once it is committed (see RoomDeps). */
  readonly onBoardCommitted?: (boardId: string, update: Uint8Array) => void;
  /** With several instances: boards load only once this instance owns them. */
  readonly owner?: BoardOwner;
  /**
   * Each board's members, read before its room is ready (the guard lets comments mention
   * members only); without it nobody may be mentioned.
   */
  readonly members?: BoardMembers;
}

/**
 * Loads each document once, however many connections race to open it, and unloads a room
 * only when it has no connections and none of its updates are still waiting for the store.
 */
export class RoomRegistry {
  private readonly rooms = new Map<string, Promise<DocRoom>>();
  private readonly idleTimers = new Map<string, NodeJS.Timeout>();
  /**
   * Whether each board with a loaded room (or changed here since) is archived: read from
   * the store when its first room loads, kept in sync by setArchived. Every room of the
   * board asks it on every update (DocRoom's guard).
   */
  private readonly archived = new Map<string, boolean>();
  /** Boards being deleted: none of their docs may load (see closeBoard). */
  private readonly closing = new Set<string>();

  constructor(private readonly opts: RegistryOptions) {}

  get loadedCount(): number {
    return this.rooms.size;
  }

  /** Resolves the loaded room; rejects with UnknownDocError if no such board exists. */
  async open(docName: string): Promise<DocRoom> {
    const boardId = parseDocName(docName)?.boardId;
    if (boardId !== undefined && this.closing.has(boardId)) throw new UnknownDocError(`board "${boardId}" is deleted`);
    this.cancelIdle(docName);
    let room = this.rooms.get(docName);
    if (!room) {
      room = this.load(docName);
      this.rooms.set(docName, room);
      // A room opened without a connection (an export, a private-notes existence check)
      // must still idle out; join() cancels this as soon as someone connects.
      room.then(
        (r) => r.connectionCount === 0 && this.scheduleIdle(r),
        () => {
          if (this.rooms.get(docName) === room) this.rooms.delete(docName);
          if (boardId !== undefined) this.releaseIfUnused(boardId);
        },
      );
    }
    return room;
  }

  async join(docName: string, conn: Connection): Promise<DocRoom> {
    for (;;) {
      const room = await this.open(docName);
      // An idle unload may have won the race between load and join; load afresh.
      if (room.isDestroyed) continue;
      this.cancelIdle(docName);
      room.addConnection(conn);
      return room;
    }
  }

  leave(room: DocRoom, conn: Connection): void {
    room.removeConnection(conn);
    if (room.connectionCount === 0) this.scheduleIdle(room);
  }

  /** Unloads every room after its state is stored. */
  async closeAll(): Promise<void> {
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    this.idleTimers.clear();
    const rooms = await Promise.allSettled(this.rooms.values());
    await this.opts.persist.close();
    // After the flush: a live compaction waits for the commit of the entry that started it.
    await Promise.all(rooms.map((r) => (r.status === 'fulfilled' ? r.value.compaction : undefined)));
    for (const r of rooms) if (r.status === 'fulfilled') r.value.destroy();
    this.rooms.clear();
  }

  /**
   * Archives (read-only for everyone) or unarchives a board: stored first, then every room
   * of the board, loaded or not, refuses or accepts writes from its next update on.
   */
  async setArchived(boardId: string, archived: boolean): Promise<boolean> {
    if (!(await this.opts.storage.setBoardArchived(boardId, archived))) return false;
    this.archived.set(boardId, archived);
    return true;
  }

  /** Whether the board exists and is not being deleted. */
  async boardExists(boardId: string): Promise<boolean> {
    return !this.closing.has(boardId) && (await this.opts.storage.boardExists(boardId));
  }

  isArchived(boardId: string): boolean {
    return this.archived.get(boardId) === true;
  }

  /**
   * A change the server makes to a board's doc itself (an owner's rename): applied in one
   * transaction on the loaded room, which stores and relays it like any other
   * (DocRoom.onTransaction) and keeps the title catalogue in step. Resolves once stored.
   */
  async editBoard(boardId: string, edit: (doc: Y.Doc, room: DocRoom) => void): Promise<void> {
    const room = await this.open(boardId);
    edit(room.doc, room);
    await this.opts.persist.flush();
  }

  /**
   * Stores everything the board's room has applied so far (a version, or a comparison with
   * the live board, then reads the board from the store). Loads the room if need be, so
   * its archived flag is known after.
   */
  async flushBoard(boardId: string): Promise<void> {
    const room = await this.open(boardId);
    room.settle();
    await this.opts.persist.flush();
  }

  /**
   * Unloads every room of a board that is being deleted, then runs `whileClosed` (which
   * deletes its rows) with none of its docs allowed to load again until it is done. Every
   * connection is closed with 4404 (`reason`); edits received before are applied and
   * stored first, and a running compaction finishes, so that nothing for the board is
   * queued for the store, or written by it, once `whileClosed` runs.
   */
  async closeBoard<T>(boardId: string, reason: string, whileClosed: () => Promise<T>): Promise<T> {
    if (this.closing.has(boardId)) throw new UnknownDocError(`board "${boardId}" is being deleted`);
    this.closing.add(boardId);
    try {
      // Owning it fences off any other instance that still serves it (its writes are refused).
      await this.opts.owner?.acquire(boardId);
      // Loads under way finish first (a private-notes doc loads its board doc too).
      let names: string[];
      while ((names = [...this.rooms.keys()].filter((n) => parseDocName(n)?.boardId === boardId)).length > 0) {
        const pending = names.map((name) => this.rooms.get(name)!);
        const settled = await Promise.allSettled(pending);
        for (const [i, name] of names.entries()) {
          if (this.rooms.get(name) === pending[i]) this.rooms.delete(name);
          this.cancelIdle(name);
        }
        const rooms = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
        for (const room of rooms) {
          // A closed connection's later frames are ignored (DocRoom.handleMessage).
          for (const conn of room.allConnections()) conn.close(CLOSE.unknownBoard, reason);
          room.settle();
        }
        // As closeAll: stored first, then a compaction that waits for a commit finishes.
        await this.opts.persist.flush();
        await Promise.all(rooms.map((room) => room.compaction));
        for (const room of rooms) room.destroy();
      }
      // With every room gone and none loading, nothing new is queued for the board; this
      // stores what a room that failed earlier left queued.
      await this.opts.persist.flush();
      const result = await whileClosed();
      this.archived.delete(boardId);
      this.opts.members?.forget(boardId);
      return result;
    } finally {
      this.closing.delete(boardId);
      this.releaseIfUnused(boardId);
    }
  }

  /**
   * This instance must stop serving the board at once (its lease ran out, or the store
   * refused a write because another instance claimed it). Every connection is closed with
   * 1012 so its client reconnects to the new owner and resyncs; nothing not yet committed
   * was acknowledged. The rooms go without waiting for the store: what they queued is
   * committed or refused by its epoch, and a later load here waits for that (reloadBarriers).
   */
  dropBoard(boardId: string): void {
    for (const [name, pending] of this.rooms) {
      if (parseDocName(name)?.boardId !== boardId) continue;
      this.rooms.delete(name);
      this.cancelIdle(name);
      this.reloadBarriers.set(name, this.settledFlush());
      void pending.then(
        (room) => {
          for (const conn of room.allConnections()) conn.close(CLOSE.ownerMoved);
          room.destroy();
        },
        () => undefined,
      );
    }
    this.archived.delete(boardId);
    this.opts.members?.forget(boardId);
  }

  /** Gives the board's lease up once none of its docs is loaded or loading here. */
  private releaseIfUnused(boardId: string): void {
    if (!this.opts.owner || this.closing.has(boardId)) return;
    if ([...this.rooms.keys()].some((name) => parseDocName(name)?.boardId === boardId)) return;
    void this.opts.owner.release(boardId);
  }

  private settledFlush(): Promise<void> {
    return this.opts.persist.flush().catch(() => {
      /* logged and retried by the queue; the reload reads what is stored by then */
    });
  }

  /**
   * A failed room (DocRoom.fail) is dropped at once; the next connection loads the doc
   * afresh once the store holds everything the room queued before it failed.
   */
  private forget(room: DocRoom): void {
    void this.rooms.get(room.docName)?.then((current) => {
      if (current !== room) return;
      this.cancelIdle(room.docName);
      this.rooms.delete(room.docName);
      this.reloadBarriers.set(room.docName, this.settledFlush());
    });
  }

  private readonly reloadBarriers = new Map<string, Promise<void>>();

  private async load(docName: string): Promise<DocRoom> {
    const barrier = this.reloadBarriers.get(docName);
    if (barrier) {
      await barrier;
      this.reloadBarriers.delete(docName);
    }
    const parsed = parseDocName(docName);
    if (!parsed) throw new UnknownDocError('invalid document name');
    const board = await this.opts.storage.getBoard(parsed.boardId);
    if (!board) throw new UnknownDocError(`no board "${parsed.boardId}"`);
    // Before the log is read: from here on no other instance's write to it can land.
    const epoch = await this.opts.owner?.acquire(parsed.boardId);
    // Set by setArchived meanwhile, or by an earlier room of the board: that value is newer.
    if (!this.archived.has(parsed.boardId)) this.archived.set(parsed.boardId, board.archived);
    await this.opts.members?.load(parsed.boardId);
    let boardDoc: DocRoom['doc'] | undefined;
    if (parsed.kind === 'private') {
      // A private-notes doc exists for every stakeholder of an existing board, and only then.
      const boardRoom = await this.open(parsed.boardId);
      if (!boardRoom.doc.getMap(ROOT.stakeholders).has(parsed.stakeholderId)) {
        throw new UnknownDocError(`no stakeholder "${parsed.stakeholderId}" on board "${parsed.boardId}"`);
      }
      boardDoc = boardRoom.doc;
    }
    const started = performance.now();
    const room = await DocRoom.load(docName, parsed, {
      storage: this.opts.storage,
      persist: this.opts.persist,
      log: this.opts.log,
      compactThreshold: this.opts.compactThreshold,
      relayFramesPerSecond: this.opts.relayFramesPerSecond,
      ...(boardDoc ? { boardDoc } : {}),
      isArchived: () => this.isArchived(parsed.boardId),
      isMember: (userId: string) => this.opts.members?.isMember(parsed.boardId, userId) ?? false,
      ...(this.opts.metrics ? { metrics: this.opts.metrics } : {}),
      onFailure: (failed) => this.forget(failed),
      ...(this.opts.onBoardCommitted ? { onBoardCommitted: this.opts.onBoardCommitted } : {}),
      ...(epoch !== undefined ? { epoch } : {}),
    });
    this.opts.log.info({ docName, ms: Math.round(performance.now() - started) }, 'room loaded');
    if (parsed.kind === 'board') {
      new TrashPurger(room, {
        purgeAfterMs: this.opts.trashPurgeMs ?? TRASH.purgeAfterMs,
        purge: (r, what) => this.purge(r, what),
        onError: (err) => this.opts.log.error({ err, docName }, 'purging deleted points failed'),
      });
    }
    return room;
  }

  /**
   * Deletes points for good, once their undo time is over: the points with their positions
   * and threads, and positions and threads left without a point, in one transaction; then
   * the points' notes in every stakeholder's notes doc. An archived board is read-only for
   * the server too; its deleted points wait.
   */
  private async purge(room: DocRoom, what: PurgeSet): Promise<void> {
    const boardId = room.name.boardId;
    if (room.isDestroyed || this.isArchived(boardId) || this.closing.has(boardId)) return;
    room.doc.transact(
      () => {
        for (const id of what.points) deletePoint(room.doc, null, id as PointId);
        deleteOrphans(room.doc, what);
      },
      mutationOrigin('deletePoint', null),
    );
    if (what.points.length > 0) {
      for (const sid of room.doc.getMap(ROOT.stakeholders).keys()) {
        const notesRoom = await this.open(privateDocName(boardId, sid));
        const notes = notesMap(notesRoom.doc);
        const held = what.points.filter((id) => notes.has(id));
        if (held.length > 0) {
          notesRoom.doc.transact(() => held.forEach((id) => notes.delete(id)), mutationOrigin('deletePoint', null));
        }
      }
    }
    await this.opts.persist.flush();
    this.opts.log.info(
      {
        boardId,
        points: what.points.length,
        positions: what.positions.length,
        threads: what.threads.length,
        amendments: what.amendments.length,
        reactions: what.reactions.length,
      },
      'deleted points purged',
    );
  }

  private cancelIdle(docName: string): void {
    const timer = this.idleTimers.get(docName);
    if (timer) {
      clearTimeout(timer);
      this.idleTimers.delete(docName);
    }
  }

  private scheduleIdle(room: DocRoom): void {
    this.cancelIdle(room.docName);
    const timer = setTimeout(() => {
      this.idleTimers.delete(room.docName);
      void this.unloadIfIdle(room);
    }, this.opts.idleMs);
    timer.unref();
    this.idleTimers.set(room.docName, timer);
  }

  private async unloadIfIdle(room: DocRoom): Promise<void> {
    room.settle();
    if (this.opts.persist.hasPendingFor(room.docName)) {
      try {
        await this.opts.persist.flush();
      } catch {
        // The store is failing: keep the room (and its unsaved state) loaded and try later.
        this.scheduleIdle(room);
        return;
      }
    }
    if (room.connectionCount > 0 || this.opts.persist.hasPendingFor(room.docName)) return;
    if ((await this.rooms.get(room.docName)) !== room) return;
    if (room.connectionCount > 0) return;
    this.rooms.delete(room.docName);
    room.destroy();
    // The next load reads the flag afresh (the CLI may have changed it meanwhile).
    if (![...this.rooms.keys()].some((name) => parseDocName(name)?.boardId === room.boardId)) {
      this.archived.delete(room.boardId);
      this.opts.members?.forget(room.boardId);
      this.releaseIfUnused(room.boardId);
    }
    this.opts.log.info({ docName: room.docName }, 'room unloaded');
  }
}
