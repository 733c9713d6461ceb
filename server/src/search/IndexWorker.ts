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
  /** The store's sequence number the replica holds every entry up to (and `savedSeq`, the index). */
  seq: number;
  savedSeq: number;
}

interface Loading {
  readonly buffered: Uint8Array[][];
  readonly waiters: (() => void)[];
  live: boolean;
  removed: boolean;
  /** The log on its way may predate dropped updates (see `stale`): it is asked for again. */
  reread: boolean;
  /** The highest sequence number of the `entries` buffered. */
  seq: number;
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
  /**
   * Other instances share the store: the main thread hands over entries by sequence number,
   * and a replica let go keeps its doc in the index file (`saveState`), so that the board is
   * taken up again from there and the entries after it, not from its whole log.
   */
  private shared = false;

  constructor(
    private readonly tables: IndexTables,
    private readonly post: (message: FromWorker) => void,
    private readonly timing: IndexTiming = INDEX_TIMING,
  ) {}

  handle(message: ToWorker): void {
    if (this.closed) return;
    switch (message.type) {
      case 'start':
        void this.start(message.boardIds, message.shared === true);
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
        this.logArrived(message.boardId, message.updates, message.lastSeq);
        break;
      case 'entries':
        this.entries(message.boardId, message.afterSeq, message.updates, message.lastSeq);
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
  private async start(boardIds: readonly string[], shared: boolean): Promise<void> {
    if (this.tables.open()) this.tables.forgetIndexedBoards();
    const exists = new Set(boardIds);
    for (const id of this.tables.boardsHeld()) if (!exists.has(id)) this.tables.removeBoard(id);
    this.indexed = this.tables.indexedBoards();
    this.shared = shared;
    if (shared) {
      // The main thread reads each board's entries after these before a search; a board
      // whose sequence number is not known is indexed anew.
      const seqs: [string, number][] = [];
      for (const [id, seq] of this.tables.indexedSeqs()) {
        if (seq !== null) seqs.push([id, seq]);
        else {
          this.tables.markNotIndexed(id);
          this.indexed.delete(id);
        }
      }
      this.post({ type: 'seqs', seqs });
    }
    for (const id of boardIds) {
      if (this.closed) return;
      // One board at a time, so commits and searches are served between them.
      if (!this.indexed.has(id)) await this.ensureLoaded(id);
    }
  }

  private committed(boardId: string, updates: Uint8Array[]): void {
    const board = this.loaded.get(boardId) ?? this.takeUp(boardId);
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
    this.loading.set(boardId, { buffered: [updates], waiters: [], live: true, removed: false, reread: false, seq: 0 });
    this.post({ type: 'need-log', boardId });
  }

  /**
   * Entries of the board's stored log after what the index had read of it (other
   * instances' commits, or this one's again: applying an update twice changes nothing).
   * A board with no replica here is taken up from the doc saved when its replica was let
   * go, or else replayed from its whole log (which holds these entries too), and kept a
   * while, so that the next search only reads what is new.
   */
  private entries(boardId: string, afterSeq: number, updates: Uint8Array[], lastSeq: number): void {
    const board = this.loaded.get(boardId) ?? this.takeUp(boardId);
    if (board && board.seq < afterSeq) {
      // Entries before these never reached the replica (it cannot happen; if it did, replay).
      this.stale(boardId);
    } else if (board) {
      board.replica.apply(updates);
      board.seq = Math.max(board.seq, lastSeq);
      this.scheduleFlush(boardId, board);
      return;
    }
    const loading = this.loading.get(boardId);
    if (loading) {
      loading.buffered.push(updates);
      loading.seq = Math.max(loading.seq, lastSeq);
      loading.live = true;
      return;
    }
    this.loading.set(boardId, { buffered: [], waiters: [], live: true, removed: false, reread: false, seq: 0 });
    this.post({ type: 'need-log', boardId });
  }

  /** A replica of an indexed board from the doc saved with its rows (see `shared`), if there is one. */
  private takeUp(boardId: string): Loaded | undefined {
    if (!this.shared || !this.indexed.has(boardId) || this.loading.has(boardId)) return undefined;
    try {
      const saved = this.tables.stateOf(boardId);
      if (!saved) return undefined;
      const replica = new BoardReplica(
        boardId,
        [saved.state],
        this.tables.entriesOf(boardId),
        this.tables.placesOf(boardId),
      );
      const board: Loaded = { replica, flushTimer: null, idleTimer: null, seq: saved.seq, savedSeq: saved.seq };
      this.loaded.set(boardId, board);
      return board;
    } catch (err) {
      this.failed(boardId, err);
      return undefined;
    }
  }

  /**
   * A replica is let go with everything written: with `shared`, its doc is saved with the
   * rows it matches. If that fails, the board is indexed anew when next needed.
   */
  private saveState(boardId: string, replica: BoardReplica, seq: number): void {
    if (!this.shared) return;
    try {
      this.tables.saveState(boardId, replica.encodeState(), seq);
    } catch (err) {
      this.failed(boardId, err);
    }
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
      this.loading.set(boardId, {
        buffered: [],
        waiters: [resolve],
        live: false,
        removed: false,
        reread: false,
        seq: 0,
      });
      this.post({ type: 'need-log', boardId });
    });
  }

  private logArrived(boardId: string, log: Uint8Array[] | null, lastSeq: number): void {
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
      const seq = Math.max(lastSeq, loading.seq);
      this.write(boardId, replica.diffAll(), true, seq);
      // Kept while commits come; a board replayed for a sweep or a search is let go at once.
      if (loading.live) this.loaded.set(boardId, { replica, flushTimer: null, idleTimer: null, seq, savedSeq: seq });
      else {
        this.saveState(boardId, replica, seq);
        replica.destroy();
      }
      const board = this.loaded.get(boardId);
      if (board) this.touchIdle(boardId, board);
    } catch (err) {
      this.failed(boardId, err);
    } finally {
      for (const resolve of loading.waiters) resolve();
    }
  }

  private write(boardId: string, changes: BoardChanges, whole: boolean, seq?: number): void {
    const empty =
      changes.upserts.length + changes.deletes.length + changes.places.size + changes.placesGone.length === 0;
    if (!empty || whole || seq !== undefined) this.tables.write(boardId, changes, whole, seq);
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
    // The sequence number is written only when `entries` moved it (other instances share
    // the store), and then with every write, which also lets go of a doc saved with the rows.
    const moved = board.seq !== board.savedSeq;
    if (!board.replica.isDirty && !moved) return;
    const seq = moved || this.shared ? board.seq : undefined;
    try {
      this.write(boardId, board.replica.flush(), false, seq);
      board.savedSeq = board.seq;
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
    // A failed write has let the board go already.
    if (this.loaded.get(boardId) === board) this.saveState(boardId, board.replica, board.seq);
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
    for (const boardId of [...this.loaded.keys()]) this.unload(boardId);
    this.closed = true;
    // A board still loading when the server stops is not whole: the next start indexes it.
    for (const boardId of this.loading.keys()) this.tables.markNotIndexed(boardId);
    this.tables.close();
    this.post({ type: 'closed' });
  }
}
