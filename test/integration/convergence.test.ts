/**
 * Convergence through the real server with stock y-websocket providers (RELIABILITY.md,
 * "How trusted systems test": seeded random users, random operations, random disconnects,
 * then compare state vectors and content).
 *
 * Reproduce a failure with the seed (and path) printed in the failure message:
 *   PARLEY_FC_SEED=<seed> [PARLEY_FC_PATH=<path>] npx vitest run --project integration integration/convergence.test.ts
 * PARLEY_FC_RUNS overrides the number of runs.
 *
 * Bugs this property found are reproduced deterministically in offline-sync.test.ts
 * (CONV3–CONV6); all are fixed, so the random users are not steered around anything.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  STANCES,
  addPoint,
  deleteComment,
  deletePoint,
  editComment,
  listCategories,
  listPoints,
  listThreads,
  movePoint,
  movePointStep,
  restorePoint,
  trashPoint,
  trashedPoints,
  openThread,
  pointText,
  replyToThread,
  setPosition,
  setThreadResolved,
  toBoardJson,
  type Actor,
  type CategoryId,
  type PointId,
  type Stance,
  type StakeholderId,
  type UserId,
} from '@parley/shared/model';
import { waitFor } from '../helpers/clients.ts';
import {
  describeStateVector,
  newReplica,
  sameState,
  stateVectorOf,
  synced,
  type Replica,
} from '../helpers/replicas.ts';
import { startServer, tempDataDir, type RunningServer } from '../helpers/server.ts';
import { identity, mintToken } from '../helpers/tokens.ts';

const SEED = process.env['PARLEY_FC_SEED'] ? Number(process.env['PARLEY_FC_SEED']) : (Math.random() * 2 ** 31) | 0;
const PATH = process.env['PARLEY_FC_PATH'];
const RUNS = Number(process.env['PARLEY_FC_RUNS'] ?? 10);
const STAKEHOLDERS = ['us', 'russia', 'ukraine', 'europe'] as StakeholderId[];
/** How long replicas may take to agree once everyone is back online. */
const CONVERGE_MS = 15_000;

/** SIGTERM, but never hang: a server that has not exited after 15 s is killed and reported. */
async function stopGracefully(s: RunningServer): Promise<number | string | null> {
  const timer = setTimeout(() => s.process.kill('SIGKILL'), 15_000);
  try {
    const code = await s.stop('SIGTERM');
    if (code === 'SIGKILL')
      throw new Error(`the server did not exit within 15 s of SIGTERM\n${JSON.stringify(s.logs.slice(-10))}`);
    return code;
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tick = () => new Promise((r) => setImmediate(r));

// ------------------------------------------------------------------------- operations

const textArb = fc.string({ unit: fc.constantFrom(...'abcxyz XYZ.,é中ß\n'), minLength: 1, maxLength: 6 });
const bodyArb = fc
  .array(fc.constantFrom('agree', 'objection', 'see annex', 'ok', 'δέλτα', '中文', 'why?'), {
    minLength: 1,
    maxLength: 3,
  })
  .map((w) => w.join(' '));

/** Indices are taken modulo whatever exists on the acting replica, so every op shrinks well. */
type Op =
  | { op: 'insert'; c: number; p: number; field: 'body' | 'title'; at: number; text: string }
  | { op: 'delete'; c: number; p: number; at: number; len: number }
  | { op: 'position'; c: number; p: number; s: number; stance: Stance }
  | { op: 'thread'; c: number; p: number; body: string }
  | { op: 'reply'; c: number; t: number; body: string }
  | { op: 'edit'; c: number; n: number; body: string }
  | { op: 'deleteComment'; c: number; n: number }
  | { op: 'resolve'; c: number; t: number; resolved: boolean }
  | { op: 'move'; c: number; p: number; cat: number; index: number }
  | { op: 'addPoint'; c: number; cat: number; index: number; title: string }
  | { op: 'deletePoint'; c: number; p: number }
  | { op: 'trashPoint'; c: number; p: number }
  | { op: 'restorePoint'; c: number; p: number }
  | { op: 'step'; c: number; p: number; up: boolean }
  | { op: 'disconnect'; c: number }
  | { op: 'connect'; c: number }
  | { op: 'delay'; ms: number };

const c = fc.nat(3);
const n = fc.nat(1_000);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      op: fc.constant('insert' as const),
      c,
      p: n,
      field: fc.constantFrom('body' as const, 'body' as const, 'title' as const),
      at: n,
      text: textArb,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('delete' as const), c, p: n, at: n, len: fc.integer({ min: 1, max: 5 }) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('position' as const),
      c,
      p: n,
      s: fc.nat(3),
      stance: fc.constantFrom(...STANCES),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('thread' as const), c, p: n, body: bodyArb }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('reply' as const), c, t: n, body: bodyArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('edit' as const), c, n, body: bodyArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteComment' as const), c, n }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('resolve' as const), c, t: n, resolved: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('move' as const), c, p: n, cat: n, index: fc.nat(8) }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('addPoint' as const), c, cat: n, index: fc.nat(8), title: bodyArb }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deletePoint' as const), c, p: n }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('trashPoint' as const), c, p: n }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('restorePoint' as const), c, p: n }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('step' as const), c, p: n, up: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('disconnect' as const), c }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('connect' as const), c }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('delay' as const), ms: fc.integer({ min: 1, max: 30 }) }) },
);

