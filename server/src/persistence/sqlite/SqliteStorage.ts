import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as Y from 'yjs';
import { BOARD_ONLY_KINDS, FencedError, SYSTEM_OWNER } from '../Storage.ts';
import type {
  BoardSummary,
  HistoryRow,
  ListOrder,
  NotificationDelivery,
  PendingUpdate,
  ReadTarget,
  Storage,
  StoredHistoryRow,
  StoredLog,
  StoredNotification,
  VersionSummary,
} from '../Storage.ts';
import {
  boardsToRead,
  grownItems,
  newNotificationId,
  toStoredNotification,
  type NotificationDbRow,
} from '../notificationRows.ts';
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
  -- A board's activity feed, and the notification drain's rows after its cursor.
  CREATE INDEX IF NOT EXISTS history_by_board ON point_history (board, seq);
  -- The last history seq of each board whose notifications are stored (the outbox's cursor).
  CREATE TABLE IF NOT EXISTS notification_cursors (
    board TEXT PRIMARY KEY,
    cursor INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS notifications (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    board TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject_key TEXT NOT NULL,
    subject TEXT NOT NULL,
    items TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    read_at INTEGER,
    seq INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS notifications_by_user ON notifications (user_id, seq);
  -- The store-wide seq of notification changes: a counter, never lowered (deleting a board's
  -- notifications must not hand out a seq a client already holds).
  CREATE TABLE IF NOT EXISTS notification_counter (
    only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
    seq INTEGER NOT NULL
  ) STRICT;
  INSERT OR IGNORE INTO notification_counter (only_row, seq) VALUES (1, 0);
  CREATE INDEX IF NOT EXISTS notifications_unread ON notifications (user_id, board, kind, subject_key)
    WHERE read_at IS NULL;
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
function migrate(db: Database.Database, hadCursors: boolean): void {
  // A store from before notifications: what happened before them notifies nobody now.
  if (!hadCursors) {
    db.exec(
      'INSERT OR IGNORE INTO notification_cursors (board, cursor) SELECT board, MAX(seq) FROM point_history GROUP BY board',
    );
  }
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

const NOTIFICATION_COLUMNS =
  'id, user_id AS userId, board AS boardId, kind, subject_key AS subjectKey, subject, items, ' +
  'created_at AS createdAt, updated_at AS updatedAt, read_at AS readAt, seq';

/** The boards of a query, as one JSON array parameter. */
const IN_BOARDS = '(SELECT value FROM json_each(@boards))';
/** The kinds of a query, as one JSON array parameter. */
const IN_KINDS = '(SELECT value FROM json_each(@kinds))';

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
    const hadCursors =
      this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'notification_cursors'").get() !==
      undefined;
    this.db.exec(SCHEMA);
    migrate(this.db, hadCursors);
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
        `SELECT ${HISTORY_COLUMNS} FROM point_history WHERE board = ? AND point = ? AND seq < ? ` +
          `AND kind NOT IN (${BOARD_ONLY_KINDS.map((k) => `'${k}'`).join(', ')}) ORDER BY seq DESC LIMIT ?`,
      ),
      readActivity: this.db.prepare(
        `SELECT ${HISTORY_COLUMNS} FROM point_history WHERE board = @board AND seq < @before AND kind IN ${IN_KINDS} ` +
          'ORDER BY seq DESC LIMIT @limit',
      ),
      readAfter: this.db.prepare(
        `SELECT ${HISTORY_COLUMNS} FROM point_history WHERE board = @board AND seq > @after AND kind IN ${IN_KINDS} ` +
          'ORDER BY seq LIMIT @limit',
      ),
      cursor: this.db.prepare('SELECT cursor FROM notification_cursors WHERE board = ?').pluck(),
      setCursor: this.db.prepare(
        'INSERT INTO notification_cursors (board, cursor) VALUES (?, ?) ON CONFLICT (board) DO UPDATE SET cursor = excluded.cursor',
      ),
      // Only the rows after each board's cursor are read, through history_by_board.
      undrained: this.db
        .prepare(
          'SELECT id FROM boards b WHERE EXISTS (SELECT 1 FROM point_history h WHERE h.board = b.id AND h.seq > ' +
            `COALESCE((SELECT cursor FROM notification_cursors WHERE board = b.id), 0) AND h.kind IN ${IN_KINDS})`,
        )
        .pluck(),
      nextNotificationSeq: this.db.prepare('UPDATE notification_counter SET seq = seq + 1 RETURNING seq').pluck(),
      unreadOf: this.db.prepare(
        'SELECT id, items FROM notifications WHERE user_id = ? AND board = ? AND kind = ? AND subject_key = ? ' +
          'AND read_at IS NULL ORDER BY seq DESC LIMIT 1',
      ),
      growNotification: this.db.prepare('UPDATE notifications SET items = ?, updated_at = ?, seq = ? WHERE id = ?'),
      insertNotification: this.db.prepare(
        'INSERT INTO notifications (id, user_id, board, kind, subject_key, subject, items, created_at, updated_at, seq) ' +
          'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      notificationById: this.db.prepare(`SELECT ${NOTIFICATION_COLUMNS} FROM notifications WHERE id = ?`),
      listNotifications: this.db.prepare(
        `SELECT ${NOTIFICATION_COLUMNS} FROM notifications WHERE user_id = @user AND seq > @after ` +
          `AND board IN ${IN_BOARDS} ORDER BY seq DESC LIMIT @limit`,
      ),
      listNotificationsOldest: this.db.prepare(
        `SELECT ${NOTIFICATION_COLUMNS} FROM notifications WHERE user_id = @user AND seq > @after ` +
          `AND board IN ${IN_BOARDS} ORDER BY seq LIMIT @limit`,
      ),
      unreadCounts: this.db.prepare(
        `SELECT board, COUNT(*) AS n FROM notifications WHERE user_id = @user AND read_at IS NULL ` +
          `AND board IN ${IN_BOARDS} GROUP BY board`,
      ),
      readIds: this.db.prepare(
        'UPDATE notifications SET read_at = @at, seq = @seq WHERE user_id = @user AND read_at IS NULL ' +
          `AND seq <= @upTo AND board IN ${IN_BOARDS} AND id IN (SELECT value FROM json_each(@ids)) RETURNING id, board`,
      ),
      readAll: this.db.prepare(
        'UPDATE notifications SET read_at = @at, seq = @seq WHERE user_id = @user AND read_at IS NULL ' +
          `AND seq <= @upTo AND board IN ${IN_BOARDS} RETURNING id, board`,
      ),
      deleteBoardNotifications: this.db.prepare('DELETE FROM notifications WHERE board = @id'),
      deleteBoardCursor: this.db.prepare('DELETE FROM notification_cursors WHERE board = @id'),
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
      this.stmts.deleteBoardNotifications.run({ id });
      this.stmts.deleteBoardCursor.run({ id });
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

  async createVersion(v: VersionSummary, state: Uint8Array, history?: HistoryRow): Promise<void> {
    this.checkpointer.noteWrite();
    this.db.transaction(() => {
      this.stmts.insertVersion.run(v.id, v.boardId, v.name, v.note, v.createdBy, v.createdByName, v.createdAt, state);
      if (history) this.putHistory(history);
    })();
  }

  async readBoardActivity(
    boardId: string,
    before: number | null,
    limit: number,
    kinds: readonly string[],
  ): Promise<StoredHistoryRow[]> {
    const rows = this.stmts.readActivity.all({
      board: boardId,
      before: before ?? Number.MAX_SAFE_INTEGER,
      limit,
      kinds: JSON.stringify(kinds),
    });
    return (rows as HistoryDbRow[]).map(toHistoryRow);
  }

  async readHistoryAfter(
    boardId: string,
    afterSeq: number,
    limit: number,
    kinds: readonly string[],
  ): Promise<StoredHistoryRow[]> {
    const rows = this.stmts.readAfter.all({ board: boardId, after: afterSeq, limit, kinds: JSON.stringify(kinds) });
    return (rows as HistoryDbRow[]).map(toHistoryRow);
  }

  async notificationCursor(boardId: string): Promise<number> {
    return (this.stmts.cursor.get(boardId) as number | undefined) ?? 0;
  }

  async undrainedBoards(kinds: readonly string[]): Promise<string[]> {
    return this.stmts.undrained.all({ kinds: JSON.stringify(kinds) }) as string[];
  }

  async storeNotifications(
    boardId: string,
    fromCursor: number,
    toCursor: number,
    deliveries: readonly NotificationDelivery[],
    at: number,
  ): Promise<StoredNotification[] | null> {
    this.checkpointer.noteWrite();
    return this.db.transaction(() => {
      // One writer: the compare and the set cannot be split by another transaction. A
      // board deleted meanwhile gets nothing (its history is gone with it).
      if (((this.stmts.cursor.get(boardId) as number | undefined) ?? 0) !== fromCursor) return null;
      if (this.stmts.boardExists.get(boardId) !== 1) return null;
      this.stmts.setCursor.run(boardId, toCursor);
      const changed: string[] = [];
      for (const d of deliveries) {
        const seq = this.stmts.nextNotificationSeq.get() as number;
        const open = d.merge
          ? (this.stmts.unreadOf.get(d.userId, boardId, d.kind, d.subjectKey) as
              { id: string; items: string } | undefined)
          : undefined;
        if (open) {
          const items = grownItems(JSON.parse(open.items) as StoredNotification['items'], d.item);
          this.stmts.growNotification.run(JSON.stringify(items), at, seq, open.id);
          changed.push(open.id);
        } else {
          const id = newNotificationId();
          this.stmts.insertNotification.run(
            id,
            d.userId,
            boardId,
            d.kind,
            d.subjectKey,
            JSON.stringify(d.subject),
            JSON.stringify([d.item]),
            at,
            at,
            seq,
          );
          changed.push(id);
        }
      }
      // A notification grown twice in one drain is reported once, at its last seq.
      return [...new Set(changed)]
        .map((id) => toStoredNotification(this.stmts.notificationById.get(id) as NotificationDbRow))
        .sort((a, b) => a.seq - b.seq);
    })();
  }

  async listNotifications(
    userId: string,
    boardIds: readonly string[],
    afterSeq: number,
    limit: number,
    order: ListOrder = 'newest',
  ): Promise<StoredNotification[]> {
    const stmt = order === 'oldest' ? this.stmts.listNotificationsOldest : this.stmts.listNotifications;
    const rows = stmt.all({
      user: userId,
      after: afterSeq,
      limit,
      boards: JSON.stringify(boardIds),
    }) as NotificationDbRow[];
    return rows.map(toStoredNotification);
  }

  async unreadCounts(userId: string, boardIds: readonly string[]): Promise<Record<string, number>> {
    const rows = this.stmts.unreadCounts.all({ user: userId, boards: JSON.stringify(boardIds) }) as {
      board: string;
      n: number;
    }[];
    return Object.fromEntries(rows.map((r) => [r.board, r.n]));
  }

  async markNotificationsRead(
    userId: string,
    boardIds: readonly string[],
    target: ReadTarget,
    at: number,
  ): Promise<{ read: { id: string; boardId: string }[]; seq: number | null }> {
    const boards = boardsToRead(boardIds, target);
    return this.db.transaction(() => {
      const seq = this.stmts.nextNotificationSeq.get() as number;
      const upTo = target.upToSeq ?? Number.MAX_SAFE_INTEGER;
      const params = { at, seq, upTo, user: userId, boards: JSON.stringify(boards) };
      const rows = (
        'ids' in target
          ? this.stmts.readIds.all({ ...params, ids: JSON.stringify(target.ids) })
          : this.stmts.readAll.all(params)
      ) as { id: string; board: string }[];
      return { read: rows.map((r) => ({ id: r.id, boardId: r.board })), seq: rows.length > 0 ? seq : null };
    })();
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
