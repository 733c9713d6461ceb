import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  COMMENT,
  LIMITS,
  addCategory,
  addPoint,
  addStakeholder,
  createPlanUndoManager,
  deleteCategory,
  movePoint,
  movePointStep,
  renameCategory,
  restorePoint,
  trashPoint,
  updateMeta,
  THREAD,
  listPoints,
  listThreads,
  openThread,
  pointText,
  positionKey,
  setPosition,
  type Actor,
  type PointId,
  type StakeholderId,
  type ThreadId,
  type UserId,
} from '@parley/shared/model';
import type { Principal, Role } from '@parley/shared/permissions';
import { buildDemoState } from '../../server/src/seed/createDemoBoard.ts';
import { checkBoardChanges } from '../../server/src/collab/guard/boardRules.ts';
import { UPDATE_BOUNDS } from '../../server/src/collab/guard/bounds.ts';
import { decodeV1Strict } from '../../server/src/collab/guard/decodeV1.ts';
import {
  MalformedUpdate,
  OversizedUpdate,
  UnjudgeableUpdate,
  UnresolvableUpdate,
  resolveChanges,
} from '../../server/src/collab/guard/resolveChanges.ts';
import { decodeRaw, encodeRaw, mapEntry, nested } from '../helpers/rawUpdates.ts';

/**
 * The guard judges what Yjs will integrate, not the bytes (GUARD14–GUARD17): overwrites of
 * existing map keys, several values for one key, bounds checked while decoding, and
 * updates Yjs would keep pending. Each case is also applied to a copy of the doc, so the
 * test shows the harm the refusal prevents (or that an allowed update does what it says).
 */
const S = 'ukraine' as StakeholderId;
const T = 'russia' as StakeholderId;

function principal(role: Role, stakeholderId: string | null, userId: string): Principal {
  return {
    userId: userId as UserId,
    name: `Name of ${userId}`,
    role,
    stakeholderId: stakeholderId as StakeholderId | null,
  };
}
const actorOf = (p: Principal): Actor => ({ userId: p.userId, name: p.name, stakeholderId: p.stakeholderId! });

const owner = principal('owner', 'us', 'u-owner');
const editor = principal('editor', 'us', 'u-editor');
const delegateS = principal('delegate', S, 'u-s');
const delegateT = principal('delegate', T, 'u-t');

interface Board {
  readonly server: Y.Doc;
  readonly pointId: PointId;
  /** S's thread, opened by S's delegate, with one comment. */
  readonly threadS: ThreadId;
}

function board(): Board {
  const server = new Y.Doc();
  Y.applyUpdate(server, buildDemoState());
  const pointId = listPoints(server)[0]!.id;
  const threadS = openThread(server, actorOf(delegateS), { pointId, body: 'S speaks first' });
  setPosition(server, actorOf(delegateS), { pointId, stakeholderId: S, stance: 'support', rationale: 'fine' });
  return { server, pointId, threadS };
}

type Outcome = 'allowed' | 'refused' | 'unjudgeable' | 'unresolvable' | 'oversized' | 'malformed';

/** The guard as the server runs it: resolve, then check against the rule table. */
function judge(server: Y.Doc, who: Principal, update: Uint8Array): Outcome {
  try {
    return checkBoardChanges(who, server, resolveChanges(server, update).changes).ok ? 'allowed' : 'refused';
  } catch (err) {
    if (err instanceof UnjudgeableUpdate) return 'unjudgeable';
    if (err instanceof UnresolvableUpdate) return 'unresolvable';
    if (err instanceof OversizedUpdate) return 'oversized';
    if (err instanceof MalformedUpdate) return 'malformed';
    throw err;
  }
}

/** What the board would look like had the server applied the update anyway. */
function appliedCopy(server: Y.Doc, update: Uint8Array): Y.Doc {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(server));
  Y.applyUpdate(copy, update);
  return copy;
}

function replicaOf(server: Y.Doc, clientID?: number): Y.Doc {
  const doc = new Y.Doc();
  if (clientID !== undefined) doc.clientID = clientID;
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(server));
  return doc;
}

function updateOf(server: Y.Doc, doc: Y.Doc, edit: () => void): Uint8Array {
  const before = Y.encodeStateVector(server);
  edit();
  return Y.encodeStateAsUpdate(doc, before);
}

