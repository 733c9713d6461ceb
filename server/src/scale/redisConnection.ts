import { createClient } from 'redis';
import type { Logger } from '../logger.ts';

export type RedisConnection = ReturnType<typeof createClient>;

/** Longest wait between reconnect attempts: Redis back within a second is noticed within one. */
const MAX_RECONNECT_DELAY_MS = 1_000;
/** A connection silently cut (no RST) is noticed by a ping within this long. */
const PING_INTERVAL_MS = 1_000;

/**
 * Connects to Redis for the instance's leases (and a duplicate for the socket.io adapter).
 * Commands fail at once while disconnected instead of queueing: a lease renewal that
 * waits in a queue past its lease is worse than one that fails and is retried.
 */
export async function connectRedis(url: string, log: Logger): Promise<RedisConnection> {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    pingInterval: PING_INTERVAL_MS,
    socket: { reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, MAX_RECONNECT_DELAY_MS) },
  });
  let reported = false;
  client.on('error', (err: unknown) => {
    // Every failed reconnect emits an error; one line per outage is enough.
    if (!reported) log.warn({ err }, 'Redis connection lost; reconnecting');
    reported = true;
  });
  client.on('ready', () => {
    if (reported) log.info('Redis connection back');
    reported = false;
  });
  await client.connect();
  return client;
}
