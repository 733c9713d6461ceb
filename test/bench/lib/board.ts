import * as Y from 'yjs';
import {
  listPoints,
  listThreads,
  openThread,
  pointText,
  replyToThread,
  setPosition,
  STANCES,
  toBoardJson,
  type PointId,
  type StakeholderId,
  type ThreadId,
  type UserId,
} from '@parley/shared/model';
import type { Role } from '@parley/shared/permissions';
import { signAccessToken } from '../../../server/src/accounts/accessTokens.ts';
import { buildDemoState } from '../../../server/src/seed/createDemoBoard.ts';
import { DEMO_BOARD_ID } from '../../../server/src/seed/demoContent.ts';
import { DEMO_STAKEHOLDERS } from '@parley/shared/model';
import { BENCH_SECRET, type BenchServer } from './servers.ts';
import { SyncClient, type ClientOptions } from './syncClient.ts';
import { until } from './stats.ts';

export const BOARD = DEMO_BOARD_ID;
const SECRET = new TextEncoder().encode(BENCH_SECRET);

/** A simulated participant: who they are on the board (Parley checks it on every update). */
export interface Participant {
  readonly index: number;
  readonly userId: UserId;
  readonly name: string;
  readonly role: Role;
  readonly stakeholderId: StakeholderId;
}

/** Alternates drafting editors (point text, replies) and delegates (positions, threads, replies). */
export function participant(index: number, role?: Role): Participant {
  const stakeholder = DEMO_STAKEHOLDERS[index % DEMO_STAKEHOLDERS.length]!;
  return {
    index,
    userId: `bench-${index}` as UserId,
    name: `Bench ${index}`,
    role: role ?? (index % 2 === 0 ? 'editor' : 'delegate'),
    stakeholderId: stakeholder.id as StakeholderId,
  };
}

export function tokenFor(p: Participant): Promise<string> {
  return signAccessToken(SECRET, {
    userId: p.userId,
    boardId: BOARD,
    role: p.role,
    stakeholderId: p.stakeholderId,
    name: p.name,
  });
}

export async function clientFor(
  server: BenchServer,
  p: Participant,
  opts: Omit<ClientOptions, 'flavor' | 'baseUrl' | 'docName' | 'token'>,
): Promise<SyncClient> {
  return new SyncClient({
    flavor: server.flavor,
    baseUrl: server.wsUrl,
    docName: BOARD,
    token: server.flavor === 'parley' ? await tokenFor(p) : 'bench',
    ...opts,
  });
}

/** Connects many clients, a few at a time (a connection storm is not what is measured). */
export async function connectAll(clients: readonly SyncClient[], concurrency = 25): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < clients.length) await clients[next++]!.connect();
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, clients.length) }, worker));
}

/**
 * Gives every server the same starting board: Parley seeds the demo board itself; the peers
 * get the same demo state from the first client. Then one thread per point, for replies.
 * Returns that client, still connected: the peers keep rooms in memory only while someone
 * is connected (Hocuspocus unloads an empty one at once). Destroy it when done.
 */
export async function prepareBoard(server: BenchServer): Promise<SyncClient> {
  const ownerParticipant = participant(1_000_000, 'owner');
  const owner = await clientFor(server, ownerParticipant, { decode: false });
  try {
    if (server.flavor !== 'parley') Y.applyUpdate(owner.doc, buildDemoState());
    await owner.connect();
    // The server pins authors to the token's identity (id, name and delegation).
    const { userId, name, stakeholderId } = ownerParticipant;
    const actor = { userId, name, stakeholderId };
    for (const point of listPoints(owner.doc)) {
      if (listThreads(owner.doc, point.id).length === 0)
        openThread(owner.doc, actor, { pointId: point.id, body: 'Bench thread' });
    }
  } catch (err) {
    owner.destroy();
    throw err;
  }
  // Settled when a fresh client sees all 28 threads.
  const check = await clientFor(server, participant(1_000_001, 'observer'), { decode: true });
  try {
    await check.connect();
    const points = () => listPoints(check.doc).length;
    const ready = await until(() => points() > 0 && listThreads(check.doc).length >= points(), 10_000);
    if (!ready) throw new Error(`${server.flavor}: the prepared board did not settle`);
  } catch (err) {
    owner.destroy();
    throw err;
  } finally {
    check.destroy();
  }
  return owner;
}

