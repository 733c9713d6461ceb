/**
 * The permission matrix through the real server with stock y-websocket providers: every
 * role × every write, made as a raw Yjs edit on a client holding that role's token.
 * One server for the matrix; one restart at its end checks what was stored. PERM5 and
 * PERM7 (refusals about clock values and client ids rather than content) each run on a
 * server of their own, restarted at the end to look at the store.
 */
import * as decoding from 'lib0/decoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  AMENDMENT,
  COMMENT,
  META,
  THREAD,
  boardRoots,
  createAnchor,
  reactionKey,
  toggleReaction,
  type CommentId,
  type UserId,
  listAmendments,
  proposeAmendment,
  type AmendmentId,
  addCategory,
  addStakeholder,
  deleteThread,
  listCategories,
  listPoints,
  listPositions,
  listStakeholders,
  listThreads,
  movePoint,
  notesMap,
  openThread,
  pointNotes,
  pointText,
  replyToThread,
  setPosition,
  setThreadResolved,
  toBoardJson,
  trashPoint,
  type BoardJson,
  type PointId,
  type Stance,
  type StakeholderId,
  type ThreadId,
} from '@parley/shared/model';
import { CLOSE, SYNC } from '@parley/shared/protocol';
import type { Role } from '@parley/shared/permissions';
import { SqliteStorage } from '../../server/src/persistence/sqlite/SqliteStorage.ts';
import { stateEquals, waitFor } from '../helpers/clients.ts';
import { insertedStrings } from '../helpers/replicas.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { actorOf, type TestIdentity } from '../helpers/tokens.ts';
import {
  connectRecorded,
  demoCookie,
  frameKind,
  gcOnlyUpdate,
  openRaw,
  syncFrame,
  tokenFor,
  updateFrame,
  updateOf,
  within,
  type RecordedClient,
} from '../helpers/security.ts';

const S = 'ukraine' as StakeholderId;
const T = 'russia' as StakeholderId;
const NOTES_DOC = `demo~${S}`;

type Write =
  | 'point text'
  | 'a category'
  | 'the stakeholder list'
  | "S's position"
  | "T's position"
  | 'a new comment as self'
  | 'a comment claiming another author'
  | "editing another's comment"
  | 'deleting a thread'
  | 'resolving a thread'
  | "S's private notes"
  | 'moving a point'
  | 'deleting a point'
  | 'proposing wording for its own delegation'
  | "answering S's amendment"
  | "withdrawing S's amendment"
  | "deciding S's amendment in the document"
  | 'setting the sign-off rule'
  | 'a reaction as self'
  | "a reaction in another's name"
  | 'a reply mentioning a member'
  | 'a reply mentioning a non-member'
  | 'an anchored thread for its own delegation';

/** The writes of issue 16's conversations (PERM8); the others are PERM1's. */
const CONVERSATION_WRITES = new Set<Write>([
  'a reaction as self',
  "a reaction in another's name",
  'a reply mentioning a member',
  'a reply mentioning a non-member',
  'an anchored thread for its own delegation',
]);
/** A real member of the demo board (read from the server), and a user id that is none. */
let memberId = '' as UserId;
const NOT_A_MEMBER = 'u-not-a-member' as UserId;

const WRITES: Write[] = [
  'point text',
  'a category',
  'the stakeholder list',
  "S's position",
  "T's position",
  'a new comment as self',
  'a comment claiming another author',
  "editing another's comment",
  'deleting a thread',
  'resolving a thread',
  "S's private notes",
  'moving a point',
  'deleting a point',
  'proposing wording for its own delegation',
  "answering S's amendment",
  // Before withdrawing, which closes the amendment: deciding must be refused as a rule, not as closed.
  "deciding S's amendment in the document",
  "withdrawing S's amendment",
  'setting the sign-off rule',
  'a reaction as self',
  "a reaction in another's name",
  'a reply mentioning a member',
  'a reply mentioning a non-member',
  'an anchored thread for its own delegation',
];

/** Every writer may react as itself, mention members and open an anchored thread for its own delegation. */
const CONVERSING: Write[] = [
  'a reaction as self',
  'a reply mentioning a member',
  'an anchored thread for its own delegation',
];

interface RoleSpec {
  readonly label: string;
  readonly role: Role;
  readonly stakeholderId: string | null;
  /** The writes this role may make; every other write is refused. */
  readonly allowed: readonly Write[];
}

// The table from shared/src/permissions/rules.ts `can`, written out. The owner belongs to
// `us`, so S's (Ukraine's) private notes are closed to it. Nobody may speak as another author.
const ROLES: RoleSpec[] = [
  {
    label: 'owner (us)',
    role: 'owner',
    stakeholderId: 'us',
    allowed: [
      'point text',
      'a category',
      'the stakeholder list',
      "S's position",
      "T's position",
      'a new comment as self',
      'deleting a thread',
      'resolving a thread',
      'moving a point',
      'deleting a point',
      'proposing wording for its own delegation',
      "answering S's amendment",
      'setting the sign-off rule',
      ...CONVERSING,
    ],
  },
  {
    label: 'editor (us)',
    role: 'editor',
    stakeholderId: 'us',
    allowed: [
      'point text',
      'a category',
      'a new comment as self',
      'deleting a thread',
      'resolving a thread',
      'moving a point',
      'deleting a point',
      'proposing wording for its own delegation',
      "answering S's amendment",
      ...CONVERSING,
    ],
  },
  {
    label: 'delegate of S (ukraine)',
    role: 'delegate',
    stakeholderId: S,
    allowed: [
      "S's position",
      'a new comment as self',
      'resolving a thread',
      "S's private notes",
      'proposing wording for its own delegation',
      "withdrawing S's amendment",
      ...CONVERSING,
    ],
  },
  {
    label: 'delegate of T (russia)',
    role: 'delegate',
    stakeholderId: T,
    allowed: [
      "T's position",
      'a new comment as self',
      'proposing wording for its own delegation',
      "answering S's amendment",
      ...CONVERSING,
    ],
  },
  { label: 'observer', role: 'observer', stakeholderId: null, allowed: [] },
];

