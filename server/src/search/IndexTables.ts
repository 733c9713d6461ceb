import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { SearchField } from '@parley/shared/model';
import type { IndexEntry, IndexedPoint } from './pointEntries.ts';

/** The index's own file beside the store's: derived data, rebuilt from the store when in doubt. */
export const SEARCH_INDEX_FILE = 'search.sqlite';

/** Bumped whenever the tables or the tokenizer change: a different version is dropped and rebuilt. */
const SCHEMA_VERSION = '2';

/**
 * `trigram` matches any substring of three or more characters, as the search within a
 * board does (it looks for each word anywhere in a field); `remove_diacritics` folds
 * accents as `queryWords` does, so "geneve" finds "Genève".
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS search_entries (
    id INTEGER PRIMARY KEY,
    board_id TEXT NOT NULL,
    entry_key TEXT NOT NULL,
    point_id TEXT NOT NULL,
    field TEXT NOT NULL,
    stakeholder_id TEXT,
    thread_id TEXT,
    comment_id TEXT,
    text TEXT NOT NULL,
    UNIQUE (board_id, entry_key)
  ) STRICT;
  CREATE VIRTUAL TABLE IF NOT EXISTS search_text USING fts5(
    text, content = 'search_entries', content_rowid = 'id', tokenize = 'trigram remove_diacritics 1'
  );
  CREATE TRIGGER IF NOT EXISTS search_entries_ai AFTER INSERT ON search_entries BEGIN
    INSERT INTO search_text (rowid, text) VALUES (new.id, new.text);
  END;
  CREATE TRIGGER IF NOT EXISTS search_entries_ad AFTER DELETE ON search_entries BEGIN
    INSERT INTO search_text (search_text, rowid, text) VALUES ('delete', old.id, old.text);
  END;
  CREATE TRIGGER IF NOT EXISTS search_entries_au AFTER UPDATE OF text ON search_entries BEGIN
    INSERT INTO search_text (search_text, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO search_text (rowid, text) VALUES (new.id, new.text);
  END;
  CREATE TABLE IF NOT EXISTS search_points (
    board_id TEXT NOT NULL,
    point_id TEXT NOT NULL,
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    PRIMARY KEY (board_id, point_id)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS search_boards (board_id TEXT PRIMARY KEY, seq INTEGER, state BLOB) STRICT, WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS search_state (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT, WITHOUT ROWID;
`;

const DROP = `
  DROP TABLE IF EXISTS search_text;
  DROP TABLE IF EXISTS search_entries;
  DROP TABLE IF EXISTS search_points;
  DROP TABLE IF EXISTS search_boards;
  DROP TABLE IF EXISTS search_state;
`;

/** What one flush changes for one board, applied in one transaction. */
export interface BoardChanges {
  readonly upserts: readonly IndexEntry[];
  readonly deletes: readonly string[];
  readonly places: ReadonlyMap<string, IndexedPoint>;
  readonly placesGone: readonly string[];
}

/** A stored entry that may match a query, before the exact check. */
export interface Candidate {
  readonly boardId: string;
  readonly pointId: string;
  readonly field: SearchField;
  readonly stakeholderId: string | null;
  readonly threadId: string | null;
  readonly commentId: string | null;
  readonly text: string;
  readonly pointNumber: number | null;
  readonly pointTitle: string | null;
}

const CANDIDATE_COLUMNS = `
  e.board_id AS boardId, e.point_id AS pointId, e.field, e.stakeholder_id AS stakeholderId,
  e.thread_id AS threadId, e.comment_id AS commentId, e.text,
  p.number AS pointNumber, p.title AS pointTitle`;

/** Words the trigram index can look up: three characters or more. */
export const INDEXED_WORD_LENGTH = 3;