interface User {
  readonly replica: Replica;
  readonly actor: Actor;
}

interface RunContext {
  readonly users: User[];
  /** The points the run works on (a few, so edits collide), plus any it adds. */
  readonly hot: PointId[];
}

const pick = <T>(list: readonly T[], i: number): T | undefined =>
  list.length === 0 ? undefined : list[i % list.length];

function livePoints(ctx: RunContext, doc: Y.Doc): PointId[] {
  const exists = new Set(listPoints(doc).map((p) => p.id as string));
  return ctx.hot.filter((id) => exists.has(id));
}

/** Applies one op to its replica (online or offline); returns a short log line. */
async function apply(ctx: RunContext, o: Op): Promise<string> {
  if (o.op === 'delay') {
    await sleep(o.ms);
    return `delay ${o.ms}`;
  }
  const user = ctx.users[o.c % ctx.users.length]!;
  const { doc, provider } = user.replica;
  const who = `c${o.c % ctx.users.length}`;
  const actor = user.actor;
  switch (o.op) {
    case 'disconnect':
      provider.disconnect();
      return `${who} disconnect`;
    case 'connect':
      provider.connect();
      return `${who} connect`;
    case 'insert': {
      const pid = pick(livePoints(ctx, doc), o.p);
      const text = pid && pointText(doc, pid, o.field);
      if (!text) return `${who} insert skipped`;
      const at = o.at % (text.length + 1);
      text.insert(at, o.text);
      return `${who} insert ${pid}.${o.field}@${at} ${JSON.stringify(o.text)}`;
    }
    case 'delete': {
      const pid = pick(livePoints(ctx, doc), o.p);
      const text = pid && pointText(doc, pid, 'body');
      if (!text || text.length === 0) return `${who} delete skipped`;
      const at = o.at % text.length;
      const len = Math.min(o.len, text.length - at);
      text.delete(at, len);
      return `${who} delete ${pid}.body@${at}+${len}`;
    }
    case 'position': {
      const pid = pick(livePoints(ctx, doc), o.p);
      if (!pid) return `${who} position skipped`;
      const sid = STAKEHOLDERS[o.s]!;
      setPosition(doc, actor, {
        pointId: pid,
        stakeholderId: sid,
        stance: o.stance,
        rationale: `${who} says ${o.stance}`,
      });
      return `${who} position ${pid}:${sid}=${o.stance}`;
    }
    case 'thread': {
      const pid = pick(livePoints(ctx, doc), o.p);
      if (!pid) return `${who} thread skipped`;
      const tid = openThread(doc, actor, { pointId: pid, body: o.body });
      return `${who} thread ${tid} on ${pid}`;
    }
    case 'reply': {
      const thread = pick(listThreads(doc), o.t);
      if (!thread) return `${who} reply skipped`;
      replyToThread(doc, actor, thread.id, o.body);
      return `${who} reply to ${thread.id}`;
    }
    case 'edit':
    case 'deleteComment': {
      const own = listThreads(doc).flatMap((t) =>
        t.comments.filter((cm) => cm.authorId === actor.userId && !cm.deleted).map((cm) => ({ t: t.id, cm: cm.id })),
      );
      const target = pick(own, o.n);
      if (!target) return `${who} ${o.op} skipped`;
      if (o.op === 'edit') editComment(doc, actor, target.t, target.cm, o.body);
      else deleteComment(doc, actor, target.t, target.cm);
      return `${who} ${o.op} ${target.cm}`;
    }
    case 'resolve': {
      const thread = pick(listThreads(doc), o.t);
      if (!thread) return `${who} resolve skipped`;
      setThreadResolved(doc, actor, thread.id, o.resolved);
      return `${who} resolve ${thread.id}=${o.resolved}`;
    }
    case 'move': {
      const pid = pick(livePoints(ctx, doc), o.p);
      const cat = pick(listCategories(doc), o.cat);
      if (!pid || !cat) return `${who} move skipped`;
      movePoint(doc, actor, pid, { categoryId: cat.id, index: o.index });
      return `${who} move ${pid} -> ${cat.id}[${o.index}]`;
    }
    case 'addPoint': {
      const cat = pick(listCategories(doc), o.cat);
      if (!cat) return `${who} addPoint skipped`;
      const pid = addPoint(doc, actor, {
        categoryId: cat.id as CategoryId,
        title: o.title,
        body: 'new',
        index: o.index,
      });
      ctx.hot.push(pid);
      return `${who} addPoint ${pid}`;
    }
    case 'deletePoint': {
      const live = livePoints(ctx, doc);
      // Keep at least two hot points so the rest of the run has something to work on.
      if (live.length <= 2) return `${who} deletePoint skipped`;
      const pid = pick(live, o.p)!;
      deletePoint(doc, actor, pid);
      return `${who} deletePoint ${pid}`;
    }
    case 'trashPoint': {
      const live = livePoints(ctx, doc);
      if (live.length <= 2) return `${who} trashPoint skipped`;
      const pid = pick(live, o.p)!;
      trashPoint(doc, actor, pid);
      return `${who} trashPoint ${pid}`;
    }
    case 'restorePoint': {
      const pid = pick(
        trashedPoints(doc).map((p) => p.id),
        o.p,
      );
      if (!pid) return `${who} restorePoint skipped`;
      restorePoint(doc, actor, pid);
      return `${who} restorePoint ${pid}`;
    }
    case 'step': {
      const pid = pick(livePoints(ctx, doc), o.p);
      if (!pid) return `${who} step skipped`;
      const moved = movePointStep(doc, actor, pid, o.up ? 'up' : 'down');
      return `${who} step ${pid} ${o.up ? 'up' : 'down'}${moved ? '' : ' (at the end)'}`;
    }
  }
}