/** Per role: its point and the two threads of S that its writes target. */
interface Target {
  readonly pointId: PointId;
  /** For replies, forged replies, editing the first comment, resolving. */
  readonly thread: ThreadId;
  /** For deleting. */
  readonly doomed: ThreadId;
  /** For deleting a point (so the role's own point, which the other writes check, stays). */
  readonly doomedPoint: PointId;
  /** An open amendment of S's on the role's point, for answering, withdrawing, deciding. */
  readonly amendment: AmendmentId;
}

/** What one write does on the writer's doc, and how to recognise it in a doc. */
interface WriteDef {
  readonly doc: 'board' | 'notes';
  edit(d: Y.Doc, who: TestIdentity, t: Target, mark: string): void;
  landed(board: Y.Doc, notes: Y.Doc, t: Target, mark: string): boolean;
}

function amendmentAnswers(doc: Y.Doc, id: AmendmentId): Y.Array<unknown> {
  return boardRoots(doc).amendments.get(id)!.get(AMENDMENT.responses) as Y.Array<unknown>;
}

function thread(doc: Y.Doc, id: ThreadId) {
  return listThreads(doc).find((t) => t.id === id);
}

/** The id of the first comment of the target's thread (its author's). */
function firstCommentOf(doc: Y.Doc, t: Target): CommentId {
  return thread(doc, t.thread)!.comments[0]!.id;
}

