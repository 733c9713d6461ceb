import type pg from 'pg';
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
import { boardOfDoc, claimedEpochs, staleBoards } from '../fencing.ts';
import type { Logger } from '../../logger.ts';
import { BOARD_LOG_LOCKS } from './advisoryLocks.ts';
import { migrate } from './migrations.ts';
import { createPool } from './pgPool.ts';
import { inTransaction } from './transaction.ts';

/**
 * Old log entries deleted per statement while compacting: each statement is its own short
 * transaction, so a compaction of a long log never holds a large one open.
 */
const COMPACT_DELETE_BATCH = 5_000;

/** Bytes as pg sends them (a view, no copy); anything else is refused as SQLite's STRICT table does. */
function bytea(value: unknown): Buffer {
  if (!(value instanceof Uint8Array)) throw new TypeError('an update must be a Uint8Array');
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

const bytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

interface LogRow {
  readonly seq: number;
  readonly data: Buffer;
}

function toLog(rows: readonly LogRow[], seqBefore: number): StoredLog {
  return { updates: rows.map((r) => bytes(r.data)), lastSeq: rows.at(-1)?.seq ?? seqBefore };
}

/** Every document of a board: `<id>` itself and its private-notes docs `<id>~<sid>` (an index range). */
const DOCS_OF_BOARD = "(doc = $1 OR (doc >= $1 || '~' AND doc < $1 || chr(127)))";

interface BoardRow {
  readonly id: string;
  readonly title: string;
  readonly createdAt: number;
  readonly archived: boolean;
  readonly stakeholderNames: string | null;
}

const toSummary = (r: BoardRow): BoardSummary => ({
  ...r,
  stakeholderNames: r.stakeholderNames === null ? null : (JSON.parse(r.stakeholderNames) as Record<string, string>),
});

const BOARD_COLUMNS = 'id, title, created_at AS "createdAt", archived, stakeholder_names AS "stakeholderNames"';

const HISTORY_COLUMNS =
  'seq, group_key AS "groupKey", board AS "boardId", point AS "pointId", at, until, actor_id AS "actorId", ' +
  'actor_name AS "actorName", actor_stakeholder AS "actorStakeholderId", detail';

const toHistoryRow = (r: Omit<StoredHistoryRow, 'detail'> & { detail: string }): StoredHistoryRow => ({
  ...r,
  detail: JSON.parse(r.detail) as StoredHistoryRow['detail'],
});

const NOTIFICATION_COLUMNS =
  'id, user_id AS "userId", board AS "boardId", kind, subject_key AS "subjectKey", subject, items, ' +
  'created_at AS "createdAt", updated_at AS "updatedAt", read_at AS "readAt", seq';

/** Reserves `n` notification seqs, holding the counter's row lock to commit (see migration 2). */
const RESERVE_SEQS = 'UPDATE notification_counter SET seq = seq + $1 RETURNING seq';

const VERSION_COLUMNS =
  'id, board AS "boardId", name, note, created_by AS "createdBy", created_by_name AS "createdByName", ' +
  'created_at AS "createdAt"';

/** Many rows in one statement: one array parameter per column, inserted in array order. */
const INSERT_UPDATES =
  'INSERT INTO updates (doc, data) SELECT doc, data FROM unnest($1::text[], $2::bytea[]) ' +
  'WITH ORDINALITY AS u(doc, data, n) ORDER BY n';

/** INSERT OR IGNORE: a client id keeps the user who first wrote under it. */
const INSERT_OWNERS =
  'INSERT INTO client_owners (doc, client, user_id) SELECT doc, client, user_id ' +
  'FROM unnest($1::text[], $2::bigint[], $3::text[]) WITH ORDINALITY AS o(doc, client, user_id, n) ORDER BY n ' +
  'ON CONFLICT DO NOTHING';

/** A grouped entry keeps its seq (its place in the history) as it grows. */
const PUT_HISTORY =
  'INSERT INTO point_history (group_key, board, point, kind, at, until, actor_id, actor_name, actor_stakeholder, detail) ' +
  'SELECT group_key, board, point, kind, at, until, actor_id, actor_name, actor_stakeholder, detail ' +
  'FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::text[], $8::text[], ' +
  '$9::text[], $10::text[]) WITH ORDINALITY ' +
  'AS h(group_key, board, point, kind, at, until, actor_id, actor_name, actor_stakeholder, detail, n) ORDER BY n ' +
  'ON CONFLICT (group_key) DO UPDATE SET until = excluded.until, detail = excluded.detail';

interface OwnerColumns {
  readonly docs: string[];
  readonly clients: number[];
  readonly users: string[];
}

function addOwners(into: OwnerColumns, docName: string, owners: Iterable<readonly [number, string]>): void {
  for (const [client, userId] of owners) {
    into.docs.push(docName);
    into.clients.push(client);
    into.users.push(userId);
  }
}

/**
 * One statement cannot update the same row twice, so a batch's writes of one grouped entry
 * become one row: the first's place and start, the last's end and detail (what writing
 * them one after another leaves).
 */
function mergeGroups(rows: readonly HistoryRow[]): HistoryRow[] {
  const merged: HistoryRow[] = [];
  const byKey = new Map<string, number>();
  for (const row of rows) {
    const at = row.groupKey === null ? undefined : byKey.get(row.groupKey);
    if (at === undefined) {
      if (row.groupKey !== null) byKey.set(row.groupKey, merged.length);
      merged.push(row);
    } else merged[at] = { ...merged[at]!, until: row.until, detail: row.detail };
  }
  return merged;
}

/** Thrown inside storeNotifications' transaction to roll back what it wrote: nothing is stored. */
class CursorMoved extends Error {}

export interface PostgresStorageOptions {
  readonly log?: Logger;
}

/**
 * The store for several instances (or a managed database): PostgreSQL through a pg.Pool.
 * It keeps what SqliteStorage keeps, in the same shape, and answers the same way
 * (unit/storage-contract.test.ts runs the same cases against both). It owns its pool:
 * close() ends it, and PostgresAccountStore shares it.
 */
export class PostgresStorage implements Storage {
  private closed = false;

  constructor(readonly pool: pg.Pool) {}

  /** Connects to `url` and brings its schema up to date (migrations.ts). */
  static async open(url: string, options: PostgresStorageOptions = {}): Promise<PostgresStorage> {
    const pool = createPool(url, { log: options.log });
    try {
      await migrate(pool, options.log);
    } catch (err) {
      await pool.end();
      throw err;
    }
    return new PostgresStorage(pool);
  }

  async createBoard(id: string, title: string, initialState: Uint8Array): Promise<void> {
    const state = bytea(initialState);
    // The server wrote the initial state; its client ids belong to no user.
    const owners: OwnerColumns = { docs: [], clients: [], users: [] };
    const clients = Y.decodeStateVector(Y.encodeStateVectorFromUpdate(initialState)).keys();
    addOwners(
      owners,
      id,
      [...clients].map((client) => [client, SYSTEM_OWNER] as const),
    );
    await inTransaction(this.pool, async (c) => {
      await c.query('INSERT INTO boards (id, title, created_at) VALUES ($1, $2, $3)', [id, title, Date.now()]);
      await c.query('INSERT INTO updates (doc, data) VALUES ($1, $2)', [id, state]);
      await c.query(INSERT_OWNERS, [owners.docs, owners.clients, owners.users]);
    });
  }

  async loadClientOwners(docName: string): Promise<Map<number, string>> {
    const { rows } = await this.pool.query<{ client: number; user_id: string }>(
      'SELECT client, user_id FROM client_owners WHERE doc = $1',
      [docName],
    );
    return new Map(rows.map((r) => [r.client, r.user_id]));
  }

  async addClientOwners(docName: string, owners: ReadonlyMap<number, string>): Promise<void> {
    const columns: OwnerColumns = { docs: [], clients: [], users: [] };
    addOwners(columns, docName, owners);
    if (columns.docs.length === 0) return;
    await this.pool.query(INSERT_OWNERS, [columns.docs, columns.clients, columns.users]);
  }

  async boardExists(id: string): Promise<boolean> {
    return ((await this.pool.query('SELECT 1 FROM boards WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  async listBoards(): Promise<BoardSummary[]> {
    const { rows } = await this.pool.query<BoardRow>(`SELECT ${BOARD_COLUMNS} FROM boards ORDER BY created_at, id`);
    return rows.map(toSummary);
  }

  async getBoard(id: string): Promise<BoardSummary | null> {
    const { rows } = await this.pool.query<BoardRow>(`SELECT ${BOARD_COLUMNS} FROM boards WHERE id = $1`, [id]);
    return rows[0] ? toSummary(rows[0]) : null;
  }

  async setBoardTitle(id: string, title: string): Promise<void> {
    await this.pool.query('UPDATE boards SET title = $1 WHERE id = $2', [title, id]);
  }

  async setBoardStakeholderNames(id: string, names: Readonly<Record<string, string>>): Promise<void> {
    await this.pool.query('UPDATE boards SET stakeholder_names = $1 WHERE id = $2', [JSON.stringify(names), id]);
  }

  async setBoardArchived(id: string, archived: boolean): Promise<boolean> {
    const result = await this.pool.query('UPDATE boards SET archived = $1 WHERE id = $2', [archived, id]);
    return (result.rowCount ?? 0) > 0;
  }

  async deleteBoard(id: string): Promise<boolean> {
    return inTransaction(this.pool, async (c) => {
      // First, as a notification drain does (FOR KEY SHARE): a drain and this delete then take
      // the board in one order, so neither can leave rows behind the other or deadlock.
      await c.query('SELECT 1 FROM boards WHERE id = $1 FOR UPDATE', [id]);
      await c.query(`DELETE FROM updates WHERE ${DOCS_OF_BOARD}`, [id]);
      await c.query(`DELETE FROM client_owners WHERE ${DOCS_OF_BOARD}`, [id]);
      await c.query('DELETE FROM point_history WHERE board = $1', [id]);
      await c.query('DELETE FROM versions WHERE board = $1', [id]);
      await c.query('DELETE FROM board_epochs WHERE board = $1', [id]);
      await c.query('DELETE FROM notifications WHERE board = $1', [id]);
      await c.query('DELETE FROM notification_cursors WHERE board = $1', [id]);
      return ((await c.query('DELETE FROM boards WHERE id = $1', [id])).rowCount ?? 0) > 0;
    });
  }

  async loadLog(docName: string): Promise<StoredLog> {
    const { rows } = await this.pool.query<LogRow>('SELECT seq, data FROM updates WHERE doc = $1 ORDER BY seq', [
      docName,
    ]);
    return toLog(rows, 0);
  }

  async lastSeq(docName: string): Promise<number> {
    const { rows } = await this.pool.query<{ seq: number }>(
      'SELECT COALESCE(MAX(seq), 0) AS seq FROM updates WHERE doc = $1',
      [docName],
    );
    return rows[0]!.seq;
  }

  /** One statement; each document's MAX is one backward step of the (doc, seq) index. */
  async lastSeqs(docNames: readonly string[]): Promise<Map<string, number>> {
    if (docNames.length === 0) return new Map();
    const { rows } = await this.pool.query<{ doc: string; seq: number }>(
      'SELECT d AS doc, COALESCE((SELECT MAX(seq) FROM updates WHERE doc = d), 0) AS seq FROM unnest($1::text[]) AS d',
      [docNames],
    );
    return new Map(rows.map((r) => [r.doc, r.seq]));
  }

  async *readLog(docName: string, pageSize: number, afterSeq = 0): AsyncIterable<StoredLog> {
    let after = afterSeq;
    for (;;) {
      const { rows } = await this.pool.query<LogRow>(
        'SELECT seq, data FROM updates WHERE doc = $1 AND seq > $2 ORDER BY seq LIMIT $3',
        [docName, after, pageSize],
      );
      const page = toLog(rows, after);
      if (page.updates.length === 0) return;
      after = page.lastSeq;
      yield page;
      if (page.updates.length < pageSize) return;
    }
  }

  /** One transaction of a few statements, however many entries: each column goes as one array. */
  async appendUpdates(batch: readonly PendingUpdate[]): Promise<void> {
    if (batch.length === 0) return;
    const docs: string[] = [];
    const data: Buffer[] = [];
    const owners: OwnerColumns = { docs: [], clients: [], users: [] };
    const history: HistoryRow[] = [];
    for (const entry of batch) {
      if (typeof entry.docName !== 'string') throw new TypeError('a doc name must be a string');
      docs.push(entry.docName);
      data.push(bytea(entry.update));
      if (entry.owners) addOwners(owners, entry.docName, entry.owners);
      if (entry.history) history.push(...entry.history);
    }
    const claimed = claimedEpochs(batch);
    await inTransaction(this.pool, async (c) => {
      await this.lockLogs(c, docs);
      if (claimed.size > 0) await this.checkEpochs(c, claimed);
      await c.query(INSERT_UPDATES, [docs, data]);
      if (owners.docs.length > 0) await c.query(INSERT_OWNERS, [owners.docs, owners.clients, owners.users]);
      if (history.length > 0) await this.putHistory(c, mergeGroups(history));
    });
  }

  /** The log locks of the docs' boards (advisoryLocks.ts), in one order so two writers cannot deadlock. */
  private async lockLogs(c: pg.PoolClient, docNames: readonly string[]): Promise<void> {
    const boards = [...new Set(docNames.map(boardOfDoc))].sort();
    await c.query('SELECT pg_advisory_xact_lock($1, hashtext(b)) FROM unnest($2::text[]) AS b', [
      BOARD_LOG_LOCKS,
      boards,
    ]);
  }

  /**
   * Refuses the transaction's writes if a board has been claimed since. FOR SHARE holds the
   * epoch rows until commit: a claimBoard racing this append waits for it (and the append
   * is kept), or has committed first (and the append reads the new epoch and is refused).
   */
  private async checkEpochs(c: pg.PoolClient, claimed: ReadonlyMap<string, ReadonlySet<number>>): Promise<void> {
    const { rows } = await c.query<{ board: string; epoch: number }>(
      'SELECT board, epoch FROM board_epochs WHERE board = ANY($1::text[]) ORDER BY board FOR SHARE',
      [[...claimed.keys()]],
    );
    const current = new Map(rows.map((r) => [r.board, r.epoch]));
    const stale = staleBoards(claimed, (board) => current.get(board));
    if (stale.length > 0) throw new FencedError(stale);
  }

  private async putHistory(c: pg.PoolClient, rows: readonly HistoryRow[]): Promise<void> {
    await c.query(PUT_HISTORY, [
      rows.map((r) => r.groupKey),
      rows.map((r) => r.boardId),
      rows.map((r) => r.pointId),
      rows.map((r) => r.detail.kind),
      rows.map((r) => r.at),
      rows.map((r) => r.until),
      rows.map((r) => r.actorId),
      rows.map((r) => r.actorName),
      rows.map((r) => r.actorStakeholderId),
      rows.map((r) => JSON.stringify(r.detail)),
    ]);
  }

  async readPointHistory(
    boardId: string,
    pointId: string,
    before: number | null,
    limit: number,
  ): Promise<StoredHistoryRow[]> {
    const { rows } = await this.pool.query<Omit<StoredHistoryRow, 'detail'> & { detail: string }>(
      `SELECT ${HISTORY_COLUMNS} FROM point_history WHERE board = $1 AND point = $2 AND seq < $3 ` +
        'AND kind <> ALL($5::text[]) ORDER BY seq DESC LIMIT $4',
      [boardId, pointId, before ?? Number.MAX_SAFE_INTEGER, limit, BOARD_ONLY_KINDS],
    );
    return rows.map(toHistoryRow);
  }

  async readBoardActivity(
    boardId: string,
    before: number | null,
    limit: number,
    kinds: readonly string[],
  ): Promise<StoredHistoryRow[]> {
    const { rows } = await this.pool.query<Omit<StoredHistoryRow, 'detail'> & { detail: string }>(
      `SELECT ${HISTORY_COLUMNS} FROM point_history WHERE board = $1 AND seq < $2 AND kind = ANY($4::text[]) ` +
        'ORDER BY seq DESC LIMIT $3',
      [boardId, before ?? Number.MAX_SAFE_INTEGER, limit, kinds],
    );
    return rows.map(toHistoryRow);
  }

  async readHistoryAfter(
    boardId: string,
    afterSeq: number,
    limit: number,
    kinds: readonly string[],
  ): Promise<StoredHistoryRow[]> {
    const { rows } = await this.pool.query<Omit<StoredHistoryRow, 'detail'> & { detail: string }>(
      `SELECT ${HISTORY_COLUMNS} FROM point_history WHERE board = $1 AND seq > $2 AND kind = ANY($4::text[]) ` +
        'ORDER BY seq LIMIT $3',
      [boardId, afterSeq, limit, kinds],
    );
    return rows.map(toHistoryRow);
  }

  async notificationCursor(boardId: string): Promise<number> {
    const { rows } = await this.pool.query<{ cursor: number }>(
      'SELECT cursor FROM notification_cursors WHERE board = $1',
      [boardId],
    );
    return rows[0]?.cursor ?? 0;
  }

  async undrainedBoards(kinds: readonly string[]): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      'SELECT id FROM boards b WHERE EXISTS (SELECT 1 FROM point_history h WHERE h.board = b.id AND h.seq > ' +
        'COALESCE((SELECT cursor FROM notification_cursors WHERE board = b.id), 0) AND h.kind = ANY($1::text[]))',
      [kinds],
    );
    return rows.map((r) => r.id);
  }

  async storeNotifications(
    boardId: string,
    fromCursor: number,
    toCursor: number,
    deliveries: readonly NotificationDelivery[],
    at: number,
  ): Promise<StoredNotification[] | null> {
    return inTransaction(this.pool, async (c): Promise<StoredNotification[] | null> => {
      // The board first (deleteBoard takes it FOR UPDATE): a drain racing the board's
      // deletion either stores before it, and its rows go with the board, or waits and
      // finds the board gone. KEY SHARE: a title or catalogue update does not wait on it.
      if ((await c.query('SELECT 1 FROM boards WHERE id = $1 FOR KEY SHARE', [boardId])).rowCount !== 1) return null;
      // The compare-and-set: a drain racing this one waits on the row, then finds it moved.
      let moved =
        (
          await c.query('UPDATE notification_cursors SET cursor = $3 WHERE board = $1 AND cursor = $2', [
            boardId,
            fromCursor,
            toCursor,
          ])
        ).rowCount === 1;
      if (!moved && fromCursor === 0) {
        const inserted = await c.query(
          'INSERT INTO notification_cursors (board, cursor) VALUES ($1, $2) ON CONFLICT DO NOTHING',
          [boardId, toCursor],
        );
        moved = inserted.rowCount === 1;
      }
      if (!moved) throw new CursorMoved();
      if (deliveries.length === 0) return [];
      const { rows: reserved } = await c.query<{ seq: number }>(RESERVE_SEQS, [deliveries.length]);
      let seq = reserved[0]!.seq - deliveries.length;
      const changed: string[] = [];
      for (const d of deliveries) {
        seq++;
        const open = d.merge
          ? (
              await c.query<{ id: string; items: string }>(
                'SELECT id, items FROM notifications WHERE user_id = $1 AND board = $2 AND kind = $3 ' +
                  'AND subject_key = $4 AND read_at IS NULL ORDER BY seq DESC LIMIT 1',
                [d.userId, boardId, d.kind, d.subjectKey],
              )
            ).rows[0]
          : undefined;
        if (open) {
          const items = grownItems(JSON.parse(open.items) as StoredNotification['items'], d.item);
          await c.query('UPDATE notifications SET items = $1, updated_at = $2, seq = $3 WHERE id = $4', [
            JSON.stringify(items),
            at,
            seq,
            open.id,
          ]);
          changed.push(open.id);
        } else {
          const id = newNotificationId();
          await c.query(
            'INSERT INTO notifications (id, user_id, board, kind, subject_key, subject, items, created_at, ' +
              'updated_at, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)',
            [id, d.userId, boardId, d.kind, d.subjectKey, JSON.stringify(d.subject), JSON.stringify([d.item]), at, seq],
          );
          changed.push(id);
        }
      }
      const { rows } = await c.query<NotificationDbRow>(
        `SELECT ${NOTIFICATION_COLUMNS} FROM notifications WHERE id = ANY($1::text[]) ORDER BY seq`,
        [[...new Set(changed)]],
      );
      return rows.map(toStoredNotification);
    }).catch((err: unknown) => {
      if (err instanceof CursorMoved) return null;
      throw err;
    });
  }

  async listNotifications(
    userId: string,
    boardIds: readonly string[],
    afterSeq: number,
    limit: number,
    order: ListOrder = 'newest',
  ): Promise<StoredNotification[]> {
    const { rows } = await this.pool.query<NotificationDbRow>(
      `SELECT ${NOTIFICATION_COLUMNS} FROM notifications WHERE user_id = $1 AND seq > $2 AND board = ANY($3::text[]) ` +
        `ORDER BY seq ${order === 'oldest' ? 'ASC' : 'DESC'} LIMIT $4`,
      [userId, afterSeq, boardIds, limit],
    );
    return rows.map(toStoredNotification);
  }

  async unreadCounts(userId: string, boardIds: readonly string[]): Promise<Record<string, number>> {
    const { rows } = await this.pool.query<{ board: string; n: number }>(
      'SELECT board, COUNT(*)::int AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL ' +
        'AND board = ANY($2::text[]) GROUP BY board',
      [userId, boardIds],
    );
    return Object.fromEntries(rows.map((r) => [r.board, r.n]));
  }

  async markNotificationsRead(
    userId: string,
    boardIds: readonly string[],
    target: ReadTarget,
    at: number,
  ): Promise<{ read: { id: string; boardId: string }[]; seq: number | null }> {
    const boards = boardsToRead(boardIds, target);
    const ids = 'ids' in target ? target.ids : null;
    return inTransaction(this.pool, async (c) => {
      const seq = (await c.query<{ seq: number }>(RESERVE_SEQS, [1])).rows[0]!.seq;
      const { rows } = await c.query<{ id: string; board: string }>(
        'UPDATE notifications SET read_at = $1, seq = $2 WHERE user_id = $3 AND read_at IS NULL ' +
          'AND board = ANY($4::text[]) AND ($5::text[] IS NULL OR id = ANY($5::text[])) AND seq <= $6 ' +
          'RETURNING id, board',
        [at, seq, userId, boards, ids, target.upToSeq ?? Number.MAX_SAFE_INTEGER],
      );
      // Nothing read: the reserved seq goes unused (a gap is harmless; only the order matters).
      return { read: rows.map((r) => ({ id: r.id, boardId: r.board })), seq: rows.length > 0 ? seq : null };
    });
  }

  async nextTextBefore(boardId: string, pointId: string, field: string, afterSeq: number): Promise<string | null> {
    // Only `field` is read in SQL; `before` is parsed here, since it may hold a \u0000 that
    // PostgreSQL's text cannot.
    const { rows } = await this.pool.query<{ detail: string }>(
      "SELECT detail FROM point_history WHERE board = $1 AND point = $2 AND seq > $3 AND kind = 'text' " +
        "AND detail::json->>'field' = $4 ORDER BY seq LIMIT 1",
      [boardId, pointId, afterSeq, field],
    );
    if (!rows[0]) return null;
    const before = (JSON.parse(rows[0].detail) as { before?: unknown }).before;
    return typeof before === 'string' ? before : null;
  }

  async createVersion(v: VersionSummary, state: Uint8Array, history?: HistoryRow): Promise<void> {
    await inTransaction(this.pool, async (c) => {
      // The board's log lock: its history entry's seq commits in order with the board's
      // appends, so the notification drain (reading after its cursor) cannot skip it.
      if (history) await this.lockLogs(c, [v.boardId]);
      await c.query(
        'INSERT INTO versions (id, board, name, note, created_by, created_by_name, created_at, state) ' +
          'VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
        [v.id, v.boardId, v.name, v.note, v.createdBy, v.createdByName, v.createdAt, bytea(state)],
      );
      if (history) await this.putHistory(c, [history]);
    });
  }

  async listVersions(boardId: string): Promise<VersionSummary[]> {
    const { rows } = await this.pool.query<VersionSummary>(
      `SELECT ${VERSION_COLUMNS} FROM versions WHERE board = $1 ORDER BY created_at DESC, added DESC`,
      [boardId],
    );
    return rows;
  }

  async readVersion(
    boardId: string,
    versionId: string,
  ): Promise<{ summary: VersionSummary; state: Uint8Array } | null> {
    const { rows } = await this.pool.query<VersionSummary & { state: Buffer }>(
      `SELECT ${VERSION_COLUMNS}, state FROM versions WHERE board = $1 AND id = $2`,
      [boardId, versionId],
    );
    if (!rows[0]) return null;
    const { state, ...summary } = rows[0];
    return { summary, state: bytes(state) };
  }

  async claimBoard(boardId: string): Promise<number> {
    const { rows } = await this.pool.query<{ epoch: number }>(
      'INSERT INTO board_epochs (board, epoch) VALUES ($1, 1) ' +
        'ON CONFLICT (board) DO UPDATE SET epoch = board_epochs.epoch + 1 RETURNING epoch',
      [boardId],
    );
    return rows[0]!.epoch;
  }

  /**
   * The state goes in first (fenced, if an epoch is given); the old entries go after, a few
   * thousand per statement, each its own transaction.
   */
  async compact(docName: string, state: Uint8Array, uptoSeq: number, epoch?: number): Promise<void> {
    const data = bytea(state);
    await inTransaction(this.pool, async (c) => {
      await this.lockLogs(c, [docName]);
      if (epoch !== undefined) await this.checkEpochs(c, claimedEpochs([{ docName, epoch }]));
      await c.query('INSERT INTO updates (doc, data) VALUES ($1, $2)', [docName, data]);
    });
    while (!this.closed) {
      const deleted = await this.pool.query(
        'DELETE FROM updates WHERE seq IN (SELECT seq FROM updates WHERE doc = $1 AND seq <= $2 ORDER BY seq LIMIT $3)',
        [docName, uptoSeq, COMPACT_DELETE_BATCH],
      );
      if ((deleted.rowCount ?? 0) === 0) break;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
