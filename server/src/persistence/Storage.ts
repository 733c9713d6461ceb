import type { HistoryDetail } from '@parley/shared/model';
import type { NotificationItem, NotificationKind, NotificationSubject } from '@parley/shared/protocol';

/** History kinds shown in the board's activity but not in a point's history. */
export const BOARD_ONLY_KINDS = ['comment', 'version'] as const;

/** Owner of client ids no user may write under (the server's own, or ones of unknown origin). */
export const SYSTEM_OWNER = '@system';

export interface StoredLog {
  /** Updates in the order they were appended (v1 encoding). */
  readonly updates: Uint8Array[];
  /** Sequence number of the last entry, for compaction; 0 for an empty log. */
  readonly lastSeq: number;
}

export interface PendingUpdate {
  readonly docName: string;
  readonly update: Uint8Array;
  /** Client ids this update is the first to write under, and their users (see loadClientOwners). */
  readonly owners?: ReadonlyMap<number, string>;
  /** Point-history entries derived from this update (HistoryRecorder), stored with it. */
  readonly history?: readonly HistoryRow[];
  /**
   * The board's owner epoch (claimBoard) under which the room applied this update, when
   * several instances share the store. The store refuses the batch (FencedError) if the
   * board has been claimed again since: a deposed owner's late writes never land.
   */
  readonly epoch?: number;
}

/**
 * A write refused because another instance has claimed these boards since the writer did
 * (Storage.claimBoard). Nothing of the batch was stored.
 */
export class FencedError extends Error {
  constructor(readonly boardIds: readonly string[]) {
    super(`another instance now owns board ${boardIds.join(', ')}; write refused`);
    this.name = 'FencedError';
  }
}

/** One entry of a point's history (shared/src/model/history.ts) as the store keeps it. */
export interface HistoryRow {
  /**
   * Set for an entry that grows (one person's run of text edits): each later commit of the
   * run writes the same key again, replacing `until` and `detail`.
   */
  readonly groupKey: string | null;
  readonly boardId: string;
  readonly pointId: string;
  readonly at: number;
  readonly until: number;
  readonly actorId: string | null;
  readonly actorName: string | null;
  readonly actorStakeholderId: string | null;
  readonly detail: HistoryDetail;
}

/** Which end of a list of changes to read from: the newest (the default), or the oldest. */
export type ListOrder = 'newest' | 'oldest';

/** A published version of a board (a round): immutable once stored. */
export interface VersionSummary {
  readonly id: string;
  readonly boardId: string;
  readonly name: string;
  readonly note: string;
  readonly createdBy: string | null;
  readonly createdByName: string;
  readonly createdAt: number;
}

export interface StoredHistoryRow extends HistoryRow {
  /** Increases with each new entry (a grouped entry keeps its first). */
  readonly seq: number;
}

/**
 * One happening for one person, as the Notifier derives it from history rows: the store
 * joins it to that person's unread notification of the same kind and subject (`merge`),
 * or starts a new one.
 */
export interface NotificationDelivery {
  readonly userId: string;
  readonly kind: NotificationKind;
  /** Same kind and key: the same subject ("thread:<id>", "amendment:<id>", "version:<id>"). */
  readonly subjectKey: string;
  readonly subject: NotificationSubject;
  readonly item: NotificationItem;
  /** False for a happening that must stand on its own (a sign-off request). */
  readonly merge: boolean;
}

/** A notification as the store keeps it (NotificationJson without the board's title). */
export interface StoredNotification {
  readonly id: string;
  readonly userId: string;
  readonly boardId: string;
  readonly kind: NotificationKind;
  readonly subjectKey: string;
  readonly subject: NotificationSubject;
  /** Oldest first. */
  readonly items: readonly NotificationItem[];
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly readAt: number | null;
  /** Store-wide, raised by every change of any notification. */
  readonly seq: number;
}

