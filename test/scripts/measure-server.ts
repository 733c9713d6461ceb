/**
 * Start time, idle memory and peak memory of Parley's server, run from its TypeScript
 * sources through tsx (as `npm start` did before, and as `npm run dev` and the tests do)
 * and from the build `npm start` runs now (server/dist, plain node with the options of
 * server/package.json's `start`). docs/PERFORMANCE.md
 * reports its figures.
 *
 *   node --import tsx test/scripts/measure-server.ts                  # both, alternated, 3 runs each
 *   node --import tsx test/scripts/measure-server.ts --runs 5 --only compiled
 *   node --import tsx test/scripts/measure-server.ts --heap-dir /tmp/heap   # heap snapshots
 *
 * Each run starts a fresh server on a fresh data dir (the seeded demo board), pinned to
 * core 0 with the load generator on core 1, as `npm run bench` does:
 * - start: from spawning the process to its 'listening' log line;
 * - idle RSS: 3 s after that, no client connected;
 * - peak RSS (VmHWM) over the whole run, through P1's load at N=100 (100 clients in the
 *   demo board, 2 real edits per second each for 8 s, 10 of them decoding everything).
 * A bare `node` process waiting on a timer is measured first, for scale.
 *
 * With --heap-dir, one more run per mode writes V8 heap snapshots (at idle and 4 s into
 * the load) and prints what holds the heap. Writing a snapshot doubles the heap for a
 * moment, so those runs' own figures are not reported.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fanOut } from '../bench/scenarios/p1-fanout.ts';
import { cpuSeconds, hasTaskset, memoryMb, pinSelf } from '../bench/lib/proc.ts';
import { BENCH_SECRET, GENERATOR_CORE, SERVER_CORE, type BenchServer, type LoopDelay } from '../bench/lib/servers.ts';
import { median, round, sleep } from '../bench/lib/stats.ts';
import { summarizeHeapSnapshot } from './heap-summary.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '../..');
const LOOP_MONITOR = path.join(REPO_ROOT, 'test/bench/servers/loop-monitor.mjs');
const MEMORY_PROBE = path.join(HERE, 'memory-probe.mjs');

type Mode = 'tsx' | 'compiled';
/** The node options and file of server/package.json's `start` (`… && node [options] dist/main.js`). */
function npmStartArgs(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'server/package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const [node, ...args] = pkg.scripts['start']!.split('&&').pop()!.trim().split(/\s+/);
  if (node !== 'node') throw new Error(`server/package.json: start does not end with a node command`);
  return args.map((a) => (a.endsWith('.js') ? path.join(REPO_ROOT, 'server', a) : a));
}

const COMMANDS: Record<Mode, string[]> = {
  tsx: ['--import', 'tsx', path.join(REPO_ROOT, 'server/src/main.ts')],
  compiled: npmStartArgs(),
};

/** The bench's environment (test/bench/lib/servers.ts), at info level for 'listening'. */
const SERVER_ENV = {
  PARLEY_MAX_CONNECTIONS_PER_IP: '100000',
  PARLEY_MESSAGES_PER_SECOND: '100000',
  PARLEY_MESSAGE_BURST: '1000000',
  PARLEY_SEED_DEMO: 'true',
  PARLEY_SECRET: BENCH_SECRET,
  LOG_LEVEL: 'info',
  LOG_FORMAT: 'json',
  PORT: '0',
  HOST: '127.0.0.1',
};

interface MemoryReport {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  mallocedMemory: number;
  codeAndMetadata: number;
  spaces: Record<string, string>;
}

interface Started {
  server: BenchServer;
  child: ChildProcess;
  startMs: number;
  memoryReport(): Promise<MemoryReport>;
}

function ask<T>(child: ChildProcess, question: string, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${question}`)), 30_000);
    const onMessage = (m: unknown) => {
      if (typeof m === 'object' && m !== null && (m as { type?: string }).type === type) {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(m as T);
      }
    };
    child.on('message', onMessage);
    child.send(question);
  });
}

async function start(mode: Mode, nodeArgs: string[] = []): Promise<Started> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-measure-'));
  // Options first, then the probes, then the server (its own options, if any, before the file).
  const args = [...nodeArgs, '--import', LOOP_MONITOR, '--import', MEMORY_PROBE, ...COMMANDS[mode]];
  const [cmd, argv] = hasTaskset()
    ? ['taskset', ['-c', String(SERVER_CORE), process.execPath, ...args]]
    : [process.execPath, args];
  const t0 = performance.now();
  const child = spawn(cmd as string, argv as string[], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...SERVER_ENV, PARLEY_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${mode}: no 'listening' in 60 s\n${stderr}`)), 60_000);
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry['msg'] === 'listening' && typeof entry['port'] === 'number') {
        clearTimeout(timer);
        resolve(entry['port']);
      }
    });
    void exited.then(() => reject(new Error(`${mode}: the server exited\n${stderr}`)));
  });
  const startMs = performance.now() - t0;
  const pid = child.pid!;
  const server: BenchServer = {
    flavor: 'parley',
    pid,
    wsUrl: `ws://127.0.0.1:${port}`,
    httpUrl: `http://127.0.0.1:${port}`,
    dataDir,
    cpuSeconds: () => cpuSeconds(pid),
    memory: () => memoryMb(pid),
    loopDelay: () => ask<LoopDelay>(child, 'loop-delay', 'loop-delay'),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return { server, child, startMs, memoryReport: () => ask<MemoryReport>(child, 'memory', 'memory') };
}

interface RunResult {
  mode: Mode;
  startMs: number;
  idleRssMb: number;
  peakRssMb: number;
  idle: MemoryReport;
  afterLoad: MemoryReport;
  p99Ms: number;
  cpuPer1k: number;
  lost: number;
}

