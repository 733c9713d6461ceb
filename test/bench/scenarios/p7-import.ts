import path from 'node:path';
import Database from 'better-sqlite3';
import * as Y from 'yjs';
import { boardToMarkdown } from '@parley/shared/export';
import { parseMarkdownPlan } from '@parley/shared/import';
import {
  addCategory,
  addPoint,
  addStakeholder,
  initBoard,
  listPoints,
  listThreads,
  openThread,
  setPosition,
  STANCES,
  toBoardJson,
  type Actor,
  type PointId,
  type StakeholderId,
  type UserId,
} from '@parley/shared/model';
import { signAccessToken } from '../../../server/src/accounts/accessTokens.ts';
import { DEMO_CATEGORIES } from '../../../server/src/seed/demoContent.ts';
import { DEMO_STAKEHOLDERS } from '@parley/shared/model';
import { SQLITE_FILE } from '../../../server/src/persistence/sqlite/SqliteStorage.ts';
import { prng } from '../../helpers/prng.ts';
import { runQueueWaitMs } from '../lib/replicaChecks.ts';
import type { Scenario, ScenarioContext, ScenarioResult } from '../lib/scenario.ts';
import { BENCH_SECRET, type BenchServer, type LoopDelay } from '../lib/servers.ts';
import { distribution, median, until } from '../lib/stats.ts';
import { SyncClient } from '../lib/syncClient.ts';

export interface ImportOptions {
  readonly points: number;
  /** Open threads of one comment each: the only comments the Markdown format carries. */
  readonly comments: number;
  /** Fresh servers; each takes one import on a cold process, then one on the warm one. */
  readonly runs: number;
}

export const P7_FULL: ImportOptions = { points: 500, comments: 2_000, runs: 7 };
export const P7_QUICK: ImportOptions = { points: 500, comments: 2_000, runs: 3 };

const WORDS = (
  'the parties agree monitoring begins within thirty days of signature observers report jointly to ' +
  'the commission on a review mechanism with independent experts guarantees remain in force until ' +
  'both sides confirm withdrawal of heavy weapons from the zone and exchange of prisoners all for all'
).split(' ');

export interface Plan {
  readonly markdown: string;
  readonly bytes: number;
  readonly points: number;
  readonly comments: number;
  readonly positions: number;
}

/**
 * A plan as people bring one: built as a board with the shared model (the demo's four
 * categories and four stakeholders, point bodies of two paragraphs, every stakeholder's
 * position with a rationale, and `comments ÷ points` open threads per point), then written
 * out by the Markdown exporter. Checked by reading it back with the importer's parser.
 */