const threadsOf = (doc: Y.Doc) => doc.getMap<Y.Map<unknown>>('threads');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Yjs types are invariant in their event type
const itemOf = (map: Y.AbstractType<any>, key: string) =>
  (map as unknown as { _map: Map<string, Y.Item> })._map.get(key)!;

/** A thread map in T's name, as a hostile delegate of T would write it. */
function forgedThread(pointId: string): Y.Map<unknown> {
  const t = new Y.Map<unknown>();
  t.set(THREAD.pointId, pointId);
  t.set(THREAD.stakeholderId, T);
  t.set(THREAD.createdBy, delegateT.userId);
  t.set(THREAD.createdAt, 1);
  t.set(THREAD.comments, new Y.Array());
  return t;
}

describe('GUARD14: a new value at an existing map key is judged as the delete of the old one', () => {
  it("GUARD14: a delegate may not replace another delegation's thread with the delete set stripped", () => {
    const f = board();
    const hostile = replicaOf(f.server);
    const update = updateOf(f.server, hostile, () => threadsOf(hostile).set(f.threadS, forgedThread(f.pointId)));
    const { structs } = decodeRaw(update);
    const stripped = encodeRaw(structs, []);
    // Without the guard, S's thread and its comment are gone.
    expect(
      listThreads(appliedCopy(f.server, stripped), f.pointId).some((t) => t.id === f.threadS && t.stakeholderId === S),
    ).toBe(false);
    expect(judge(f.server, delegateT, stripped)).toBe('refused');
    expect(judge(f.server, delegateT, update)).toBe('refused');
  });

  it('GUARD14: a fresh doc that never saw the thread, writing under a high client id, may not replace it', () => {
    const f = board();
    const fresh = new Y.Doc();
    fresh.clientID = 2 ** 32 - 5;
    threadsOf(fresh).set(f.threadS, forgedThread(f.pointId));
    const update = Y.encodeStateAsUpdate(fresh);
    expect(listThreads(appliedCopy(f.server, update)).find((t) => t.id === f.threadS)?.stakeholderId).toBe(T);
    expect(judge(f.server, delegateT, update)).toBe('refused');
    expect(judge(f.server, delegateS, update)).toBe('refused');
  });

  it('GUARD14: an insert deleted again in the same update still deletes the thread it lands on', () => {
    const f = board();
    const hostile = replicaOf(f.server);
    const update = updateOf(f.server, hostile, () => threadsOf(hostile).set(f.threadS, forgedThread(f.pointId)));
    const { structs } = decodeRaw(update);
    const old = itemOf(threadsOf(f.server), f.threadS).id;
    const newThread = structs.find((s) => s instanceof Y.Item && s.origin !== null && Y.compareIDs(s.origin, old))!;
    // Only the new value is in the delete set; the old one goes by Yjs' overwrite.
    const hidden = encodeRaw(structs, [{ client: newThread.id.client, clock: newThread.id.clock, len: 1 }]);
    expect(listThreads(appliedCopy(f.server, hidden), f.pointId).some((t) => t.id === f.threadS)).toBe(false);
    expect(judge(f.server, delegateS, hidden)).toBe('refused');
  });

  it("GUARD14: a delegate may not rewrite a comment's author by overwriting the field, but its author may edit the body", () => {
    const f = board();
    const hostile = replicaOf(f.server);
    const comment = (doc: Y.Doc) =>
      (threadsOf(doc).get(f.threadS)!.get(THREAD.comments) as Y.Array<Y.Map<unknown>>).get(0);
    const forged = updateOf(f.server, hostile, () => comment(hostile).set(COMMENT.authorId, delegateT.userId));
    expect(judge(f.server, delegateT, forged)).toBe('refused');
    const author = replicaOf(f.server);
    const edit = updateOf(f.server, author, () => comment(author).set(COMMENT.body, 'S speaks again'));
    expect(judge(f.server, delegateS, edit)).toBe('allowed');
  });

  it("GUARD14: overwriting a stakeholder's position needs that stakeholder's right; its own delegate may", () => {
    const f = board();
    const fresh = new Y.Doc();
    fresh.clientID = 2 ** 31;
    const key = positionKey(f.pointId, S);
    const value = { stance: 'oppose', rationale: '', by: delegateT.userId, byName: delegateT.name, at: 1 };
    fresh.getMap('positions').set(key, value);
    expect(judge(f.server, delegateT, Y.encodeStateAsUpdate(fresh))).toBe('refused');
    const own = replicaOf(f.server);
    const honest = updateOf(f.server, own, () =>
      setPosition(own, actorOf(delegateS), { pointId: f.pointId, stakeholderId: S, stance: 'oppose' }),
    );
    expect(judge(f.server, delegateS, honest)).toBe('allowed');
  });

  it('GUARD14: an editor may replace a point (plan editing), a delegate may not', () => {
    const f = board();
    const fresh = new Y.Doc();
    fresh.clientID = 2 ** 31 + 7;
    fresh.getMap('points').set(f.pointId, new Y.Map());
    const update = Y.encodeStateAsUpdate(fresh);
    expect(judge(f.server, delegateS, update)).toBe('refused');
    expect(judge(f.server, editor, update)).toBe('allowed');
  });
});

