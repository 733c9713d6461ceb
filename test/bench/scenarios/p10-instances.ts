import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { createDatabase, startPostgres, startRedis } from '../../helpers/services.ts';
import { cpuSeconds } from '../lib/proc.ts';
import type { Scenario, ScenarioContext, ScenarioResult } from '../lib/scenario.ts';
import type { BenchServer } from '../lib/servers.ts';
import { fanOutOn, type FanOutOptions, type FanOutResult, type FanOutSplit } from './p1-fanout.ts';

/**
 * P10: P1's fan-out on several instances. In one run, for each N, on one private
 * PostgreSQL and one private Redis (started once for the run, unpinned):
 *
 * - `onePg`: one instance on PostgreSQL (a fresh database, no Redis);
 * - `twoPgRedis`: two instances on a fresh database and Redis, the clients split half and
 *   half; the first instance takes the board's lease (the board is prepared through it),
 *   so the second forwards its half to it;
 * - `oneSqlite`: one instance on SQLite, P1 exactly, for reference.
 *
 * Every Parley process is pinned to the server core, so `serverCpu…` is what the instances
 * cost together. PostgreSQL's and Redis's own CPU is reported apart (`databaseCpu…`).
 */

export interface InstancesOptions {
  readonly sizes: readonly number[];
  readonly seconds: number;
}

export const P10_FULL: InstancesOptions = { sizes: [100, 300], seconds: 8 };
export const P10_QUICK: InstancesOptions = { sizes: [100], seconds: 4 };

/**
 * Which instance client `i` talks to: half each, and both roles on both (participants
 * alternate editor and delegate, so `i % 2` would put every editor on one instance). The
 * ten observers split five and five: 0, 3, 4, 7, 8 on the first, 1, 2, 5, 6, 9 on the second.
 */
export const instanceOf = (i: number): number => (i + Math.floor(i / 2)) % 2;

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** A fresh database per configuration (plain names: letters, digits, underscores). */
let databases = 0;

/** CPU seconds so far of a process and the children it has (PostgreSQL's backends); 0 if gone. */
function treeCpuSeconds(root: number): number {
  let total = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pid = Number(entry);
      if (pid === root) {
        // Its own time and that of children already gone (fields 16 and 17: cutime, cstime).
        total += cpuSeconds(pid) + (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
      } else if (Number(fields[1]) === root) {
        total += cpuSeconds(pid);
      }
    } catch {
      // The process went away between the listing and the read.
    }
  }
  return total;
}

/** The pid of the process whose argv starts with `program` (a path ending) and holds `args` in order. */
function findProcess(program: string, args: readonly string[]): number {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = fs
        .readFileSync(`/proc/${entry}/cmdline`, 'utf8')
        .split('\0')
        .filter((a) => a !== '');
    } catch {
      continue;
    }
    // Redis rewrites its title to one string ("/usr/bin/redis-server 127.0.0.1:6379").
    if (argv.length === 1) argv = argv[0]!.split(' ');
    if (!argv[0]?.endsWith(program)) continue;
    const at = argv.findIndex((_a, i) => args.every((x, j) => argv[i + j] === x));
    if (at > 0) return Number(entry);
  }
  return 0;
}

