import { connectAll, clientFor, editsIn, makeEdit, participant, prepareBoard, sameBoard } from '../lib/board.ts';
import type { Scenario, ScenarioContext } from '../lib/scenario.ts';
import type { BenchServer, LoopDelay } from '../lib/servers.ts';
import { selfCpuSeconds } from '../lib/proc.ts';
import { runQueueWaitMs } from '../lib/replicaChecks.ts';
import { openLoop, scheduledOffset } from '../lib/openLoop.ts';
import { distribution, sleep, until, type Distribution } from '../lib/stats.ts';
import type { SyncClient } from '../lib/syncClient.ts';

export interface FanOutOptions {
  readonly clients: number;
  readonly observers: number;
  readonly editsPerSecond: number;
  readonly seconds: number;
}

export interface FanOutResult {
  readonly clients: number;
  readonly edits: number;
  readonly latencyMs: Distribution;
  /** Edit deliveries an observer expected but never applied. */
  readonly lost: number;
  readonly deliveriesPerSecond: number;
  readonly serverCpuCores: number;
  readonly serverCpuSecondsPer1kDeliveries: number;
  readonly serverPeakRssMb: number;
  readonly serverLoopDelayMs: LoopDelay;
  readonly generatorCpuCores: number;
  readonly framesPerClientPerSecond: number;
  readonly converged: boolean;
}

/** Several servers only (P10): what each did, and latency by where writer and observer are. */
export interface FanOutSplit {
  readonly servers: readonly {
    readonly observers: number;
    /** Edits as seen by this server's observers. */
    readonly latencyMs: Distribution;
    readonly cpuSeconds: number;
    readonly cpuCores: number;
    readonly peakRssMb: number;
    readonly loopDelayMs: LoopDelay;
    /** How long its main thread waited for a core in the load phase (/proc/<pid>/schedstat). */
    readonly runQueueWaitMs: number;
  }[];
  /** `[writer's server][observer's server]`: latency of the edits along that path. */
  readonly latencyByPath: readonly (readonly Distribution[])[];
  /** CPU seconds of `alsoCount` over the load phase (e.g. PostgreSQL and Redis). */
  readonly otherCpuSeconds: number;
}

export interface FanOutSpread {
  /** Which of the servers client `i` connects to (an index); the board is prepared on the first. */
  readonly serverOf: (client: number) => number;
  /** CPU seconds used so far by processes beside the servers, reported apart (not in serverCpu). */
  readonly alsoCount?: () => number;
}

/**
 * P1: N clients in one board, each making `editsPerSecond` real board edits on an open-loop
 * schedule; a few observers decode everything and time each edit from its scheduled send
 * to its application; the rest only count frames.
 */
export async function fanOut(server: BenchServer, o: FanOutOptions): Promise<FanOutResult> {
  return (await fanOutOn([server], { serverOf: () => 0 }, o)).result;
}

/**
 * P1's fan-out with the clients spread over several servers serving one board (P10), the
 * servers' CPU summed. With one server it is P1 exactly.
 */