// ------------------------------------------------------------------------- convergence

/** What each replica holds that the server lacks, and the server's recent warnings. */
async function diagnose(server: RunningServer, replicas: Replica[]): Promise<string> {
  const warnings = server.logs
    .filter((l) => typeof l['level'] === 'number' && l['level'] >= 40)
    .slice(-10)
    .map((l) => `  server: ${JSON.stringify(l)}`);
  const probe = newReplica(server.wsUrl, 'demo', { token: await mintToken(server, identity('observer', null)) });
  try {
    await synced(probe.provider, 5_000);
    const serverSv = Y.decodeStateVector(Y.encodeStateVector(probe.doc));
    return replicas
      .map((r, i) => {
        const lacking = [...Y.decodeStateVector(Y.encodeStateVector(r.doc))].filter(
          ([client, clock]) => clock > (serverSv.get(client) ?? 0),
        );
        return lacking.length === 0
          ? `  replica ${i}: the server has all of it`
          : `  replica ${i}: the server lacks {client, clock} ${JSON.stringify(lacking)}`;
      })
      .concat(warnings)
      .join('\n');
  } catch (err) {
    return [`  (diagnosis failed: ${(err as Error).message})`, ...warnings].join('\n');
  } finally {
    probe.provider.destroy();
    probe.doc.destroy();
  }
}

