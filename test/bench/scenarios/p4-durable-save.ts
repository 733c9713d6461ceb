import { clientFor, connectAll, makeEdit, participant, prepareBoard } from '../lib/board.ts';
import type { Scenario, ScenarioContext } from '../lib/scenario.ts';
import type { BenchServer, LoopDelay } from '../lib/servers.ts';
import { openLoop } from '../lib/openLoop.ts';
import { selfCpuSeconds } from '../lib/proc.ts';
import { distribution, sleep, until, type Distribution } from '../lib/stats.ts';
import type { SyncClient } from '../lib/syncClient.ts';

export interface DurableSaveOptions {
  readonly clients: number;
  readonly editsPerSecond: number;
  readonly seconds: number;
  /** How long to wait after the load for the last acks. */
  readonly drainMs: number;
}

export interface DurableSaveResult {
  readonly clients: number;
  readonly edits: number;
  readonly offeredUpdatesPerSecond: number;
  /** Edits acknowledged as saved, per second from load start to the last ack. */
  readonly storedUpdatesPerSecond: number;
  /** Edit sent → the saved ack covering it. */
  readonly saveLatencyMs: Distribution;
  /** Scheduled → actually sent: how far the generator fell behind its schedule. */
  readonly sendLagMs: Distribution;
  /** Edits sent but not acknowledged by the end of the drain. */
  readonly unacknowledged: number;
  /** Acks counting more messages than the connection sent: the count base was wrong. */
  readonly overAcknowledged: number;
  readonly connectionsLost: number;
  readonly serverCpuCores: number;
  readonly serverPeakRssMb: number;
  /** Over the load and the drain; NaN when the server could not answer within 10 s. */
  readonly serverLoopDelayMs: LoopDelay;
  readonly generatorCpuCores: number;
}

/**
 * Send times of one connection's edits, matched to its cumulative saved counts. Parley
 * counts update-bearing messages from 1 at connect; message 1 is the sync step 2 SyncClient
 * sends in reply to the server's step 1, which the server sends on joining, before its
 * reply to the client's step 1, so the step 2 is out before connect() resolves. Edit k
 * (from 0) of the load is therefore message k + 2. That step 2 may be acknowledged by no
 * frame (when the step 1 came with the upgrade response, the step 2 goes out before
 * subscribeSaved), so the base is taken from the protocol, not from an ack.
 */
const COUNTED_BEFORE_LOAD = 1;

class AckTracker {
  /** sentAt[k]: when edit k of the load went out; covered once count >= k + 1 + base. */
  readonly sentAt: number[] = [];
  acked = 0;
  over = 0;
  lastAckAt = 0;
  private armed = false;

  constructor(client: SyncClient, latencies: number[]) {
    client.onSaved = (count) => {
      if (!this.armed) return;
      const now = performance.now();
      const covered = count - COUNTED_BEFORE_LOAD;
      if (covered > this.sentAt.length) this.over++;
      const upTo = Math.min(covered, this.sentAt.length);
      for (let k = this.acked; k < upTo; k++) latencies.push(now - this.sentAt[k]!);
      if (upTo > this.acked) {
        this.acked = upTo;
        this.lastAckAt = now;
      }
    };
  }

  arm(): void {
    this.armed = true;
  }

  /** One update message went out now. */
  sent(): void {
    if (this.armed) this.sentAt.push(performance.now());
  }

  get unacknowledged(): number {
    return this.sentAt.length - this.acked;
  }
}

/**
 * P4: every client subscribes to saved acks and edits on an open-loop schedule; each edit is
 * timed from its send to the first ack whose cumulative count covers it.
 */
export async function durableSave(server: BenchServer, o: DurableSaveOptions): Promise<DurableSaveResult> {
  const keeper = await prepareBoard(server);
  const people = Array.from({ length: o.clients }, (_, i) => participant(i));
  const clients: SyncClient[] = [];
  const latencies: number[] = [];
  const lags: number[] = [];
  try {
    for (const p of people) clients.push(await clientFor(server, p, { decode: false, savedAcks: true }));
    const trackers = clients.map((c) => new AckTracker(c, latencies));
    await connectAll(clients);
    // Each client's edits for the whole run, made and encoded up front: a client that does
    // not decode sees only its own edits, so they are the same as if made on the way.
    const perClient = Math.ceil(o.editsPerSecond * o.seconds) + 1;
    const planned = clients.map((c, i) =>
      Array.from({ length: perClient }, (_, seq) => c.prepare(() => makeEdit(c, people[i]!, seq, 0))),
    );
    await sleep(500);
    for (const t of trackers) t.arm();
    await server.loopDelay(); // resets the server's histogram: only the load phase counts
    const cpu0 = server.cpuSeconds();
    const gen0 = selfCpuSeconds();
    const t0 = performance.now();
    const sent = await openLoop(clients.length, o.editsPerSecond, o.seconds, (i, seq, at) => {
      const frames = planned[i]![seq];
      if (!frames) throw new Error(`P4: no edit ${seq} prepared for client ${i}`);
      if (clients[i]!.sendPrepared(frames)) for (let k = 0; k < frames.length; k++) trackers[i]!.sent();
      lags.push(performance.now() - at);
    });
    const loadEnd = performance.now();
    const serverCpu = server.cpuSeconds() - cpu0;
    const generatorCpu = selfCpuSeconds() - gen0;
    await until(() => trackers.every((t) => t.unacknowledged === 0), o.drainMs, 20);
    // Read after the drain: a server that fell behind answers nothing until it catches up,
    // and its backlog stalls belong in the figure anyway.
    const loop = await server.loopDelay().catch((): LoopDelay => ({ p50: NaN, p99: NaN, max: NaN }));
    const edits = sent.reduce((a, b) => a + b, 0);
    const unacknowledged = trackers.reduce((s, t) => s + t.unacknowledged, 0);
    const lastAck = Math.max(...trackers.map((t) => t.lastAckAt));
    const wall = (loadEnd - t0) / 1000;
    return {
      clients: o.clients,
      edits,
      offeredUpdatesPerSecond: edits / wall,
      storedUpdatesPerSecond: latencies.length / ((Math.max(lastAck, loadEnd) - t0) / 1000),
      saveLatencyMs: distribution(latencies),
      sendLagMs: distribution(lags),
      unacknowledged,
      overAcknowledged: trackers.reduce((s, t) => s + t.over, 0),
      connectionsLost: clients.filter((c) => !c.transport?.isOpen).length,
      serverCpuCores: serverCpu / wall,
      serverPeakRssMb: server.memory().peakRssMb,
      serverLoopDelayMs: loop,
      generatorCpuCores: generatorCpu / wall,
    };
  } finally {
    for (const c of clients) c.destroy();
    keeper.destroy();
  }
}

export const durableSaveScenario: Scenario = {
  id: 'P4',
  title: 'durable save: 200 clients × 25 edits/s, edit sent → saved ack',
  // The peers acknowledge nothing durable; the runner prints n/a for them.
  flavors: ['parley'],
  run: async (ctx: ScenarioContext) => {
    const server = await ctx.start();
    try {
      const result = await durableSave(server, {
        clients: 200,
        editsPerSecond: 25,
        seconds: ctx.quick ? 5 : 10,
        drainMs: 10_000,
      });
      return [{ label: '200 clients × 25/s', result: { ...result } }];
    } finally {
      await server.stop();
    }
  },
};
