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

export class SearchUnavailable extends Error {}

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

  constructor(
    private readonly storage: Storage,
    private readonly log: Logger,
    private readonly dataDir: string,
  ) {}

  /** Starts the worker; it indexes the boards it has not seen in the background. */
  async start(): Promise<void> {
    const boardIds = (await this.storage.listBoards()).map((b) => b.id);
    if (this.closing) return;
    const worker = new Worker(WORKER_FILE, { workerData: { dataDir: this.dataDir, tsEntry: TS_ENTRY } });
    worker.on('message', (message: FromWorker) => this.received(message));
    worker.on('error', (err) => this.log.error({ err }, 'the search worker failed'));
    worker.on('exit', (code) => this.exited(worker, code));
    worker.postMessage({ type: 'start', boardIds } satisfies ToWorker);
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
    this.send({ type: 'remove', boardId });
  }

  /** Hits in these boards, best first; every update committed before the call is searched. */
  search(boardIds: readonly string[], query: string, limit: number): Promise<IndexHit[]> {
    if (!this.worker || this.closing) return Promise.reject(new SearchUnavailable('the search index is not running'));
    this.postPending();
    const requestId = this.nextRequest++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.requests.delete(requestId);
        reject(new SearchUnavailable('the search index did not answer in time'));
      }, SEARCH_TIMEOUT_MS);
      this.requests.set(requestId, { resolve, reject, timer });
      this.send({ type: 'search', requestId, boardIds, query, limit });
    });
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
      const updates = (await this.storage.boardExists(boardId)) ? (await this.storage.loadLog(boardId)).updates : null;
      this.send({ type: 'log', boardId, updates });
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
