import * as Y from 'yjs';
import { toBoardJson } from '@parley/shared/model';
import { clientFor, connectAll, editsIn, makeEdit, participant, prepareBoard, sameBoard } from '../lib/board.ts';
import type { Scenario, ScenarioContext } from '../lib/scenario.ts';
import type { BenchServer, LoopDelay } from '../lib/servers.ts';
import { selfCpuSeconds } from '../lib/proc.ts';
import { sleep, until } from '../lib/stats.ts';
import type { SyncClient } from '../lib/syncClient.ts';

export interface OfflineMergeOptions {
  readonly clients: number;
  /** How many of the clients go offline (the last ones, so they mix editors and delegates). */
  readonly offline: number;
  /** Edits each offline client makes while disconnected. */
  readonly offlineEdits: number;
  /** Edit rate of each client that stays online, during the offline period. */
  readonly onlineEditsPerSecond: number;
  readonly offlineSeconds: number;
  /** Give up on convergence after this long (the result then says converged: false). */
  readonly timeoutMs: number;
}

export interface OfflineMergeResult {
  readonly clients: number;
  readonly offlineEdits: number;
  readonly onlineEdits: number;
  /** Reconnect start → every replica has the same state vector and board JSON. */
  readonly convergenceMs: number;
  /** All replicas equal (state vectors and key-sorted JSON) at the end. */
  readonly converged: boolean;
  /** Edits still visible in their writer's own replica when it finished editing. */
  readonly expectedEdits: number;
  /** Edits overwritten by their own writer later (a delegate re-setting its position). */
  readonly supersededEdits: number;
  /** (replica, expected edit) pairs where the replica lacks the edit. */
  readonly missingEdits: number;
  /** Offline writers all of whose edits reached the first online replica. */
  readonly offlineWritersMerged: number;
  /** Server CPU from reconnect start to convergence. */
  readonly serverCpuSeconds: number;
  /** Server event-loop delay from reconnect start to convergence. */
  readonly serverLoopDelayMs: LoopDelay;
  readonly serverPeakRssMb: number;
  /** Reconnect start → every reconnecting client has the server's sync step 2. */
  readonly reconnectMs: number;
  /**
   * Generator CPU from reconnect start to convergence. Twenty replicas each applying the
   * merged edits cost about 15 ms apiece on one core, so when this is close to
   * convergenceMs the generator, not the server, set the time.
   */
  readonly generatorCpuSeconds: number;
}

/** Edit keys (`writer.seq`) visible on a replica's board; `writer` limits them to one writer. */
function visibleEdits(doc: Y.Doc, writer?: number): Set<string> {
  const out = new Set<string>();
  for (const e of editsIn(Buffer.from(JSON.stringify(toBoardJson(doc))))) {
    if (writer === undefined || e.writer === writer) out.add(`${e.writer}.${e.seq}`);
  }
  return out;
}

/**
 * A cheap stand-in for sameBoard while timing: equal encoded state vectors and nothing
 * pending. Each edit's deletions travel with the update that holds its insertions, so here
 * equal state vectors mean equal documents; sameBoard confirms it before the time counts.
 */
function sameStateVectors(docs: readonly Y.Doc[]): boolean {
  const first = Buffer.from(Y.encodeStateVector(docs[0]!));
  return docs.every(
    (d) => d.store.pendingStructs === null && d.store.pendingDs === null && first.equals(Y.encodeStateVector(d)),
  );
}

const allSame = (docs: readonly Y.Doc[]) => docs.every((d) => sameBoard(d, docs[0]!));

/**
 * P3: all clients decode; a few go offline and make many edits while the rest keep editing,
 * then the offline ones reconnect at once. Times reconnect start → all replicas equal and
 * checks every edit reached every replica.
 */