function writeDefs(author: TestIdentity): Record<Write, WriteDef> {
  return {
    'point text': {
      doc: 'board',
      edit: (d, _w, t, mark) => pointText(d, t.pointId, 'body')!.insert(0, `${mark} `),
      landed: (b, _n, t, mark) =>
        listPoints(b)
          .find((p) => p.id === t.pointId)
          ?.body.includes(mark) === true,
    },
    'a category': {
      doc: 'board',
      edit: (d, _w, _t, mark) => void addCategory(d, null, `Category ${mark}`),
      landed: (b, _n, _t, mark) => listCategories(b).some((c) => c.title === `Category ${mark}`),
    },
    'the stakeholder list': {
      doc: 'board',
      edit: (d, _w, _t, mark) =>
        void addStakeholder(d, null, {
          id: `s-${mark}` as StakeholderId,
          name: `Stakeholder ${mark}`,
          short: 'NEW',
          color: '#123456',
        }),
      landed: (b, _n, _t, mark) => listStakeholders(b).some((s) => s.id === `s-${mark}`),
    },
    "S's position": {
      doc: 'board',
      edit: (d, w, t, mark) =>
        setPosition(d, actorOf(w), { pointId: t.pointId, stakeholderId: S, stance: 'support', rationale: mark }),
      landed: (b, _n, t, mark) =>
        listPositions(b).some((p) => p.pointId === t.pointId && p.stakeholderId === S && p.rationale === mark),
    },
    "T's position": {
      doc: 'board',
      edit: (d, w, t, mark) =>
        setPosition(d, actorOf(w), { pointId: t.pointId, stakeholderId: T, stance: 'oppose', rationale: mark }),
      landed: (b, _n, t, mark) =>
        listPositions(b).some((p) => p.pointId === t.pointId && p.stakeholderId === T && p.rationale === mark),
    },
    'a new comment as self': {
      doc: 'board',
      edit: (d, w, t, mark) => void replyToThread(d, actorOf(w), t.thread, `Reply ${mark}`),
      landed: (b, _n, t, mark) => thread(b, t.thread)?.comments.some((c) => c.body === `Reply ${mark}`) === true,
    },
    'a comment claiming another author': {
      // The model takes the actor it is given; a hand-crafted client names someone else.
      doc: 'board',
      edit: (d, _w, t, mark) => void replyToThread(d, actorOf(author), t.thread, `Forged ${mark}`),
      landed: (b, _n, t, mark) => thread(b, t.thread)?.comments.some((c) => c.body === `Forged ${mark}`) === true,
    },
    "editing another's comment": {
      // Written directly to the Y types: the model refuses non-authors, a raw client does not.
      doc: 'board',
      edit: (d, _w, t, mark) => {
        const comments = d.getMap<Y.Map<unknown>>('threads').get(t.thread)!.get(THREAD.comments) as Y.Array<
          Y.Map<unknown>
        >;
        comments.get(0).set(COMMENT.body, `Rewritten ${mark}`);
      },
      landed: (b, _n, t, mark) => thread(b, t.thread)?.comments[0]?.body === `Rewritten ${mark}`,
    },
    'deleting a thread': {
      doc: 'board',
      edit: (d, _w, t) => deleteThread(d, null, t.doomed),
      landed: (b, _n, t) => thread(b, t.doomed) === undefined,
    },
    'resolving a thread': {
      doc: 'board',
      edit: (d, w, t) => setThreadResolved(d, actorOf(w), t.thread, true),
      landed: (b, _n, t) => thread(b, t.thread)?.resolved === true,
    },
    // Every role's point starts in the first category; the second stays second (new ones go last).
    'moving a point': {
      doc: 'board',
      edit: (d, _w, t) => movePoint(d, null, t.pointId, { categoryId: listCategories(d)[1]!.id, index: 0 }),
      landed: (b, _n, t) => listPoints(b).find((p) => p.id === t.pointId)?.categoryId === listCategories(b)[1]!.id,
    },
    'deleting a point': {
      doc: 'board',
      edit: (d, w, t) => trashPoint(d, actorOf(w), t.doomedPoint),
      landed: (b, _n, t) => !listPoints(b).some((p) => p.id === t.doomedPoint),
    },
    'proposing wording for its own delegation': {
      doc: 'board',
      edit: (d, w, t, mark) =>
        void proposeAmendment(d, actorOf(w), {
          pointId: t.pointId,
          field: 'title',
          wording: `Title ${mark}`,
          rationale: mark,
        }),
      landed: (b, _n, _t, mark) => listAmendments(b).some((a) => a.rationale === mark),
    },
    // Written directly to the Y types from here on: the model refuses what these try, a raw client does not.
    "answering S's amendment": {
      doc: 'board',
      edit: (d, w, t, mark) =>
        amendmentAnswers(d, t.amendment).push([
          { stakeholderId: w.stakeholderId, stance: 'endorse', note: mark, by: w.userId, byName: w.name, at: 1 },
        ]),
      landed: (b, _n, t, mark) =>
        listAmendments(b)
          .find((a) => a.id === t.amendment)
          ?.responses.some((r) => r.note === mark) === true,
    },
    "withdrawing S's amendment": {
      doc: 'board',
      edit: (d, _w, t) => boardRoots(d).amendments.get(t.amendment)!.set(AMENDMENT.status, 'withdrawn'),
      landed: (b, _n, t) => listAmendments(b).find((a) => a.id === t.amendment)?.status === 'withdrawn',
    },
    "deciding S's amendment in the document": {
      doc: 'board',
      edit: (d, _w, t) => boardRoots(d).amendments.get(t.amendment)!.set(AMENDMENT.status, 'accepted'),
      landed: (b, _n, t) => listAmendments(b).find((a) => a.id === t.amendment)?.status === 'accepted',
    },
    'setting the sign-off rule': {
      doc: 'board',
      edit: (d, _w, _t, mark) => boardRoots(d).meta.set(META.signOff, [S, `s-${mark}`]),
      landed: (b, _n, _t, mark) => JSON.stringify(boardRoots(b).meta.get(META.signOff) ?? null).includes(`s-${mark}`),
    },
    'a reaction as self': {
      doc: 'board',
      edit: (d, w, t) => void toggleReaction(d, actorOf(w), t.thread, firstCommentOf(d, t), 'heart'),
      landed: (b, _n, t) =>
        [...boardRoots(b).reactions.keys()].some((k) => k.startsWith(`${t.thread}:`) && !k.endsWith(author.userId)),
    },
    "a reaction in another's name": {
      // Written directly: the model reacts only as its actor, a raw client names anyone.
      doc: 'board',
      edit: (d, _w, t) =>
        boardRoots(d).reactions.set(
          reactionKey(t.thread, firstCommentOf(d, t), 'thumbs-down', author.userId as UserId),
          Date.now(),
        ),
      landed: (b, _n, t) =>
        boardRoots(b).reactions.has(
          reactionKey(t.thread, firstCommentOf(b, t), 'thumbs-down', author.userId as UserId),
        ),
    },
    'a reply mentioning a member': {
      doc: 'board',
      edit: (d, w, t, mark) => void replyToThread(d, actorOf(w), t.thread, `@member ${mark}`, [memberId]),
      landed: (b, _n, t, mark) =>
        thread(b, t.thread)?.comments.some((c) => c.body === `@member ${mark}` && c.mentions[0] === memberId) === true,
    },
    'a reply mentioning a non-member': {
      doc: 'board',
      edit: (d, w, t, mark) => void replyToThread(d, actorOf(w), t.thread, `@stranger ${mark}`, [NOT_A_MEMBER]),
      landed: (b, _n, t, mark) => thread(b, t.thread)?.comments.some((c) => c.body === `@stranger ${mark}`) === true,
    },
    'an anchored thread for its own delegation': {
      doc: 'board',
      edit: (d, w, t, mark) => {
        const title = pointText(d, t.pointId, 'title')!;
        const anchor = createAnchor(title, 0, Math.min(4, title.length), 'title');
        openThread(d, actorOf(w), { pointId: t.pointId, body: `Anchored ${mark}`, anchor });
      },
      landed: (b, _n, _t, mark) =>
        listThreads(b).some((x) => x.comments[0]?.body === `Anchored ${mark}` && x.anchor !== null),
    },
    "S's private notes": {
      doc: 'notes',
      edit: (d, _w, t, mark) => pointNotes(d, t.pointId).insert(0, `${mark} `),
      landed: (_b, n, t, mark) => notesMap(n).get(t.pointId)?.toString().includes(mark) === true,
    },
  };
}

const notesJson = (doc: Y.Doc) => notesMap(doc).toJSON();

interface Outcome {
  readonly role: string;
  readonly write: Write;
  readonly allowed: boolean;
  readonly target: Target;
  readonly mark: string;
}

/** A client's clock per client id, from its state vector. */
const clocksOf = (doc: Y.Doc): Map<number, number> => Y.decodeStateVector(Y.encodeStateVector(doc));

/** Client ids under which updates carry structs (content or GC). */
function clientsOf(updates: readonly Uint8Array[]): Set<number> {
  const out = new Set<number>();
  for (const update of updates) for (const s of Y.decodeUpdate(update).structs) out.add(s.id.client);
  return out;
}

/** The updates carried by frames (sync step 2 and update). */
function updatesIn(frames: readonly Uint8Array[]): Uint8Array[] {
  return frames
    .filter((f) => frameKind(f) === 'sync-step2' || frameKind(f) === 'sync-update')
    .map((f) => {
      const d = decoding.createDecoder(f);
      decoding.readVarUint(d);
      decoding.readVarUint(d);
      return decoding.readVarUint8Array(d);
    });
}

