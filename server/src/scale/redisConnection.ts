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
  reportOutages(client, log, '');
  await client.connect();
  return client;
}

/**
 * Logs a connection's outages, one line when it goes and one when it is back: every failed
 * reconnect emits an error, and one line per outage is enough.
 */
export function reportOutages(client: RedisConnection, log: Logger, what: string): void {
  const prefix = what ? `${what}: ` : '';
  let reported = false;
  client.on('error', (err: unknown) => {
    if (!reported) log.warn({ err }, `${prefix}Redis connection lost; reconnecting`);
    reported = true;
  });
  client.on('ready', () => {
    if (reported) log.info(`${prefix}Redis connection back`);
    reported = false;
  });
}
