import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Storage } from '../persistence/Storage.ts';
import { BoardOwnership } from './BoardOwnership.ts';
import { OwnerRouting } from './OwnerRouting.ts';
import { PeerKey } from './peerForwarding.ts';
import { connectRedis, type RedisConnection } from './redisConnection.ts';
import { RedisLeases } from './RedisLeases.ts';

export interface ScaleOutOptions {
  readonly redisUrl: string;
  readonly leaseMs: number;
  /** Where the other instances reach this one; by default the loopback address it listens on. */
  readonly instanceUrl: string | undefined;
  readonly signingSecret: Uint8Array;
}

/**
 * Several instances on one PostgreSQL, coordinated through Redis: each board is served by
 * the one instance holding its lease, and the others pass its clients on to it
 * (docs/ARCHITECTURE.md, "Several instances").
 */
export class ScaleOut {
  /** Unique per process: a restarted instance is a new owner with a new epoch. */
  readonly instanceId = randomUUID();
  readonly ownership: BoardOwnership;
  readonly routing: OwnerRouting;
  readonly peers: PeerKey;
  private leases: RedisLeases | null = null;

  private constructor(
    readonly redis: RedisConnection,
    private readonly opts: ScaleOutOptions,
    storage: Storage,
    private readonly log: Logger,
    metrics: Metrics,
  ) {
    this.ownership = new BoardOwnership(storage, log, metrics);
    this.peers = new PeerKey(opts.signingSecret);
    this.routing = new OwnerRouting(this.ownership, this.peers, log, metrics);
  }

  static async connect(opts: ScaleOutOptions, storage: Storage, log: Logger, metrics: Metrics): Promise<ScaleOut> {
    return new ScaleOut(await connectRedis(opts.redisUrl, log), opts, storage, log, metrics);
  }

  /** For /healthz. */
  get redisStatus(): 'ready' | 'down' {
    return this.redis.isReady ? 'ready' : 'down';
  }

  get leasesHeld(): number {
    return this.leases?.heldCount ?? 0;
  }

  /** Begins serving boards, findable at `listeningUrl` unless PARLEY_INSTANCE_URL says otherwise. */
  start(listeningUrl: string): void {
    const url = this.opts.instanceUrl ?? listeningUrl;
    this.leases = new RedisLeases(this.redis, { id: this.instanceId, url }, this.opts.leaseMs, this.log, (boardId) =>
      this.ownership.lost(boardId),
    );
    this.ownership.start(this.leases);
    this.log.info({ instanceId: this.instanceId, url }, 'serving boards with other instances (Redis leases)');
  }

  /** After the rooms are unloaded and stored: gives every lease up, then disconnects. */
  async close(): Promise<void> {
    await this.leases?.close();
    await this.redis.close().catch(() => this.redis.destroy());
  }
}
