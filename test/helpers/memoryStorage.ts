import * as Y from 'yjs';
import { claimedEpochs, staleBoards } from '../../server/src/persistence/fencing.ts';
import { BOARD_ONLY_KINDS, FencedError, SYSTEM_OWNER } from '../../server/src/persistence/Storage.ts';
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
} from '../../server/src/persistence/Storage.ts';
import { grownItems, newNotificationId } from '../../server/src/persistence/notificationRows.ts';

interface Entry {
  readonly seq: number;
  readonly data: Uint8Array;
}

interface Board {
  title: string;
  readonly createdAt: number;
  archived: boolean;
  /** JSON, as SQLite keeps it: every read hands out a fresh object. */
  stakeholderNames: string | null;
}

/** Whether `docName` is the board doc `<id>` or one of its private-notes docs `<id>~<sid>`. */
const isDocOfBoard = (docName: string, id: string) => docName === id || docName.startsWith(`${id}~`);

function checkedUpdate(update: unknown): Uint8Array {
  // SQLite's STRICT table refuses anything but a blob; a copy of a string would be empty bytes.
  if (!(update instanceof Uint8Array)) throw new TypeError('an update must be a Uint8Array');
  return new Uint8Array(update);
}

function checkedOwners(owners: ReadonlyMap<number, string>): [number, string][] {
  const checked = [...owners];
  for (const [client, userId] of checked) {
    if (!Number.isSafeInteger(client) || typeof userId !== 'string') {
      throw new TypeError(`bad client-id owner ${String(client)} → ${String(userId)}`);
    }
  }
  return checked;
}

/**
 * The Storage contract in memory, for unit tests that need a store but not a disk. It keeps
 * what SqliteStorage keeps and answers as it does (unit/storage-contract.test.ts runs the
 * same cases against both): sequence numbers from one counter for every doc, never reused;
 * the first owner of a client id stays; a batch is checked whole before any of it is taken.
 * Bytes are copied in and out, so no caller can change what is stored by mutating an array.
 */
export class MemoryStorage implements Storage {
  private boards = new Map<string, Board>();
  private logs = new Map<string, Entry[]>();
  private owners = new Map<string, Map<number, string>>();
  /** History entries in seq order; `detail` kept as JSON, as SQLite keeps it. */
  private history: { -readonly [K in keyof StoredHistoryRow]: K extends 'detail' ? string : StoredHistoryRow[K] }[] =
    [];
  private versions: { summary: VersionSummary; state: Uint8Array }[] = [];
  /** Owner epochs by board (claimBoard). */
  private epochs = new Map<string, number>();
  /** Notifications as JSON (as SQLite keeps them), and each board's drain cursor. */
  private notifications: string[] = [];
  private cursors = new Map<string, number>();
  private notificationSeq = 0;
  private nextSeq = 1;
  private nextHistorySeq = 1;
  private closed = false;

  /**
   * A store holding exactly what this one has committed, as a process crash would leave it:
   * nothing still queued in a PersistQueue, and nothing shared with this store.
   */
  crashImage(): MemoryStorage {
    const image = new MemoryStorage();
    for (const [id, board] of this.boards) image.boards.set(id, { ...board });
    for (const [doc, entries] of this.logs) {
      image.logs.set(
        doc,
        entries.map((e) => ({ seq: e.seq, data: e.data.slice() })),
      );
    }
    for (const [doc, owners] of this.owners) image.owners.set(doc, new Map(owners));
    image.history = this.history.map((h) => ({ ...h }));
    image.versions = this.versions.map((v) => ({ summary: { ...v.summary }, state: v.state.slice() }));
    image.epochs = new Map(this.epochs);
    image.notifications = [...this.notifications];
    image.cursors = new Map(this.cursors);
    image.notificationSeq = this.notificationSeq;
    image.nextSeq = this.nextSeq;
    image.nextHistorySeq = this.nextHistorySeq;
    return image;
  }