describe('permission matrix through the real server', () => {
  let server: RunningServer;
  /** S's first delegate: author of every targeted thread and comment; also the barrier sender. */
  let author: TestIdentity;
  let authorBoard: RecordedClient;
  let authorNotes: RecordedClient;
  /** Watchers: an observer on the board, a second delegate of S on S's notes. */
  let watcher: RecordedClient;
  let notesWatcher: RecordedClient;
  let observerToken = '';
  let defs: Record<Write, WriteDef>;
  const targets = new Map<string, Target>();
  const outcomes: Outcome[] = [];
  const clients: RecordedClient[] = [];

  const track = (c: RecordedClient) => {
    clients.push(c);
    return c;
  };

  /** A stock client of the demo board with a token for `role`, synced. */
  async function syncedClient(role: Role, stakeholderId: string | null, name: string) {
    const { who, token } = await tokenFor(server, role, stakeholderId, name);
    const client = track(connectRecorded(server.wsUrl, 'demo', { token }));
    await client.synced;
    return { who, client };
  }
  /** Disconnects a client locally: what it edits now reaches the server on reconnect, in sync step 2. */
  async function goOffline(client: RecordedClient): Promise<void> {
    client.provider.disconnect();
    await waitFor(() => !client.provider.wsconnected && client.provider.ws === null, 'the local disconnect');
  }
  /** T's position on the target's point, written on `doc` as `who`. */
  const setTPosition = (doc: Y.Doc, who: TestIdentity, target: Target, stance: Stance, rationale: string) =>
    setPosition(doc, actorOf(who), { pointId: target.pointId, stakeholderId: T, stance, rationale });
  /** Records the outcome of an offline delegate of T's position, for PERM3 to find after the restart. */
  const offlineOutcome = (target: Target, allowed: boolean, mark: string) =>
    outcomes.push({ role: 'offline delegate of T', write: "T's position", allowed, target, mark });

  /** The point whose S position (board) and S note (notes) the barriers write. */
  let barrierPoint: PointId;
  let barrierSeq = 0;
  /**
   * A barrier on the path an update takes: an allowed edit by S's first delegate (S's
   * position on a point of its own in the board, its note on that point in S's notes),
   * applied, stored, and relayed only after its commit. Commits and relays follow the order
   * in which updates were applied, so once the watcher has the barrier it has every update
   * the server applied before it. (An awareness frame, relayed at once, could overtake one.)
   */
  async function barrier(room: 'board' | 'notes'): Promise<void> {
    const mark = `[barrier ${++barrierSeq}]`;
    if (room === 'board') {
      setPosition(authorBoard.doc, actorOf(author), {
        pointId: barrierPoint,
        stakeholderId: S,
        stance: 'undecided',
        rationale: mark,
      });
      await waitFor(
        () => listPositions(watcher.doc).some((p) => p.pointId === barrierPoint && p.rationale === mark),
        `${mark} to reach the board watcher`,
      );
    } else {
      pointNotes(authorNotes.doc, barrierPoint).insert(0, `${mark} `);
      await waitFor(
        () => notesMap(notesWatcher.doc).get(barrierPoint)?.toString().includes(mark) === true,
        `${mark} to reach the notes watcher`,
      );
    }
  }
  const barrierClient = (room: 'board' | 'notes') => (room === 'board' ? authorBoard : authorNotes).doc.clientID;
  /** A watched doc's clocks, leaving out the barrier sender's. */
  const clocksBesideBarriers = (room: 'board' | 'notes', doc: Y.Doc) => {
    const clocks = clocksOf(doc);
    clocks.delete(barrierClient(room));
    return clocks;
  };
  /** Board JSON (the watcher's or the server's export) or notes JSON, leaving out what barriers wrote. */
  const besideBarriers = (json: unknown): unknown => {
    if (typeof json === 'object' && json !== null && 'positions' in json) {
      const board = json as BoardJson;
      return { ...board, positions: board.positions.filter((p) => p.pointId !== barrierPoint) };
    }
    const notes = { ...(json as Record<string, unknown>) };
    delete notes[barrierPoint];
    return notes;
  };
  /** Whether the update frames a watcher received since `from` carry nothing but barriers. */
  const onlyBarriersSince = (room: 'board' | 'notes', watch: RecordedClient, from: number) =>
    [...clientsOf(updatesIn(watch.received.slice(from)))].every((c) => c === barrierClient(room));

  async function serverBoardJson(): Promise<unknown> {
    const res = await fetch(`${server.url}/api/boards/demo/export?format=json`, {
      headers: { authorization: `Bearer ${observerToken}` },
    });
    expect(res.status).toBe(200);
    return res.json();
  }

  beforeAll(async () => {
    server = await startServer();
    observerToken = (await tokenFor(server, 'observer', null, 'Watcher')).token;
    // Token principals are no members: mentions must name a demo person, who is one.
    const members = await fetch(`${server.url}/api/boards/demo/members`, {
      headers: { cookie: await demoCookie(server, 'editor', 'us') },
    });
    memberId = ((await members.json()) as { members: { userId: UserId }[] }).members[0]!.userId;
    const a = await tokenFor(server, 'delegate', S, 'First Ukraine delegate');
    author = a.who;
    defs = writeDefs(author);
    const second = await tokenFor(server, 'delegate', S, 'Second Ukraine delegate');
    authorBoard = track(connectRecorded(server.wsUrl, 'demo', { token: a.token }));
    authorNotes = track(connectRecorded(server.wsUrl, NOTES_DOC, { token: a.token }));
    watcher = track(connectRecorded(server.wsUrl, 'demo', { token: observerToken }));
    notesWatcher = track(connectRecorded(server.wsUrl, NOTES_DOC, { token: second.token }));
    await Promise.all([authorBoard.synced, authorNotes.synced, watcher.synced, notesWatcher.synced]);

    // Each role gets its own point and two threads of S (opened by S's first delegate).
    const points = listPoints(authorBoard.doc);
    ROLES.forEach((r, i) => {
      const pointId = points[i]!.id;
      const t1 = openThread(authorBoard.doc, actorOf(author), { pointId, body: `First comment for ${r.label}` });
      const t2 = openThread(authorBoard.doc, actorOf(author), { pointId, body: `Doomed thread for ${r.label}` });
      const amendment = proposeAmendment(authorBoard.doc, actorOf(author), {
        pointId,
        field: 'body',
        wording: `Wording for ${r.label}`,
        rationale: '',
      });
      targets.set(r.label, {
        pointId,
        thread: t1,
        doomed: t2,
        doomedPoint: points[ROLES.length + 5 + i]!.id,
        amendment,
      });
    });
    // Points of their own for the sync-step-2 and pipelining tests, so no write overwrites another.
    for (const [i, label] of ['offline', 'offline-allowed', 'pipelined', 'gc'].entries()) {
      const t = targets.get(ROLES[0]!.label)!;
      targets.set(label, { ...t, pointId: points[ROLES.length + i]!.id });
    }
    barrierPoint = points[ROLES.length + 4]!.id;
    await waitFor(() => stateEquals(authorBoard.doc, watcher.doc), 'the threads to reach the watcher');
    expect(listThreads(watcher.doc)).toHaveLength(ROLES.length * 2);
  });

  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server?.stop();
  });

  ROLES.forEach((spec, roleIndex) => {
    describe(spec.label, () => {
      let token = '';
      let who: TestIdentity;
      beforeAll(async () => {
        ({ who, token } = await tokenFor(server, spec.role, spec.stakeholderId, `${spec.label} writer`));
      });

      for (const write of WRITES) {
        const allowed = spec.allowed.includes(write);
        const rule = CONVERSATION_WRITES.has(write) ? 'PERM8' : 'PERM1';
        it(`${rule}: ${spec.label} × ${write} → ${allowed ? 'allowed' : 'refused'}`, async () => {
          const def = defs[write];
          const target = targets.get(spec.label)!;
          const mark = `m${roleIndex}x${WRITES.indexOf(write)}`;
          outcomes.push({ role: spec.label, write, allowed, target, mark });
          const room = def.doc;
          const watch = room === 'board' ? watcher : notesWatcher;
          const docName = room === 'board' ? 'demo' : NOTES_DOC;
          const landed = () => def.landed(watcher.doc, notesWatcher.doc, target, mark);

          const clocksBefore = clocksBesideBarriers(room, watch.doc);
          const jsonBefore = room === 'board' ? toBoardJson(watch.doc) : notesJson(watch.doc);
          const receivedBefore = watch.received.length;
          expect(landed()).toBe(false);

          const writer = track(connectRecorded(server.wsUrl, docName, { token }));
          const notMember = room === 'notes' && !(spec.role !== 'observer' && spec.stakeholderId === S);
          if (notMember) {
            // Refused at the door: the notes doc of another stakeholder is never sent.
            def.edit(writer.doc, who, target, mark);
            expect(await within(writer.closed, 10_000, 'the refusal')).toBe(CLOSE.unauthorized);
            expect(writer.received).toHaveLength(0);
          } else {
            await within(writer.synced, 10_000, 'the writer to sync');
            def.edit(writer.doc, who, target, mark);
            if (allowed) {
              await waitFor(landed, `${write} to reach the watcher`);
              await waitFor(() => stateEquals(writer.doc, watch.doc), 'writer and watcher to converge');
              expect(writer.closes).toEqual([]);
              if (room === 'board') expect(await serverBoardJson()).toEqual(toBoardJson(watcher.doc));
              writer.destroy();
              return;
            }
            expect(await within(writer.closed, 10_000, 'the forbidden-update close')).toBe(CLOSE.forbiddenUpdate);
          }
          // Refused: nothing reached the watcher, even after a later update went through.
          await barrier(room);
          expect(landed()).toBe(false);
          expect(clocksBesideBarriers(room, watch.doc)).toEqual(clocksBefore);
          const jsonAfter = room === 'board' ? toBoardJson(watch.doc) : notesJson(watch.doc);
          expect(besideBarriers(jsonAfter)).toEqual(besideBarriers(jsonBefore));
          expect(onlyBarriersSince(room, watch, receivedBefore), 'an update frame other than the barrier').toBe(true);
          if (room === 'board') expect(besideBarriers(await serverBoardJson())).toEqual(besideBarriers(jsonBefore));
          writer.destroy();
        });
      }
    });
  });

  it('PERM1: the private notes of S refuse every non-member at the door, before any frame', async () => {
    for (const spec of ROLES) {
      if (spec.role !== 'observer' && spec.stakeholderId === S) continue;
      const { token } = await tokenFor(server, spec.role, spec.stakeholderId);
      const raw = openRaw(`${server.wsUrl}/yjs/${NOTES_DOC}?token=${token}`);
      const closed = await within(raw.closed, 10_000, `${spec.label} to be refused`);
      expect(closed.code, spec.label).toBe(CLOSE.unauthorized);
      expect(raw.frames, spec.label).toHaveLength(0);
    }
  });

  it('PERM2: a forbidden edit made offline and sent inside sync step 2 on reconnect is refused whole', async () => {
    const target = targets.get('offline')!;
    const { who, client: offline } = await syncedClient('delegate', T, 'Offline Russia delegate');
    const clocksBefore = clocksBesideBarriers('board', watcher.doc);
    const jsonBefore = toBoardJson(watcher.doc);
    const receivedBefore = watcher.received.length;
    await goOffline(offline);
    // Offline: an allowed edit (T's position) and a forbidden one (point text) together.
    setTPosition(offline.doc, who, target, 'undecided', 'offline-allowed-part');
    pointText(offline.doc, target.pointId, 'title')!.insert(0, 'offline-forbidden-part ');
    const sentBefore = offline.sent.length;
    offline.provider.connect();
    expect(await within(offline.closed, 10_000, 'the forbidden-update close')).toBe(CLOSE.forbiddenUpdate);
    // The edits crossed the wire only inside a sync step 2: the provider sent no update frame.
    const kinds = offline.sent.slice(sentBefore).map(frameKind);
    expect(kinds).toContain('sync-step2');
    expect(kinds).not.toContain('sync-update');
    await barrier('board');
    expect(clocksBesideBarriers('board', watcher.doc)).toEqual(clocksBefore);
    expect(besideBarriers(toBoardJson(watcher.doc))).toEqual(besideBarriers(jsonBefore));
    expect(onlyBarriersSince('board', watcher, receivedBefore), 'an update frame other than the barrier').toBe(true);
    expect(JSON.stringify(toBoardJson(watcher.doc))).not.toMatch(/offline-(allowed|forbidden)-part/);
    offline.destroy();
    offlineOutcome(target, false, 'offline-allowed-part');
  });

  it('PERM2: an allowed offline edit sent inside sync step 2 on reconnect is applied', async () => {
    const target = targets.get('offline-allowed')!;
    const { who, client: offline } = await syncedClient('delegate', T, 'Second offline Russia delegate');
    await goOffline(offline);
    setTPosition(offline.doc, who, target, 'support', 'offline-and-allowed');
    offline.provider.connect();
    await waitFor(
      () => defs["T's position"].landed(watcher.doc, notesWatcher.doc, target, 'offline-and-allowed'),
      'the offline edit',
    );
    expect(offline.closes).toEqual([]);
    offline.destroy();
    offlineOutcome(target, true, 'offline-and-allowed');
  });

  it('PERM4: once the server closed a connection for a forbidden update, later frames on it are not applied', async () => {
    // A client that pipelines frames (or ignores the close) must not get an edit in after
    // the refusal: the connection is closed, "apply nothing" holds for what follows.
    const target = targets.get('pipelined')!;
    const { who, token } = await tokenFor(server, 'delegate', S, 'Pipelining Ukraine delegate');
    const base = new Y.Doc();
    Y.applyUpdate(base, Y.encodeStateAsUpdate(watcher.doc));
    const forbidden = updateOf(base, (d) => pointText(d, target.pointId, 'body')!.insert(0, 'pipelined-forbidden '));
    const allowedAfter = updateOf(base, (d) =>
      setPosition(d, actorOf(who), {
        pointId: target.pointId,
        stakeholderId: S,
        stance: 'oppose',
        rationale: 'sent-after-refusal',
      }),
    );
    base.destroy();
    const jsonBefore = toBoardJson(watcher.doc);
    const raw = openRaw(`${server.wsUrl}/yjs/demo?token=${token}`);
    await raw.opened;
    raw.ws.send(updateFrame(forbidden));
    raw.ws.send(updateFrame(allowedAfter));
    expect((await within(raw.closed, 10_000, 'the close')).code).toBe(CLOSE.forbiddenUpdate);
    await barrier('board');
    const positions = listPositions(watcher.doc).filter((p) => p.rationale === 'sent-after-refusal');
    expect(positions, 'an update sent after the forbidden one was applied').toEqual([]);
    expect(besideBarriers(toBoardJson(watcher.doc))).toEqual(besideBarriers(jsonBefore));
  });

  it("PERM6: an observer cannot claim a writer's next clock values, so the writer's offline edit still arrives", async () => {
    const target = targets.get('gc')!;
    const { client: writer } = await syncedClient('editor', 'us', 'Offline editor');
    pointText(writer.doc, target.pointId, 'body')!.insert(0, 'online-edit ');
    await waitFor(() => stateEquals(writer.doc, watcher.doc), 'the online edit');
    await goOffline(writer);
    const victim = writer.doc.clientID;
    const nextClock = Y.getState(writer.doc.store, victim);
    pointText(writer.doc, target.pointId, 'body')!.insert(0, 'offline-edit-kept ');

    // Meanwhile an observer sends a GC run over the writer's next clock values.
    const { token: observerTok } = await tokenFor(server, 'observer', null, 'Clock squatter');
    const squatter = openRaw(`${server.wsUrl}/yjs/demo?token=${observerTok}`);
    await squatter.opened;
    await waitFor(() => squatter.frames.length > 0, 'the squatter to join');
    squatter.ws.send(updateFrame(gcOnlyUpdate(victim, nextClock, 1000)));
    // Refused (the server has handled it) before the writer comes back.
    expect((await within(squatter.closed, 10_000, "the squatter's refusal")).code).toBe(CLOSE.forbiddenUpdate);
    await barrier('board');
    expect(clocksOf(watcher.doc).get(victim), "the writer's clock on the watcher").toBe(nextClock);

    writer.provider.connect();
    await within(writer.synced, 10_000, 'the writer to resync');
    const body = () => listPoints(watcher.doc).find((p) => p.id === target.pointId)?.body ?? '';
    await waitFor(() => body().includes('offline-edit-kept') || writer.closes.length > 0, "the writer's offline edit");
    expect(writer.closes).toEqual([]);
    expect(body()).toContain('offline-edit-kept');
    writer.destroy();
  });

  it('PERM3: after a restart the store holds every allowed write and none of the refused ones', async () => {
    expect(outcomes.filter((o) => o.write !== "S's private notes" || o.allowed).length).toBeGreaterThan(50);
    // The server's live state equals what the watchers hold.
    const boardBefore = toBoardJson(watcher.doc);
    const notesBefore = notesJson(notesWatcher.doc);
    expect(await serverBoardJson()).toEqual(boardBefore);
    for (const c of clients) c.destroy();
    clients.length = 0;

    const dataDir = server.dataDir;
    expect(await server.stop('SIGTERM')).toBe(0);
    server = await startServer({ dataDir });
    const freshBoard = track(connectRecorded(server.wsUrl, 'demo', { token: observerToken }));
    const { token } = await tokenFor(server, 'delegate', S, 'Ukraine delegate after restart');
    const freshNotes = track(connectRecorded(server.wsUrl, NOTES_DOC, { token }));
    await Promise.all([freshBoard.synced, freshNotes.synced]);
    expect(toBoardJson(freshBoard.doc)).toEqual(boardBefore);
    expect(notesJson(freshNotes.doc)).toEqual(notesBefore);
    expect(await serverBoardJson()).toEqual(boardBefore);
    const wrong = outcomes.filter(
      (o) => defs[o.write].landed(freshBoard.doc, freshNotes.doc, o.target, o.mark) !== o.allowed,
    );
    expect(wrong.map((o) => `${o.role} × ${o.write} (${o.allowed ? 'missing' : 'present'})`)).toEqual([]);
  });
});

