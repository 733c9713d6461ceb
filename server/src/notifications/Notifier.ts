import { ACTIVITY_KINDS, type ActivityEntryJson, type NotificationJson } from '@parley/shared/protocol';
import type { Logger } from '../logger.ts';
import type { Storage } from '../persistence/Storage.ts';
import { activityEntry, catalogueNames } from './activityEntry.ts';
import { deriveNotifications, type Recipient } from './deriveNotifications.ts';
import { notificationsHeld } from './faults.ts';
import { notificationJson } from './notificationJson.ts';

/** History rows one drain step reads (and stores the notifications of) at most. */
const DRAIN_BATCH = 500;
/** A drain that failed (the store is down) is tried again after this long. */
const RETRY_MS = 2_000;

/** Where a drain's results go once stored: socket.io rooms (NotificationEvents). */
export interface NotifierOutput {
  notification(userId: string, notification: NotificationJson): void;
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
 * At most one drain per board runs here; a commit arriving meanwhile runs it once more.
 */
export class Notifier {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly storage: Storage,
    private readonly members: (boardId: string) => Promise<readonly Recipient[]>,
    private readonly output: NotifierOutput,
    private readonly log: Logger,
  ) {}

  /** Drains every board with rows after its cursor (what a crash left undrained). */
  async start(): Promise<void> {
    const boards = await this.storage.undrainedBoards(ACTIVITY_KINDS);
    if (boards.length > 0)
      this.log.info({ boards: boards.length }, 'draining notifications left from before the start');
    for (const boardId of boards) this.committed(boardId);
    await this.idle();
  }

  /** The board committed history rows of activity kinds: drain them (coalesced). */
  committed(boardId: string): void {
    if (this.closed || notificationsHeld) return;
    if (this.running.has(boardId)) {
      this.again.add(boardId);
      return;
    }
    const run = (async () => {
      do {
        this.again.delete(boardId);
        try {
          await this.drain(boardId);
        } catch (err) {
          this.log.error({ err, boardId }, 'storing notifications failed; will retry');
          this.retryLater(boardId);
          return;
        }
      } while (this.again.has(boardId) && !this.closed);
    })().finally(() => this.running.delete(boardId));
    this.running.set(boardId, run);
  }

  /** Resolves when no drain is running. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  /** Lets running drains finish and starts no more; what is left is drained at the next start. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
    await this.idle();
  }

  private retryLater(boardId: string): void {
    if (this.closed || this.retries.has(boardId)) return;
    const timer = setTimeout(() => {
      this.retries.delete(boardId);
      this.committed(boardId);
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
      if (stored === null) continue;
      const board = await this.storage.getBoard(boardId);
      const names = catalogueNames(board);
      for (const row of rows) this.output.activity(boardId, activityEntry(row, names));
      for (const n of stored) this.output.notification(n.userId, notificationJson(n, board?.title ?? boardId));
      if (rows.length < DRAIN_BATCH) return;
    }
  }
}
