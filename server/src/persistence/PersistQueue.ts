import type { Logger } from '../logger.ts';
import { boardOfDoc } from './fencing.ts';
import { FencedError, type PendingUpdate, type Storage } from './Storage.ts';

interface Waiter {
  readonly resolve: () => void;
  /** When each edit in the update arrived (one entry may hold a turn's worth of edits). */
  readonly receivedAt: readonly number[];
}

export interface PersistObserver {
  committed(latenciesMs: readonly number[]): void;
  /** What that commit stored (its history rows are the notifications' outbox). */
  stored?(batch: readonly PendingUpdate[]): void;
  failed(): void;
  /**
   * The store refused these boards' queued updates because another instance has claimed
   * them (FencedError). They were dropped unconfirmed; the rest of the batch is retried.
   */
  fenced?(boardIds: readonly string[]): void;
}

/**
 * Batches accepted updates into one store transaction every few milliseconds. A failed
 * write keeps its updates queued and retries with backoff: nothing is dropped, and no
 * caller is told "stored" until the commit that held its update succeeded.
 */
export class PersistQueue {
  private pending: PendingUpdate[] = [];
  /** Work to run right before the next commit (rooms applying the edits of this turn). */
  private beforeCommit: (() => void)[] = [];
  private tasksScheduled = false;
  private waiters: Waiter[] = [];
  /** Cancels the scheduled flush, if one is scheduled. */
  private cancelScheduled: (() => void) | null = null;
  private flushing: Promise<void> | null = null;
  private failures = 0;
  private closed = false;

  constructor(
    private readonly storage: Storage,
    private readonly log: Logger,
    private readonly batchMs: number,
    private readonly observer?: PersistObserver,
  ) {}

  get size(): number {
    return this.pending.length;
  }

  /**
   * Queues an update, with the client-id owners it claims, the history entries derived
   * from it and the room's owner epoch; the promise resolves once it is committed to the
   * store. It never rejects: a failed write is retried, and after close, or once the board
   * is fenced off, nothing is confirmed (so nobody is told "saved" for an update that was
   * not stored).
   */
  enqueue(entry: PendingUpdate, receivedAt: readonly number[] = [performance.now()]): Promise<void> {
    if (this.closed) {
      this.log.error({ docName: entry.docName }, 'update arrived after the store was closed; not stored');
      return new Promise<void>(() => undefined);
    }
    this.pending.push(entry);
    const stored = new Promise<void>((resolve) => this.waiters.push({ resolve, receivedAt }));
    this.schedule(this.batchMs);
    return stored;
  }

  /**
   * Runs `task` in the check phase of this event-loop turn and, with no batch window and a
   * healthy store, commits right after, so what it enqueues joins that commit: the edits
   * of one turn are applied and stored in the same check phase, with no extra turn of
   * latency. While the store is failing, edits are still applied at once; their commit
   * waits for the retry.
   */
  runBeforeCommit(task: () => void): void {
    this.beforeCommit.push(task);
    if (this.tasksScheduled) return;
    this.tasksScheduled = true;
    setImmediate(() => {
      this.tasksScheduled = false;
      this.runTasks();
      if (this.batchMs === 0 && this.failures === 0 && !this.flushing && this.pending.length > 0) {
        this.flush().catch(() => {
          /* logged in flush; retried by schedule */
        });
      }
    });
  }

  private runTasks(): void {
    for (const task of this.beforeCommit.splice(0)) {
      try {
        task();
      } catch (err) {
        this.log.error({ err }, 'work before a commit failed');
      }
    }
  }

  hasPendingFor(docName: string): boolean {
    return this.pending.some((p) => p.docName === docName);
  }

  /** Writes everything queued so far; resolves when it is committed. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    this.cancelScheduled?.();
    this.cancelScheduled = null;
    this.runTasks();
    if (this.pending.length === 0) return;
    const batch = this.pending;
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    this.flushing = (async () => {
      try {
        await this.storage.appendUpdates(batch);
        this.failures = 0;
        const now = performance.now();
        this.observer?.committed(waiters.flatMap((w) => w.receivedAt.map((t) => now - t)));
        this.observer?.stored?.(batch);
        for (const w of waiters) w.resolve();
      } catch (err) {
        if (err instanceof FencedError) {
          this.dropFenced(batch, waiters, err.boardIds);
          return;
        }
        // Put the batch back in front, in order, so a retry writes it before newer updates.
        this.pending = batch.concat(this.pending);
        this.waiters = waiters.concat(this.waiters);
        this.failures++;
        this.observer?.failed();
        this.log.error({ err, updates: batch.length, failures: this.failures }, 'storing updates failed; will retry');
        throw err;
      } finally {
        this.flushing = null;
      }
    })();
    try {
      await this.flushing;
    } finally {
      if (this.pending.length > 0) this.schedule(Math.min(5_000, 50 * 2 ** this.failures));
    }
  }

  /**
   * Drops the fenced boards' updates, never confirmed, and puts the rest of the batch back
   * in front for an immediate retry: a board another instance now owns must not hold up
   * the others.
   */
  private dropFenced(batch: PendingUpdate[], waiters: Waiter[], boardIds: readonly string[]): void {
    const fenced = new Set(boardIds);
    const keptUpdates: PendingUpdate[] = [];
    const keptWaiters: Waiter[] = [];
    let dropped = 0;
    for (const [i, entry] of batch.entries()) {
      if (fenced.has(boardOfDoc(entry.docName))) {
        dropped++;
        continue;
      }
      keptUpdates.push(entry);
      keptWaiters.push(waiters[i]!);
    }
    this.pending = keptUpdates.concat(this.pending);
    this.waiters = keptWaiters.concat(this.waiters);
    this.log.warn({ boardIds, dropped }, 'another instance owns these boards now; their queued updates were dropped');
    this.observer?.fenced?.(boardIds);
  }

  /** Flushes until empty, then refuses new work. Used on shutdown. */
  async close(): Promise<void> {
    for (let attempt = 0; this.pending.length > 0 || this.beforeCommit.length > 0 || this.flushing; attempt++) {
      try {
        await this.flush();
      } catch {
        if (attempt >= 5) throw new Error(`could not store ${this.pending.length} updates on shutdown`);
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
    this.closed = true;
    this.cancelScheduled?.();
    this.cancelScheduled = null;
  }

  private schedule(delayMs: number): void {
    if (this.cancelScheduled || this.closed) return;
    const run = () => {
      this.cancelScheduled = null;
      this.flush().catch(() => {
        /* logged in flush; retried by schedule */
      });
    };
    // 0: commit right after the current I/O phase; every update that arrived in it shares
    // the transaction (group commit without a fixed wait).
    if (delayMs === 0) {
      const handle = setImmediate(run);
      this.cancelScheduled = () => clearImmediate(handle);
    } else {
      const handle = setTimeout(run, delayMs);
      this.cancelScheduled = () => clearTimeout(handle);
    }
  }
}