/** Which of a person's unread notifications to mark read, among the boards they may see. */
export type ReadTarget = ({ readonly ids: readonly string[] } | { readonly all: true; readonly boardId?: string }) & {
  /** Only notifications whose seq is at most this (what the reader had seen); all if absent. */
  readonly upToSeq?: number;
};

/** Items one notification keeps (the newest): a busy thread must not grow one without bound. */
export const NOTIFICATION_ITEMS_MAX = 50;

export interface BoardSummary {
  readonly id: string;
  readonly title: string;
  readonly createdAt: number;
  /** Read-only for everyone (owners unarchive it to write again). */
  readonly archived: boolean;
  /**
   * Stakeholder names by id as the board doc had them when a room last stored them, so the
   * board list names delegations without loading every board; null until then.
   */
  readonly stakeholderNames: Readonly<Record<string, string>> | null;
}

/**
 * The durable store behind every room: an append-only update log per document plus a small
 * catalogue of boards. Async so a networked store (PostgreSQL) fits the same contract.
 */
export interface Storage {
  /** Creates a board with its initial state in one atomic step. Fails if it exists. */
  createBoard(id: string, title: string, initialState: Uint8Array): Promise<void>;
  boardExists(id: string): Promise<boolean>;
  /** Every board, oldest first (then by id). */
  listBoards(): Promise<BoardSummary[]>;
  /** The board's catalogue entry, or null if there is no such board. */
  getBoard(id: string): Promise<BoardSummary | null>;
  setBoardTitle(id: string, title: string): Promise<void>;
  setBoardStakeholderNames(id: string, names: Readonly<Record<string, string>>): Promise<void>;
  /** Marks the board archived (read-only) or not; false if there is no such board. */
  setBoardArchived(id: string, archived: boolean): Promise<boolean>;
  /**
   * Deletes the board's catalogue entry and, for every document of it (the board doc `<id>`
   * and its private-notes docs `<id>~<sid>`), its log, client-id owners, history and
   * versions, in one
   * transaction. False if there was no such board. The caller makes sure nothing for it is
   * still queued for the store (RoomRegistry.closeBoard).
   */
  deleteBoard(id: string): Promise<boolean>;
  loadLog(docName: string): Promise<StoredLog>;
  /**
   * The same log in pages of at most `pageSize` entries, so a long log can be read and
   * applied with the event loop free between pages. `lastSeq` is the last entry's so far.
   * From the entry after `afterSeq` if given (what a reader already holds).
   */
  readLog(docName: string, pageSize: number, afterSeq?: number): AsyncIterable<StoredLog>;
  /**
   * Appends many updates (possibly to several docs), and the client-id owners and history
   * entries they bring, in one transaction: all or nothing.
   */
  appendUpdates(batch: readonly PendingUpdate[]): Promise<void>;
  /**
   * Which user first wrote under each Yjs client id of a document. A client id belongs to
   * that user: nobody else may add structs under it (that could squat someone's future
   * clock values and silently drop their edits).
   */
  loadClientOwners(docName: string): Promise<Map<number, string>>;
  addClientOwners(docName: string, owners: ReadonlyMap<number, string>): Promise<void>;
  /**
   * A point's history entries, newest first: at most `limit`, older than `before` if given.
   * Comment and version entries (BOARD_ONLY_KINDS) belong to the board's activity only.
   */
  readPointHistory(boardId: string, pointId: string, before: number | null, limit: number): Promise<StoredHistoryRow[]>;
  /**
   * The `before` text of the oldest text entry for the point's field newer than `afterSeq`
   * (what the text was when the next run of edits began), or null if there is none.
   */
  nextTextBefore(boardId: string, pointId: string, field: string, afterSeq: number): Promise<string | null>;
  /**
   * A board's history entries of these kinds (its activity feed), newest first: at most
   * `limit`, older than `before` if given.
   */
  readBoardActivity(
    boardId: string,
    before: number | null,
    limit: number,
    kinds: readonly string[],
  ): Promise<StoredHistoryRow[]>;
  /** A board's history entries of these kinds after `afterSeq`, oldest first (the notification drain). */
  readHistoryAfter(
    boardId: string,
    afterSeq: number,
    limit: number,
    kinds: readonly string[],
  ): Promise<StoredHistoryRow[]>;
  /** The last history seq whose notifications are stored (0 for none). */
  notificationCursor(boardId: string): Promise<number>;
  /** Boards with history entries of these kinds after their notification cursor. */
  undrainedBoards(kinds: readonly string[]): Promise<string[]>;
  /**
   * In one transaction: moves the board's notification cursor from `fromCursor` to
   * `toCursor` and stores the deliveries, each joining its person's unread notification of
   * the same kind and subject (if `merge`) or starting a new one, each change with a new
   * store-wide seq. If the cursor is no longer `fromCursor` (another drain stored these),
   * or the board is gone, stores nothing and returns null; else the notifications changed,
   * in seq order.
   */
  storeNotifications(
    boardId: string,
    fromCursor: number,
    toCursor: number,
    deliveries: readonly NotificationDelivery[],
    at: number,
  ): Promise<StoredNotification[] | null>;
  /**
   * A person's notifications on these boards changed after `afterSeq`, at most `limit`:
   * the newest changes (newest first), or with `order` 'oldest' the earliest ones (oldest
   * first), which a client catching up pages through without a gap.
   */
  listNotifications(
    userId: string,
    boardIds: readonly string[],
    afterSeq: number,
    limit: number,
    order?: ListOrder,
  ): Promise<StoredNotification[]>;
  /** A person's unread notifications per board, among these boards (boards with none left out). */
  unreadCounts(userId: string, boardIds: readonly string[]): Promise<Record<string, number>>;
  /**
   * Marks a person's unread notifications read (those of `target` on these boards; unknown
   * ids are ignored), all with one new seq. Returns them with their boards, and the seq
   * (null when nothing changed).
   */
  markNotificationsRead(
    userId: string,
    boardIds: readonly string[],
    target: ReadTarget,
    at: number,
  ): Promise<{ read: { id: string; boardId: string }[]; seq: number | null }>;
  /**
   * Stores a published version with the board's full state (opaque bytes), and its history
   * entry if given (the activity feed's, pointId ''), in one transaction, in the board's
   * commit order; fails if its id exists.
   */
  createVersion(version: VersionSummary, state: Uint8Array, history?: HistoryRow): Promise<void>;
  /** The board's versions, newest first. */
  listVersions(boardId: string): Promise<VersionSummary[]>;
  /** One version of the board with its state, or null. */
  readVersion(boardId: string, versionId: string): Promise<{ summary: VersionSummary; state: Uint8Array } | null>;
  /** Sequence number of the document's last stored entry (0 for none). */
  lastSeq(docName: string): Promise<number>;
  /** `lastSeq` of each of these documents at once (0 for one with no entries), in one round trip. */
  lastSeqs(docNames: readonly string[]): Promise<Map<string, number>>;
  /**
   * Makes the caller the board's one writer: raises the board's owner epoch by one and
   * returns it. From then on, appends and compactions that carry an older epoch for the
   * board are refused with FencedError, atomically with respect to this call (an append
   * that committed before it is kept; one after it is refused). Entries without an epoch
   * are not checked (one process, no leases).
   */
  claimBoard(boardId: string): Promise<number>;
  /**
   * Replaces log entries up to and including `uptoSeq` with one encoded state that holds
   * them all. The state is appended first and the old entries deleted after, in pieces: a
   * crash in between leaves both, which load to the same doc (applying an update twice
   * changes nothing), and the next load compacts again.
   */
  compact(docName: string, state: Uint8Array, uptoSeq: number, epoch?: number): Promise<void>;
  close(): Promise<void>;
}
