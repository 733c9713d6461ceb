import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { listPoints, listThreads, pointText, replyToThread, type PointId, type ThreadId } from '@parley/shared/model';
import { MESSAGE, SYNC } from '@parley/shared/protocol';
import { clientFor, connectAll, participant, prepareBoard, type Participant } from '../lib/board.ts';
import { selfCpuSeconds } from '../lib/proc.ts';
import { prng } from '../../helpers/prng.ts';
import { covers, runQueueWaitMs, stateVector, unionOf } from '../lib/replicaChecks.ts';
import type { Scenario, ScenarioContext, ScenarioResult } from '../lib/scenario.ts';
import type { BenchServer, LoopDelay } from '../lib/servers.ts';
import { distribution, median, sleep, until } from '../lib/stats.ts';
import type { Flavor, SyncClient } from '../lib/syncClient.ts';
import { WsTransport } from '../lib/wsTransport.ts';

export interface LateJoinerOptions {
  /** Comments on the board when done, the 28 thread openers from prepareBoard included. */
  readonly comments: number;
  /** Updates written in all: one per reply, the rest small point-body inserts. */
  readonly updates: number;
  /** Sequential single joins, for the connect → complete doc time. */
  readonly joins: number;
  /** Clients joining at once, for the server's event-loop stall. */
  readonly storm: number;
  /** Reply length range in characters. */
  readonly bodyChars: readonly [number, number];
}

/**
 * A comment costs ~175 bytes of Yjs structure besides its body (six map keys, ids, author),
 * so 160–210-character replies give the brief's ~1.9 MB state; 250–300 would give 2.4 MB.
 */
export const P2_FULL: LateJoinerOptions = {
  comments: 5_600,
  updates: 6_000,
  joins: 7,
  storm: 50,
  bodyChars: [160, 210],
};

const WRITERS = 4;
/** Far below every server's limit; at this rate the board takes ~3 s to write. */
const UPDATES_PER_SECOND = 2_000;
const TICK_MS = 10;

const WORDS = (
  'the parties agree that monitoring should begin within thirty days of signature and that ' +
  'observers report jointly to the commission we propose alternative wording for this clause ' +
  'because the current draft leaves open who verifies compliance on the ground our delegation ' +
  'supports the principle but needs a clearer timetable for withdrawal and a review mechanism ' +
  'with independent experts humanitarian corridors must stay open during any pause in talks'
).split(' ');

function sentenceText(random: () => number, minLength: number, maxLength: number): string {
  const target = minLength + Math.floor(random() * (maxLength - minLength + 1));
  let out = '';
  while (out.length < target) out += (out ? ' ' : '') + WORDS[Math.floor(random() * WORDS.length)]!;
  return `${out.slice(0, target).trimEnd()}.`;
}

function countComments(doc: Y.Doc): number {
  return listThreads(doc).reduce((n, t) => n + t.comments.length, 0);
}

interface BuiltBoard {
  /** What a complete replica's state vector covers. */
  readonly expected: Map<number, number>;
  readonly comments: number;
  /** The complete doc as one update, for timing the client's own share of a join. */
  readonly state: Uint8Array;
  readonly buildSeconds: number;
}

/**
 * Writes the board through the server as many small updates from a few non-decoding
 * writers (each reply is its own transaction, like a person posting it), then waits until
 * a fresh client holds all of it.
 */