export function buildPlan(o: Pick<ImportOptions, 'points' | 'comments'>): Plan {
  const random = prng(0x0907).next;
  const sentence = (min: number, max: number) => {
    const target = min + random() * (max - min);
    let s = WORDS[Math.floor(random() * WORDS.length)]!;
    while (s.length < target) s += ` ${WORDS[Math.floor(random() * WORDS.length)]!}`;
    return `${s[0]!.toUpperCase()}${s.slice(1)}.`;
  };
  const doc = new Y.Doc();
  try {
    initBoard(doc, { title: 'Framework for recovery (P7 bench plan)', description: sentence(200, 400) });
    for (const s of DEMO_STAKEHOLDERS) addStakeholder(doc, null, { ...s, id: s.id as StakeholderId });
    const categories = DEMO_CATEGORIES.map((c) => addCategory(doc, null, c.title));
    const actors: Actor[] = DEMO_STAKEHOLDERS.map((s, i) => ({
      userId: `p7-${i}` as UserId,
      name: `${s.name} delegate`,
      stakeholderId: s.id as StakeholderId,
    }));
    const points: PointId[] = [];
    for (let i = 0; i < o.points; i++) {
      points.push(
        addPoint(doc, null, {
          categoryId: categories[Math.floor((i * categories.length) / o.points)]!,
          title: sentence(20, 80),
          body: `${sentence(150, 300)}\n\n${sentence(80, 200)}`,
        }),
      );
    }
    for (const [i, pointId] of points.entries()) {
      for (const [k, actor] of actors.entries()) {
        setPosition(doc, actor, {
          pointId,
          stakeholderId: actor.stakeholderId,
          stance: STANCES[(i + k) % STANCES.length]!,
          rationale: sentence(40, 140),
        });
      }
    }
    for (let c = 0; c < o.comments; c++) {
      const actor = actors[c % actors.length]!;
      openThread(doc, actor, { pointId: points[c % points.length]!, body: sentence(60, 300) });
    }
    const board = toBoardJson(doc);
    const markdown = boardToMarkdown(board);
    const read = parseMarkdownPlan(markdown);
    if (!read.ok) throw new Error(`P7: the plan does not import: ${read.error.message}`);
    const plan = { points: read.plan.points.length, comments: read.plan.threads.length };
    if (plan.points !== o.points || plan.comments !== o.comments) {
      throw new Error(`P7: the plan reads back as ${plan.points} points, ${plan.comments} comments`);
    }
    return {
      markdown,
      bytes: Buffer.byteLength(markdown),
      points: plan.points,
      comments: plan.comments,
      positions: read.plan.positions.length,
    };
  } finally {
    doc.destroy();
  }
}