const LOAD = { clients: 100, observers: 10, editsPerSecond: 2, seconds: 8 };

async function measure(mode: Mode, nodeArgs: string[]): Promise<RunResult> {
  const s = await start(mode, nodeArgs);
  try {
    await sleep(3000);
    const idleRssMb = s.server.memory().rssMb;
    const idle = await s.memoryReport();
    const load = await fanOut(s.server, LOAD);
    const afterLoad = await s.memoryReport();
    return {
      mode,
      startMs: s.startMs,
      idleRssMb,
      peakRssMb: s.server.memory().peakRssMb,
      idle,
      afterLoad,
      p99Ms: load.latencyMs.p99,
      cpuPer1k: load.serverCpuSecondsPer1kDeliveries,
      lost: load.lost,
    };
  } finally {
    await s.server.stop();
  }
}

/** Waits for the newest .heapsnapshot in a folder to stop growing; renames it. */
async function takeSnapshot(child: ChildProcess, dir: string, name: string): Promise<string> {
  const before = new Set(fs.readdirSync(dir));
  child.kill('SIGUSR2');
  for (;;) {
    await sleep(500);
    const file = fs.readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (!file) continue;
    const full = path.join(dir, file);
    const size = fs.statSync(full).size;
    await sleep(1000);
    if (size > 0 && fs.statSync(full).size === size) {
      const target = path.join(dir, `${name}.heapsnapshot`);
      fs.renameSync(full, target);
      return target;
    }
  }
}

async function snapshots(mode: Mode, dir: string): Promise<void> {
  const s = await start(mode, ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`]);
  try {
    await sleep(3000);
    const idle = await takeSnapshot(s.child, dir, `${mode}-idle`);
    const load = fanOut(s.server, LOAD).catch(() => null);
    for (;;) {
      const health = (await (await fetch(`${s.server.httpUrl}/healthz`)).json()) as { connections: number };
      if (health.connections >= LOAD.clients) break;
      await sleep(200);
    }
    await sleep(4000);
    const loaded = await takeSnapshot(s.child, dir, `${mode}-load`);
    await load;
    for (const file of [idle, loaded]) {
      console.log(`\n${path.basename(file)}`);
      console.log(summarizeHeapSnapshot(file));
    }
  } finally {
    await s.server.stop();
  }
}

async function bareNodeRssMb(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await sleep(2000);
  const rss = memoryMb(child.pid!).rssMb;
  child.kill();
  return rss;
}

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    only: { type: 'string' },
    'heap-dir': { type: 'string' },
    verbose: { type: 'boolean', default: false },
    // Extra node options for the server, e.g. --node-args=--max-semi-space-size=4
    'node-args': { type: 'string', default: '' },
  },
});
const modes: Mode[] = values.only ? [values.only as Mode] : ['tsx', 'compiled'];
for (const m of modes) if (!(m in COMMANDS)) throw new Error(`--only: tsx or compiled, not ${m}`);
pinSelf(GENERATOR_CORE);
if (modes.includes('compiled')) {
  const { spawnSync } = await import('node:child_process');
  const build = spawnSync(process.execPath, [path.join(REPO_ROOT, 'server/build.mjs'), '--if-needed'], {
    stdio: 'inherit',
  });
  if (build.status !== 0) process.exit(1);
}

console.log(`bare node (setInterval): RSS ${round(await bareNodeRssMb())} MiB`);
const results: RunResult[] = [];
for (let run = 0; run < Number(values.runs); run++) {
  for (const mode of modes) {
    const r = await measure(mode, values['node-args'].split(' ').filter(Boolean));
    results.push(r);
    if (values.verbose) {
      const status = (when: string, m: MemoryReport) =>
        `  ${when}: RSS ${m.rss}, heap total ${m.heapTotal}, malloced ${m.mallocedMemory}, spaces used ${JSON.stringify(m.spaces)}`;
      console.log(`${status('idle', r.idle)}\n${status('after load', r.afterLoad)}`);
    }
    console.log(
      `${mode.padEnd(8)} start ${Math.round(r.startMs)} ms, idle RSS ${round(r.idleRssMb)} MiB ` +
        `(heap ${r.idle.heapUsed}/${r.idle.heapTotal}, external ${r.idle.external}, code ${r.idle.codeAndMetadata}), ` +
        `peak RSS ${round(r.peakRssMb)} MiB; after load heap ${r.afterLoad.heapUsed}/${r.afterLoad.heapTotal}, ` +
        `external ${r.afterLoad.external} (buffers ${r.afterLoad.arrayBuffers}); P1 p99 ${Math.round(r.p99Ms)} ms, CPU s per 1k deliveries ${round(r.cpuPer1k, 4)}, lost ${r.lost}`,
    );
  }
}
console.log('\nmedian (min–max) of each mode:');
for (const mode of modes) {
  const rs = results.filter((r) => r.mode === mode);
  const cell = (pick: (r: RunResult) => number, digits = 1) => {
    const v = rs.map(pick);
    return `${round(median(v), digits)} (${round(Math.min(...v), digits)}–${round(Math.max(...v), digits)})`;
  };
  console.log(
    `${mode.padEnd(8)} start ms ${cell((r) => r.startMs, 0)}; idle RSS MiB ${cell((r) => r.idleRssMb)}; ` +
      `peak RSS MiB ${cell((r) => r.peakRssMb)}; idle heap used MiB ${cell((r) => r.idle.heapUsed)}; ` +
      `P1 CPU s per 1k deliveries ${cell((r) => r.cpuPer1k, 4)}`,
  );
}

if (values['heap-dir']) {
  const dir = path.resolve(values['heap-dir']);
  fs.mkdirSync(dir, { recursive: true });
  for (const mode of modes) await snapshots(mode, dir);
}
