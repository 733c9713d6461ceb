import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../logger.ts';
import type { Storage } from '../persistence/Storage.ts';
import type { FromWorker, IndexHit, ToWorker } from './indexProtocol.ts';

/**
 * The worker beside this module: in the build `npm start` runs, `searchWorker.js`
 * (server/build.mjs makes it an entry); under tsx (dev, tests), `searchWorker.ts` loaded
 * through `tsWorker.cjs` (see there).
 */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_FILE = new URL(FROM_SOURCE ? './tsWorker.cjs' : './searchWorker.js', import.meta.url);
const TS_ENTRY = fileURLToPath(new URL('./searchWorker.ts', import.meta.url));
/**
 * A process started with `--import tsx` passes it on to the worker; one whose TypeScript
 * another loader compiles (the unit tests' vitest) gives the worker tsx itself.
 */
const WORKER_OPTIONS =
  FROM_SOURCE && !process.execArgv.some((arg) => arg.includes('tsx')) ? { execArgv: ['--import', 'tsx'] } : {};

/**
 * Committed updates are handed to the worker at most this often, in one message: one
 * message per update would cost the rooms' thread more than everything else here.
 */
const POST_INTERVAL_MS = 100;
/**
 * Bytes handed to the worker and not yet applied, beyond which updates are dropped rather
 * than queued (the worker runs at the lowest priority and may starve while the rooms are
 * saturated); the boards they belong to are replayed from the store once it catches up.
 */
const MAX_IN_FLIGHT_BYTES = 32 * 1024 * 1024;
/** A search the worker has not answered by then fails (the route answers 503). */
const SEARCH_TIMEOUT_MS = 10_000;
/** Before the worker is started again after it died, and between reads of a log that failed. */
const RETRY_MS = 1_000;
/** How long close waits for the worker to write what is pending. */
const CLOSE_TIMEOUT_MS = 5_000;
/**
 * Entries read from the store per page when a search catches a board up (sharedStore): one
 * query and one message each, with the event loop free between pages.
 */
const CATCH_UP_PAGE = 1_000;

export interface SearchIndexOptions {
  /**
   * Other instances commit to the same store (several instances on one PostgreSQL): their
   * rooms' commits never reach this index, so each search first reads, for every board in
   * its scope, the store's entries after those the index holds. Off, nothing of it runs.
   */
  readonly sharedStore?: boolean;
}

export class SearchUnavailable extends Error {}

/** `promise`, or a SearchUnavailable once `deadline` (a Date.now()) has passed. */
function within<T>(promise: Promise<T>, deadline: number, why: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new SearchUnavailable(why)), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

interface Request {
  readonly resolve: (hits: IndexHit[]) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * The search index across boards, as the rooms' thread sees it. The index lives in a
 * worker thread (IndexWorker, SQLite FTS5 in its own file): rooms pass on each board
 * update once the store has committed it, so the index only ever holds what is saved, and
 * the rooms' event loop only copies bytes. The worker replays a board from the store when
 * it needs to, and asks for its log here.
 */
export class SearchIndex {
  private worker: Worker | null = null;
  private pending = new Map<string, Uint8Array[]>();
  /** Bytes posted to the worker and not yet reported applied. */
  private inFlightBytes = 0;
  /** Boards whose updates were dropped: the worker is told to replay them from the store. */
  private readonly dropped = new Set<string>();
  private postTimer: NodeJS.Timeout | null = null;
  private readonly requests = new Map<number, Request>();
  private nextRequest = 1;
  private closing = false;
  private closed: (() => void) | null = null;
  private readonly shared: boolean;
  /**
   * sharedStore: per board, the store's sequence number up to which every entry has been
   * handed to the worker (in a log or as entries). Absent: the worker has not indexed the
   * board, and a search indexes it from its whole log first.
   */
  private readonly readTo = new Map<string, number>();
  /** sharedStore: the catch-up of each board under way, so that concurrent searches read it once. */
  private readonly catchingUp = new Map<string, Promise<void>>();
  /** sharedStore: resolves once the running worker has said what it holds (`seqs`). */
  private seqsKnown: Promise<void> = Promise.resolve();
  private seqsArrived: (() => void) | null = null;

  constructor(
    private readonly storage: Storage,
    private readonly log: Logger,
    private readonly dataDir: string,
    options: SearchIndexOptions = {},
  ) {
    this.shared = options.sharedStore === true;
  }

