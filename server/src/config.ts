import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { TRASH } from '@parley/shared/model';

/** The repository root, so relative paths mean the same whether run from root or server/. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const intFromEnv = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);

/** Express's names for address ranges, usable in `PARLEY_TRUST_PROXY`. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An address, `address/prefix`, or one of Express's range names. */
function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = net.isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * Express's `trust proxy`: whose `X-Forwarded-For` decides a client's address (for the
 * sign-in rate limit and logs). Off by default, since trusting it from anyone lets a
 * client pick a new address for every request. `true` trusts every hop, a number that many
 * hops, else a comma-separated list of addresses, CIDR ranges or `loopback`, `linklocal`,
 * `uniquelocal` (the proxies in front of Parley).
 */
const TrustProxy = z
  .string()
  .default('')
  .transform((raw, ctx): boolean | number | string[] => {
    const value = raw.trim();
    if (value === '' || value === 'false') return false;
    if (value === 'true') return true;
    if (/^\d+$/.test(value)) return Number(value);
    const entries = value.split(',').map((e) => e.trim());
    const bad = entries.filter((e) => !isProxyAddress(e));
    if (bad.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `not an address, CIDR range, hop count, true/false or loopback/linklocal/uniquelocal: ${bad.join(', ')}`,
      });
      return z.NEVER;
    }
    return entries;
  });

