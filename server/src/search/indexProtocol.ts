import type { SearchHit } from '@parley/shared/model';

/**
 * Messages between the server's main thread (SearchIndex) and the search worker
 * (IndexWorker). The main thread passes on committed board updates and answers the
 * worker's requests for a board's stored log; the worker owns the index file.
 */
export type ToWorker =
  /**
   * Every board in the store's catalogue, once the worker runs. `shared`: other instances
   * write to the store too, so the worker reports the sequence number each indexed board
   * was read up to (`seqs`), and the main thread catches boards up before each search.
   */
  | { readonly type: 'start'; readonly boardIds: readonly string[]; readonly shared?: boolean }
  /** Updates committed to the store since the last message, per board. */
  | { readonly type: 'commits'; readonly boards: readonly { boardId: string; updates: Uint8Array[] }[] }
  /** A board's stored log, as asked for, up to `lastSeq`; null when the board no longer exists. */
  | { readonly type: 'log'; readonly boardId: string; readonly updates: Uint8Array[] | null; readonly lastSeq: number }
  /**
   * A page of a board's stored log after what the index had read of it, up to `lastSeq`
   * (only with `shared`: entries other instances committed, and this one's own again).
   */
  | {
      readonly type: 'entries';
      readonly boardId: string;
      /** The entries come after this one (the index held every entry up to it). */
      readonly afterSeq: number;
      readonly updates: Uint8Array[];
      readonly lastSeq: number;
    }
  | { readonly type: 'remove'; readonly boardId: string }
  /** Updates of these boards were dropped (the worker fell too far behind): replay them from the store. */
  | { readonly type: 'stale'; readonly boardIds: readonly string[] }
  | {
      readonly type: 'search';
      readonly requestId: number;
      readonly boardIds: readonly string[];
      readonly query: string;
      readonly limit: number;
    }
  | { readonly type: 'close' };

/** A hit as the index finds it; the main thread adds the board's title from the catalogue. */
export interface IndexHit extends SearchHit {
  readonly boardId: string;
  readonly pointTitle: string;
}

export type FromWorker =
  | { readonly type: 'need-log'; readonly boardId: string }
  /** Answer to a `shared` start: each indexed board and the store's sequence number the index holds it up to. */
  | { readonly type: 'seqs'; readonly seqs: readonly (readonly [string, number])[] }
  /** A `commits` message of this many bytes was applied (the main thread bounds what is in flight). */
  | { readonly type: 'applied'; readonly bytes: number }
  | { readonly type: 'hits'; readonly requestId: number; readonly hits: IndexHit[] }
  | { readonly type: 'failed'; readonly requestId: number; readonly message: string }
  /** Something went wrong that the main thread should log (the worker goes on). */
  | { readonly type: 'error'; readonly message: string; readonly boardId?: string }
  | { readonly type: 'closed' };
