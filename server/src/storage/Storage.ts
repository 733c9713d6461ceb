/**
 * The durable store behind every room: an append-only update log per document plus a small
 * catalogue of boards. Async so a networked store (PostgreSQL) fits the same contract.
 */
export interface StoredLog {
  /** Updates in the order they were appended (v1 encoding). */
  readonly updates: Uint8Array[];
  /** Sequence number of the last entry, for compaction; 0 for an empty log. */
  readonly lastSeq: number;
}

export interface PendingUpdate {
  readonly docName: string;
  readonly update: Uint8Array;
}

export interface BoardSummary {
  readonly id: string;
  readonly title: string;
  readonly createdAt: number;
}

export interface Storage {
  /** Creates a board with its initial state in one atomic step. Fails if it exists. */
  createBoard(id: string, title: string, initialState: Uint8Array): Promise<void>;
  boardExists(id: string): Promise<boolean>;
  listBoards(): Promise<BoardSummary[]>;
  setBoardTitle(id: string, title: string): Promise<void>;
  loadLog(docName: string): Promise<StoredLog>;
  /** Appends many updates (possibly to several docs) in one transaction: all or nothing. */
  appendUpdates(batch: readonly PendingUpdate[]): Promise<void>;
  /** Replaces log entries up to and including `uptoSeq` with one encoded state. */
  compact(docName: string, state: Uint8Array, uptoSeq: number): Promise<void>;
  close(): Promise<void>;
}