async function waitConverged(replicas: Replica[], what: string, server?: RunningServer): Promise<void> {
  try {
    await waitFor(
      () => {
        // A refused replica (44xx) never comes back by itself: fail now rather than time out.
        if (replicas.some((r) => r.terminalCloses.length > 0)) return true;
        if (replicas.some((r) => !r.provider.synced)) return false;
        return replicas.every((r) => sameState(r.doc, replicas[0]!.doc));
      },
      what,
      CONVERGE_MS,
    );
  } catch (err) {
    const detail = replicas
      .map(
        (r, i) =>
          `  replica ${i}: connected=${r.provider.wsconnected} synced=${r.provider.synced} ` +
          `closes=${JSON.stringify(r.terminalCloses)} sv=${describeStateVector(r.doc).slice(0, 300)}`,
      )
      .join('\n');
    const diagnosis = server ? `\ndiagnosis:\n${await diagnose(server, replicas)}` : '';
    throw new Error(`${(err as Error).message}\n${detail}${diagnosis}`);
  }
  replicas.forEach((r, i) => expect(r.terminalCloses, `replica ${i} was refused`).toEqual([]));
}

describe('convergence through the real server', () => {
  const dataDir = tempDataDir('parley-conv-');
  let server: RunningServer;
  const stakeholderOf = (i: number) => STAKEHOLDERS[i % STAKEHOLDERS.length]!;

  let stderr = '';
  const start = async () => {
    server = await startServer({ dataDir });
    stderr = '';
    server.process.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  };
  const alive = () => server.process.exitCode === null && server.process.signalCode === null;
  /** Throws (with the server's last words) if the server died during the run. */
  const expectAlive = () => {
    if (alive()) return;
    const last = server.logs
      .slice(-15)
      .map((l) => JSON.stringify(l))
      .join('\n');
    throw new Error(
      `the server died (exit ${server.process.exitCode ?? server.process.signalCode})\nstderr:\n${stderr.slice(-4000)}\nlast log lines:\n${last}`,
    );
  };

  beforeAll(async () => {
    await start();
  });
  afterAll(async () => {
    await server?.stop();
  });

  const ownerReplica = async (i: number): Promise<User> => {
    const who = identity('owner', stakeholderOf(i), `Owner ${i}`);
    const token = await mintToken(server, who);
    const replica = newReplica(server.wsUrl, 'demo', { token });
    const user: User = {
      replica,
      actor: { userId: who.userId as UserId, name: who.name, stakeholderId: stakeholderOf(i) },
    };
    return user;
  };

  it('CONV1: 3–4 stock clients doing random board operations with random disconnects, reconnects and delays converge (equal state vectors and board JSON, also for a fresh client and after a restart)', async () => {
    let runNo = 0;
    const property = fc.asyncProperty(
      fc.integer({ min: 3, max: 4 }),
      fc.array(opArb, { minLength: 15, maxLength: 40 }),
      async (k, ops) => {
        runNo++;
        const users: User[] = [];
        const extra: Replica[] = [];
        const log: string[] = [];
        // A server killed by an earlier run is reported there; start afresh for this one.
        if (!alive()) await start();
        try {
          for (let i = 0; i < k; i++) users.push(await ownerReplica(i));
          await Promise.all(users.map((u) => synced(u.replica.provider)));
          const first = users[0]!.replica.doc;
          const hot = listPoints(first)
            .map((p) => p.id)
            .sort()
            .slice(0, 5);
          const ctx: RunContext = { users, hot };

          for (const o of ops) {
            log.push(await apply(ctx, o));
            await tick();
          }

          // Everyone back online; all replicas and a fresh client must agree.
          for (const u of users) u.replica.provider.connect();
          const replicas = users.map((u) => u.replica);
          await waitConverged(replicas, 'the replicas to converge', server);
          expectAlive();
          const fresh = newReplica(server.wsUrl, 'demo', {
            token: await mintToken(server, identity('observer', null)),
          });
          extra.push(fresh);
          await waitConverged([...replicas, fresh], 'a fresh client to match');
          const expected = toBoardJson(fresh.doc);
          const expectedSv = stateVectorOf(fresh.doc);
          for (const r of replicas) expect(toBoardJson(r.doc)).toEqual(expected);

          // The store holds the same: restart on the same data dir, check with a new client.
          for (const r of [...replicas, ...extra]) r.provider.destroy();
          expect(await stopGracefully(server)).toBe(0);
          await start();
          const after = newReplica(server.wsUrl, 'demo', {
            token: await mintToken(server, identity('observer', null)),
          });
          extra.push(after);
          await synced(after.provider);
          expect(stateVectorOf(after.doc), 'state vector after restart').toBe(expectedSv);
          expect(sameState(after.doc, fresh.doc), 'state vector and delete set after restart').toBe(true);
          expect(toBoardJson(after.doc)).toEqual(expected);
        } catch (err) {
          let message = (err as Error).message;
          try {
            expectAlive();
          } catch (died) {
            message = `${(died as Error).message}\n(then: ${message})`;
          }
          throw new Error(`run ${runNo} (k=${k}) failed: ${message}\nops:\n${log.join('\n')}`, {
            cause: err,
          });
        } finally {
          for (const r of [...users.map((u) => u.replica), ...extra]) {
            r.provider.destroy();
            r.doc.destroy();
          }
        }
      },
    );
    try {
      await fc.assert(property, {
        seed: SEED,
        ...(PATH ? { path: PATH } : {}),
        numRuns: RUNS,
        verbose: fc.VerbosityLevel.Verbose,
        // Shrinking restarts real servers; stop it after a while and report what it has.
        interruptAfterTimeLimit: 200_000,
        markInterruptAsFailure: true,
      });
    } catch (err) {
      console.error(`CONV1 failed with PARLEY_FC_SEED=${SEED}`);
      throw err;
    }
  }, 300_000);

  it('CONV2: a client offline for a long stretch with 300 text edits and comments converges with the others after reconnecting', async () => {
    const [off, a, b] = [await ownerReplica(0), await ownerReplica(1), await ownerReplica(2)];
    const all = [off, a, b];
    const extra: Replica[] = [];
    try {
      await Promise.all(all.map((u) => synced(u.replica.provider)));
      const points = listPoints(off.replica.doc)
        .map((p) => p.id)
        .sort();
      const [p1, p2, p3] = points as [PointId, PointId, PointId];
      const tid = openThread(a.replica.doc, a.actor, { pointId: p1, body: 'Opened before the outage' });
      await waitFor(
        () => listThreads(off.replica.doc).some((t) => t.id === tid),
        'the thread to reach the offline-to-be client',
      );

      off.replica.provider.disconnect();
      // A deterministic pseudo-random walk (no flakiness from the generator itself).
      let x = 12345;
      const rnd = (m: number) => (x = (x * 1103515245 + 12345) % 2 ** 31) % m;
      const offDoc = off.replica.doc;
      let myComment: { t: string; cm: string } | null = null;
      for (let i = 0; i < 300; i++) {
        const text = pointText(offDoc, [p1, p2, p3][rnd(3)]!, 'body')!;
        if (i % 7 === 6 && text.length > 3) text.delete(rnd(text.length - 2), 2);
        else text.insert(rnd(text.length + 1), `off${i} `);
        if (i % 30 === 0) {
          const cmid = replyToThread(offDoc, off.actor, tid, `offline reply ${i}`);
          myComment ??= { t: tid, cm: cmid };
        }
        if (i % 50 === 25) openThread(offDoc, off.actor, { pointId: p2, body: `offline thread ${i}` });
        if (i === 150)
          setPosition(offDoc, off.actor, { pointId: p3, stakeholderId: 'ukraine' as StakeholderId, stance: 'oppose' });
        if (i === 200) movePoint(offDoc, off.actor, p1, { categoryId: listCategories(offDoc)[3]!.id, index: 0 });
      }
      editComment(
        offDoc,
        off.actor,
        myComment!.t as never,
        myComment!.cm as never,
        'offline reply, edited while offline',
      );

      // Meanwhile the others keep working on the same points, online.
      for (let i = 0; i < 60; i++) {
        const u = i % 2 === 0 ? a : b;
        const text = pointText(u.replica.doc, [p1, p2, p3][i % 3]!, 'body')!;
        text.insert(i % (text.length + 1), `on${i} `);
        if (i % 20 === 0) replyToThread(u.replica.doc, u.actor, tid, `online reply ${i}`);
        if (i === 30)
          setPosition(u.replica.doc, u.actor, {
            pointId: p3,
            stakeholderId: 'ukraine' as StakeholderId,
            stance: 'support',
          });
        if (i === 40)
          movePoint(u.replica.doc, u.actor, p1, { categoryId: listCategories(u.replica.doc)[1]!.id, index: 2 });
        if (i % 10 === 0) await sleep(5);
      }
      await waitConverged([a.replica, b.replica], 'the online clients to agree');

      // The words each side can still read before the merge must all be there after it
      // (concurrent inserts never split each other's runs; only each side's own later
      // inserts and deletes could have cut its earlier words).
      const tokens = (doc: Y.Doc, re: RegExp) =>
        new Map(
          [p1, p2, p3].map((pid) => [pid, [...pointText(doc, pid, 'body')!.toString().matchAll(re)].map((m) => m[0])]),
        );
      const offTokens = tokens(offDoc, /off\d+ /g);
      const onTokens = tokens(a.replica.doc, /on\d+ /g);
      expect([...offTokens.values()].flat().length).toBeGreaterThan(100);

      off.replica.provider.connect();
      const replicas = all.map((u) => u.replica);
      await waitConverged(replicas, 'the offline client to converge after reconnecting', server);
      const fresh = newReplica(server.wsUrl, 'demo', { token: await mintToken(server, identity('observer', null)) });
      extra.push(fresh);
      await waitConverged([...replicas, fresh], 'a fresh client to match');
      const expected = toBoardJson(fresh.doc);
      for (const r of replicas) expect(toBoardJson(r.doc)).toEqual(expected);

      // Nothing from either side was lost.
      for (const [pid, words] of [...offTokens, ...onTokens]) {
        const body = expected.points.find((p) => p.id === pid)!.body;
        const missing = words.filter((w) => !body.includes(w));
        expect(missing, `words missing from ${pid}`).toEqual([]);
      }
      const thread = expected.threads.find((t) => t.id === tid)!;
      expect(thread.comments.filter((cm) => cm.body.startsWith('offline reply')).length).toBe(10);
      expect(thread.comments.filter((cm) => cm.body.startsWith('online reply')).length).toBe(3);
      expect(thread.comments.some((cm) => cm.body === 'offline reply, edited while offline')).toBe(true);
      expect(expected.threads.filter((t) => t.comments[0]?.body.startsWith('offline thread')).length).toBe(6);
    } finally {
      for (const r of [...all.map((u) => u.replica), ...extra]) {
        r.provider.destroy();
        r.doc.destroy();
      }
    }
  });
});