  /** Starts the worker; it indexes the boards it has not seen in the background. */
  async start(): Promise<void> {
    const boardIds = (await this.storage.listBoards()).map((b) => b.id);
    if (this.closing) return;
    const worker = new Worker(WORKER_FILE, {
      ...WORKER_OPTIONS,
      workerData: { dataDir: this.dataDir, tsEntry: TS_ENTRY },
    });
    worker.on('message', (message: FromWorker) => this.received(message));
    worker.on('error', (err) => this.log.error({ err }, 'the search worker failed'));
    worker.on('exit', (code) => this.exited(worker, code));
    if (this.shared) {
      this.readTo.clear();
      this.seqsKnown = new Promise((resolve) => (this.seqsArrived = resolve));
    }
    worker.postMessage({ type: 'start', boardIds, ...(this.shared ? { shared: true } : {}) } satisfies ToWorker);
    // A new worker indexes every board it is not sure of; nothing earlier is in flight to it.
    this.inFlightBytes = 0;
    this.dropped.clear();
    this.worker = worker;
    this.postSoon();
  }

  /** A board update the store has committed. */
  committed(boardId: string, update: Uint8Array): void {
    if (this.closing) return;
    const list = this.pending.get(boardId);
    if (list) list.push(update);
    else this.pending.set(boardId, [update]);
    this.postSoon();
  }

  /** The board was deleted: its entries go. */
  removed(boardId: string): void {
    this.pending.delete(boardId);
    this.readTo.delete(boardId);
    this.send({ type: 'remove', boardId });
  }

  /**
   * Hits in these boards, best first; every update committed before the call is searched
   * (with sharedStore, whichever instance committed it).
   */
  search(boardIds: readonly string[], query: string, limit: number): Promise<IndexHit[]> {
    if (!this.worker || this.closing) return Promise.reject(new SearchUnavailable('the search index is not running'));
    if (!this.shared) return this.ask(boardIds, query, limit);
    const deadline = Date.now() + SEARCH_TIMEOUT_MS;
    return this.catchUp(boardIds, deadline).then(() => {
      if (!this.worker || this.closing) throw new SearchUnavailable('the search index is not running');
      return this.ask(boardIds, query, limit, deadline - Date.now());
    });
  }

