import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Storage } from '../persistence/Storage.ts';
import type { InstanceRef, RedisLeases } from './RedisLeases.ts';

/** Another instance owns the board: its clients and requests go there. */
export class NotOwnerError extends Error {
  constructor(
    readonly boardId: string,
    readonly owner: InstanceRef,
  ) {
    super(`board "${boardId}" is served by another instance`);
    this.name = 'NotOwnerError';
  }
}

/** No owner can be chosen right now (Redis cannot be reached): try again shortly. */
export class OwnerUnknownError extends Error {
  constructor(
    readonly boardId: string,
    cause: unknown,
  ) {
    super(`cannot tell which instance serves board "${boardId}" right now`, { cause });
    this.name = 'OwnerUnknownError';
  }
}

/** Where a board is served from, as seen by this instance. */
export type BoardLocation = { readonly kind: 'here' } | { readonly kind: 'elsewhere'; readonly owner: InstanceRef };

/**
 * Which boards this instance serves. A board is served by one instance at a time: the
 * holder of its lease, which then claims the board in the store (a new fencing epoch)
 * before loading it, so that the store refuses any write the previous owner still sends.
 * With one instance and no Redis there is no BoardOwnership at all.
 */
export class BoardOwnership {
  /** Boards this instance serves, with the epoch it claimed them under. */
  private readonly epochs = new Map<string, number>();
  private readonly acquiring = new Map<string, Promise<number>>();
  private lostHandler: (boardId: string) => void = () => undefined;
  /** Set once the server listens (its address is part of the lease: see start). */
  private leasesOrNull: RedisLeases | null = null;

  constructor(
    private readonly storage: Storage,
    private readonly log: Logger,
    private readonly metrics?: Metrics,
  ) {}

  /**
   * Starts taking leases, under which the other instances find this one. Until then no
   * board can be served here (a listening port is needed to be found).
   */
  start(leases: RedisLeases): void {
    this.leasesOrNull = leases;
  }

  get self(): InstanceRef {
    return this.leases.self;
  }

  private get leases(): RedisLeases {
    if (!this.leasesOrNull) throw new OwnerUnknownError('*', new Error('not listening yet'));
    return this.leasesOrNull;
  }

  get servedCount(): number {
    return this.epochs.size;
  }

  /** Who must stop serving a board at once (RoomRegistry.dropBoard). */
  onLost(handler: (boardId: string) => void): void {
    this.lostHandler = handler;
  }

  /**
   * Makes this instance the board's owner if nobody is, and resolves with the epoch its
   * writes carry. Rejects with NotOwnerError if another instance owns it, or
   * OwnerUnknownError if Redis cannot say.
   */
  acquire(boardId: string): Promise<number> {
    if (!this.leasesOrNull) return Promise.reject(new OwnerUnknownError(boardId, new Error('not listening yet')));
    const epoch = this.epochs.get(boardId);
    if (epoch !== undefined && this.leasesOrNull.holds(boardId)) return Promise.resolve(epoch);
    let pending = this.acquiring.get(boardId);
    if (!pending) {
      pending = this.claim(boardId).finally(() => this.acquiring.delete(boardId));
      this.acquiring.set(boardId, pending);
    }
    return pending;
  }

  /** Whether to serve the board here, or where it is served. Rejects with OwnerUnknownError. */
  async locate(boardId: string): Promise<BoardLocation> {
    const leases = this.leases;
    if (this.epochs.has(boardId) && leases.holds(boardId)) return { kind: 'here' };
    let holder: InstanceRef | null;
    try {
      holder = await leases.holder(boardId);
    } catch (err) {
      throw new OwnerUnknownError(boardId, err);
    }
    return holder && holder.id !== leases.self.id ? { kind: 'elsewhere', owner: holder } : { kind: 'here' };
  }

  /** Gives the board up once none of its rooms is loaded here any more. */
  async release(boardId: string): Promise<void> {
    if (!this.epochs.delete(boardId)) return;
    await this.leases.release(boardId);
  }

  /**
   * The lease ran out, or the store refused a write because another instance claimed the
   * board: stop serving it at once. Idempotent.
   */
  lost(boardId: string): void {
    if (!this.epochs.delete(boardId)) return;
    this.metrics?.leasesLost.inc();
    void this.leases.release(boardId);
    this.lostHandler(boardId);
  }

  private async claim(boardId: string): Promise<number> {
    let acquired;
    try {
      acquired = await this.leases.acquire(boardId);
    } catch (err) {
      throw new OwnerUnknownError(boardId, err);
    }
    if (!acquired.mine) throw new NotOwnerError(boardId, acquired.holder);
    try {
      const epoch = await this.storage.claimBoard(boardId);
      // The lease may have lapsed while the claim was on its way: then it is not ours to serve.
      if (!this.leases.holds(boardId)) throw new OwnerUnknownError(boardId, new Error('lease lost while claiming'));
      this.epochs.set(boardId, epoch);
      this.metrics?.leasesAcquired.inc();
      this.log.info({ boardId, epoch }, 'serving board (lease taken, epoch claimed)');
      return epoch;
    } catch (err) {
      await this.leases.release(boardId);
      throw err;
    }
  }
}