export async function offlineMerge(server: BenchServer, o: OfflineMergeOptions): Promise<OfflineMergeResult> {
  const keeper = await prepareBoard(server);
  const people = Array.from({ length: o.clients }, (_, i) => participant(i));
  const clients: SyncClient[] = [];
  try {
    for (const p of people) clients.push(await clientFor(server, p, { decode: true }));
    await connectAll(clients);
    await sleep(300);
    const firstOffline = o.clients - o.offline;
    const online = clients.slice(0, firstOffline);
    const offline = clients.slice(firstOffline);
    for (const c of offline) c.disconnect();

    // Offline edits are spread over the same period as the online ones, interleaved in time
    // as real offline work would be; neither schedule waits on the server.
    const sent = clients.map(() => 0);
    const t0 = performance.now();
    const end = t0 + o.offlineSeconds * 1000;
    const onlinePeriod = 1000 / o.onlineEditsPerSecond;
    const offlinePeriod = (o.offlineSeconds * 1000) / o.offlineEdits;
    const nextAt = clients.map((_, i) =>
      i < firstOffline ? t0 + (onlinePeriod * i) / firstOffline : t0 + (offlinePeriod * (i - firstOffline)) / o.offline,
    );
    const quota = (i: number) => (i < firstOffline ? Infinity : o.offlineEdits);
    while (performance.now() < end || offline.some((_, j) => sent[firstOffline + j]! < o.offlineEdits)) {
      const now = performance.now();
      for (let i = 0; i < clients.length; i++) {
        const period = i < firstOffline ? onlinePeriod : offlinePeriod;
        while (nextAt[i]! <= now && sent[i]! < quota(i) && (nextAt[i]! < end || i >= firstOffline)) {
          makeEdit(clients[i]!, people[i]!, sent[i]!, nextAt[i]!);
          sent[i]!++;
          nextAt[i]! += period;
        }
      }
      await sleep(1);
    }
    const onlineEdits = sent.slice(0, firstOffline).reduce((a, b) => a + b, 0);
    const offlineEdits = sent.slice(firstOffline).reduce((a, b) => a + b, 0);

    // What each writer's own replica shows is what must reach everyone: a delegate's later
    // position overwrites its earlier ones by design, so those are not counted as lost.
    const expected = clients.map((c, i) => visibleEdits(c.doc, i));
    const expectedEdits = expected.reduce((s, e) => s + e.size, 0);

    // The merge is timed on its own: the online replicas settle first, so the clock does not
    // include online edits still in flight.
    const onlineDocs = online.map((c) => c.doc);
    if (!(await until(() => sameStateVectors(onlineDocs), o.timeoutMs, 10)) || !allSame(onlineDocs)) {
      throw new Error(`${server.flavor}: the online replicas did not converge before the reconnect`);
    }

    await server.loopDelay(); // resets the server's histogram: only the merge counts
    const docs = clients.map((c) => c.doc);
    const cpu0 = server.cpuSeconds();
    const gen0 = selfCpuSeconds();
    const r0 = performance.now();
    await Promise.all(offline.map((c) => c.connect()));
    const reconnectMs = performance.now() - r0;
    let converged = false;
    let convergedAt = r0;
    let serverCpuSeconds = 0;
    let generatorCpuSeconds = 0;
    // Costs are read the moment the state vectors agree, before the (slow) JSON comparison.
    const stop = () => {
      convergedAt = performance.now();
      serverCpuSeconds = server.cpuSeconds() - cpu0;
      generatorCpuSeconds = selfCpuSeconds() - gen0;
    };
    const deadline = r0 + o.timeoutMs;
    while (!converged && performance.now() < deadline) {
      if (await until(() => sameStateVectors(docs), deadline - performance.now(), 1)) {
        stop();
        converged = allSame(docs);
        if (!converged) await sleep(20);
      }
    }
    if (!converged) stop();
    const loop = await server.loopDelay();

    let missingEdits = 0;
    const seenBy = clients.map((c) => visibleEdits(c.doc));
    for (const seen of seenBy) for (const e of expected) for (const key of e) if (!seen.has(key)) missingEdits++;
    const offlineWritersMerged = expected
      .slice(firstOffline)
      .filter((e) => [...e].every((k) => seenBy[0]!.has(k))).length;
    return {
      clients: o.clients,
      offlineEdits,
      onlineEdits,
      convergenceMs: convergedAt - r0,
      converged,
      expectedEdits,
      supersededEdits: onlineEdits + offlineEdits - expectedEdits,
      missingEdits,
      offlineWritersMerged,
      serverCpuSeconds,
      serverLoopDelayMs: loop,
      serverPeakRssMb: server.memory().peakRssMb,
      reconnectMs,
      generatorCpuSeconds,
    };
  } finally {
    for (const c of clients) c.destroy();
    keeper.destroy();
  }
}

export const offlineMergeScenario: Scenario = {
  id: 'P3',
  title: 'offline merge: 20 clients, 5 offline × 500 edits while 15 edit at 2/s, then reconnect at once',
  flavors: ['parley', 'reference', 'hocuspocus'],
  run: async (ctx: ScenarioContext) => {
    const server = await ctx.start();
    try {
      const result = await offlineMerge(server, {
        clients: 20,
        offline: 5,
        offlineEdits: 500,
        onlineEditsPerSecond: 2,
        offlineSeconds: ctx.quick ? 3 : 6,
        timeoutMs: 10_000,
      });
      return [{ label: '20 clients, 5 offline', result: { ...result } }];
    } finally {
      await server.stop();
    }
  },
};