/** Every variable the server's configuration reads (docs/API.md lists each: DOCS2). */
export const EnvSchema = z.object({
  PORT: intFromEnv(3000, 0, 65535),
  HOST: z.string().min(1).optional(),
  PARLEY_DATA_DIR: z.string().min(1).default('./data'),
  PARLEY_PUBLIC_URL: z.url().optional(),
  PARLEY_CLIENT_DIST: z.string().min(1).optional(),
  PARLEY_ROOM_IDLE_MS: intFromEnv(30_000, 0, 86_400_000),
  PARLEY_MAX_PAYLOAD: intFromEnv(8 * 1024 * 1024, 1024, 256 * 1024 * 1024),
  PARLEY_PERSIST_BATCH_MS: intFromEnv(0, 0, 1000),
  PARLEY_COMPACT_THRESHOLD: intFromEnv(500, 2, 10_000_000),
  PARLEY_RELAY_FRAMES_PER_SECOND: intFromEnv(20_000, 0, 10_000_000),
  PARLEY_SEED_DEMO: z.enum(['true', 'false']).default('true'),
  PARLEY_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  PARLEY_SESSION_TTL_HOURS: intFromEnv(24 * 14, 1, 24 * 365),
  PARLEY_ALLOWED_ORIGINS: z.string().default(''),
  PARLEY_MAX_CONNECTIONS_PER_IP: intFromEnv(256, 1, 1_000_000),
  PARLEY_MESSAGES_PER_SECOND: intFromEnv(200, 1, 1_000_000),
  PARLEY_MESSAGE_BURST: intFromEnv(2_000, 1, 10_000_000),
  PARLEY_SYNC_REQUESTS_PER_MINUTE: intFromEnv(30, 1, 1_000_000),
  PARLEY_SYNC_REQUEST_BURST: intFromEnv(5, 1, 1_000_000),
  PARLEY_AUTH_TIMEOUT_MS: intFromEnv(10_000, 100, 600_000),
  PARLEY_MAX_QUEUED_BYTES: intFromEnv(1024 * 1024, 1024, 256 * 1024 * 1024),
  PARLEY_MAX_BUFFERED_BYTES: intFromEnv(16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  PARLEY_REVOCATION_POLL_MS: intFromEnv(1_000, 50, 60_000),
  PARLEY_TRASH_PURGE_MS: intFromEnv(TRASH.purgeAfterMs, 0, 30 * 86_400_000),
  PARLEY_TRUST_PROXY: TrustProxy,
  PARLEY_BOARD_CREATION: z.enum(['anyone', 'cli']).default('anyone'),
  PARLEY_SEARCH_INDEX: z.enum(['on', 'off']).default('on'),
  PARLEY_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  PARLEY_REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  PARLEY_INSTANCE_URL: z.url().optional(),
  PARLEY_LEASE_MS: intFromEnv(5_000, 500, 600_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
});

export interface Config {
  port: number;
  host: string | undefined;
  dataDir: string;
  publicUrl: string | undefined;
  clientDist: string;
  roomIdleMs: number;
  maxPayload: number;
  persistBatchMs: number;
  compactThreshold: number;
  /** Fan-out frames per second one room aims to stay under (0: relay every commit at once). */
  relayFramesPerSecond: number;
  seedDemo: boolean;
  secret: string | undefined;
  sessionTtlMs: number;
  allowedOrigins: string[];
  maxConnectionsPerIp: number;
  messagesPerSecond: number;
  messageBurst: number;
  /** Sync step 1 requests one connection may make (one per connection is normal). */
  syncRequestsPerMinute: number;
  syncRequestBurst: number;
  authTimeoutMs: number;
  maxQueuedBytes: number;
  /** Unsent bytes one client may have waiting before it is closed as too slow (4408). */
  maxBufferedBytes: number;
  /**
   * How often the server reads the store for revocations made by another process (the
   * CLI): the longest a revoked user's open sockets outlive a `user disable`.
   */
  revocationPollMs: number;
  /** How long a deleted point stays restorable (server time) before the server purges it. */
  trashPurgeMs: number;
  /** Express `trust proxy` (see TrustProxy); false unless configured. */
  trustProxy: boolean | number | string[];
  /** Who creates boards: any signed-in account (`anyone`), or only the operator's CLI (`cli`). */
  boardCreation: 'anyone' | 'cli';
  /**
   * Whether the index behind the search across boards runs (`GET /api/search` answers 503
   * without it): off for a benchmark's A/B, or to spare a very small machine its thread.
   */
  searchIndex: boolean;
  /** PostgreSQL instead of the embedded SQLite file (PARLEY_DATABASE_URL). */
  databaseUrl: string | undefined;
  /**
   * Redis, for running several instances on one PostgreSQL: board ownership leases and the
   * socket.io adapter. Needs databaseUrl (the instances must share one store).
   */
  redisUrl: string | undefined;
  /** Where the other instances reach this one (http://host:port); with redisUrl. */
  instanceUrl: string | undefined;
  /** How long a board's owner lease lasts unless renewed (renewed every third of it). */
  leaseMs: number;
  logLevel: string;
  logFormat: 'json' | 'pretty';
}

export class ConfigError extends Error {}

/**
 * Parses configuration from the environment. Relative paths resolve against the directory
 * npm was invoked from (INIT_CWD), because npm runs workspace scripts inside server/.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  if (e.PARLEY_REDIS_URL && !e.PARLEY_DATABASE_URL) {
    throw new ConfigError(
      'Invalid configuration: PARLEY_REDIS_URL needs PARLEY_DATABASE_URL (instances must share one store)',
    );
  }
  const base = env['INIT_CWD'] ?? process.cwd();
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(base, e.PARLEY_DATA_DIR),
    publicUrl: e.PARLEY_PUBLIC_URL,
    clientDist: e.PARLEY_CLIENT_DIST ? path.resolve(base, e.PARLEY_CLIENT_DIST) : path.join(REPO_ROOT, 'client/dist'),
    roomIdleMs: e.PARLEY_ROOM_IDLE_MS,
    maxPayload: e.PARLEY_MAX_PAYLOAD,
    persistBatchMs: e.PARLEY_PERSIST_BATCH_MS,
    compactThreshold: e.PARLEY_COMPACT_THRESHOLD,
    relayFramesPerSecond: e.PARLEY_RELAY_FRAMES_PER_SECOND,
    seedDemo: e.PARLEY_SEED_DEMO === 'true',
    secret: e.PARLEY_SECRET,
    sessionTtlMs: e.PARLEY_SESSION_TTL_HOURS * 3_600_000,
    allowedOrigins: e.PARLEY_ALLOWED_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    maxConnectionsPerIp: e.PARLEY_MAX_CONNECTIONS_PER_IP,
    messagesPerSecond: e.PARLEY_MESSAGES_PER_SECOND,
    messageBurst: e.PARLEY_MESSAGE_BURST,
    syncRequestsPerMinute: e.PARLEY_SYNC_REQUESTS_PER_MINUTE,
    syncRequestBurst: e.PARLEY_SYNC_REQUEST_BURST,
    authTimeoutMs: e.PARLEY_AUTH_TIMEOUT_MS,
    maxQueuedBytes: e.PARLEY_MAX_QUEUED_BYTES,
    maxBufferedBytes: e.PARLEY_MAX_BUFFERED_BYTES,
    revocationPollMs: e.PARLEY_REVOCATION_POLL_MS,
    trashPurgeMs: e.PARLEY_TRASH_PURGE_MS,
    trustProxy: e.PARLEY_TRUST_PROXY,
    boardCreation: e.PARLEY_BOARD_CREATION,
    searchIndex: e.PARLEY_SEARCH_INDEX === 'on',
    databaseUrl: e.PARLEY_DATABASE_URL,
    redisUrl: e.PARLEY_REDIS_URL,
    instanceUrl: e.PARLEY_INSTANCE_URL,
    leaseMs: e.PARLEY_LEASE_MS,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json'),
  };
}