/** Edit markers carry the writer, its sequence number and the scheduled send time (µs). */
const MARKER = /~b~(\d+)\.(\d+)\.(\d+)~/g;
export const marker = (writer: number, seq: number, scheduledUs: number) => `~b~${writer}.${seq}.${scheduledUs}~`;

export interface SeenEdit {
  readonly writer: number;
  readonly seq: number;
  readonly scheduledMs: number;
}

/** The edits carried by an update, read from its bytes (strings are stored as UTF-8). */
export function editsIn(update: Uint8Array): SeenEdit[] {
  const text = Buffer.from(update.buffer, update.byteOffset, update.byteLength).toString('latin1');
  const out: SeenEdit[] = [];
  for (const m of text.matchAll(MARKER)) {
    out.push({ writer: Number(m[1]), seq: Number(m[2]), scheduledMs: Number(m[3]) / 1000 });
  }
  return out;
}

/**
 * One real board edit by `p` on its own replica, chosen by sequence number: editors
 * alternate point-body text and thread replies, delegates their stakeholder's position and
 * replies. Each edit carries its marker.
 */
export function makeEdit(client: SyncClient, p: Participant, seq: number, scheduledMs: number): void {
  const doc = client.doc;
  const points = pointsOf(doc);
  // Participant i works on point ⌊i/4⌋ for stakeholder i mod 4, so the first 112 have a
  // position of their own: two stale writers setting one position would make one edit
  // invisible by design (last writer wins), which would read as a loss.
  const pointId = points[Math.floor(p.index / DEMO_STAKEHOLDERS.length) % points.length]!;
  const ownsPosition = p.index < points.length * DEMO_STAKEHOLDERS.length;
  const tag = marker(p.index, seq, Math.round(scheduledMs * 1000));
  const actor = { userId: p.userId, name: p.name, stakeholderId: p.stakeholderId };
  if (seq % 2 === 1 || (p.role === 'delegate' && !ownsPosition)) {
    replyToThread(doc, actor, threadOf(doc, pointId), tag);
  } else if (p.role === 'delegate') {
    setPosition(doc, actor, {
      pointId,
      stakeholderId: p.stakeholderId,
      stance: STANCES[seq % STANCES.length]!,
      rationale: tag,
    });
  } else {
    pointText(doc, pointId, 'body')!.insert(0, `${tag} `);
  }
}

const pointCache = new WeakMap<Y.Doc, PointId[]>();
function pointsOf(doc: Y.Doc): PointId[] {
  let ids = pointCache.get(doc);
  if (!ids) {
    ids = listPoints(doc).map((p) => p.id);
    pointCache.set(doc, ids);
  }
  return ids;
}

const threadCache = new WeakMap<Y.Doc, Map<PointId, ThreadId>>();
function threadOf(doc: Y.Doc, pointId: PointId): ThreadId {
  let byPoint = threadCache.get(doc);
  if (!byPoint) {
    byPoint = new Map();
    for (const t of listThreads(doc)) if (!byPoint.has(t.pointId)) byPoint.set(t.pointId, t.id);
    threadCache.set(doc, byPoint);
  }
  const id = byPoint.get(pointId);
  if (!id) throw new Error(`no thread on point ${pointId}`);
  return id;
}

/** Whether replicas hold the same document: equal state vectors and equal key-sorted JSON. */
export function sameBoard(a: Y.Doc, b: Y.Doc): boolean {
  const sv = (d: Y.Doc) => JSON.stringify([...Y.decodeStateVector(Y.encodeStateVector(d))].sort((x, y) => x[0] - y[0]));
  return sv(a) === sv(b) && sortedJson(toBoardJson(a)) === sortedJson(toBoardJson(b));
}

function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => x.localeCompare(y)))
      : v,
  );
}
