import { LIMITS, matchText, queryWords, type SearchField } from '@parley/shared/model';
import { BoardReplica } from './BoardReplica.ts';
import type { BoardChanges, IndexTables } from './IndexTables.ts';
import type { FromWorker, IndexHit, ToWorker } from './indexProtocol.ts';

export interface IndexTiming {
  /**
   * How long after a commit its board's changes are written to the index. A search writes
   * its boards' changes first, so this only bounds how long they wait unwritten: longer
   * coalesces more (a text typed into for a minute is written twelve times, not 120).
   */
  readonly flushMs: number;
  /** How long a board with no commits keeps its replica in the worker. */
  readonly idleMs: number;
}

export const INDEX_TIMING: IndexTiming = { flushMs: 5_000, idleMs: 60_000 };

/** Candidates read per hit wanted: the exact check drops the index's few false matches. */
const CANDIDATES_PER_HIT = 2;

interface Loaded {
  readonly replica: BoardReplica;
  flushTimer: NodeJS.Timeout | null;
  idleTimer: NodeJS.Timeout | null;
}

interface Loading {
  readonly buffered: Uint8Array[][];
  readonly waiters: (() => void)[];
  live: boolean;
  removed: boolean;
  /** The log on its way may predate dropped updates (see `stale`): it is asked for again. */
  reread: boolean;
}

/**
 * The search worker's state: the index tables and a replica of each board that is being
 * edited. A board is replayed from its stored log when its first commit arrives (or a sweep
 * or a search needs it) and compared whole with the index, so whatever the index missed
 * (a crash, a worker restart) is repaired then; after that only touched points are.
 */
export class IndexWorker {
  private readonly loaded = new Map<string, Loaded>();
  private readonly loading = new Map<string, Loading>();
  /** Boards whose index is whole (written from a replica since the index was last known whole). */
  private indexed = new Set<string>();
  private closed = false;

  constructor(
    private readonly tables: IndexTables,
    private readonly post: (message: FromWorker) => void,
    private readonly timing: IndexTiming = INDEX_TIMING,
  ) {}

  handle(message: ToWorker): void {
    if (this.closed) return;
    switch (message.type) {
      case 'start':
        void this.start(message.boardIds);
        break;
      case 'commits': {
        let bytes = 0;
        for (const { boardId, updates } of message.boards) {
          this.committed(boardId, updates);
          for (const u of updates) bytes += u.byteLength;
        }
        this.post({ type: 'applied', bytes });
        break;
      }
      case 'stale':
        for (const boardId of message.boardIds) this.stale(boardId);
        break;
      case 'log':
        this.logArrived(message.boardId, message.updates);
        break;
      case 'remove':
        this.remove(message.boardId);
        break;
      case 'search':
        void this.search(message.requestId, message.boardIds, message.query, message.limit);
        break;
      case 'close':
        this.close();
        break;
    }
  }

  /**
   * After a crash every board is indexed anew; otherwise the boards never indexed (made by
   * the CLI, or before the index existed). Boards deleted meanwhile are dropped.
   */
  private async start(boardIds: readonly string[]): Promise<void> {
    if (this.tables.open()) this.tables.forgetIndexedBoards();
    const exists = new Set(boardIds);
    for (const id of this.tables.boardsHeld()) if (!exists.has(id)) this.tables.removeBoard(id);
    this.indexed = this.tables.indexedBoards();
    for (const id of boardIds) {
      if (this.closed) return;
      // One board at a time, so commits and searches are served between them.
      if (!this.indexed.has(id)) await this.ensureLoaded(id);
    }
  }

  private committed(boardId: string, updates: Uint8Array[]): void {
    const board = this.loaded.get(boardId);
    if (board) {
      board.replica.apply(updates);
      this.scheduleFlush(boardId, board);
      return;
    }
    const loading = this.loading.get(boardId);
    if (loading) {
      loading.buffered.push(updates);
      loading.live = true;
      return;
    }
    this.loading.set(boardId, { buffered: [updates], waiters: [], live: true, removed: false, reread: false });
    this.post({ type: 'need-log', boardId });
  }

  /** Resolves once the board's index is whole (or the board is gone). */
  private ensureLoaded(boardId: string): Promise<void> {
    if (this.loaded.has(boardId)) return Promise.resolve();
    return new Promise((resolve) => {
      const loading = this.loading.get(boardId);
      if (loading) {
        loading.waiters.push(resolve);
        return;
      }
      this.loading.set(boardId, { buffered: [], waiters: [resolve], live: false, removed: false, reread: false });
      this.post({ type: 'need-log', boardId });
    });
  }

  private logArrived(boardId: string, log: Uint8Array[] | null): void {
    const loading = this.loading.get(boardId);
    if (!loading) return;
    if (loading.reread) {
      loading.reread = false;
      this.post({ type: 'need-log', boardId });
      return;
    }
    this.loading.delete(boardId);
    try {
      if (log === null || loading.removed) {
        this.tables.removeBoard(boardId);
        this.indexed.delete(boardId);
        return;
      }
      const replica = new BoardReplica(boardId, log, this.tables.entriesOf(boardId), this.tables.placesOf(boardId));
      for (const updates of loading.buffered) replica.apply(updates);
      this.write(boardId, replica.diffAll(), true);
      // Kept while commits come; a board replayed for a sweep or a search is let go at once.
      if (loading.live) this.loaded.set(boardId, { replica, flushTimer: null, idleTimer: null });
      else replica.destroy();
      const board = this.loaded.get(boardId);
      if (board) this.touchIdle(boardId, board);
    } catch (err) {
      this.failed(boardId, err);
    } finally {
      for (const resolve of loading.waiters) resolve();
    }
  }

