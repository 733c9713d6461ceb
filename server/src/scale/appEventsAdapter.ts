import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Server } from 'socket.io';
import type { Logger } from '../logger.ts';
import { reportOutages, type RedisConnection } from './redisConnection.ts';

/** Keys and channels of the app events, apart from everything else in Redis. */
const PREFIX = 'parley:app-events';

/**
 * Shares socket.io's rooms between the instances (docs/ARCHITECTURE.md, "Several
 * instances"): an event emitted to a room on one instance reaches the room's sockets on
 * every instance, through a Redis stream (`@socket.io/redis-streams-adapter`). Resolves
 * with a closer, to call after `io.close()`.
 *
 * The adapter gets its own connection, and makes two more from it (a blocking XREAD loop
 * and a subscriber), so the lease connection never waits behind them. Unlike the lease
 * connection, this one queues commands while Redis is away: the adapter retries a failed
 * XREAD at once, which with commands failing fast would spin without ever yielding to the
 * event loop, and it does not catch a failed session write. Queued events are delivered
 * when Redis is back; clients re-read app state after a reconnect anyway.
 */
export async function shareAppEvents(
  io: Pick<Server, 'adapter'>,
  redis: RedisConnection,
  log: Logger,
): Promise<() => Promise<void>> {
  const client = redis.duplicate({ disableOfflineQueue: false });
  reportOutages(client, log, 'app events');
  await client.connect();
  io.adapter(
    createAdapter(client, {
      streamName: PREFIX,
      channelPrefix: PREFIX,
      sessionKeyPrefix: `${PREFIX}:session:`,
      // Membership notices, not document traffic: a short stream covers any recovery window.
      maxLen: 1_000,
      onlyPlaintext: true,
    }),
  );
  return async () => {
    await client.close().catch(() => client.destroy());
  };
}
