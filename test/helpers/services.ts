import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createPool } from '../../server/src/persistence/postgres/pgPool.ts';

/**
 * Private throwaway PostgreSQL and Redis servers for tests, from Debian's packages: each
 * on a free port of 127.0.0.1, in its own temp dir, gone when stopped or when the test
 * process exits however it exits.
 */

const run = promisify(execFile);

const PG_ROOT = '/usr/lib/postgresql';
/** The database role the tests connect as (trust auth: the cluster only listens on loopback). */
const PG_USER = 'parley';
/** How long a server may take to accept connections. */
const START_TIMEOUT_MS = 30_000;
/** How much of a server's output is kept for the error when it fails to start. */
const KEPT_OUTPUT_CHARS = 8_000;

export interface RunningPostgres {
  /** postgres://… of the cluster's `postgres` database (createDatabase makes private ones). */
  readonly url: string;
  stop(): Promise<void>;
}

export interface RunningRedis {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** The newest PostgreSQL under /usr/lib/postgresql with a server, or an error naming the package. */
function postgresBinDir(): string {
  const versions = fs.existsSync(PG_ROOT)
    ? fs
        .readdirSync(PG_ROOT)
        .filter((v) => /^\d+$/.test(v) && fs.existsSync(path.join(PG_ROOT, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      `no PostgreSQL server in ${PG_ROOT}/<version>/bin: install Debian's postgresql package (apt-get install postgresql)`,
    );
  }
  return path.join(PG_ROOT, versions[0]!, 'bin');
}

function redisServerBinary(): string {
  for (const candidate of ['/usr/bin/redis-server', '/usr/local/bin/redis-server']) {
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error("no redis-server found: install Debian's redis-server package (apt-get install redis-server)");
}

/** A port nobody listens on right now (another process may still take it before we do). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** PostgreSQL refuses to run as root; as root, its files and processes belong to `postgres`. */
const asRoot = () => process.getuid?.() === 0;
const asServerUser = (argv: readonly string[]) => (asRoot() ? ['runuser', '-u', 'postgres', '--', ...argv] : argv);

/**
 * Runs a server under a small shell that holds a pipe from this process as its stdin.
 * When the pipe closes (stop(), or this process exiting, even killed) the shell sends the
 * server `signal`, waits for it, and removes `dir`: no test run leaves a server behind.
 */
function supervise(
  argv: readonly string[],
  dir: string,
  signal: 'QUIT' | 'TERM',
  wrap: (argv: readonly string[]) => readonly string[] = (a) => a,
) {
  const script = [
    'dir=$1; sig=$2; shift 2',
    '"$@" </dev/null &',
    'server=$!',
    'cat >/dev/null',
    'kill -s "$sig" "$server" 2>/dev/null',
    'wait "$server"',
    'rm -rf "$dir"',
  ].join('\n');
  const [command, ...args] = wrap(['sh', '-c', script, 'sh', dir, signal, ...argv]);
  const child = spawn(command!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-KEPT_OUTPUT_CHARS);
  };
  // Always drained: a full pipe would block the server.
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopping: Promise<void> | null = null;
  return {
    child,
    output: () => output,
    exited,
    stop(): Promise<void> {
      stopping ??= (async () => {
        child.stdin.end();
        await exited;
        fs.rmSync(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

/** Waits until `ready()` resolves true, failing early with the server's output if it exits. */
async function waitUntilReady(
  name: string,
  server: { child: ChildProcess; output: () => string },
  ready: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(`${name} exited before it was ready:\n${server.output()}`);
    }
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${name} was not ready within ${START_TIMEOUT_MS} ms:\n${server.output()}`);
}

async function canConnect(url: string): Promise<boolean> {
  const pool = createPool(url, { max: 1 });
  try {
    await pool.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await pool.end();
  }
}

/**
 * A fresh PostgreSQL cluster: initdb into a temp dir, then the server on a free loopback
 * port with its socket in that dir. fsync stays on, as in production: the tests' "saved"
 * means on disk.
 */
export async function startPostgres(): Promise<RunningPostgres> {
  const bin = postgresBinDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-pg-'));
  try {
    if (asRoot()) execFileSync('chown', ['postgres:postgres', dir]);
    const data = path.join(dir, 'data');
    const [initdb, ...initArgs] = asServerUser([
      path.join(bin, 'initdb'),
      '--pgdata',
      data,
      '--username',
      PG_USER,
      '--auth',
      'trust',
      '--encoding',
      'UTF8',
      '--locale',
      'C.UTF-8',
    ]);
    await run(initdb!, initArgs);
    const port = await freePort();
    // The shell itself runs as the server's user, so its signal reaches the postmaster
    // directly (runuser would turn it into a SIGTERM, then a SIGKILL two seconds later).
    const server = supervise(
      [
        path.join(bin, 'postgres'),
        '-D',
        data,
        '-p',
        String(port),
        '-k',
        dir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=on',
      ],
      dir,
      // Immediate shutdown: the cluster is thrown away, so nothing needs checkpointing.
      'QUIT',
      asServerUser,
    );
    const url = `postgres://${PG_USER}@127.0.0.1:${port}/postgres`;
    try {
      await waitUntilReady('PostgreSQL', server, () => canConnect(url));
    } catch (err) {
      await server.stop();
      throw err;
    }
    return { url, stop: server.stop };
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

let databases = 0;

/** A new empty database on the cluster of `url`; returns its URL. */
export async function createDatabase(url: string, name = `t${process.pid}_${++databases}`): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  const pool = createPool(url, { max: 1 });
  try {
    await pool.query(`CREATE DATABASE ${name}`);
  } finally {
    await pool.end();
  }
  const created = new URL(url);
  created.pathname = `/${name}`;
  return created.toString();
}

/** A Redis server on a free loopback port that keeps nothing on disk. */
export async function startRedis(): Promise<RunningRedis> {
  const binary = redisServerBinary();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-redis-'));
  try {
    const port = await freePort();
    const server = supervise(
      [
        binary,
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
      ],
      dir,
      'TERM',
    );
    try {
      await waitUntilReady('Redis', server, () => redisPings(port));
    } catch (err) {
      await server.stop();
      throw err;
    }
    return { url: `redis://127.0.0.1:${port}`, port, stop: server.stop };
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Whether a Redis server answers PING on the port (inline command: no client library needed). */
function redisPings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}