// ------------------------------------------------------------------ clock values and client ids

/** An edit made on a replica of `base` under a chosen client id (continuing its clock). */
function updateAs(base: Y.Doc, clientID: number, edit: (doc: Y.Doc) => void): Uint8Array {
  const replica = new Y.Doc();
  Y.applyUpdate(replica, Y.encodeStateAsUpdate(base));
  // Set after loading: Yjs moves a doc off its client id when a remote update writes under it.
  replica.clientID = clientID;
  const updates: Uint8Array[] = [];
  replica.on('update', (u: Uint8Array) => updates.push(u));
  edit(replica);
  replica.destroy();
  return Y.mergeUpdates(updates);
}

/**
 * A server of one's own with an observer watching the board and an editor whose allowed
 * edits serve as barriers. The barrier travels the path an update takes: applied, stored,
 * relayed only after its commit. Commits and relays go in the order updates were applied,
 * so once the watcher has the barrier, it has every update the server applied before it.
 */
async function ownStage() {
  let server = await startServer();
  const clients: RecordedClient[] = [];
  const track = (c: RecordedClient) => (clients.push(c), c);
  const observerToken = (await tokenFor(server, 'observer', null, 'Watcher')).token;
  const watcher = track(connectRecorded(server.wsUrl, 'demo', { token: observerToken }));
  const barrierSender = track(
    connectRecorded(server.wsUrl, 'demo', { token: (await tokenFor(server, 'editor', 'us', 'Barrier')).token }),
  );
  await Promise.all([watcher.synced, barrierSender.synced]);
  const points = listPoints(watcher.doc).map((p) => p.id);
  const barrierPoint = points.at(-1)!;
  let barriers = 0;
  return {
    get server() {
      return server;
    },
    watcher,
    points,
    track,
    barrierClient: () => barrierSender.doc.clientID,
    async barrier(): Promise<void> {
      const mark = `[barrier ${++barriers}]`;
      pointText(barrierSender.doc, barrierPoint, 'body')!.insert(0, `${mark} `);
      await waitFor(
        () => pointText(watcher.doc, barrierPoint, 'body')!.toString().includes(mark),
        `${mark} to reach the watcher`,
      );
    },
    /**
     * Stops the server (SIGTERM: everything queued is stored first), reads the store as it
     * is on disk, restarts on the same data dir and syncs a fresh client.
     */
    async restart(): Promise<{ log: Uint8Array[]; owners: Map<number, string>; fresh: RecordedClient }> {
      for (const c of clients.splice(0)) c.destroy();
      const dataDir = server.dataDir;
      expect(await server.stop('SIGTERM')).toBe(0);
      const storage = new SqliteStorage(dataDir);
      const log = (await storage.loadLog('demo')).updates;
      const owners = await storage.loadClientOwners('demo');
      await storage.close();
      server = await startServer({ dataDir });
      const fresh = track(connectRecorded(server.wsUrl, 'demo', { token: observerToken }));
      await within(fresh.synced, 10_000, 'a fresh client to sync after the restart');
      return { log, owners, fresh };
    },
    async stop(): Promise<void> {
      for (const c of clients.splice(0)) c.destroy();
      await server.stop();
    },
  };
}