describe('GUARD15: one update gives a map key one chain of values, and the last one is judged', () => {
  /** A reply to S's thread whose `field` has two values under two new client ids. */
  function twoValuedReply(f: Board, field: string, first: unknown, second: unknown): Uint8Array {
    const list = itemOf(threadsOf(f.server).get(f.threadS)!, THREAD.comments);
    const a = 3_000_000_001;
    const b = 3_000_000_002;
    const reply = new Y.Item(
      Y.createID(a, 0),
      null,
      (list.content as Y.ContentType).type._start!.lastId,
      null,
      null,
      null,
      null,
      new Y.ContentType(new Y.Map()),
    );
    const fields: Y.Item[] = [];
    const values: Record<string, unknown> = {
      [COMMENT.id]: 'c-forged',
      [COMMENT.authorId]: delegateT.userId,
      [COMMENT.authorName]: delegateT.name,
      [COMMENT.stakeholderId]: T,
      [COMMENT.body]: 'a reply',
      [COMMENT.createdAt]: 1,
    };
    let clock = 1;
    for (const [key, value] of Object.entries(values)) {
      if (key === field) continue;
      fields.push(mapEntry(Y.createID(a, clock++), reply.id, key, new Y.ContentAny([value])));
    }
    fields.push(mapEntry(Y.createID(a, clock++), reply.id, field, new Y.ContentAny([first])));
    const other = mapEntry(Y.createID(b, 0), reply.id, field, new Y.ContentAny([second]));
    return encodeRaw([reply, ...fields, other]);
  }

  it('GUARD15: a reply whose author field has two values under two client ids is refused (Yjs would keep the other one)', () => {
    const f = board();
    const update = twoValuedReply(f, COMMENT.authorId, delegateT.userId, delegateS.userId);
    const copy = appliedCopy(f.server, update);
    const authors = listThreads(copy, f.pointId)
      .find((t) => t.id === f.threadS)!
      .comments.map((c) => c.authorId);
    // Applied, the reply would stand under S's delegate, written by T's.
    expect(authors).toContain(delegateS.userId);
    expect(authors.filter((id) => id === delegateS.userId)).toHaveLength(2);
    expect(judge(f.server, delegateT, update)).toBe('unjudgeable');
  });

  it('GUARD15: a new thread whose stakeholder has two values in one update is refused', () => {
    const f = board();
    const a = 3_100_000_001;
    const holder = mapEntry(Y.createID(a, 0), 'threads', 't-forged', new Y.ContentType(new Y.Map()));
    const fields = [
      mapEntry(Y.createID(a, 1), holder.id, THREAD.pointId, new Y.ContentAny([f.pointId])),
      mapEntry(Y.createID(a, 2), holder.id, THREAD.createdBy, new Y.ContentAny([delegateT.userId])),
      mapEntry(Y.createID(a, 3), holder.id, THREAD.createdAt, new Y.ContentAny([1])),
      mapEntry(Y.createID(a, 4), holder.id, THREAD.comments, new Y.ContentType(new Y.Array())),
      mapEntry(Y.createID(a, 5), holder.id, THREAD.stakeholderId, new Y.ContentAny([T])),
    ];
    const other = mapEntry(Y.createID(a + 1, 0), holder.id, THREAD.stakeholderId, new Y.ContentAny([S]));
    expect(judge(f.server, delegateT, encodeRaw([holder, ...fields, other]))).toBe('unjudgeable');
    // The same thread with one value is T's own, and allowed.
    expect(judge(f.server, delegateT, encodeRaw([holder, ...fields]))).toBe('allowed');
  });

  it("GUARD15: in a map the server has, two values side by side (two tabs' offline edits) are each judged as a write", () => {
    const f = board();
    const key = positionKey(f.pointId, S);
    const current = itemOf(f.server.getMap('positions'), key);
    const value = (stance: string, by: Principal) => ({ stance, rationale: '', by: by.userId, byName: by.name, at: 1 });
    const sideBySide = (second: Principal) =>
      encodeRaw([
        mapEntry(
          Y.createID(3_300_000_001, 0),
          'positions',
          key,
          new Y.ContentAny([value('oppose', delegateS)]),
          current.id,
        ),
        mapEntry(
          Y.createID(3_300_000_002, 0),
          'positions',
          key,
          new Y.ContentAny([value('undecided', second)]),
          current.id,
        ),
      ]);
    expect(judge(f.server, delegateS, sideBySide(delegateS))).toBe('allowed');
    expect(judge(f.server, delegateS, sideBySide(delegateT))).toBe('refused');
  });

  it('GUARD15: a value with a right neighbour under a map key is refused', () => {
    const f = board();
    const old = itemOf(f.server.getMap('positions'), positionKey(f.pointId, S));
    const item = new Y.Item(Y.createID(3_200_000_000, 0), null, null, null, old.id, null, null, new Y.ContentAny([{}]));
    expect(judge(f.server, delegateS, encodeRaw([item]))).toBe('unjudgeable');
  });

  it('GUARD15: a key set twice in one transaction (a chain) is judged by its last value', () => {
    const f = board();
    const key = positionKey(f.pointId, S);
    const valid = { stance: 'support', rationale: '', by: delegateS.userId, byName: delegateS.name, at: 1 };
    const twice = (last: unknown) => {
      const doc = replicaOf(f.server);
      return updateOf(f.server, doc, () =>
        doc.transact(() => {
          doc.getMap('positions').set(key, valid);
          doc.getMap('positions').set(key, last);
        }),
      );
    };
    expect(judge(f.server, delegateS, twice({ ...valid, stance: 'oppose' }))).toBe('allowed');
    expect(judge(f.server, delegateS, twice({ ...valid, by: delegateT.userId }))).toBe('refused');
  });
});