interface Services {
  readonly postgresUrl: string;
  readonly redisUrl: string;
  /** PostgreSQL's and Redis's CPU seconds so far (0 where they could not be found). */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

async function startServices(): Promise<Services> {
  const pg = await startPostgres();
  let redis: Awaited<ReturnType<typeof startRedis>>;
  try {
    redis = await startRedis();
  } catch (err) {
    await pg.stop();
    throw err;
  }
  const postmaster = findProcess('/bin/postgres', ['-p', new URL(pg.url).port]);
  const redisPid =
    findProcess('redis-server', ['--port', String(redis.port)]) ||
    findProcess('redis-server', [`127.0.0.1:${redis.port}`]);
  // They inherit the generator's pinning (core 1) from this process: let them run anywhere.
  for (const pid of [postmaster, ...childrenOf(postmaster), redisPid]) if (pid) unpin(pid);
  return {
    postgresUrl: pg.url,
    redisUrl: redis.url,
    cpuSeconds: () => (postmaster ? treeCpuSeconds(postmaster) : 0) + (redisPid ? safeCpu(redisPid) : 0),
    stop: async () => {
      await Promise.all([pg.stop(), redis.stop()]);
    },
  };
}

function childrenOf(parent: number): number[] {
  if (!parent) return [];
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent) out.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** Lets a process (all its threads) run on every core; its later children inherit that. */
function unpin(pid: number): void {
  try {
    execFileSync('taskset', ['-a', '-cp', `0-${os.cpus().length - 1}`, String(pid)], { stdio: 'ignore' });
  } catch {
    // No taskset: nothing was pinned either.
  }
}

function safeCpu(pid: number): number {
  try {
    return cpuSeconds(pid);
  } catch {
    return 0;
  }
}

/**
 * The owner's commits (accepted → committed in the store, which is when an update is
 * relayed) over its life, from /metrics: how many, their mean, and the share within 5 ms.
 */
interface Persist {
  readonly count: number;
  readonly meanMs: number;
  readonly within5ms: number;
}

async function persistLatency(server: BenchServer): Promise<Persist> {
  const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  const count = value('parley_persist_latency_seconds_count');
  const within = Number(/^parley_persist_latency_seconds_bucket\{le="0.005"\} (\S+)$/m.exec(text)?.[1] ?? NaN);
  return {
    count,
    meanMs: count > 0 ? (value('parley_persist_latency_seconds_sum') / count) * 1000 : 0,
    within5ms: count > 0 ? within / count : 0,
  };
}

async function boardsOwned(server: BenchServer): Promise<number> {
  const health = (await (await fetch(`${server.httpUrl}/healthz`)).json()) as { boardsOwned?: number };
  return health.boardsOwned ?? 0;
}

/** One configuration's figures, for the row (CPU per delivery as P1 reports it, summed over instances). */
function figures({ result: r, split, persist }: { result: FanOutResult; split: FanOutSplit; persist: Persist }) {
  const deliveries = r.edits * (r.clients - 1);
  return {
    latencyMs: r.latencyMs,
    serverCpuSecondsPer1kDeliveries: r.serverCpuSecondsPer1kDeliveries,
    databaseCpuSecondsPer1kDeliveries: split.otherCpuSeconds / (deliveries / 1000),
    serverCpuCores: r.serverCpuCores,
    deliveriesPerSecond: r.deliveriesPerSecond,
    framesPerClientPerSecond: r.framesPerClientPerSecond,
    lost: r.lost,
    converged: r.converged,
    serverPeakRssMb: r.serverPeakRssMb,
    serverLoopDelayMs: r.serverLoopDelayMs,
    generatorCpuCores: r.generatorCpuCores,
    commitMsMean: persist.meanMs,
    commitsWithin5ms: persist.within5ms,
  };
}

async function runConfig(
  ctx: ScenarioContext,
  instances: number,
  env: (i: number) => Record<string, string>,
  load: FanOutOptions,
  /** PostgreSQL and Redis, whose CPU is counted beside the instances'; null on SQLite. */
  services: Services | null,
): Promise<{ result: FanOutResult; split: FanOutSplit; owner: number; persist: Persist }> {
  const servers: BenchServer[] = [];
  try {
    // One after the other: each runs the migrations and seeds the demo board if missing.
    for (let i = 0; i < instances; i++) servers.push(await ctx.start({ env: env(i) }));
    const out = await fanOutOn(
      servers,
      {
        serverOf: instances > 1 ? instanceOf : () => 0,
        ...(services ? { alsoCount: () => services.cpuSeconds() } : {}),
      },
      load,
    );
    let owner = 0;
    if (instances > 1) {
      const owned = await Promise.all(servers.map(boardsOwned));
      owner = owned.findIndex((n) => n > 0);
      if (owner < 0 || owned.filter((n) => n > 0).length !== 1)
        throw new Error(`P10: expected one instance to own the board, /healthz says ${owned.join(', ')}`);
    }
    return { ...out, owner, persist: await persistLatency(servers[owner]!) };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

export const instancesScenario: Scenario = {
  id: 'P10',
  title: 'several instances: P1 fan-out on 1 instance (PostgreSQL), 2 (PostgreSQL + Redis, clients split), 1 (SQLite)',
  flavors: ['parley'],
  run: async (ctx: ScenarioContext) => {
    const o = ctx.quick ? P10_QUICK : P10_FULL;
    const services = await startServices();
    const rows: { label: string; result: ScenarioResult }[] = [];
    try {
      for (const clients of o.sizes) {
        const load: FanOutOptions = { clients, observers: 10, editsPerSecond: 2, seconds: o.seconds };
        const database = async () =>
          createDatabase(services.postgresUrl, `p10_${process.pid}_${++databases}`).then((url) => ({
            PARLEY_DATABASE_URL: url,
          }));
        const onePgEnv = await database();
        const one = await runConfig(ctx, 1, () => onePgEnv, load, services);
        const twoEnv = { ...(await database()), PARLEY_REDIS_URL: services.redisUrl };
        const two = await runConfig(ctx, 2, () => twoEnv, load, services);
        const sqlite = await runConfig(ctx, 1, () => ({}), load, null);

        const owner = two.owner;
        const other = 1 - owner;
        const onOwner = two.split.servers[owner]!;
        const onForwarder = two.split.servers[other]!;
        const path = (from: number, to: number) => two.split.latencyByPath[from]![to]!;
        const result: ScenarioResult = {
          forwardedAddsMsP50: onForwarder.latencyMs.p50 - onOwner.latencyMs.p50,
          cpuPerDeliveryTwoOverOne:
            two.result.serverCpuSecondsPer1kDeliveries / one.result.serverCpuSecondsPer1kDeliveries,
          p50TwoOverOne: two.result.latencyMs.p50 / one.result.latencyMs.p50,
          postgresOverSqliteCpuPerDelivery:
            one.result.serverCpuSecondsPer1kDeliveries / sqlite.result.serverCpuSecondsPer1kDeliveries,
          ...prefixed('onePg', figures(one)),
          ...prefixed('twoPgRedis', figures(two)),
          'twoPgRedis.ownerObservers.latencyMs': onOwner.latencyMs,
          'twoPgRedis.forwardedObservers.latencyMs': onForwarder.latencyMs,
          // Writer → observer, each on the owner ("owner") or forwarded ("fwd").
          'twoPgRedis.path.ownerToOwner': path(owner, owner),
          'twoPgRedis.path.fwdToOwner': path(other, owner),
          'twoPgRedis.path.ownerToFwd': path(owner, other),
          'twoPgRedis.path.fwdToFwd': path(other, other),
          'twoPgRedis.owner.cpuCores': onOwner.cpuCores,
          'twoPgRedis.forwarder.cpuCores': onForwarder.cpuCores,
          'twoPgRedis.owner.loopDelayMs': onOwner.loopDelayMs,
          'twoPgRedis.forwarder.loopDelayMs': onForwarder.loopDelayMs,
          'twoPgRedis.owner.runQueueWaitMs': onOwner.runQueueWaitMs,
          'twoPgRedis.forwarder.runQueueWaitMs': onForwarder.runQueueWaitMs,
          ...prefixed('oneSqlite', figures(sqlite)),
        };
        rows.push({ label: `N=${clients}`, result });
      }
    } finally {
      await services.stop();
    }
    return rows;
  },
};

function prefixed(prefix: string, values: Record<string, ScenarioResult[string]>): ScenarioResult {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [`${prefix}.${k}`, v]));
}
