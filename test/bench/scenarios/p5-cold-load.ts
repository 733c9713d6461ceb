import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as Y from 'yjs';
import {
  listPoints,
  openThread,
  pointText,
  replyToThread,
  type Actor,
  type PointId,
  type ThreadId,
} from '@parley/shared/model';
import { buildDemoState } from '../../../server/src/seed/createDemoBoard.ts';
import { DEMO_TITLE } from '../../../server/src/seed/demoContent.ts';
import { SqliteStorage } from '../../../server/src/persistence/sqlite/SqliteStorage.ts';
import { BOARD, clientFor, participant, type Participant } from '../lib/board.ts';
import { prng } from '../../helpers/prng.ts';
import { covers, runQueueWaitMs, unionOf } from '../lib/replicaChecks.ts';
import type { Scenario, ScenarioContext, ScenarioResult } from '../lib/scenario.ts';
import type { BenchServer, LoopDelay } from '../lib/servers.ts';
import { distribution, median, sleep } from '../lib/stats.ts';

export interface ColdLoadOptions {
  /** Entries in the demo board's update log, the initial state included. */
  readonly updates: number;
  /** Cold starts, each on its own copy of the prepared data dir. */
  readonly restarts: number;
}

export const P5_FULL: ColdLoadOptions = { updates: 100_000, restarts: 3 };
export const P5_QUICK: ColdLoadOptions = { updates: 20_000, restarts: 1 };

const WRITERS = 4;
/** Edits a writer makes before the next one takes over (and first catches up). */
const TURN = 250;
/** Log entries per store transaction while preparing. */
const CHUNK = 2_000;

/** Marks updates a writer received from another writer, which are not its own edits. */
const CATCH_UP = Symbol('catch-up');

const WORDS = (
  'monitoring begins within thirty days of signature observers report jointly to the ' +
  'commission the parties agree on a review mechanism with independent experts'
).split(' ');

const actorOf = (p: Participant): Actor => ({ userId: p.userId, name: p.name, stakeholderId: p.stakeholderId });

interface PreparedLog {
  readonly dataDir: string;
  readonly entries: number;
  /** Max clock per Yjs client id over all writers: what a complete replica covers. */
  readonly expected: Map<number, number>;
  readonly logMb: number;
  readonly seconds: number;
}

/**
 * Writes a board's history straight into a Parley data dir, as the server itself would
 * have stored it: the demo board's initial state, then one log entry per edit. Edits come
 * from a few writers with their own Yjs client ids who take turns and catch up on each
 * other's work first, like people editing one after another. Most edits are typing bursts
 * and backspaces in point bodies at a moving cursor (what a long log is mostly made of);
 * one in twenty is a reply.
 */
export async function prepareLog(updates: number): Promise<PreparedLog> {
  const t0 = performance.now();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-p5-'));
  const storage = new SqliteStorage(dataDir);
  const writers = Array.from({ length: WRITERS }, () => new Y.Doc());
  try {
    const initial = buildDemoState();
    await storage.createBoard(BOARD, DEMO_TITLE, initial);
    let pending: Uint8Array[] = [];
    let entries = 1;
    const flush = async () => {
      await storage.appendUpdates(pending.map((update) => ({ docName: BOARD, update })));
      pending = [];
    };
    const people = writers.map((_, i) => participant(i));
    for (const [i, doc] of writers.entries()) {
      Y.applyUpdate(doc, initial, CATCH_UP);
      doc.on('update', (update: Uint8Array, origin: unknown) => {
        if (origin !== CATCH_UP) pending.push(update);
      });
      // The server records which user owns each client id; a real log has these rows too.
      await storage.addClientOwners(BOARD, new Map([[doc.clientID, people[i]!.userId]]));
    }

    const points: PointId[] = listPoints(writers[0]!).map((p) => p.id);
    const threads: ThreadId[] = points.map((pointId, i) =>
      openThread(writers[0]!, actorOf(people[0]!), { pointId, body: `Thread on point ${i + 1}` }),
    );
    entries += threads.length;

    const random = prng(0x5eed).next;
    const word = () => WORDS[Math.floor(random() * WORDS.length)]!;
    let turn = 0;
    while (entries < updates) {
      const w = turn % WRITERS;
      const doc = writers[w]!;
      const p = people[w]!;
      for (const other of writers) {
        if (other !== doc) Y.applyUpdate(doc, Y.encodeStateAsUpdate(other, Y.encodeStateVector(doc)), CATCH_UP);
      }
      // Each turn, one writer works in one point body from a random place onwards.
      const body = pointText(doc, points[turn % points.length]!, 'body')!;
      let cursor = Math.floor(random() * (body.length + 1));
      const edits = Math.min(TURN, updates - entries);
      for (let k = 0; k < edits; k++) {
        const kind = (entries + k) % 20;
        if (kind === 0) {
          let reply = word();
          while (reply.length < 80 + random() * 120) reply += ` ${word()}`;
          replyToThread(doc, actorOf(p), threads[Math.floor(random() * threads.length)]!, reply);
        } else if ((kind === 7 || kind === 14) && cursor > 0) {
          const n = Math.min(cursor, 1 + Math.floor(random() * 2));
          body.delete(cursor - n, n);
          cursor -= n;
        } else {
          const burst = ` ${word()}`.slice(0, 1 + Math.floor(random() * 6));
          body.insert(cursor, burst);
          cursor += burst.length;
        }
      }
      entries += edits;
      if (pending.length >= CHUNK) await flush();
      turn++;
    }
    await flush();

    const expected = unionOf(writers);
    const stored = (await storage.loadLog(BOARD)).updates.length;
    if (stored !== updates) throw new Error(`P5: prepared ${stored} log entries, wanted ${updates}`);
    await storage.close();
    return { dataDir, entries: stored, expected, logMb: dirMb(dataDir), seconds: (performance.now() - t0) / 1000 };
  } catch (err) {
    await storage.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  } finally {
    for (const doc of writers) doc.destroy();
  }
}