describe('GUARD16: bounds are checked while decoding, before anything is applied', () => {
  const deepValue = (depth: number) => {
    const doc = new Y.Doc();
    doc.getMap('meta').set('deep', nested(depth));
    return Y.encodeStateAsUpdate(doc);
  };

  it(`GUARD16: a value nested deeper than ${UPDATE_BOUNDS.valueDepth} levels is refused, at the bound it is read`, () => {
    const f = board();
    expect(judge(f.server, editor, deepValue(2_000))).toBe('oversized');
    expect(judge(f.server, editor, deepValue(UPDATE_BOUNDS.valueDepth + 1))).toBe('oversized');
    // At the bound the value is read, and judged by the rules (no such meta field).
    expect(() => decodeV1Strict(deepValue(UPDATE_BOUNDS.valueDepth))).not.toThrow();
    expect(judge(f.server, editor, deepValue(UPDATE_BOUNDS.valueDepth))).toBe('refused');
    const json = encodeRaw([
      mapEntry(Y.createID(77, 0), 'meta', 'deep', new Y.ContentJSON([nested(UPDATE_BOUNDS.valueDepth + 1)])),
    ]);
    expect(judge(f.server, editor, json)).toBe('oversized');
  });

  it('GUARD16: a value with a "__proto__" key is refused as malformed', () => {
    const f = board();
    const value = JSON.parse('{"__proto__": {"stance": "support"}}') as object;
    const update = encodeRaw([
      mapEntry(Y.createID(78, 0), 'positions', positionKey(f.pointId, S), new Y.ContentAny([value])),
    ]);
    expect(judge(f.server, delegateS, update)).toBe('malformed');
  });

  it(`GUARD16: more than ${UPDATE_BOUNDS.structs} structs, a run longer than ${UPDATE_BOUNDS.runLength}, or runs summing past ${UPDATE_BOUNDS.totalLength} are refused`, () => {
    const f = board();
    const many = Array.from({ length: UPDATE_BOUNDS.structs + 1 }, (_, i) => new Y.GC(Y.createID(79, i), 1));
    expect(judge(f.server, delegateS, encodeRaw(many))).toBe('oversized');
    expect(judge(f.server, delegateS, encodeRaw([new Y.GC(Y.createID(80, 0), 2 ** 52)]))).toBe('oversized');
    expect(judge(f.server, delegateS, encodeRaw([new Y.GC(Y.createID(80, 0), UPDATE_BOUNDS.runLength + 1)]))).toBe(
      'oversized',
    );
    const runs = Array.from(
      { length: 5 },
      (_, i) => new Y.GC(Y.createID(81, i * UPDATE_BOUNDS.runLength), UPDATE_BOUNDS.runLength),
    );
    expect(judge(f.server, delegateS, encodeRaw(runs))).toBe('oversized');
    // A GC run within bounds is still an ordinary update.
    expect(judge(f.server, delegateS, encodeRaw([new Y.GC(Y.createID(82, 0), 1000)]))).toBe('allowed');
  });

  it(`GUARD16: a point title longer than ${LIMITS.titleLength} characters is refused; shortening one is not`, () => {
    const f = board();
    const doc = replicaOf(f.server);
    const title = pointText(doc, f.pointId, 'title')!;
    const room = LIMITS.titleLength - title.length;
    expect(
      judge(
        f.server,
        editor,
        updateOf(f.server, doc, () => title.insert(0, 'x'.repeat(room + 1))),
      ),
    ).toBe('refused');
    const fits = replicaOf(f.server);
    const fitting = updateOf(f.server, fits, () => pointText(fits, f.pointId, 'title')!.insert(0, 'x'.repeat(room)));
    expect(judge(f.server, editor, fitting)).toBe('allowed');
    Y.applyUpdate(f.server, fitting);
    // Replacing the whole full title in one step is the same length: allowed.
    const again = replicaOf(f.server);
    const t = pointText(again, f.pointId, 'title')!;
    const replace = updateOf(f.server, again, () => {
      t.delete(0, t.length);
      t.insert(0, 'y'.repeat(LIMITS.titleLength));
    });
    expect(judge(f.server, editor, replace)).toBe('allowed');
  });

  it("GUARD16: a comment's author name and a position's byName are the writer's own name", () => {
    const f = board();
    const doc = replicaOf(f.server);
    const other = { userId: delegateS.userId, name: 'Someone Else', stakeholderId: S };
    const update = updateOf(f.server, doc, () =>
      setPosition(doc, other, { pointId: f.pointId, stakeholderId: S, stance: 'undecided' }),
    );
    expect(judge(f.server, delegateS, update)).toBe('refused');
    const reply = replicaOf(f.server);
    const forged = updateOf(f.server, reply, () => openThread(reply, other, { pointId: f.pointId, body: 'hi' }));
    expect(judge(f.server, delegateS, forged)).toBe('refused');
    const honest = replicaOf(f.server);
    const own = updateOf(f.server, honest, () =>
      openThread(honest, actorOf(delegateS), { pointId: f.pointId, body: 'hi' }),
    );
    expect(judge(f.server, delegateS, own)).toBe('allowed');
  });
});