  private ask(boardIds: readonly string[], query: string, limit: number, timeoutMs = SEARCH_TIMEOUT_MS) {
    this.postPending();
    const requestId = this.nextRequest++;
    return new Promise<IndexHit[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.requests.delete(requestId);
        reject(new SearchUnavailable('the search index did not answer in time'));
      }, timeoutMs);
      this.requests.set(requestId, { resolve, reject, timer });
      this.send({ type: 'search', requestId, boardIds, query, limit });
    });
  }

  /**
   * sharedStore: hands the worker every entry of these boards the store has committed and
   * the index has not read (other instances' rooms commit them), before the search itself,
   * which the worker handles after them. One query for the boards' last sequence numbers;
   * then only the boards that moved are read, a page at a time. A board with no entries
   * left was deleted elsewhere: its rows go.
   */
  private async catchUp(boardIds: readonly string[], deadline: number): Promise<void> {
    const worker = this.worker;
    await within(this.seqsKnown, deadline, 'the search index did not start in time');
    const stored = await within(this.storage.lastSeqs(boardIds), deadline, 'the store did not answer in time');
    const reads: Promise<void>[] = [];
    for (const boardId of boardIds) {
      const seq = stored.get(boardId) ?? 0;
      if (seq === 0) {
        if (this.readTo.has(boardId)) this.removed(boardId);
        continue;
      }
      const read = this.readTo.get(boardId);
      // Not indexed yet: the worker replays its whole log for this search.
      if (read === undefined || read >= seq) continue;
      const previous = this.catchingUp.get(boardId) ?? Promise.resolve();
      const reading = previous.then(() => this.readEntries(boardId, seq, worker));
      this.catchingUp.set(boardId, reading);
      void reading.finally(() => {
        if (this.catchingUp.get(boardId) === reading) this.catchingUp.delete(boardId);
      });
      reads.push(reading);
    }
    if (reads.length > 0) await within(Promise.all(reads), deadline, 'the store did not answer in time');
  }

  /** The board's entries after what the worker has, up to `seq` at least (another search may have read them). */
  private async readEntries(boardId: string, seq: number, worker: Worker | null): Promise<void> {
    const after = this.readTo.get(boardId);
    if (after === undefined || after >= seq) return;
    let afterSeq = after;
    for await (const page of this.storage.readLog(boardId, CATCH_UP_PAGE, after)) {
      // A worker started since knows nothing of this read (it indexes what it is unsure of).
      if (this.worker !== worker || this.closing) return;
      this.send({ type: 'entries', boardId, afterSeq, updates: page.updates, lastSeq: page.lastSeq });
      afterSeq = page.lastSeq;
      if (this.readTo.has(boardId)) this.readTo.set(boardId, Math.max(this.readTo.get(boardId)!, page.lastSeq));
    }
  }

  /** Hands over what is pending and waits for the worker to write it and stop. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.postPending();
    this.closing = true;
    const worker = this.worker;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
      this.closed = () => {
        clearTimeout(timer);
        resolve();
      };
      worker.postMessage({ type: 'close' } satisfies ToWorker);
    });
    await worker.terminate();
    this.failRequests('the server is stopping');
  }

  private send(message: ToWorker): void {
    this.worker?.postMessage(message);
  }

  private postSoon(): void {
    if (this.postTimer || this.pending.size === 0 || !this.worker) return;
    this.postTimer = setTimeout(() => this.postPending(), POST_INTERVAL_MS);
  }

  private postPending(): void {
    if (this.postTimer) clearTimeout(this.postTimer);
    this.postTimer = null;
    if (!this.worker) return;
    if (this.dropped.size > 0) {
      this.send({ type: 'stale', boardIds: [...this.dropped] });
      this.dropped.clear();
    }
    if (this.pending.size === 0) return;
    const boards = [...this.pending].map(([boardId, updates]) => ({ boardId, updates }));
    this.pending = new Map();
    if (this.inFlightBytes > MAX_IN_FLIGHT_BYTES) {
      for (const { boardId } of boards) this.dropped.add(boardId);
      return;
    }
    for (const { updates } of boards) for (const u of updates) this.inFlightBytes += u.byteLength;
    this.send({ type: 'commits', boards });
  }

  private received(message: FromWorker): void {
    switch (message.type) {
      case 'need-log':
        void this.sendLog(message.boardId);
        break;
      case 'seqs':
        for (const [boardId, seq] of message.seqs) this.readTo.set(boardId, seq);
        this.seqsArrived?.();
        break;
      case 'applied':
        this.inFlightBytes -= message.bytes;
        break;
      case 'hits':
      case 'failed': {
        const request = this.requests.get(message.requestId);
        if (!request) return;
        this.requests.delete(message.requestId);
        clearTimeout(request.timer);
        if (message.type === 'hits') request.resolve(message.hits);
        else request.reject(new Error(message.message));
        break;
      }
      case 'error':
        this.log.error({ boardId: message.boardId, err: message.message }, 'the search index could not write a board');
        break;
      case 'closed':
        this.closed?.();
        break;
    }
  }

  private async sendLog(boardId: string): Promise<void> {
    try {
      const log = (await this.storage.boardExists(boardId)) ? await this.storage.loadLog(boardId) : null;
      this.send({ type: 'log', boardId, updates: log?.updates ?? null, lastSeq: log?.lastSeq ?? 0 });
      if (this.shared) {
        if (log) this.readTo.set(boardId, Math.max(this.readTo.get(boardId) ?? 0, log.lastSeq));
        else this.readTo.delete(boardId);
      }
    } catch (err) {
      // The store is failing; the worker waits for the log, and the rooms wait for the store.
      this.log.error({ err, boardId }, 'the search index could not read a board; retrying');
      if (!this.closing) setTimeout(() => void this.sendLog(boardId), RETRY_MS);
    }
  }

  /**
   * The worker died (a bug, or memory): searches in flight fail, and a new worker starts.
   * It finds the index marked in use, so it indexes every board anew from the store.
   */
  private exited(worker: Worker, code: number): void {
    if (worker !== this.worker) return;
    this.worker = null;
    this.failRequests('the search index stopped');
    // A search waiting for it to say what it holds gives up now, not at its deadline.
    this.seqsArrived?.();
    if (this.closing) return;
    this.log.error({ code }, 'the search worker stopped; starting it again');
    setTimeout(() => {
      this.start().catch((err: unknown) => this.log.error({ err }, 'could not start the search worker'));
    }, RETRY_MS);
  }

  private failRequests(why: string): void {
    for (const [id, request] of this.requests) {
      clearTimeout(request.timer);
      request.reject(new SearchUnavailable(why));
      this.requests.delete(id);
    }
  }
}