function dirMb(dir: string): number {
  return fs.readdirSync(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0) / 2 ** 20;
}

/** A copy of the prepared dir, so every cold start loads the same uncompacted log. */
function copyDataDir(from: string): string {
  const to = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-p5-run-'));
  for (const f of fs.readdirSync(from)) fs.copyFileSync(path.join(from, f), path.join(to, f));
  return to;
}

interface ColdStart {
  readonly startMs: number;
  readonly firstSyncMs: number;
  readonly secondSyncMs: number;
  readonly loop: LoopDelay;
  readonly serverCpuSeconds: number;
  readonly serverRunQueueWaitMs: number;
  readonly serverPeakRssMb: number;
  readonly stateMb: number;
  readonly complete: boolean;
  readonly logEntriesAfter: number;
}

/** One restart on a copy of the log: listen, then the first client's full sync. */
async function coldStart(ctx: ScenarioContext, log: PreparedLog): Promise<ColdStart> {
  const dataDir = copyDataDir(log.dataDir);
  try {
    const t0 = performance.now();
    const server: BenchServer = await ctx.start({ dataDir });
    const startMs = performance.now() - t0;
    let result: Omit<ColdStart, 'logEntriesAfter'>;
    try {
      // Signed before timing: the token is the client's business, not the load's.
      const first = await clientFor(server, participant(9_000, 'observer'), { decode: true });
      const second = await clientFor(server, participant(9_001, 'observer'), { decode: true });
      try {
        await server.loopDelay(); // resets the histogram: start-up is not the load
        const cpu0 = server.cpuSeconds();
        const wait0 = runQueueWaitMs(server.pid);
        const t1 = performance.now();
        await first.connect();
        const firstSyncMs = performance.now() - t1;
        const firstCpu = server.cpuSeconds() - cpu0;
        const firstWait = runQueueWaitMs(server.pid) - wait0;
        // Anything the load left for later (a deferred compaction) shows up here.
        await sleep(500);
        const t2 = performance.now();
        await second.connect();
        const secondSyncMs = performance.now() - t2;
        await sleep(200);
        result = {
          startMs,
          firstSyncMs,
          secondSyncMs,
          loop: await server.loopDelay(),
          serverCpuSeconds: firstCpu,
          serverRunQueueWaitMs: firstWait,
          serverPeakRssMb: server.memory().peakRssMb,
          stateMb: Y.encodeStateAsUpdate(first.doc).byteLength / 2 ** 20,
          complete: covers(first.doc, log.expected) && covers(second.doc, log.expected),
        };
      } finally {
        first.destroy();
        second.destroy();
      }
    } finally {
      await server.stop();
    }
    const storage = new SqliteStorage(dataDir);
    try {
      return { ...result, logEntriesAfter: (await storage.loadLog(BOARD)).updates.length };
    } finally {
      await storage.close();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** P5: Parley restarted on a board whose log holds `updates` entries. */
export async function coldLoad(ctx: ScenarioContext, o: ColdLoadOptions): Promise<ScenarioResult> {
  const log = await prepareLog(o.updates);
  try {
    const runs: ColdStart[] = [];
    for (let i = 0; i < o.restarts; i++) runs.push(await coldStart(ctx, log));
    const worst = runs.reduce((a, b) => (b.loop.max > a.loop.max ? b : a));
    return {
      logEntries: log.entries,
      logMb: log.logMb,
      stateMb: runs[0]!.stateMb,
      prepareSeconds: log.seconds,
      restartToListenMs: median(runs.map((r) => r.startMs)),
      firstSyncMs: distribution(runs.map((r) => r.firstSyncMs)),
      // The room is loaded by now: the difference is what the cold load cost.
      secondSyncMs: median(runs.map((r) => r.secondSyncMs)),
      serverLoopDelayMs: worst.loop,
      // Up to the first sync. A first sync far longer than this CPU plus the wait below
      // would be the server waiting on something else (the disk).
      serverCpuSeconds: median(runs.map((r) => r.serverCpuSeconds)),
      serverRunQueueWaitMs: median(runs.map((r) => r.serverRunQueueWaitMs)),
      serverPeakRssMb: Math.max(...runs.map((r) => r.serverPeakRssMb)),
      logEntriesAfterLoad: Math.max(...runs.map((r) => r.logEntriesAfter)),
      complete: runs.every((r) => r.complete),
    };
  } finally {
    fs.rmSync(log.dataDir, { recursive: true, force: true });
  }
}

export const coldLoadScenario: Scenario = {
  id: 'P5',
  title: 'cold load: Parley restarted on a board whose update log holds 100,000 entries',
  flavors: ['parley'],
  run: async (ctx: ScenarioContext) => {
    const o = ctx.quick ? P5_QUICK : P5_FULL;
    const label = o.updates === P5_FULL.updates ? '100k-entry log' : `${o.updates / 1000}k-entry log (quick)`;
    return [{ label, result: await coldLoad(ctx, o) }];
  },
};