  async createBoard(id: string, title: string, initialState: Uint8Array): Promise<void> {
    this.checkOpen();
    if (this.boards.has(id)) throw new Error(`board "${id}" exists`);
    const state = checkedUpdate(initialState);
    // As SqliteStorage: the server wrote the initial state, so its client ids belong to no user.
    const clients = [...Y.decodeStateVector(Y.encodeStateVectorFromUpdate(state)).keys()];
    this.boards.set(id, { title, createdAt: Date.now(), archived: false, stakeholderNames: null });
    this.append(id, state);
    this.claim(
      id,
      clients.map((client) => [client, SYSTEM_OWNER]),
    );
  }

  async boardExists(id: string): Promise<boolean> {
    this.checkOpen();
    return this.boards.has(id);
  }

  async listBoards(): Promise<BoardSummary[]> {
    this.checkOpen();
    return [...this.boards.keys()]
      .map((id) => this.summary(id)!)
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async getBoard(id: string): Promise<BoardSummary | null> {
    this.checkOpen();
    return this.summary(id);
  }

  async setBoardTitle(id: string, title: string): Promise<void> {
    this.checkOpen();
    const board = this.boards.get(id);
    if (board) board.title = title;
  }

  async setBoardStakeholderNames(id: string, names: Readonly<Record<string, string>>): Promise<void> {
    this.checkOpen();
    const board = this.boards.get(id);
    if (board) board.stakeholderNames = JSON.stringify(names);
  }

  async setBoardArchived(id: string, archived: boolean): Promise<boolean> {
    this.checkOpen();
    const board = this.boards.get(id);
    if (!board) return false;
    board.archived = archived;
    return true;
  }

  async deleteBoard(id: string): Promise<boolean> {
    this.checkOpen();
    for (const doc of [...this.logs.keys()]) if (isDocOfBoard(doc, id)) this.logs.delete(doc);
    for (const doc of [...this.owners.keys()]) if (isDocOfBoard(doc, id)) this.owners.delete(doc);
    this.history = this.history.filter((h) => h.boardId !== id);
    this.versions = this.versions.filter((v) => v.summary.boardId !== id);
    this.epochs.delete(id);
    this.notifications = this.notifications.filter((n) => this.parseNotification(n).boardId !== id);
    this.cursors.delete(id);
    return this.boards.delete(id);
  }

  async loadLog(docName: string): Promise<StoredLog> {
    this.checkOpen();
    return this.page(docName, 0, Infinity);
  }

  /** Each page is read when it is asked for, so entries appended meanwhile are in later pages (as SQLite's). */
  async *readLog(docName: string, pageSize: number, afterSeq = 0): AsyncIterable<StoredLog> {
    let after = afterSeq;
    for (;;) {
      this.checkOpen();
      const page = this.page(docName, after, pageSize);
      if (page.updates.length === 0) return;
      after = page.lastSeq;
      yield page;
      if (page.updates.length < pageSize) return;
    }
  }

  async appendUpdates(batch: readonly PendingUpdate[]): Promise<void> {
    this.checkOpen();
    // All or nothing: everything is checked (and copied) before anything is stored.
    const checked = batch.map(({ docName, update, owners, history }) => {
      if (typeof docName !== 'string') throw new TypeError('a doc name must be a string');
      return {
        docName,
        update: checkedUpdate(update),
        owners: owners ? checkedOwners(owners) : [],
        history: (history ?? []).map((h) => ({ ...h, detail: JSON.stringify(h.detail) })),
      };
    });
    this.checkEpochs(claimedEpochs(batch));
    for (const { docName, update, owners, history } of checked) {
      this.append(docName, update);
      this.claim(docName, owners);
      for (const row of history) this.putHistory(row);
    }
  }

  /** As SQLite's upsert: a grouped entry keeps its seq and takes the new `until` and detail. */
  private putHistory(row: Omit<HistoryRow, 'detail'> & { detail: string }): void {
    const existing = row.groupKey === null ? undefined : this.history.find((h) => h.groupKey === row.groupKey);
    if (existing) {
      existing.until = row.until;
      existing.detail = row.detail;
    } else this.history.push({ ...row, seq: this.nextHistorySeq++ });
  }

  async readPointHistory(
    boardId: string,
    pointId: string,
    before: number | null,
    limit: number,
  ): Promise<StoredHistoryRow[]> {
    this.checkOpen();
    return this.history
      .filter((h) => h.boardId === boardId && h.pointId === pointId && (before === null || h.seq < before))
      .filter((h) => !(BOARD_ONLY_KINDS as readonly string[]).includes(JSON.parse(h.detail).kind as string))
      .reverse()
      .slice(0, limit)
      .map((h) => ({ ...h, detail: JSON.parse(h.detail) as StoredHistoryRow['detail'] }));
  }

  async createVersion(version: VersionSummary, state: Uint8Array, history?: HistoryRow): Promise<void> {
    this.checkOpen();
    if (this.versions.some((v) => v.summary.id === version.id)) throw new Error(`version "${version.id}" exists`);
    this.versions.push({ summary: { ...version }, state: checkedUpdate(state) });
    if (history) this.putHistory({ ...history, detail: JSON.stringify(history.detail) });
  }

  private historyOfKinds(boardId: string, kinds: readonly string[]): StoredHistoryRow[] {
    return this.history
      .map((h) => ({ ...h, detail: JSON.parse(h.detail) as StoredHistoryRow['detail'] }))
      .filter((h) => h.boardId === boardId && kinds.includes(h.detail.kind));
  }

  async readBoardActivity(
    boardId: string,
    before: number | null,
    limit: number,
    kinds: readonly string[],
  ): Promise<StoredHistoryRow[]> {
    this.checkOpen();
    return this.historyOfKinds(boardId, kinds)
      .filter((h) => before === null || h.seq < before)
      .reverse()
      .slice(0, limit);
  }

  async readHistoryAfter(
    boardId: string,
    afterSeq: number,
    limit: number,
    kinds: readonly string[],
  ): Promise<StoredHistoryRow[]> {
    this.checkOpen();
    return this.historyOfKinds(boardId, kinds)
      .filter((h) => h.seq > afterSeq)
      .slice(0, limit);
  }

  async notificationCursor(boardId: string): Promise<number> {
    this.checkOpen();
    return this.cursors.get(boardId) ?? 0;
  }

  async undrainedBoards(kinds: readonly string[]): Promise<string[]> {
    this.checkOpen();
    return [...this.boards.keys()].filter(
      (id) => (this.historyOfKinds(id, kinds).at(-1)?.seq ?? 0) > (this.cursors.get(id) ?? 0),
    );
  }

  async storeNotifications(
    boardId: string,
    fromCursor: number,
    toCursor: number,
    deliveries: readonly NotificationDelivery[],
    at: number,
  ): Promise<StoredNotification[] | null> {
    this.checkOpen();
    if ((this.cursors.get(boardId) ?? 0) !== fromCursor || !this.boards.has(boardId)) return null;
    this.cursors.set(boardId, toCursor);
    const changed = new Set<string>();
    for (const d of deliveries) {
      const seq = ++this.notificationSeq;
      const index = d.merge
        ? this.notifications.findLastIndex((json) => {
            const n = this.parseNotification(json);
            return (
              n.userId === d.userId &&
              n.boardId === boardId &&
              n.kind === d.kind &&
              n.subjectKey === d.subjectKey &&
              n.readAt === null
            );
          })
        : -1;
      if (index >= 0) {
        const n = this.parseNotification(this.notifications[index]!);
        this.notifications[index] = JSON.stringify({ ...n, items: grownItems(n.items, d.item), updatedAt: at, seq });
        changed.add(n.id);
      } else {
        const n: StoredNotification = {
          id: newNotificationId(),
          userId: d.userId,
          boardId,
          kind: d.kind,
          subjectKey: d.subjectKey,
          subject: d.subject,
          items: [d.item],
          createdAt: at,
          updatedAt: at,
          readAt: null,
          seq,
        };
        this.notifications.push(JSON.stringify(n));
        changed.add(n.id);
      }
    }
    return this.allNotifications()
      .filter((n) => changed.has(n.id))
      .sort((a, b) => a.seq - b.seq);
  }

  async listNotifications(
    userId: string,
    boardIds: readonly string[],
    afterSeq: number,
    limit: number,
    order: ListOrder = 'newest',
  ): Promise<StoredNotification[]> {
    this.checkOpen();
    return this.allNotifications()
      .filter((n) => n.userId === userId && n.seq > afterSeq && boardIds.includes(n.boardId))
      .sort((a, b) => (order === 'oldest' ? a.seq - b.seq : b.seq - a.seq))
      .slice(0, limit);
  }

  async unreadCounts(userId: string, boardIds: readonly string[]): Promise<Record<string, number>> {
    this.checkOpen();
    const counts: Record<string, number> = {};
    for (const n of this.allNotifications()) {
      if (n.userId !== userId || n.readAt !== null || !boardIds.includes(n.boardId)) continue;
      counts[n.boardId] = (counts[n.boardId] ?? 0) + 1;
    }
    return counts;
  }

  async markNotificationsRead(
    userId: string,
    boardIds: readonly string[],
    target: ReadTarget,
    at: number,
  ): Promise<{ read: { id: string; boardId: string }[]; seq: number | null }> {
    this.checkOpen();
    const seq = this.notificationSeq + 1;
    const read: { id: string; boardId: string }[] = [];
    this.notifications = this.notifications.map((json) => {
      const n = this.parseNotification(json);
      const chosen =
        'ids' in target ? target.ids.includes(n.id) : target.boardId === undefined || target.boardId === n.boardId;
      const seen = n.seq <= (target.upToSeq ?? Number.MAX_SAFE_INTEGER);
      if (n.userId !== userId || n.readAt !== null || !boardIds.includes(n.boardId) || !chosen || !seen) return json;
      read.push({ id: n.id, boardId: n.boardId });
      return JSON.stringify({ ...n, readAt: at, seq });
    });
    if (read.length === 0) return { read, seq: null };
    this.notificationSeq = seq;
    return { read, seq };
  }

  private parseNotification(json: string): StoredNotification {
    return JSON.parse(json) as StoredNotification;
  }

  private allNotifications(): StoredNotification[] {
    return this.notifications.map((n) => this.parseNotification(n));
  }

  /** Newest first; versions made in the same millisecond, the later stored first (as SQLite's rowid). */
  async listVersions(boardId: string): Promise<VersionSummary[]> {
    this.checkOpen();
    return this.versions
      .map((v, i) => ({ v, i }))
      .filter(({ v }) => v.summary.boardId === boardId)
      .sort((a, b) => b.v.summary.createdAt - a.v.summary.createdAt || b.i - a.i)
      .map(({ v }) => ({ ...v.summary }));
  }

  async readVersion(
    boardId: string,
    versionId: string,
  ): Promise<{ summary: VersionSummary; state: Uint8Array } | null> {
    this.checkOpen();
    const v = this.versions.find((x) => x.summary.boardId === boardId && x.summary.id === versionId);
    return v ? { summary: { ...v.summary }, state: v.state.slice() } : null;
  }

  async nextTextBefore(boardId: string, pointId: string, field: string, afterSeq: number): Promise<string | null> {
    this.checkOpen();
    for (const h of this.history) {
      if (h.boardId !== boardId || h.pointId !== pointId || h.seq <= afterSeq) continue;
      const detail = JSON.parse(h.detail) as StoredHistoryRow['detail'];
      if (detail.kind === 'text' && detail.field === field) return detail.before;
    }
    return null;
  }

  async loadClientOwners(docName: string): Promise<Map<number, string>> {
    this.checkOpen();
    return new Map(this.owners.get(docName));
  }

  async addClientOwners(docName: string, owners: ReadonlyMap<number, string>): Promise<void> {
    this.checkOpen();
    this.claim(docName, checkedOwners(owners));
  }

  async lastSeq(docName: string): Promise<number> {
    this.checkOpen();
    return this.logs.get(docName)?.at(-1)?.seq ?? 0;
  }

  async lastSeqs(docNames: readonly string[]): Promise<Map<string, number>> {
    this.checkOpen();
    return new Map(docNames.map((doc) => [doc, this.logs.get(doc)?.at(-1)?.seq ?? 0]));
  }

  async claimBoard(boardId: string): Promise<number> {
    this.checkOpen();
    const epoch = (this.epochs.get(boardId) ?? 0) + 1;
    this.epochs.set(boardId, epoch);
    return epoch;
  }

  /**
   * As SqliteStorage: the state is appended first and the old entries go after a turn of the
   * event loop, so what runs in between (and a crash image taken then) sees both.
   */
  async compact(docName: string, state: Uint8Array, uptoSeq: number, epoch?: number): Promise<void> {
    this.checkOpen();
    if (epoch !== undefined) this.checkEpochs(claimedEpochs([{ docName, epoch }]));
    this.append(docName, checkedUpdate(state));
    await new Promise((resolve) => setImmediate(resolve));
    // A store closed meanwhile keeps both, as SQLite's stops deleting once its file is closed.
    if (this.closed) return;
    const entries = this.logs.get(docName);
    if (entries)
      this.logs.set(
        docName,
        entries.filter((e) => e.seq > uptoSeq),
      );
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private checkOpen(): void {
    // As better-sqlite3's: a closed store refuses, so a test cannot miss a use after shutdown.
    if (this.closed) throw new Error('the store is closed');
  }

  /** As the stores': a board claimed since any of the batch's epochs refuses the whole batch. */
  private checkEpochs(claimed: ReadonlyMap<string, ReadonlySet<number>>): void {
    const stale = staleBoards(claimed, (board) => this.epochs.get(board));
    if (stale.length > 0) throw new FencedError(stale);
  }

  private append(docName: string, data: Uint8Array): void {
    let entries = this.logs.get(docName);
    if (!entries) this.logs.set(docName, (entries = []));
    entries.push({ seq: this.nextSeq++, data });
  }

  /** INSERT OR IGNORE: a client id keeps the user who first wrote under it. */
  private claim(docName: string, owners: readonly (readonly [number, string])[]): void {
    if (owners.length === 0) return;
    let claimed = this.owners.get(docName);
    if (!claimed) this.owners.set(docName, (claimed = new Map()));
    for (const [client, userId] of owners) if (!claimed.has(client)) claimed.set(client, userId);
  }

  private page(docName: string, afterSeq: number, pageSize: number): StoredLog {
    const entries = (this.logs.get(docName) ?? []).filter((e) => e.seq > afterSeq).slice(0, pageSize);
    return { updates: entries.map((e) => e.data.slice()), lastSeq: entries.at(-1)?.seq ?? afterSeq };
  }

  private summary(id: string): BoardSummary | null {
    const board = this.boards.get(id);
    if (!board) return null;
    return {
      id,
      title: board.title,
      createdAt: board.createdAt,
      archived: board.archived,
      stakeholderNames:
        board.stakeholderNames === null ? null : (JSON.parse(board.stakeholderNames) as Record<string, string>),
    };
  }
}

/** A MemoryStorage whose appends fail while `failing` is set (a full disk, a lost volume). */
export class FlakyMemoryStorage extends MemoryStorage {
  failing = true;
  failures = 0;
  override async appendUpdates(batch: readonly PendingUpdate[]): Promise<void> {
    if (this.failing) {
      this.failures++;
      throw new Error('store unavailable: appends fail');
    }
    return super.appendUpdates(batch);
  }
}