export async function buildBoard(server: BenchServer, o: LateJoinerOptions): Promise<BuiltBoard> {
  const t0 = performance.now();
  // Two editors and two delegates: everyone may reply, only editors edit point text.
  const people: Participant[] = Array.from({ length: WRITERS }, (_, i) => participant(i));
  const writers: SyncClient[] = [];
  for (const p of people) writers.push(await clientFor(server, p, { decode: false }));
  try {
    await connectAll(writers);
    const points: PointId[] = listPoints(writers[0]!.doc).map((p) => p.id);
    const threads: ThreadId[] = listThreads(writers[0]!.doc).map((t) => t.id);
    if (threads.length === 0) throw new Error(`${server.flavor}: the prepared board has no threads`);
    const replies = o.comments - threads.length;
    const pointEdits = o.updates - replies;
    if (replies <= 0 || pointEdits < 0) throw new Error(`P2: ${o.comments} comments cannot be ${o.updates} updates`);
    const editors = people.filter((p) => p.role === 'editor' || p.role === 'owner').map((p) => p.index);
    const random = prng(0x9a21).next;
    let replySeq = 0;
    let editSeq = 0;
    const write = (k: number) => {
      // Point edits spread evenly through the replies.
      const isPointEdit = Math.floor(((k + 1) * pointEdits) / o.updates) > Math.floor((k * pointEdits) / o.updates);
      if (isPointEdit) {
        const w = editors[editSeq % editors.length]!;
        const body = pointText(writers[w]!.doc, points[editSeq % points.length]!, 'body')!;
        body.insert(body.length, ` ${sentenceText(random, 20, 40)}`);
        editSeq++;
      } else {
        const w = replySeq % WRITERS;
        const p = people[w]!;
        const actor = { userId: p.userId, name: p.name, stakeholderId: p.stakeholderId };
        replyToThread(
          writers[w]!.doc,
          actor,
          threads[replySeq % threads.length]!,
          sentenceText(random, ...o.bodyChars),
        );
        replySeq++;
      }
    };
    // Open loop at a fixed rate, so no server's intake is what gets measured here.
    const start = performance.now();
    let sent = 0;
    while (sent < o.updates) {
      const due = Math.min(o.updates, Math.floor(((performance.now() - start) * UPDATES_PER_SECOND) / 1000));
      while (sent < due) write(sent++);
      await sleep(TICK_MS);
    }
    const expected = unionOf(writers.map((w) => w.doc));

    const check = await clientFor(server, participant(1_000_002, 'observer'), { decode: true });
    try {
      await check.connect();
      if (!(await until(() => covers(check.doc, expected), 60_000, 20))) {
        throw new Error(`${server.flavor}: a fresh client did not receive all ${o.updates} updates`);
      }
      return {
        expected: stateVector(check.doc),
        comments: countComments(check.doc),
        state: Y.encodeStateAsUpdate(check.doc),
        buildSeconds: (performance.now() - t0) / 1000,
      };
    } finally {
      check.destroy();
    }
  } finally {
    for (const w of writers) w.destroy();
  }
}

/**
 * P2 against one running server whose board `keeper` prepared (prepareBoard): build the
 * board, then time single joins and a join storm. `keeper` stays connected throughout,
 * because the peers drop a room's doc when its last client leaves; the caller destroys it.
 */
export async function lateJoiner(server: BenchServer, o: LateJoinerOptions): Promise<ScenarioResult> {
  const board = await buildBoard(server, o);
  await sleep(300); // the joins start on an idle server

  // How much of a join is the client's own work, to read the server's share off the total.
  const applyMs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const doc = new Y.Doc();
    const t = performance.now();
    Y.applyUpdate(doc, board.state);
    applyMs.push(performance.now() - t);
    doc.destroy();
  }

  const joinMs: number[] = [];
  let complete = true;
  const wait0 = runQueueWaitMs(server.pid);
  for (let i = 0; i < o.joins; i++) {
    const c = await clientFor(server, participant(2_000 + i, 'observer'), { decode: true });
    try {
      const t = performance.now();
      await c.connect();
      joinMs.push(performance.now() - t);
      complete &&= covers(c.doc, board.expected);
    } finally {
      c.destroy();
    }
    await sleep(100);
  }

  const joinWaitMs = runQueueWaitMs(server.pid) - wait0;

  const storm = await joinStorm(server, o.storm, board.expected);
  const n = o.storm;
  return {
    updates: o.updates,
    comments: board.comments,
    stateMb: board.state.byteLength / 2 ** 20,
    buildSeconds: board.buildSeconds,
    joinMs: distribution(joinMs),
    clientApplyMs: median(applyMs),
    // Over all the single joins: the server's time waiting for its (shared) core.
    joinServerRunQueueWaitMs: joinWaitMs,
    [`join${n}AllSyncedMs`]: storm.allSyncedMs,
    [`join${n}SyncedMs`]: distribution(storm.syncedMs),
    [`join${n}ServerLoopDelayMs`]: storm.loop,
    [`join${n}ServerCpuSeconds`]: storm.serverCpu,
    [`join${n}ServerRunQueueWaitMs`]: storm.serverWaitMs,
    [`join${n}GeneratorCpuSeconds`]: storm.generatorCpu,
    serverPeakRssMb: server.memory().peakRssMb,
    complete: complete && storm.complete,
  };
}

/**
 * `count` clients joining at once, timed from the first connect to each one's complete
 * sync step 2. These joiners read the frame but do not apply it: 50 SyncClients applying a
 * 2 MB doc each cost the generator ~10 s of CPU (measured), which would time the generator
 * instead of the server. One reply is decoded to check it is the whole board.
 */
