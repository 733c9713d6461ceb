import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Flavor } from './syncClient.ts';
import { cpuSeconds, hasTaskset, memoryMb } from './proc.ts';

const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = path.resolve(BENCH_DIR, '../..');
const LOOP_MONITOR = path.join(BENCH_DIR, 'servers/loop-monitor.mjs');

/** The signing secret the bench gives Parley, so it can mint tokens without the CLI. */
export const BENCH_SECRET = 'parley-bench-secret-0123456789abcdef';

export const SERVER_CORE = 0;
export const GENERATOR_CORE = 1;

export interface LoopDelay {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface BenchServer {
  readonly flavor: Flavor;
  readonly pid: number;
  readonly wsUrl: string;
  readonly httpUrl: string;
  readonly dataDir: string | null;
  cpuSeconds(): number;
  memory(): { peakRssMb: number; rssMb: number };
  /** Event-loop delay since the previous call (the histogram resets on each read). */
  loopDelay(): Promise<LoopDelay>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Parley only: start on an existing data dir (e.g. a prepared log). */
  readonly dataDir?: string;
  readonly env?: Record<string, string>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Limits a real deployment keeps; raised so one address can stand for hundreds of users. */
const PARLEY_BENCH_ENV = {
  PARLEY_MAX_CONNECTIONS_PER_IP: '100000',
  PARLEY_MESSAGES_PER_SECOND: '100000',
  PARLEY_MESSAGE_BURST: '1000000',
  PARLEY_SEED_DEMO: 'true',
  PARLEY_SECRET: BENCH_SECRET,
  LOG_LEVEL: 'warn',
  LOG_FORMAT: 'json',
};

function command(flavor: Flavor): string[] {
  switch (flavor) {
    case 'parley':
      return ['--import', 'tsx', path.join(REPO_ROOT, 'server/src/main.ts')];
    case 'reference':
      return [path.join(BENCH_DIR, 'servers/reference.mjs')];
    case 'hocuspocus':
      return [path.join(BENCH_DIR, 'servers/hocuspocus.mjs')];
  }
}

/** Starts one server in its own process, pinned to the server core. */
export async function startBenchServer(flavor: Flavor, opts: StartOptions = {}): Promise<BenchServer> {
  const port = await freePort();
  const dataDir =
    flavor === 'parley' ? (opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'parley-bench-'))) : null;
  // BENCH_PROFILE_DIR: write a V8 CPU profile of each server (open it in Chrome DevTools).
  const profile = process.env['BENCH_PROFILE_DIR']
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_PROFILE_DIR']}`]
    : [];
  const nodeArgs = [...profile, '--import', LOOP_MONITOR, ...command(flavor)];
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    ...(flavor === 'parley' ? { ...PARLEY_BENCH_ENV, PARLEY_DATA_DIR: dataDir! } : {}),
    ...opts.env,
  };
  const [cmd, args] = hasTaskset()
    ? ['taskset', ['-c', String(SERVER_CORE), process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  const child = spawn(cmd as string, args as string[], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitUntilListening(port, child, () => stderr);
  const pid = child.pid!;
  return {
    flavor,
    pid,
    wsUrl: `ws://127.0.0.1:${port}`,
    httpUrl: `http://127.0.0.1:${port}`,
    dataDir,
    cpuSeconds: () => cpuSeconds(pid),
    memory: () => memoryMb(pid),
    loopDelay: () => askLoopDelay(child),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      if (dataDir && !opts.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function waitUntilListening(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited during start-up:\n${stderr()}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) return;
    if (Date.now() > deadline) throw new Error(`server did not listen within 60 s:\n${stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function askLoopDelay(child: ChildProcess): Promise<LoopDelay> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not report its event-loop delay')), 10_000);
    const onMessage = (m: unknown) => {
      if (typeof m === 'object' && m !== null && (m as { type?: string }).type === 'loop-delay') {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(m as LoopDelay);
      }
    };
    child.on('message', onMessage);
    child.send('loop-delay');
  });
}