describe('GUARD17: nothing Yjs would keep pending is accepted', () => {
  it('GUARD17: an item whose clock leaves a gap, or that follows a skip, is unresolvable', () => {
    const f = board();
    const doc = replicaOf(f.server, 90);
    const first = updateOf(f.server, doc, () => pointText(doc, f.pointId, 'body')!.insert(0, 'a'));
    Y.applyUpdate(f.server, first);
    const text = updateOf(f.server, doc, () => pointText(doc, f.pointId, 'body')!.insert(0, 'b'));
    const { structs } = decodeRaw(text);
    const item = structs[0] as Y.Item;
    const gap = new Y.Item(
      Y.createID(90, item.id.clock + 5),
      null,
      item.origin,
      null,
      item.rightOrigin,
      null,
      null,
      item.content,
    );
    expect(judge(f.server, editor, encodeRaw([gap]))).toBe('unresolvable');
    const skipped = new Y.Item(
      Y.createID(90, item.id.clock + 3),
      null,
      item.origin,
      null,
      item.rightOrigin,
      null,
      null,
      item.content,
    );
    expect(judge(f.server, editor, encodeRaw([new Y.Skip(Y.createID(90, item.id.clock), 3), skipped]))).toBe(
      'unresolvable',
    );
    expect(judge(f.server, editor, text)).toBe('allowed');
  });

  it('GUARD17: an item referring to a later clock of its own client, or a circle across clients, is unresolvable', () => {
    const f = board();
    const list = itemOf(threadsOf(f.server).get(f.threadS)!, THREAD.comments);
    const parentId = list.id;
    // Client 91's first struct names its own second as its origin.
    const forward = [
      new Y.Item(Y.createID(91, 0), null, Y.createID(91, 1), null, null, null, null, new Y.ContentString('a')),
      new Y.Item(
        Y.createID(91, 1),
        null,
        null,
        null,
        null,
        parentId as unknown as Y.AbstractType<unknown>,
        null,
        new Y.ContentString('b'),
      ),
    ];
    expect(judge(f.server, delegateS, encodeRaw(forward))).toBe('unresolvable');
    const circle = [
      new Y.Item(Y.createID(92, 0), null, Y.createID(93, 0), null, null, null, null, new Y.ContentString('a')),
      new Y.Item(Y.createID(93, 0), null, Y.createID(92, 0), null, null, null, null, new Y.ContentString('b')),
    ];
    expect(judge(f.server, delegateS, encodeRaw(circle))).toBe('unresolvable');
    // Across clients in a line is fine (an offline session spanning two page loads).
    const line = [
      new Y.Item(
        Y.createID(94, 0),
        null,
        null,
        null,
        null,
        parentId as unknown as Y.AbstractType<unknown>,
        null,
        new Y.ContentString('a'),
      ),
      new Y.Item(Y.createID(95, 0), null, Y.createID(94, 0), null, null, null, null, new Y.ContentString('b')),
    ];
    expect(judge(f.server, editor, encodeRaw([line[1]!, line[0]!]))).not.toBe('unresolvable');
  });

  it('GUARD17: a client that appears twice in one update is refused as malformed (Yjs reads only its last run)', () => {
    const f = board();
    const e = new Y.Doc();
    e.clientID = 96;
    e.getMap('meta').set('x', 1);
    const [one] = decodeRaw(Y.encodeStateAsUpdate(e)).structs;
    const twice = encodeRaw([one!, new Y.GC(Y.createID(97, 0), 1), one!]);
    expect(judge(f.server, editor, twice)).toBe('malformed');
  });
});

