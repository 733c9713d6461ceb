import { ACTIVITY_KINDS, type ActivityEntryJson, type NotificationJson } from '@parley/shared/protocol';
import type { Logger } from '../logger.ts';
import type { Storage } from '../persistence/Storage.ts';
import { activityEntry, catalogueNames } from './activityEntry.ts';
import { deriveNotifications, type Recipient } from './deriveNotifications.ts';
import { notificationsHeld } from './faults.ts';
import { notificationJson } from './notificationJson.ts';

/** History rows one drain step reads (and stores the notifications of) at most. */
const DRAIN_BATCH = 2_000;
/**
 * A commit starts its board's drain this much later: the commits of a busy board meanwhile
 * share one drain (one store transaction) instead of each making its own.
 */
const DRAIN_DELAY_MS = 100;
/** A drain that failed (the store is down) is tried again after this long. */
const RETRY_MS = 2_000;
/** How often boards with undrained rows are looked for (what another process stored). */
const SWEEP_MS = 5_000;

/** Where a drain's results go once stored: socket.io rooms (NotificationEvents). */
export interface NotifierOutput {
  notification(userId: string, notification: NotificationJson): void;
  /** Whether anyone may be listening to the board's activity (else its entries are not made). */
  hearsActivity(boardId: string): boolean;
  activity(boardId: string, entry: ActivityEntryJson): void;
}

/**
 * Turns committed history into notifications, exactly once: the history rows are the
 * outbox. A drain reads a board's rows after its notification cursor, derives who is told
 * (deriveNotifications, against the members now) and, in one store transaction, stores the
 * notifications and moves the cursor from the value it read (a compare-and-set: when
 * another drain, here or on another instance, got there first, nothing is stored). Only
 * then is anyone told, live. A crash before that commit leaves the rows after the cursor,
 * drained at the next start (`start`); one after it has stored everything.
 *
 * At most one drain per board runs here, shortly after a commit; a commit arriving while
 * it runs runs it once more.
 */
export class Notifier {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly waiting = new Map<string, NodeJS.Timeout>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private closed = false;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly storage: Storage,
    private readonly members: (boardId: string) => Promise<readonly Recipient[]>,
    private readonly output: NotifierOutput,
    private readonly log: Logger,
  ) {}

  /**
   * Drains every board with rows after its cursor (what a crash left undrained), then looks
   * again every SWEEP_MS: a version the CLI published (another process, no commit here)
   * must not wait for the board's next change.
   */
  async start(): Promise<void> {
    const boards = await this.storage.undrainedBoards(ACTIVITY_KINDS);
    if (boards.length > 0)
      this.log.info({ boards: boards.length }, 'draining notifications left from before the start');
    for (const boardId of boards) this.run(boardId);
    await this.idle();
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  private async sweep(): Promise<void> {
    try {
      for (const boardId of await this.storage.undrainedBoards(ACTIVITY_KINDS)) this.committed(boardId);
    } catch (err) {
      this.log.warn({ err }, 'could not look for undrained notifications');
    }
  }

  /** The board committed history rows of activity kinds: drain them (coalesced). */
  committed(boardId: string): void {
    if (this.closed || notificationsHeld) return;
    if (this.running.has(boardId)) this.again.add(boardId);
    else if (!this.waiting.has(boardId)) {
      const timer = setTimeout(() => {
        this.waiting.delete(boardId);
        this.run(boardId);
      }, DRAIN_DELAY_MS);
      this.waiting.set(boardId, timer);
    }
  }

  private run(boardId: string): void {
    if (this.running.has(boardId)) {
      this.again.add(boardId);
      return;
    }
    const run = (async () => {
      for (let first = true; first || this.again.has(boardId); first = false) {
        // Under steady commits, one drain per DRAIN_DELAY_MS at most.
        if (!first) await new Promise((resolve) => setTimeout(resolve, DRAIN_DELAY_MS));
        this.again.delete(boardId);
        try {
          await this.drain(boardId);
        } catch (err) {
          this.log.error({ err, boardId }, 'storing notifications failed; will retry');
          this.retryLater(boardId);
          return;
        }
      }
    })().finally(() => {
      this.running.delete(boardId);
      // A commit that came after the loop's last look but before this: run for it, unless
      // a retry of a failed drain is already waiting.
      if (this.again.delete(boardId) && !this.closed && !this.retries.has(boardId)) this.run(boardId);
    });
    this.running.set(boardId, run);
  }

  /** Resolves when no drain is running or about to. */
  async idle(): Promise<void> {
    while (this.running.size > 0 || this.waiting.size > 0) {
      if (this.running.size > 0) await Promise.all(this.running.values());
      else await new Promise((resolve) => setTimeout(resolve, DRAIN_DELAY_MS));
    }
  }

  /**
   * Runs the drains commits asked for and lets them finish, then starts no more; what a
   * failing store left is drained at the next start.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
    for (const [boardId, timer] of this.waiting) {
      clearTimeout(timer);
      this.waiting.delete(boardId);
      this.run(boardId);
    }
    await this.idle();
  }

  private retryLater(boardId: string): void {
    if (this.closed || this.retries.has(boardId)) return;
    const timer = setTimeout(() => {
      this.retries.delete(boardId);
      if (!this.closed) this.run(boardId);
    }, RETRY_MS);
    timer.unref();
    this.retries.set(boardId, timer);
  }

  private async drain(boardId: string): Promise<void> {
    for (;;) {
      const cursor = await this.storage.notificationCursor(boardId);
      const rows = await this.storage.readHistoryAfter(boardId, cursor, DRAIN_BATCH, ACTIVITY_KINDS);
      if (rows.length === 0) return;
      const deliveries = deriveNotifications(rows, await this.members(boardId));
      const stored = await this.storage.storeNotifications(boardId, cursor, rows.at(-1)!.seq, deliveries, Date.now());
      // Another drain stored these rows (and told everyone): read on from where it left off.
      // (A deleted board's rows are gone with it, so the next read ends this.)
      if (stored === null) continue;
      const board = await this.storage.getBoard(boardId);
      if (this.output.hearsActivity(boardId)) {
        const names = catalogueNames(board);
        for (const row of rows) this.output.activity(boardId, activityEntry(row, names));
      }
      for (const n of stored) this.output.notification(n.userId, notificationJson(n, board?.title ?? boardId));
      if (rows.length < DRAIN_BATCH) return;
    }
  }
}
