import net from 'node:net';
import * as Y from 'yjs';
import type { Role } from '@parley/shared/permissions';
import { signAccessToken } from '../../server/src/accounts/accessTokens.ts';
import { PostgresStorage } from '../../server/src/persistence/postgres/PostgresStorage.ts';
import { startServer, type RunningServer } from './server.ts';
import { identity, type TestIdentity } from './tokens.ts';

/**
 * Helpers for running several Parley instances on one PostgreSQL and one Redis
 * (integration/cluster.test.ts): one signing secret for all of them, tokens made with it,
 * who owns a board (read from Redis itself), and the board as PostgreSQL alone holds it.
 */

/** PARLEY_SECRET of every instance in a test cluster: a token minted once works on all. */
export const CLUSTER_SECRET = 'cluster-test-secret-0123456789-abcdefghij';

export interface ClusterEnvOptions {
  readonly databaseUrl: string;
  /** Omitted: an instance on the database alone (no leases, no forwarding). */
  readonly redisUrl?: string;
  readonly leaseMs?: number;
  readonly extra?: Record<string, string>;
}

export function clusterEnv(opts: ClusterEnvOptions): Record<string, string> {
  return {
    PARLEY_DATABASE_URL: opts.databaseUrl,
    PARLEY_SECRET: CLUSTER_SECRET,
    ...(opts.redisUrl ? { PARLEY_REDIS_URL: opts.redisUrl, PARLEY_LEASE_MS: String(opts.leaseMs ?? 1_500) } : {}),
    ...opts.extra,
  };
}

/** Starts an instance; its env is kept so it can be restarted as the same instance. */
export interface Instance {
  readonly name: string;
  readonly env: Record<string, string>;
  server: RunningServer;
}

export async function startInstance(name: string, env: Record<string, string>): Promise<Instance> {
  return { name, env, server: await startServer({ env }) };
}

/** Starts a killed instance again on its port and data dir (a new process: a new instance id). */
export async function restartInstance(instance: Instance): Promise<void> {
  instance.server = await startServer({
    dataDir: instance.server.dataDir,
    env: { ...instance.env, PORT: String(instance.server.port) },
  });
}

/** An identity and a token for it on `boardId`, valid on every instance of the cluster. */
export async function clusterToken(
  role: Role,
  stakeholderId: string | null,
  name?: string,
  boardId = 'demo',
): Promise<{ who: TestIdentity; token: string }> {
  const who = identity(role, stakeholderId, name);
  const token = await signAccessToken(new TextEncoder().encode(CLUSTER_SECRET), {
    userId: who.userId,
    boardId,
    role: who.role,
    stakeholderId: who.stakeholderId,
    name: who.name,
  });
  return { who, token };
}

export interface Health {
  status: string;
  store: string;
  redis: string;
  connections: number;
  rooms: number;
  instance?: string;
  boardsOwned?: number;
}

export async function health(server: Pick<RunningServer, 'url'>): Promise<Health> {
  return (await (await fetch(`${server.url}/healthz`)).json()) as Health;
}

/** One RESP command to Redis on 127.0.0.1:`port`; resolves with a bulk or simple string reply, or null. */
export function redisCommand(port: number, ...args: string[]): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(2_000, () => fail(new Error(`Redis did not answer ${args[0]}`)));
    socket.once('error', fail);
    socket.once('connect', () => {
      const parts = args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`);
      socket.write(`*${args.length}\r\n${parts.join('')}`);
    });
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const eol = buf.indexOf('\r\n');
      if (eol < 0) return;
      const head = buf.subarray(0, eol).toString();
      if (head.startsWith('-')) return fail(new Error(`Redis: ${head.slice(1)}`));
      if (head.startsWith('+') || head.startsWith(':')) {
        socket.destroy();
        return resolve(head.slice(1));
      }
      if (!head.startsWith('$')) return fail(new Error(`unexpected Redis reply ${head}`));
      const len = Number(head.slice(1));
      if (len < 0) {
        socket.destroy();
        return resolve(null);
      }
      if (buf.length < eol + 2 + len + 2) return;
      socket.destroy();
      resolve(buf.subarray(eol + 2, eol + 2 + len).toString());
    });
  });
}

/** The instance holding `boardId`'s lease, as Redis says (`parley:owner:<board>` = "<id> <url>"), or null. */
export async function leaseHolder(redisPort: number, boardId = 'demo'): Promise<{ id: string; url: string } | null> {
  const value = await redisCommand(redisPort, 'GET', `parley:owner:${boardId}`);
  if (value === null) return null;
  const space = value.indexOf(' ');
  return { id: value.slice(0, space), url: value.slice(space + 1) };
}

/** The doc as PostgreSQL alone holds it: its log replayed into a fresh Y.Doc, plus the raw entries. */
export async function storedDoc(databaseUrl: string, docName = 'demo'): Promise<{ doc: Y.Doc; entries: Uint8Array[] }> {
  const storage = await PostgresStorage.open(databaseUrl);
  try {
    const log = await storage.loadLog(docName);
    const doc = new Y.Doc();
    Y.transact(doc, () => {
      for (const update of log.updates) Y.applyUpdate(doc, update);
    });
    return { doc, entries: log.updates };
  } finally {
    await storage.close();
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