/** A session of a new account, made through the sign-up route (not timed). */
async function signUp(server: BenchServer, n: number): Promise<string> {
  const res = await fetch(`${server.httpUrl}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `p7-${n}@bench.parley`,
      name: `P7 importer ${n}`,
      password: 'correct horse battery staple',
    }),
  });
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith('parley_session=') && c !== 'parley_session=');
  if (res.status !== 201 || !cookie) throw new Error(`P7: sign-up answered ${res.status}`);
  return cookie;
}

interface Import {
  /** POST sent → 201 with the board id. */
  readonly postMs: number;
  /** Socket opened → the client holds every point and comment. */
  readonly syncMs: number;
  readonly totalMs: number;
  readonly logEntriesAfterImport: number;
  readonly logEntriesAfterSync: number;
  readonly storedMb: number;
  readonly serverCpuSeconds: number;
  readonly serverRunQueueWaitMs: number;
  readonly loop: LoopDelay;
  /** The generator applying the same state into an empty doc, timed apart: the client's share of `syncMs`. */
  readonly clientApplyMs: number;
  readonly complete: boolean;
}

/**
 * One import: POST the file, then one client connects to the new board and syncs. The
 * log is counted from the SQLite file through a read-only connection of our own, and the
 * client's token minted, between the two; that gap is not timed (a browser would carry its
 * session cookie instead). Total = POST + sync.
 */
async function importOnce(server: BenchServer, db: Database.Database, cookie: string, plan: Plan): Promise<Import> {
  const count = db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(data)), 0) AS bytes FROM updates WHERE doc = ?');
  await server.loopDelay(); // resets the histogram
  const cpu0 = server.cpuSeconds();
  const wait0 = runQueueWaitMs(server.pid);
  const t0 = performance.now();
  const res = await fetch(`${server.httpUrl}/api/boards/import?title=${encodeURIComponent('P7 import')}`, {
    method: 'POST',
    headers: { 'content-type': 'text/markdown; charset=utf-8', cookie },
    body: plan.markdown,
  });
  const body = (await res.json()) as { id?: string; error?: unknown };
  const postMs = performance.now() - t0;
  if (res.status !== 201 || !body.id) throw new Error(`P7: import answered ${res.status} ${JSON.stringify(body)}`);
  const boardId = body.id;
  const after = count.get(boardId) as { n: number; bytes: number };
  const token = await signAccessToken(new TextEncoder().encode(BENCH_SECRET), {
    userId: 'p7-reader',
    boardId,
    role: 'observer',
    stakeholderId: null,
    name: 'P7 reader',
  });
  const client = new SyncClient({ flavor: 'parley', baseUrl: server.wsUrl, docName: boardId, token, decode: true });
  try {
    const holds = () =>
      listPoints(client.doc).length === plan.points &&
      listThreads(client.doc).reduce((n, t) => n + t.comments.length, 0) === plan.comments;
    const t1 = performance.now();
    await client.connect();
    const complete = holds() || (await until(holds, 10_000));
    const syncMs = performance.now() - t1;
    const serverCpuSeconds = server.cpuSeconds() - cpu0;
    const serverRunQueueWaitMs = runQueueWaitMs(server.pid) - wait0;
    const loop = await server.loopDelay();
    const state = Y.encodeStateAsUpdate(client.doc);
    const probe = new Y.Doc();
    const t2 = performance.now();
    Y.applyUpdate(probe, state);
    const clientApplyMs = performance.now() - t2;
    probe.destroy();
    return {
      postMs,
      syncMs,
      totalMs: postMs + syncMs,
      logEntriesAfterImport: after.n,
      logEntriesAfterSync: (count.get(boardId) as { n: number }).n,
      storedMb: after.bytes / 2 ** 20,
      serverCpuSeconds,
      serverRunQueueWaitMs,
      loop,
      clientApplyMs,
      complete,
    };
  } finally {
    client.destroy();
  }
}

/** P7: a fresh server per run; its first import (cold process), then a second (warm). */
export async function importPlan(ctx: ScenarioContext, o: ImportOptions): Promise<ScenarioResult> {
  const t = performance.now();
  const plan = buildPlan(o);
  const buildSeconds = (performance.now() - t) / 1000;
  const cold: Import[] = [];
  const warm: Import[] = [];
  for (let i = 0; i < o.runs; i++) {
    const server = await ctx.start();
    const db = new Database(path.join(server.dataDir!, SQLITE_FILE), { readonly: true, fileMustExist: true });
    try {
      const cookie = await signUp(server, i);
      cold.push(await importOnce(server, db, cookie, plan));
      warm.push(await importOnce(server, db, cookie, plan));
    } finally {
      db.close();
      await server.stop();
    }
  }
  const all = [...cold, ...warm];
  const worst = all.reduce((a, b) => (b.loop.max > a.loop.max ? b : a));
  return {
    fileMb: plan.bytes / 2 ** 20,
    planSeconds: buildSeconds,
    totalMs: distribution(cold.map((r) => r.totalMs)),
    postMs: distribution(cold.map((r) => r.postMs)),
    syncMs: distribution(cold.map((r) => r.syncMs)),
    clientApplyMs: median(all.map((r) => r.clientApplyMs)),
    warmTotalMs: distribution(warm.map((r) => r.totalMs)),
    warmPostMs: median(warm.map((r) => r.postMs)),
    warmSyncMs: median(warm.map((r) => r.syncMs)),
    serverCpuSeconds: median(cold.map((r) => r.serverCpuSeconds)),
    serverRunQueueWaitMs: median(cold.map((r) => r.serverRunQueueWaitMs)),
    serverLoopDelayMs: worst.loop,
    logEntriesAfterImport: Math.max(...all.map((r) => r.logEntriesAfterImport)),
    logEntriesAfterSync: Math.max(...all.map((r) => r.logEntriesAfterSync)),
    storedMb: median(all.map((r) => r.storedMb)),
    complete: all.every((r) => r.complete),
  };
}

export const importScenario: Scenario = {
  id: 'P7',
  title: 'import: a Markdown plan of 500 points with 2,000 comments; POST → first client synced',
  flavors: ['parley'],
  run: async (ctx: ScenarioContext) => {
    const o = ctx.quick ? P7_QUICK : P7_FULL;
    return [
      {
        label: `${o.points} points, ${o.comments} comments, ${o.runs} fresh servers${ctx.quick ? ' (quick)' : ''}`,
        result: await importPlan(ctx, o),
      },
    ];
  },
};