/** Opens a raw socket with `token`, sends `frame` once it has joined, and returns the close. */
async function sendRaw(server: RunningServer, token: string, frame: Uint8Array, what: string) {
  const raw = openRaw(`${server.wsUrl}/yjs/demo?token=${token}`);
  await raw.opened;
  await waitFor(() => raw.frames.length > 0, 'the raw client to join');
  raw.ws.send(frame);
  const closed = await within(raw.closed, 10_000, `the server to close the socket that sent ${what}`);
  return { ...closed, frames: raw.frames };
}

describe('clock values and client ids through the real server', () => {
  it('PERM5: an update made only of GC structs (no content) is refused for an observer with 4403, as an update and as a sync step 2, and nothing of it is applied, relayed or stored (also after a restart)', async () => {
    const stage = await ownStage();
    try {
      const { token } = await tokenFor(stage.server, 'observer', null, 'GC observer');
      const before = clocksOf(stage.watcher.doc);
      const receivedBefore = stage.watcher.received.length;
      const strangers = [0x5eed5eed, 0x5eed5eee];
      const asUpdate = await sendRaw(
        stage.server,
        token,
        updateFrame(gcOnlyUpdate(strangers[0]!, 0, 1_000_000)),
        'a GC run as an update',
      );
      const asStep2 = await sendRaw(
        stage.server,
        token,
        syncFrame(SYNC.step2, gcOnlyUpdate(strangers[1]!, 0, 1_000_000)),
        'a GC run as a sync step 2',
      );
      expect(asUpdate.code, 'GC run as an update').toBe(CLOSE.forbiddenUpdate);
      expect(asStep2.code, 'GC run as a sync step 2').toBe(CLOSE.forbiddenUpdate);

      // Anything applied before the barrier would have reached the watcher before it.
      await stage.barrier();
      const after = clocksOf(stage.watcher.doc);
      for (const stranger of strangers) expect(after.get(stranger), 'GC run applied for a new client').toBe(undefined);
      after.delete(stage.barrierClient());
      before.delete(stage.barrierClient());
      expect(after, 'clocks other than the barrier’s moved').toEqual(before);
      const relayed = clientsOf(updatesIn(stage.watcher.received.slice(receivedBefore)));
      expect([...relayed], 'clients in the frames relayed since').toEqual([stage.barrierClient()]);

      const { log, owners, fresh } = await stage.restart();
      const stored = clientsOf(log);
      for (const stranger of strangers) {
        expect(stored.has(stranger), `a stored entry writes under ${stranger}`).toBe(false);
        expect(owners.has(stranger), `an owner was stored for ${stranger}`).toBe(false);
        expect(clocksOf(fresh.doc).get(stranger), 'served after the restart').toBe(undefined);
      }
      // The store itself works: the barriers are there.
      expect(pointText(fresh.doc, stage.points.at(-1)!, 'body')!.toString()).toContain('[barrier 1]');
    } finally {
      await stage.stop();
    }
  });

  it('PERM7: a connection of user B writing under a Yjs client id that user A already wrote under is refused with 4403 (content, sync step 2 or GC run); nothing of it is applied, relayed or stored, and A keeps writing under its id', async () => {
    const stage = await ownStage();
    try {
      const point = stage.points[0]!;
      const bodyOf = (doc: Y.Doc) => pointText(doc, point, 'body')!.toString();
      // User A, an editor, writes under its client id.
      const userA = await tokenFor(stage.server, 'editor', 'us', 'Editor A');
      const a = stage.track(connectRecorded(stage.server.wsUrl, 'demo', { token: userA.token }));
      await a.synced;
      pointText(a.doc, point, 'body')!.insert(0, '[A first] ');
      await waitFor(() => bodyOf(stage.watcher.doc).includes('[A first]'), "A's edit to reach the watcher");
      const victim = a.doc.clientID;
      const clockOfA = Y.getState(a.doc.store, victim);
      expect(clocksOf(stage.watcher.doc).get(victim)).toBe(clockOfA);

      // User B is an editor too, so the content itself would be allowed: only the client id is A's.
      const b = await tokenFor(stage.server, 'editor', 'us', 'Editor B');
      const before = clocksOf(stage.watcher.doc);
      const receivedBefore = stage.watcher.received.length;
      const attempts: [string, Uint8Array][] = [
        [
          'a text edit as an update',
          updateFrame(updateAs(stage.watcher.doc, victim, (d) => pointText(d, point, 'body')!.insert(0, '[B as A] '))),
        ],
        [
          'a text edit as a sync step 2',
          syncFrame(
            SYNC.step2,
            updateAs(stage.watcher.doc, victim, (d) => pointText(d, point, 'body')!.insert(0, '[B as A, step 2] ')),
          ),
        ],
        ['a GC run over A’s next clocks', updateFrame(gcOnlyUpdate(victim, clockOfA, 1000))],
      ];
      for (const [what, frame] of attempts) {
        const closed = await sendRaw(stage.server, b.token, frame, what);
        expect(closed.code, what).toBe(CLOSE.forbiddenUpdate);
        expect(closed.reason, what).toMatch(/client id that is not yours/);
      }

      await stage.barrier();
      expect(bodyOf(stage.watcher.doc)).not.toContain('[B as A');
      const after = clocksOf(stage.watcher.doc);
      after.delete(stage.barrierClient());
      before.delete(stage.barrierClient());
      expect(after, 'clocks other than the barrier’s moved').toEqual(before);
      expect([...clientsOf(updatesIn(stage.watcher.received.slice(receivedBefore)))]).toEqual([stage.barrierClient()]);

      // A goes on writing under its id, at the clocks B tried to take, and is not refused.
      pointText(a.doc, point, 'body')!.insert(0, '[A again] ');
      await waitFor(() => bodyOf(stage.watcher.doc).includes('[A again]'), "A's next edit to reach the watcher");
      expect(a.closes).toEqual([]);
      expect(a.doc.clientID, "A's client id").toBe(victim);

      const { log, owners, fresh } = await stage.restart();
      const storedText = log.flatMap((u) => insertedStrings(u)).join('');
      expect(storedText).not.toContain('[B as A');
      expect(storedText).toContain('[A again]');
      expect(owners.get(victim), 'the stored owner of the client id').toBe(userA.who.userId);
      expect(bodyOf(fresh.doc)).not.toContain('[B as A');
      expect(bodyOf(fresh.doc)).toContain('[A again] [A first] ');
    } finally {
      await stage.stop();
    }
  });
});