export async function fanOutOn(
  servers: readonly BenchServer[],
  spread: FanOutSpread,
  o: FanOutOptions,
): Promise<{ result: FanOutResult; split: FanOutSplit }> {
  const keeper = await prepareBoard(servers[0]!);
  const people = Array.from({ length: o.clients }, (_, i) => participant(i));
  const clients: SyncClient[] = [];
  for (const p of people)
    clients.push(await clientFor(servers[spread.serverOf(p.index)]!, p, { decode: p.index < o.observers }));
  const latencies: number[] = [];
  const several = servers.length > 1;
  const byPath = servers.map(() => servers.map((): number[] => []));
  const seen = clients.slice(0, o.observers).map(() => new Set<string>());
  clients.slice(0, o.observers).forEach((c, i) => {
    const observerAt = spread.serverOf(i);
    c.onApplied = (update) => {
      const now = performance.now();
      for (const e of editsIn(update)) {
        const key = `${e.writer}.${e.seq}`;
        if (e.writer === i || seen[i]!.has(key)) continue;
        seen[i]!.add(key);
        // Markers carry the scheduled time from the start of the load (see below).
        const latency = now - (t0 + e.scheduledMs);
        latencies.push(latency);
        if (several) byPath[spread.serverOf(e.writer)]![observerAt]!.push(latency);
      }
    };
  });
  let t0 = 0;
  try {
    await connectAll(clients);
    // The writers that do not decode see only their own edits, so their edits for the whole
    // run are made and encoded now, each marked with its scheduled time from the start of
    // the load: the generator then only sends bytes while it is measured. The observers,
    // whose replicas take everyone's edits, make theirs on the way.
    const perClient = Math.ceil(o.editsPerSecond * o.seconds) + 1;
    const planned = clients.map((c, i) =>
      i < o.observers
        ? []
        : Array.from({ length: perClient }, (_, seq) =>
            c.prepare(() => makeEdit(c, people[i]!, seq, scheduledOffset(clients.length, o.editsPerSecond, i, seq))),
          ),
    );
    await sleep(500);
    // Resets the servers' histograms: only the load phase counts.
    await Promise.all(servers.map((s) => s.loopDelay()));
    const cpu0 = servers.map((s) => s.cpuSeconds());
    const wait0 = several ? servers.map((s) => runQueueWaitMs(s.pid)) : [];
    const other0 = spread.alsoCount?.() ?? 0;
    const gen0 = selfCpuSeconds();
    const frames0 = clients.reduce((s, c) => s + c.framesCounted, 0);
    t0 = performance.now();
    const sent = await openLoop(
      clients.length,
      o.editsPerSecond,
      o.seconds,
      (i, seq, at) => {
        if (i < o.observers) {
          makeEdit(clients[i]!, people[i]!, seq, at - t0);
          return;
        }
        const frames = planned[i]![seq];
        if (!frames) throw new Error(`P1: no edit ${seq} prepared for client ${i}`);
        clients[i]!.sendPrepared(frames);
      },
      t0,
    );
    const edits = sent.reduce((a, b) => a + b, 0);
    const expectedBy = (observer: number) => edits - sent[observer]!;
    await until(() => seen.every((s, i) => s.size >= expectedBy(i)), 10_000, 20);
    const wall = (performance.now() - t0) / 1000;
    const cpuEach = servers.map((s, i) => s.cpuSeconds() - cpu0[i]!);
    const waitEach = several ? servers.map((s, i) => runQueueWaitMs(s.pid) - wait0[i]!) : [];
    const serverCpu = cpuEach.reduce((a, b) => a + b, 0);
    const otherCpu = (spread.alsoCount?.() ?? 0) - other0;
    const generatorCpu = selfCpuSeconds() - gen0;
    // A saturated server may not answer in time (the reference server at N ≥ 300 in full
    // runs): its latency and CPU still stand, its loop delay is then unknown.
    const loops = await Promise.all(
      servers.map((s) => s.loopDelay().catch((): LoopDelay => ({ p50: NaN, p99: NaN, max: NaN }))),
    );
    const loop = several
      ? {
          p50: Math.max(...loops.map((l) => l.p50)),
          p99: Math.max(...loops.map((l) => l.p99)),
          max: Math.max(...loops.map((l) => l.max)),
        }
      : loops[0]!;
    const frames = clients.reduce((s, c) => s + c.framesCounted, 0) - frames0;
    const deliveries = edits * (o.clients - 1);
    const lost = seen.reduce((sum, s, i) => sum + (expectedBy(i) - s.size), 0);
    const observers = clients.slice(0, o.observers);
    const converged = observers.every((c) => sameBoard(c.doc, observers[0]!.doc));
    const peakRss = servers.map((s) => s.memory().peakRssMb);
    const result: FanOutResult = {
      clients: o.clients,
      edits,
      latencyMs: distribution(latencies),
      lost,
      deliveriesPerSecond: deliveries / o.seconds,
      serverCpuCores: serverCpu / wall,
      serverCpuSecondsPer1kDeliveries: serverCpu / (deliveries / 1000),
      serverPeakRssMb: peakRss.reduce((a, b) => a + b, 0),
      serverLoopDelayMs: loop,
      generatorCpuCores: generatorCpu / wall,
      framesPerClientPerSecond: frames / o.clients / wall,
      converged,
    };
    const split: FanOutSplit = {
      servers: servers.map((_, s) => ({
        observers: observers.filter((_c, i) => spread.serverOf(i) === s).length,
        latencyMs: distribution(byPath.flatMap((fromWriter) => fromWriter[s]!)),
        cpuSeconds: cpuEach[s]!,
        cpuCores: cpuEach[s]! / wall,
        peakRssMb: peakRss[s]!,
        loopDelayMs: loops[s]!,
        runQueueWaitMs: waitEach[s] ?? NaN,
      })),
      latencyByPath: byPath.map((fromWriter) => fromWriter.map((samples) => distribution(samples))),
      otherCpuSeconds: otherCpu,
    };
    return { result, split };
  } finally {
    for (const c of clients) c.destroy();
    keeper.destroy();
  }
}

/** P1 at each N is its own scenario, so the runner alternates servers per N (A B C A B C). */
export function fanOutScenarios(quick: boolean): Scenario[] {
  const sizes = quick ? [100, 300] : [100, 200, 300, 500];
  return sizes.map((clients) => ({
    id: `P1/${clients}`,
    title: `fan-out, ${clients} clients × 2 edits/s, 10 observers decode`,
    flavors: ['parley', 'reference', 'hocuspocus'],
    run: async (ctx: ScenarioContext) => {
      const server = await ctx.start();
      try {
        const result = await fanOut(server, { clients, observers: 10, editsPerSecond: 2, seconds: ctx.quick ? 4 : 8 });
        return [{ label: `N=${clients}`, result: { ...result } }];
      } finally {
        await server.stop();
      }
    },
  }));
}