describe('GUARD18: the plan and the board setup keep the shape every client reads', () => {
  const junk: Record<string, (doc: Y.Doc, f: Board) => void> = {
    'a point that is a number': (d) => d.getMap('points').set('p_junk', 7),
    "a point's title as a plain string": (d, f) =>
      (d.getMap('points').get(f.pointId) as Y.Map<unknown>).set('title', 'x'),
    "a point's body as a map": (d, f) => (d.getMap('points').get(f.pointId) as Y.Map<unknown>).set('body', new Y.Map()),
    "a point's category as a number": (d, f) =>
      (d.getMap('points').get(f.pointId) as Y.Map<unknown>).set('categoryId', 3),
    'an array field on a point': (d, f) =>
      (d.getMap('points').get(f.pointId) as Y.Map<unknown>).set('extra', new Y.Array()),
    'a point id with a colon': (d) => d.getMap('points').set('p:1', new Y.Map()),
    'a category that is a string': (d) => d.getMap('categories').set('c_junk', 'x'),
    'a stakeholder that is a number': (d) => d.getMap('stakeholders').set('osce', 1),
    "a stakeholder's colour that is not #rrggbb": (d) =>
      (d.getMap('stakeholders').get(S) as Y.Map<unknown>).set('color', 'red; background: url(x)'),
    'an unknown board setting': (d) => d.getMap('meta').set('script', 'x'),
    'a description over the limit': (d) =>
      d.getMap('meta').set('description', 'x'.repeat(LIMITS.descriptionLength + 1)),
  };
  for (const [what, write] of Object.entries(junk)) {
    // The owner may change both the plan and the setup: only the shape can refuse it.
    it(`GUARD18: even the owner may not write ${what}`, () => {
      const f = board();
      const doc = replicaOf(f.server);
      expect(
        judge(
          f.server,
          owner,
          updateOf(f.server, doc, () => write(doc, f)),
        ),
      ).toBe('refused');
    });
  }

  it("GUARD18: the editors' own mutations (add, move and retitle a point, categories) and the owner's (stakeholders, settings) are allowed", () => {
    const f = board();
    const doc = replicaOf(f.server);
    const plan = updateOf(f.server, doc, () => {
      const category = addCategory(doc, null, 'A fifth category');
      const point = addPoint(doc, null, { categoryId: category, title: 'A new point', body: 'Its text' });
      movePoint(doc, null, f.pointId, { categoryId: category, index: 0 });
      pointText(doc, point, 'title')!.insert(0, 'Renamed: ');
      renameCategory(doc, null, category, 'Renamed category');
    });
    expect(judge(f.server, editor, plan)).toBe('allowed');
    const setup = replicaOf(f.server);
    const settings = updateOf(f.server, setup, () => {
      addStakeholder(setup, null, { id: 'osce' as StakeholderId, name: 'OSCE', short: 'OSCE', color: '#336699' });
      updateMeta(setup, null, { title: 'A new title', description: 'A new description' });
    });
    expect(judge(f.server, owner, settings)).toBe('allowed');
    // The stakeholder list and the board's settings are the owner's (PRODUCT.md's roles).
    expect(judge(f.server, editor, settings)).toBe('refused');
  });
});