  private write(boardId: string, changes: BoardChanges, whole: boolean): void {
    const empty =
      changes.upserts.length + changes.deletes.length + changes.places.size + changes.placesGone.length === 0;
    if (!empty || whole) this.tables.write(boardId, changes, whole);
    if (whole) this.indexed.add(boardId);
  }

  private scheduleFlush(boardId: string, board: Loaded): void {
    this.touchIdle(boardId, board);
    board.flushTimer ??= setTimeout(() => {
      board.flushTimer = null;
      this.flush(boardId, board);
    }, this.timing.flushMs);
  }

  private flush(boardId: string, board: Loaded): void {
    if (!board.replica.isDirty) return;
    try {
      this.write(boardId, board.replica.flush(), false);
    } catch (err) {
      this.failed(boardId, err);
    }
  }

  private touchIdle(boardId: string, board: Loaded): void {
    if (board.idleTimer) clearTimeout(board.idleTimer);
    board.idleTimer = setTimeout(() => this.unload(boardId), this.timing.idleMs);
  }

  private unload(boardId: string): void {
    const board = this.loaded.get(boardId);
    if (!board) return;
    this.flush(boardId, board);
    this.drop(boardId);
  }

  private drop(boardId: string): void {
    const board = this.loaded.get(boardId);
    if (!board) return;
    if (board.flushTimer) clearTimeout(board.flushTimer);
    if (board.idleTimer) clearTimeout(board.idleTimer);
    board.replica.destroy();
    this.loaded.delete(boardId);
  }

  /**
   * A write failed: what the replica believes the index holds is no longer sure, so the
   * board is let go and counted as not indexed; its next commit or search replays it.
   */
  private failed(boardId: string, err: unknown): void {
    this.drop(boardId);
    this.indexed.delete(boardId);
    try {
      this.tables.removeBoard(boardId);
    } catch {
      // The index file itself is failing; the next start rebuilds what it cannot read.
    }
    this.post({ type: 'error', boardId, message: err instanceof Error ? err.message : String(err) });
  }

  /** Some of the board's committed updates never came: it is replayed from the store when next needed. */
  private stale(boardId: string): void {
    this.drop(boardId);
    this.indexed.delete(boardId);
    this.tables.markNotIndexed(boardId);
    const loading = this.loading.get(boardId);
    // A log asked for before the drop may lack what was dropped: ask again.
    if (loading) loading.reread = true;
  }

  private remove(boardId: string): void {
    this.drop(boardId);
    const loading = this.loading.get(boardId);
    if (loading) loading.removed = true;
    this.indexed.delete(boardId);
    this.tables.removeBoard(boardId);
  }

  private async search(requestId: number, boardIds: readonly string[], query: string, limit: number): Promise<void> {
    try {
      const words = queryWords(query);
      // Boards never indexed are indexed first; boards being edited write what is pending.
      // (and those whose replay a commit just started, so a search right after "saved" finds it).
      const pending = boardIds.filter((id) => !this.indexed.has(id) || this.loading.has(id));
      await Promise.all(pending.map((id) => this.ensureLoaded(id)));
      for (const id of boardIds) {
        const board = this.loaded.get(id);
        if (board) this.flush(id, board);
      }
      const want = Math.min(limit, LIMITS.searchHits);
      const hits: IndexHit[] = [];
      for (const c of this.tables.candidates(boardIds, words, want * CANDIDATES_PER_HIT)) {
        const match = matchText(c.text, words);
        if (!match) continue;
        hits.push({
          boardId: c.boardId,
          pointId: c.pointId as IndexHit['pointId'],
          pointNumber: c.pointNumber ?? 0,
          pointTitle: c.pointTitle ?? '',
          field: c.field as SearchField,
          ...(c.stakeholderId ? { stakeholderId: c.stakeholderId as IndexHit['stakeholderId'] } : {}),
          ...(c.threadId ? { threadId: c.threadId as IndexHit['threadId'] } : {}),
          ...(c.commentId ? { commentId: c.commentId as IndexHit['commentId'] } : {}),
          ...match,
        });
        if (hits.length >= want) break;
      }
      this.post({ type: 'hits', requestId, hits });
    } catch (err) {
      this.post({ type: 'failed', requestId, message: err instanceof Error ? err.message : String(err) });
    }
  }

  /** Writes what is pending and marks the index whole, so the next start rebuilds nothing. */
  private close(): void {
    for (const [boardId, board] of this.loaded) {
      this.flush(boardId, board);
      this.drop(boardId);
    }
    this.closed = true;
    // A board still loading when the server stops is not whole: the next start indexes it.
    for (const boardId of this.loading.keys()) this.tables.markNotIndexed(boardId);
    this.tables.close();
    this.post({ type: 'closed' });
  }
}
