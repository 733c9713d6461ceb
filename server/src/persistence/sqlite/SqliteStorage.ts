import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as Y from 'yjs';
import { FencedError, SYSTEM_OWNER } from '../Storage.ts';
import type {
  BoardSummary,
  HistoryRow,
  PendingUpdate,
  Storage,
  StoredHistoryRow,
  StoredLog,
  VersionSummary,
} from '../Storage.ts';
import { claimedEpochs, staleBoards } from '../fencing.ts';
import { WalCheckpointer } from './WalCheckpointer.ts';
import type { Logger } from '../../logger.ts';

export const SQLITE_FILE = 'parley.sqlite';

/** Old log entries deleted per transaction while compacting. */
const COMPACT_DELETE_BATCH = 1_000;

interface LogRow {
  readonly seq: number;
  readonly data: Buffer;
}

function toLog(rows: readonly LogRow[], seqBefore: number): StoredLog {
  return {
    updates: rows.map((r) => new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength)),
    lastSeq: rows.at(-1)?.seq ?? seqBefore,
  };
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS boards (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    archived INTEGER NOT NULL DEFAULT 0,
    stakeholder_names TEXT
  ) STRICT;
  CREATE TABLE IF NOT EXISTS updates (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    doc TEXT NOT NULL,
    data BLOB NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS updates_by_doc ON updates (doc, seq);
  CREATE TABLE IF NOT EXISTS client_owners (
    doc TEXT NOT NULL,
    client INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (doc, client)
  ) STRICT;
  CREATE TABLE IF NOT EXISTS point_history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    group_key TEXT UNIQUE,
    board TEXT NOT NULL,
    point TEXT NOT NULL,
    kind TEXT NOT NULL,
    at INTEGER NOT NULL,
    until INTEGER NOT NULL,
    actor_id TEXT,
    actor_name TEXT,
    actor_stakeholder TEXT,
    detail TEXT NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS history_by_point ON point_history (board, point, seq);
  CREATE TABLE IF NOT EXISTS versions (
    id TEXT PRIMARY KEY,
    board TEXT NOT NULL,
    name TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by TEXT,
    created_by_name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    state BLOB NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS versions_by_board ON versions (board, created_at);
  -- The owner epoch of each board claimed so far (Storage.claimBoard).
  CREATE TABLE IF NOT EXISTS board_epochs (
    board TEXT PRIMARY KEY,
    epoch INTEGER NOT NULL
  ) STRICT;
`;

/**
 * Brings a data dir made by an older version up to the current schema. Each step checks
 * what is there, so it runs safely on every start.
 */
function migrate(db: Database.Database): void {
  const boardColumns = (db.pragma('table_info(boards)') as { name: string }[]).map((c) => c.name);
  if (!boardColumns.includes('archived')) {
    db.exec('ALTER TABLE boards ADD COLUMN archived INTEGER NOT NULL DEFAULT 0');
  }
  if (!boardColumns.includes('stakeholder_names')) {
    db.exec('ALTER TABLE boards ADD COLUMN stakeholder_names TEXT');
  }
}

/** Every document of a board: `<id>` itself and its private-notes docs `<id>~<sid>` (an index range). */
const DOCS_OF_BOARD = "(doc = @id OR (doc >= @id || '~' AND doc < @id || char(127)))";

interface BoardRow {
  readonly id: string;
  readonly title: string;
  readonly createdAt: number;
  readonly archived: number;
  readonly stakeholderNames: string | null;
}

const toSummary = (r: BoardRow): BoardSummary => ({
  id: r.id,
  title: r.title,
  createdAt: r.createdAt,
  archived: r.archived === 1,
  stakeholderNames: r.stakeholderNames === null ? null : (JSON.parse(r.stakeholderNames) as Record<string, string>),
});

interface HistoryDbRow {
  readonly seq: number;
  readonly groupKey: string | null;
  readonly boardId: string;
  readonly pointId: string;
  readonly at: number;
  readonly until: number;
  readonly actorId: string | null;
  readonly actorName: string | null;
  readonly actorStakeholderId: string | null;
  readonly detail: string;
}

const HISTORY_COLUMNS =
  'seq, group_key AS groupKey, board AS boardId, point AS pointId, at, until, actor_id AS actorId, ' +
  'actor_name AS actorName, actor_stakeholder AS actorStakeholderId, detail';

const toHistoryRow = (r: HistoryDbRow): StoredHistoryRow => ({
  ...r,
  detail: JSON.parse(r.detail) as StoredHistoryRow['detail'],
});

const VERSION_COLUMNS =
  'id, board AS boardId, name, note, created_by AS createdBy, created_by_name AS createdByName, created_at AS createdAt';

const BOARD_COLUMNS = 'id, title, created_at AS createdAt, archived, stakeholder_names AS stakeholderNames';

export interface SqliteStorageOptions {
  readonly fileName?: string;
  /** How often the WAL is checkpointed while writes come in (default 1 s). */
  readonly checkpointIntervalMs?: number;
  readonly log?: Logger;
}

/**
 * The embedded default store: one SQLite file in WAL mode. better-sqlite3 is synchronous,
 * which is fine because callers batch writes into one short transaction per flush.
 */
export class SqliteStorage implements Storage {
  readonly db: Database.Database;
  /** Checkpoints the WAL off the event loop (see WalCheckpointer). */
  readonly checkpointer: WalCheckpointer;
  private readonly stmts;

  constructor(dataDir: string, options: SqliteStorageOptions = {}) {
    fs.mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, options.fileName ?? SQLITE_FILE);
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // FULL: a commit is on disk before we report it, which is what "saved" promises.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('wal_autocheckpoint = 0');
    this.checkpointer = new WalCheckpointer(
      file,
      (reason) => {
        // Without the worker, SQLite checkpoints inside commits again (the default).
        options.log?.error(
          { reason },
          'WAL checkpoints off the event loop stopped; SQLite checkpoints in commits again',
        );
        if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
      },
      options.checkpointIntervalMs,
    );
    this.db.exec(SCHEMA);
    migrate(this.db);
    this.stmts = {
      insertBoard: this.db.prepare('INSERT INTO boards (id, title, created_at) VALUES (?, ?, ?)'),
      boardExists: this.db.prepare('SELECT 1 FROM boards WHERE id = ?').pluck(),
      listBoards: this.db.prepare(`SELECT ${BOARD_COLUMNS} FROM boards ORDER BY created_at, id`),
      getBoard: this.db.prepare(`SELECT ${BOARD_COLUMNS} FROM boards WHERE id = ?`),
      setTitle: this.db.prepare('UPDATE boards SET title = ? WHERE id = ?'),
      setStakeholderNames: this.db.prepare('UPDATE boards SET stakeholder_names = ? WHERE id = ?'),
      setArchived: this.db.prepare('UPDATE boards SET archived = ? WHERE id = ?'),
      deleteBoard: this.db.prepare('DELETE FROM boards WHERE id = @id'),
      deleteBoardLog: this.db.prepare(`DELETE FROM updates WHERE ${DOCS_OF_BOARD}`),
      deleteBoardOwners: this.db.prepare(`DELETE FROM client_owners WHERE ${DOCS_OF_BOARD}`),
      insertUpdate: this.db.prepare('INSERT INTO updates (doc, data) VALUES (?, ?)'),
      loadLog: this.db.prepare('SELECT seq, data FROM updates WHERE doc = ? ORDER BY seq'),
      lastSeq: this.db.prepare('SELECT MAX(seq) FROM updates WHERE doc = ?').pluck(),
      loadPage: this.db.prepare('SELECT seq, data FROM updates WHERE doc = ? AND seq > ? ORDER BY seq LIMIT ?'),
      deleteSome: this.db.prepare(
        'DELETE FROM updates WHERE seq IN (SELECT seq FROM updates WHERE doc = ? AND seq <= ? ORDER BY seq LIMIT ?)',
      ),
      // A grouped entry keeps its seq (its place in the history) as it grows.
      putHistory: this.db.prepare(
        'INSERT INTO point_history (group_key, board, point, kind, at, until, actor_id, actor_name, actor_stakeholder, detail) ' +
          'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (group_key) DO UPDATE SET until = excluded.until, detail = excluded.detail',
      ),
      readHistory: this.db.prepare(
        `SELECT ${HISTORY_COLUMNS} FROM point_history WHERE board = ? AND point = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
      ),
      nextTextBefore: this.db
        .prepare(
          "SELECT json_extract(detail, '$.before') FROM point_history WHERE board = ? AND point = ? AND seq > ? " +
            "AND kind = 'text' AND json_extract(detail, '$.field') = ? ORDER BY seq LIMIT 1",
        )
        .pluck(),
      deleteBoardHistory: this.db.prepare('DELETE FROM point_history WHERE board = @id'),
      insertVersion: this.db.prepare(
        'INSERT INTO versions (id, board, name, note, created_by, created_by_name, created_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      listVersions: this.db.prepare(
        `SELECT ${VERSION_COLUMNS} FROM versions WHERE board = ? ORDER BY created_at DESC, rowid DESC`,
      ),
      readVersion: this.db.prepare(`SELECT ${VERSION_COLUMNS}, state FROM versions WHERE board = ? AND id = ?`),
      deleteBoardVersions: this.db.prepare('DELETE FROM versions WHERE board = @id'),
      loadOwners: this.db.prepare('SELECT client, user_id FROM client_owners WHERE doc = ?'),
      addOwner: this.db.prepare('INSERT OR IGNORE INTO client_owners (doc, client, user_id) VALUES (?, ?, ?)'),
      claimBoard: this.db
        .prepare(
          'INSERT INTO board_epochs (board, epoch) VALUES (?, 1) ' +
            'ON CONFLICT (board) DO UPDATE SET epoch = epoch + 1 RETURNING epoch',
        )
        .pluck(),
      boardEpoch: this.db.prepare('SELECT epoch FROM board_epochs WHERE board = ?').pluck(),
      deleteBoardEpoch: this.db.prepare('DELETE FROM board_epochs WHERE board = @id'),
    };
  }

  async createBoard(id: string, title: string, initialState: Uint8Array): Promise<void> {
    // The server wrote the initial state; its client ids belong to no user. The state
    // vector names them without decoding every struct (a 500-point import: 5x faster).
    const clients = Y.decodeStateVector(Y.encodeStateVectorFromUpdate(initialState)).keys();
    this.db.transaction(() => {
      this.stmts.insertBoard.run(id, title, Date.now());
      this.stmts.insertUpdate.run(id, initialState);
      for (const client of clients) this.stmts.addOwner.run(id, client, SYSTEM_OWNER);
    })();
  }

  async loadClientOwners(docName: string): Promise<Map<number, string>> {
    const rows = this.stmts.loadOwners.all(docName) as { client: number; user_id: string }[];
    return new Map(rows.map((r) => [r.client, r.user_id]));
  }

  async addClientOwners(docName: string, owners: ReadonlyMap<number, string>): Promise<void> {
    this.db.transaction(() => {
      for (const [client, userId] of owners) this.stmts.addOwner.run(docName, client, userId);
    })();
  }

  async boardExists(id: string): Promise<boolean> {
    return this.stmts.boardExists.get(id) === 1;
  }

  async listBoards(): Promise<BoardSummary[]> {
    return (this.stmts.listBoards.all() as BoardRow[]).map(toSummary);
  }

  async getBoard(id: string): Promise<BoardSummary | null> {
    const row = this.stmts.getBoard.get(id) as BoardRow | undefined;
    return row ? toSummary(row) : null;
  }

  async setBoardTitle(id: string, title: string): Promise<void> {
    this.stmts.setTitle.run(title, id);
  }

  async setBoardStakeholderNames(id: string, names: Readonly<Record<string, string>>): Promise<void> {
    this.stmts.setStakeholderNames.run(JSON.stringify(names), id);
  }

  async setBoardArchived(id: string, archived: boolean): Promise<boolean> {
    return this.stmts.setArchived.run(archived ? 1 : 0, id).changes > 0;
  }

  async deleteBoard(id: string): Promise<boolean> {
    this.checkpointer.noteWrite();
    return this.db.transaction(() => {
      this.stmts.deleteBoardLog.run({ id });
      this.stmts.deleteBoardOwners.run({ id });
      this.stmts.deleteBoardHistory.run({ id });
      this.stmts.deleteBoardVersions.run({ id });
      this.stmts.deleteBoardEpoch.run({ id });
      return this.stmts.deleteBoard.run({ id }).changes > 0;
    })();
  }

  async loadLog(docName: string): Promise<StoredLog> {
    return toLog(this.stmts.loadLog.all(docName) as LogRow[], 0);
  }

  async lastSeq(docName: string): Promise<number> {
    return (this.stmts.lastSeq.get(docName) as number | null) ?? 0;
  }

  async lastSeqs(docNames: readonly string[]): Promise<Map<string, number>> {
    return new Map(docNames.map((doc) => [doc, (this.stmts.lastSeq.get(doc) as number | null) ?? 0]));
  }

  async *readLog(docName: string, pageSize: number, afterSeq = 0): AsyncIterable<StoredLog> {
    let after = afterSeq;
    for (;;) {
      const page = toLog(this.stmts.loadPage.all(docName, after, pageSize) as LogRow[], after);
      if (page.updates.length === 0) return;
      after = page.lastSeq;
      yield page;
      if (page.updates.length < pageSize) return;
    }
  }

  async appendUpdates(batch: readonly PendingUpdate[]): Promise<void> {
    this.checkpointer.noteWrite();
    const claimed = claimedEpochs(batch);
    this.db.transaction(() => {
      if (claimed.size > 0) this.checkEpochs(claimed);
      for (const { docName, update, owners, history } of batch) {
        this.stmts.insertUpdate.run(docName, update);
        if (owners) for (const [client, userId] of owners) this.stmts.addOwner.run(docName, client, userId);
        if (history) for (const row of history) this.putHistory(row);
      }
    })();
  }

  /** Refuses the transaction's writes if a board has been claimed since (one writer: no lock needed). */
  private checkEpochs(claimed: ReadonlyMap<string, ReadonlySet<number>>): void {
    const stale = staleBoards(claimed, (board) => this.stmts.boardEpoch.get(board) as number | undefined);
    if (stale.length > 0) throw new FencedError(stale);
  }

  async claimBoard(boardId: string): Promise<number> {
    return this.stmts.claimBoard.get(boardId) as number;
  }

  private putHistory(r: HistoryRow): void {
    this.stmts.putHistory.run(
      r.groupKey,
      r.boardId,
      r.pointId,
      r.detail.kind,
      r.at,
      r.until,
      r.actorId,
      r.actorName,
      r.actorStakeholderId,
      JSON.stringify(r.detail),
    );
  }

  async readPointHistory(
    boardId: string,
    pointId: string,
    before: number | null,
    limit: number,
  ): Promise<StoredHistoryRow[]> {
    const rows = this.stmts.readHistory.all(boardId, pointId, before ?? Number.MAX_SAFE_INTEGER, limit);
    return (rows as HistoryDbRow[]).map(toHistoryRow);
  }

  async createVersion(v: VersionSummary, state: Uint8Array): Promise<void> {
    this.checkpointer.noteWrite();
    this.stmts.insertVersion.run(v.id, v.boardId, v.name, v.note, v.createdBy, v.createdByName, v.createdAt, state);
  }

  async listVersions(boardId: string): Promise<VersionSummary[]> {
    return this.stmts.listVersions.all(boardId) as VersionSummary[];
  }

  async readVersion(
    boardId: string,
    versionId: string,
  ): Promise<{ summary: VersionSummary; state: Uint8Array } | null> {
    const row = this.stmts.readVersion.get(boardId, versionId) as (VersionSummary & { state: Buffer }) | undefined;
    if (!row) return null;
    const { state, ...summary } = row;
    return { summary, state: new Uint8Array(state.buffer, state.byteOffset, state.byteLength) };
  }

  async nextTextBefore(boardId: string, pointId: string, field: string, afterSeq: number): Promise<string | null> {
    const v = this.stmts.nextTextBefore.get(boardId, pointId, afterSeq, field) as string | null | undefined;
    return typeof v === 'string' ? v : null;
  }

  /**
   * Deleting 100,000 rows in one statement holds the event loop for a long time, so the old
   * entries go a few thousand per transaction, with the loop free in between.
   */
  async compact(docName: string, state: Uint8Array, uptoSeq: number, epoch?: number): Promise<void> {
    this.checkpointer.noteWrite();
    if (epoch === undefined) this.stmts.insertUpdate.run(docName, state);
    else {
      this.db.transaction(() => {
        this.checkEpochs(claimedEpochs([{ docName, epoch }]));
        this.stmts.insertUpdate.run(docName, state);
      })();
    }
    while (this.db.open && this.stmts.deleteSome.run(docName, uptoSeq, COMPACT_DELETE_BATCH).changes > 0) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async close(): Promise<void> {
    await this.checkpointer.close();
    if (this.db.open) this.db.close();
  }
}