describe('GUARD19: deleting, restoring and moving points as editors do', () => {
  it("GUARD19: an editor's delete, restore, step move, category delete with destination, and their undo and redo are allowed", () => {
    const f = board();
    const doc = replicaOf(f.server, 4242);
    const undo = createPlanUndoManager(doc);
    const steps: (() => void)[] = [
      () => trashPoint(doc, actorOf(editor), f.pointId),
      () => undo.undo(),
      () => undo.redo(),
      () => restorePoint(doc, actorOf(editor), f.pointId),
      () => movePointStep(doc, actorOf(editor), f.pointId, 'down'),
      () => deleteCategory(doc, actorOf(editor), listPoints(doc)[0]!.categoryId, listPoints(doc).at(-1)!.categoryId),
      () => undo.undo(),
      () => undo.redo(),
    ];
    for (const step of steps) {
      const update = updateOf(f.server, doc, step);
      expect(judge(f.server, editor, update)).toBe('allowed');
      Y.applyUpdate(f.server, update);
    }
    undo.destroy();
  });

  it('GUARD19: a delegate may not delete or restore a point; nobody deletes one in another name or with junk', () => {
    const f = board();
    const doc = replicaOf(f.server);
    expect(
      judge(
        f.server,
        delegateS,
        updateOf(f.server, doc, () => trashPoint(doc, actorOf(delegateS), f.pointId)),
      ),
    ).toBe('refused');
    const trashed = replicaOf(f.server);
    Y.applyUpdate(
      f.server,
      updateOf(f.server, trashed, () => trashPoint(trashed, actorOf(editor), f.pointId)),
    );
    const back = replicaOf(f.server);
    expect(
      judge(
        f.server,
        delegateS,
        updateOf(f.server, back, () => restorePoint(back, actorOf(delegateS), f.pointId)),
      ),
    ).toBe('refused');
    const point = (d: Y.Doc) => d.getMap<Y.Map<unknown>>('points').get(listPoints(d)[1]!.id)!;
    const forged = replicaOf(f.server);
    expect(
      judge(
        f.server,
        editor,
        updateOf(f.server, forged, () => {
          point(forged).set('deletedAt', 1);
          point(forged).set('deletedBy', owner.userId);
        }),
      ),
    ).toBe('refused');
    const junk = replicaOf(f.server);
    expect(
      judge(
        f.server,
        owner,
        updateOf(f.server, junk, () => point(junk).set('deletedAt', 'soon')),
      ),
    ).toBe('refused');
  });
});
