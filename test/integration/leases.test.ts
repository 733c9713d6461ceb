/**
 * Board leases on a real Redis (server/src/scale/RedisLeases.ts, BoardOwnership.ts): one
 * owner per board, found by the others, and given up before anyone else can take it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/src/logger.ts';
import { BoardOwnership, NotOwnerError } from '../../server/src/scale/BoardOwnership.ts';
import { RedisLeases } from '../../server/src/scale/RedisLeases.ts';
import { connectRedis, type RedisConnection } from '../../server/src/scale/redisConnection.ts';
import { MemoryStorage } from '../helpers/memoryStorage.ts';
import { startRedis, type RunningRedis } from '../helpers/services.ts';

const log = createLogger({ logLevel: 'silent', logFormat: 'json' });
const LEASE_MS = 1_500;

describe('board leases (integration: a real Redis)', () => {
  let redis: RunningRedis;
  const connections: RedisConnection[] = [];
  const leases: RedisLeases[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(leases.map((l) => l.close().catch(() => undefined)));
    for (const c of connections) if (c.isOpen) c.destroy();
    await redis.stop();
  });

  async function instance(id: string, onLost: (boardId: string) => void = () => undefined) {
    const connection = await connectRedis(redis.url, log);
    connections.push(connection);
    const l = new RedisLeases(connection, { id, url: `http://${id}.invalid` }, LEASE_MS, log, onLost);
    leases.push(l);
    return { connection, leases: l };
  }

  it('SCALE2 one instance holds a board; the others are told which, and take it only after the holder releases it', async () => {
    const a = await instance('a');
    const b = await instance('b');
    expect(await a.leases.acquire('board-1')).toEqual({ mine: true });
    expect(await b.leases.acquire('board-1')).toEqual({ mine: false, holder: { id: 'a', url: 'http://a.invalid' } });
    // Renewals keep it well past one lease.
    await new Promise((r) => setTimeout(r, LEASE_MS * 2));
    expect(a.leases.holds('board-1')).toBe(true);
    expect(await b.leases.holder('board-1')).toEqual({ id: 'a', url: 'http://a.invalid' });
    await a.leases.release('board-1');
    expect(await b.leases.acquire('board-1')).toEqual({ mine: true });
  });

  it('SCALE3 a holder cut off from Redis gives the board up (onLost) before another instance can take it, and the store then refuses the old owner its writes', async () => {
    const lostAt: number[] = [];
    const a = await instance('a2', () => lostAt.push(performance.now()));
    const b = await instance('b2');
    const storage = new MemoryStorage();
    await storage.createBoard('board-2', 'Board', new Uint8Array([0, 0]));
    const ownerA = new BoardOwnership(storage, log);
    ownerA.start(a.leases);
    const ownerB = new BoardOwnership(storage, log);
    ownerB.start(b.leases);
    const epochA = await ownerA.acquire('board-2');
    await expect(ownerB.acquire('board-2')).rejects.toBeInstanceOf(NotOwnerError);

    a.connection.destroy(); // Redis unreachable for A: no more renewals.
    let takenAt = 0;
    for (let i = 0; i < 100 && takenAt === 0; i++) {
      try {
        await ownerB.acquire('board-2');
        takenAt = performance.now();
      } catch (err) {
        expect(err).toBeInstanceOf(NotOwnerError);
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    expect(takenAt).toBeGreaterThan(0);
    expect(lostAt).toHaveLength(1);
    expect(lostAt[0]!).toBeLessThan(takenAt);

    const write = storage.appendUpdates([{ docName: 'board-2', update: new Uint8Array([0, 0]), epoch: epochA }]);
    await expect(write).rejects.toMatchObject({ name: 'FencedError', boardIds: ['board-2'] });
  });
});