async function joinStorm(server: BenchServer, count: number, expected: ReadonlyMap<number, number>) {
  const urls: { url: string; docName: string; token: string }[] = [];
  for (let i = 0; i < count; i++) {
    // Only for its URL and token; it never connects.
    const c = await clientFor(server, participant(3_000 + i, 'observer'), { decode: false });
    urls.push({ url: c.url, docName: c.opts.docName, token: c.opts.token ?? 'bench' });
    c.destroy();
  }
  const transports: WsTransport[] = [];
  try {
    await sleep(200);
    await server.loopDelay(); // resets the histogram: only the storm counts
    const cpu0 = server.cpuSeconds();
    const wait0 = runQueueWaitMs(server.pid);
    const gen0 = selfCpuSeconds();
    const t = performance.now();
    const replies = await Promise.all(
      urls.map(async (u) => {
        const transport = await WsTransport.connect(u.url);
        transports.push(transport);
        const update = await receiveStepTwo(server.flavor, transport, u.docName, u.token);
        return { ms: performance.now() - t, update };
      }),
    );
    const allSyncedMs = performance.now() - t;
    const loop: LoopDelay = await server.loopDelay();
    const serverCpu = server.cpuSeconds() - cpu0;
    const serverWaitMs = runQueueWaitMs(server.pid) - wait0;
    const generatorCpu = selfCpuSeconds() - gen0;
    const probe = new Y.Doc();
    Y.applyUpdate(probe, replies[replies.length - 1]!.update);
    const size = replies[0]!.update.byteLength;
    const complete = covers(probe, expected) && replies.every((r) => r.update.byteLength === size);
    probe.destroy();
    return { allSyncedMs, syncedMs: replies.map((r) => r.ms), loop, serverCpu, serverWaitMs, generatorCpu, complete };
  } finally {
    for (const tr of transports) tr.close();
  }
}

/** Hocuspocus message types (its packages/common), as SyncClient frames them. */
const HOCUSPOCUS = { auth: 2, authToken: 0, syncReply: 4 } as const;

const EMPTY_STATE_VECTOR = Y.encodeStateVector(new Y.Doc());

/** Sends sync step 1 for an empty doc and resolves with the server's step 2 payload. */
function receiveStepTwo(flavor: Flavor, transport: WsTransport, docName: string, token: string): Promise<Uint8Array> {
  const frame = (type: number) => {
    const e = encoding.createEncoder();
    if (flavor === 'hocuspocus') encoding.writeVarString(e, docName);
    encoding.writeVarUint(e, type);
    return e;
  };
  return new Promise((resolve, reject) => {
    transport.onClose = () => reject(new Error(`${flavor}: connection closed before sync step 2`));
    transport.onMessage = (payload) => {
      const d = decoding.createDecoder(payload);
      if (flavor === 'hocuspocus') decoding.readVarString(d);
      const type = decoding.readVarUint(d);
      if (type !== MESSAGE.sync && !(flavor === 'hocuspocus' && type === HOCUSPOCUS.syncReply)) return;
      if (decoding.readVarUint(d) !== SYNC.step2) return;
      transport.onClose = () => undefined;
      resolve(decoding.readVarUint8Array(d));
    };
    if (flavor === 'hocuspocus') {
      const auth = frame(HOCUSPOCUS.auth);
      encoding.writeVarUint(auth, HOCUSPOCUS.authToken);
      encoding.writeVarString(auth, token);
      transport.send(encoding.toUint8Array(auth));
    }
    const step1 = frame(MESSAGE.sync);
    encoding.writeVarUint(step1, SYNC.step1);
    encoding.writeVarUint8Array(step1, EMPTY_STATE_VECTOR);
    transport.send(encoding.toUint8Array(step1));
  });
}

/**
 * Starts a server and prepares its board, on a fresh server again if preparing fails.
 * Why: SyncClient can miss a frame that arrives in the same TCP read as the 101 response
 * (WsTransport hands it out before connect() has set onMessage). The reference server
 * sends its sync step 1 at once, so prepareBoard's owner sometimes never answers it and the
 * demo state never reaches the server (about 1 start in 3 here, pinned).
 */
export async function startPrepared(ctx: ScenarioContext): Promise<{ server: BenchServer; keeper: SyncClient }> {
  for (let attempt = 1; ; attempt++) {
    const server = await ctx.start();
    try {
      return { server, keeper: await prepareBoard(server) };
    } catch (err) {
      await server.stop();
      if (attempt >= 3) throw err;
    }
  }
}

export const lateJoinerScenario: Scenario = {
  id: 'P2',
  title: 'late joiner: 28 points, 5,600 comments as ~6,000 updates; connect → complete doc',
  flavors: ['parley', 'reference', 'hocuspocus'],
  run: async (ctx: ScenarioContext) => {
    const { server, keeper } = await startPrepared(ctx);
    try {
      const result = await lateJoiner(server, P2_FULL);
      return [{ label: `${P2_FULL.comments} comments, ${P2_FULL.updates} updates`, result }];
    } finally {
      keeper.destroy();
      await server.stop();
    }
  },
};