/** A word as an FTS5 string (double quotes doubled), so no query syntax reaches MATCH. */
const ftsString = (word: string) => `"${word.replaceAll('"', '""')}"`;
const likePattern = (word: string) => `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The search index's tables in their own SQLite file, used by the search worker only. WAL
 * so that one transaction per flush is cheap; `synchronous = NORMAL` because everything
 * here can be rebuilt from the store (a crash is detected by `opened` and repaired).
 */
export class IndexTables {
  private readonly db: Database.Database;
  private readonly stmts;

  constructor(dataDir: string) {
    fs.mkdirSync(dataDir, { recursive: true });
    this.db = new Database(path.join(dataDir, SEARCH_INDEX_FILE));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    const version = this.versionOnDisk();
    if (version !== null && version !== SCHEMA_VERSION) this.db.exec(DROP);
    this.db.exec(SCHEMA);
    this.db.prepare("INSERT OR REPLACE INTO search_state (key, value) VALUES ('version', ?)").run(SCHEMA_VERSION);
    const db = this.db;
    this.stmts = {
      getState: db.prepare<[string], { value: string }>('SELECT value FROM search_state WHERE key = ?'),
      setState: db.prepare('INSERT OR REPLACE INTO search_state (key, value) VALUES (?, ?)'),
      clearState: db.prepare('DELETE FROM search_state WHERE key = ?'),
      entriesOf: db.prepare<[string], { key: string; pointId: string; text: string }>(
        'SELECT entry_key AS key, point_id AS pointId, text FROM search_entries WHERE board_id = ?',
      ),
      placesOf: db.prepare<[string], { pointId: string; number: number; title: string }>(
        'SELECT point_id AS pointId, number, title FROM search_points WHERE board_id = ?',
      ),
      upsert: db.prepare(`
        INSERT INTO search_entries (board_id, entry_key, point_id, field, stakeholder_id, thread_id, comment_id, text)
        VALUES (@boardId, @key, @pointId, @field, @stakeholderId, @threadId, @commentId, @text)
        ON CONFLICT (board_id, entry_key) DO UPDATE SET text = excluded.text`),
      deleteEntry: db.prepare('DELETE FROM search_entries WHERE board_id = ? AND entry_key = ?'),
      upsertPlace: db.prepare(`
        INSERT INTO search_points (board_id, point_id, number, title) VALUES (?, ?, ?, ?)
        ON CONFLICT (board_id, point_id) DO UPDATE SET number = excluded.number, title = excluded.title`),
      deletePlace: db.prepare('DELETE FROM search_points WHERE board_id = ? AND point_id = ?'),
      markIndexed: db.prepare(
        `INSERT INTO search_boards (board_id, seq) VALUES (?, ?)
         ON CONFLICT (board_id) DO UPDATE SET seq = excluded.seq, state = NULL`,
      ),
      setSeq: db.prepare('UPDATE search_boards SET seq = ?, state = NULL WHERE board_id = ?'),
      saveState: db.prepare('UPDATE search_boards SET seq = ?, state = ? WHERE board_id = ?'),
      stateOf: db.prepare<[string], { seq: number; state: Buffer }>(
        'SELECT seq, state FROM search_boards WHERE board_id = ? AND seq IS NOT NULL AND state IS NOT NULL',
      ),
      indexedBoards: db.prepare<[], { boardId: string; seq: number | null }>(
        'SELECT board_id AS boardId, seq FROM search_boards',
      ),
      boardsHeld: db.prepare<[], { boardId: string }>(
        'SELECT DISTINCT board_id AS boardId FROM search_points UNION SELECT board_id FROM search_boards',
      ),
      forgetAll: db.prepare('DELETE FROM search_boards'),
      removeEntries: db.prepare('DELETE FROM search_entries WHERE board_id = ?'),
      removePlaces: db.prepare('DELETE FROM search_points WHERE board_id = ?'),
      removeIndexed: db.prepare('DELETE FROM search_boards WHERE board_id = ?'),
    };
  }

  private versionOnDisk(): string | null {
    const hasState = this.db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'search_state'")
      .get();
    if (!hasState) return null;
    const row = this.db.prepare("SELECT value FROM search_state WHERE key = 'version'").get() as
      { value: string } | undefined;
    return row?.value ?? null;
  }

  /**
   * Marks the index in use and tells whether it was in use already: true after a crash,
   * when committed changes may never have reached it (then every board is indexed anew).
   */
  open(): boolean {
    const wasOpen = this.stmts.getState.get('open') !== undefined;
    this.stmts.setState.run('open', String(Date.now()));
    return wasOpen;
  }

  /** Boards indexed since the index was last known to be whole. */
  indexedBoards(): Set<string> {
    return new Set(this.stmts.indexedBoards.all().map((r) => r.boardId));
  }

  /** The same boards, each with the store's sequence number its rows hold it up to (null: not known). */
  indexedSeqs(): Map<string, number | null> {
    return new Map(this.stmts.indexedBoards.all().map((r) => [r.boardId, r.seq]));
  }

  /** Every board the index holds anything of. */
  boardsHeld(): string[] {
    return this.stmts.boardsHeld.all().map((r) => r.boardId);
  }

  forgetIndexedBoards(): void {
    this.stmts.forgetAll.run();
  }

  entriesOf(boardId: string): { key: string; pointId: string; text: string }[] {
    return this.stmts.entriesOf.all(boardId);
  }

  placesOf(boardId: string): Map<string, IndexedPoint> {
    return new Map(this.stmts.placesOf.all(boardId).map((r) => [r.pointId, { number: r.number, title: r.title }]));
  }

  /**
   * One flush of one board, all or nothing; `indexed` also records the board as indexed.
   * `seq`, if given: the store's sequence number the board's rows now hold it up to (a
   * state saved with `saveState` is let go: it no longer is what the rows hold).
   */
  write(boardId: string, changes: BoardChanges, indexed: boolean, seq?: number): void {
    this.db.transaction(() => {
      for (const key of changes.deletes) this.stmts.deleteEntry.run(boardId, key);
      for (const e of changes.upserts) this.stmts.upsert.run({ boardId, ...e });
      for (const pointId of changes.placesGone) this.stmts.deletePlace.run(boardId, pointId);
      for (const [pointId, p] of changes.places) this.stmts.upsertPlace.run(boardId, pointId, p.number, p.title);
      if (indexed) this.stmts.markIndexed.run(boardId, seq ?? null);
      else if (seq !== undefined) this.stmts.setSeq.run(seq, boardId);
    })();
  }

  /**
   * The board's doc as its rows hold it, and the sequence number it holds every entry up
   * to, kept so that the worker can take the board up again from here and the entries
   * after it rather than from the whole log (only when other instances share the store).
   */
  saveState(boardId: string, state: Uint8Array, seq: number): void {
    this.stmts.saveState.run(seq, state, boardId);
  }

  stateOf(boardId: string): { seq: number; state: Uint8Array } | undefined {
    const row = this.stmts.stateOf.get(boardId);
    return row && { seq: row.seq, state: new Uint8Array(row.state.buffer, row.state.byteOffset, row.state.byteLength) };
  }

  /** The board's index is not whole (it missed commits): the next start indexes it anew. */
  markNotIndexed(boardId: string): void {
    this.stmts.removeIndexed.run(boardId);
  }

  removeBoard(boardId: string): void {
    this.db.transaction(() => {
      this.stmts.removeEntries.run(boardId);
      this.stmts.removePlaces.run(boardId);
      this.stmts.removeIndexed.run(boardId);
    })();
  }

  /**
   * Entries of these boards that hold every word the index can look up, best first (BM25);
   * shorter words are left to the exact check. A query of short words only scans the
   * boards' entries.
   */
  candidates(boardIds: readonly string[], words: readonly string[], limit: number): Candidate[] {
    const boards = JSON.stringify(boardIds);
    const indexed = words.filter((w) => [...w].length >= INDEXED_WORD_LENGTH);
    if (indexed.length > 0) {
      return this.db
        .prepare<[string, string, number], Candidate>(
          `SELECT ${CANDIDATE_COLUMNS}
           FROM search_text JOIN search_entries e ON e.id = search_text.rowid
           LEFT JOIN search_points p ON p.board_id = e.board_id AND p.point_id = e.point_id
           WHERE search_text MATCH ? AND e.board_id IN (SELECT value FROM json_each(?))
           ORDER BY search_text.rank LIMIT ?`,
        )
        .all(indexed.map(ftsString).join(' AND '), boards, limit);
    }
    const likes = words.map(() => "e.text LIKE ? ESCAPE '\\'").join(' AND ');
    return this.db
      .prepare<unknown[], Candidate>(
        `SELECT ${CANDIDATE_COLUMNS}
         FROM search_entries e
         LEFT JOIN search_points p ON p.board_id = e.board_id AND p.point_id = e.point_id
         WHERE e.board_id IN (SELECT value FROM json_each(?)) AND ${likes}
         ORDER BY e.board_id, p.number LIMIT ?`,
      )
      .all(boards, ...words.map(likePattern), limit);
  }

  /** After everything was written: a later start need not rebuild. */
  close(): void {
    this.stmts.clearState.run('open');
    this.db.close();
  }
}
