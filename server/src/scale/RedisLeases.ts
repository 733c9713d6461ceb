import type { Logger } from '../logger.ts';
import type { RedisConnection } from './redisConnection.ts';

/** An instance as the others see it: its id (unique per process) and where to reach it. */
export interface InstanceRef {
  readonly id: string;
  readonly url: string;
}

const KEY_PREFIX = 'parley:owner:';
const keyOf = (boardId: string) => `${KEY_PREFIX}${boardId}`;
const encode = (i: InstanceRef) => `${i.id} ${i.url}`;
function decode(value: string): InstanceRef | null {
  const space = value.indexOf(' ');
  return space > 0 ? { id: value.slice(0, space), url: value.slice(space + 1) } : null;
}

/** Extends the lease only if it is still ours (a lapsed lease taken by another stays theirs). */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** Renewals per lease period; ownership is given up when less than two are left. */
const TICKS_PER_LEASE = 5;

export type Acquired = { readonly mine: true } | { readonly mine: false; readonly holder: InstanceRef };

/**
 * One owner per board, chosen by a Redis key with a time limit (a lease). The holder
 * renews every fifth of the lease and counts its time from when it *sent* a renewal, so it
 * always believes it has lost the lease before Redis lets anyone else take it. A lease it
 * cannot renew in time (Redis unreachable, or the key taken after it lapsed) is lost:
 * `onLost` is told, and the owner must stop serving the board. The store's fencing epoch
 * (Storage.claimBoard) refuses whatever a deposed owner still tries to write.
 */
export class RedisLeases {
  /** Board → monotonic time until which the lease is surely still ours. */
  private readonly held = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private readonly value: string;
  private renewing = false;

  constructor(
    private readonly redis: RedisConnection,
    readonly self: InstanceRef,
    private readonly leaseMs: number,
    private readonly log: Logger,
    private readonly onLost: (boardId: string) => void,
  ) {
    this.value = encode(self);
    this.timer = setInterval(() => void this.renewAll(), Math.max(1, Math.floor(leaseMs / TICKS_PER_LEASE)));
    this.timer.unref();
  }

  get heldCount(): number {
    return this.held.size;
  }

  holds(boardId: string): boolean {
    return this.held.has(boardId);
  }

  /** Takes the board's lease if nobody holds it; else says who does. Rejects if Redis cannot answer. */
  async acquire(boardId: string): Promise<Acquired> {
    if (this.held.has(boardId)) return { mine: true };
    // A second try covers a lease that lapsed between the two commands.
    for (let attempt = 0; attempt < 2; attempt++) {
      const sentAt = performance.now();
      const set = await this.redis.set(keyOf(boardId), this.value, {
        condition: 'NX',
        expiration: { type: 'PX', value: this.leaseMs },
      });
      if (set === 'OK') {
        this.held.set(boardId, sentAt + this.leaseMs);
        return { mine: true };
      }
      const holder = await this.holder(boardId);
      if (holder?.id === this.self.id) {
        // Ours from before a lapse this process gave up on (a fresh claim follows anyway).
        if ((await this.renew(boardId)) === 1) {
          this.held.set(boardId, sentAt + this.leaseMs);
          return { mine: true };
        }
      } else if (holder) {
        return { mine: false, holder };
      }
    }
    throw new Error(`the lease key of board "${boardId}" could not be taken or read`);
  }

  /** Who holds the board's lease now, or null. Rejects if Redis cannot answer. */
  async holder(boardId: string): Promise<InstanceRef | null> {
    const value = await this.redis.get(keyOf(boardId));
    return value === null ? null : decode(value);
  }

  /** Gives the lease up (after the board's rooms are unloaded and their writes stored). */
  async release(boardId: string): Promise<void> {
    if (!this.held.delete(boardId)) return;
    try {
      await this.redis.eval(RELEASE, { keys: [keyOf(boardId)], arguments: [this.value] });
    } catch (err) {
      // It lapses by itself within one lease.
      this.log.warn({ err, boardId }, 'could not release a board lease; it will lapse');
    }
  }

  /** Stops renewing and releases every lease held (on shutdown, after the rooms closed). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.held.keys()].map((boardId) => this.release(boardId)));
  }

  private async renewAll(): Promise<void> {
    const now = performance.now();
    const margin = (2 * this.leaseMs) / TICKS_PER_LEASE;
    for (const [boardId, until] of this.held) {
      if (until - now < margin) this.lose(boardId, 'lease not renewed in time');
    }
    if (this.renewing || this.held.size === 0) return;
    this.renewing = true;
    try {
      const boards = [...this.held.keys()];
      const sentAt = performance.now();
      const results = await Promise.allSettled(boards.map((boardId) => this.renew(boardId)));
      for (const [i, boardId] of boards.entries()) {
        const result = results[i]!;
        if (!this.held.has(boardId)) continue;
        if (result.status === 'rejected') continue; // Redis unreachable: the deadline decides.
        if (result.value === 1) this.held.set(boardId, sentAt + this.leaseMs);
        else this.lose(boardId, 'lease taken by another instance');
      }
    } finally {
      this.renewing = false;
    }
  }

  /** 1 if the lease is still ours and now runs a whole lease from now, else 0. */
  private renew(boardId: string): Promise<unknown> {
    return this.redis.eval(RENEW, { keys: [keyOf(boardId)], arguments: [this.value, String(this.leaseMs)] });
  }

  private lose(boardId: string, reason: string): void {
    if (!this.held.delete(boardId)) return;
    this.log.warn({ boardId, reason }, 'lost the lease on a board; no longer serving it');
    this.onLost(boardId);
  }
}
