import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  COMMENT,
  META,
  POINT,
  ROOT,
  THREAD,
  addCategory,
  addStakeholder,
  deletePoint,
  deleteThread,
  editComment,
  deleteComment,
  listPoints,
  listThreads,
  openThread,
  pointText,
  positionKey,
  replyToThread,
  setPosition,
  setThreadResolved,
  type Actor,
  type PointId,
  type StakeholderId,
  type ThreadId,
  type UserId,
} from '@parley/shared/model';
import type { Principal, Role } from '@parley/shared/permissions';
import { CLOSE } from '@parley/shared/protocol';
import { buildDemoState } from '../../server/src/seed/createDemoBoard.ts';
import { checkBoardChanges, type Verdict } from '../../server/src/collab/guard/boardRules.ts';
import { resolveChanges } from '../../server/src/collab/guard/resolveChanges.ts';
import { carriesUpdate, roomHarness, stateBytes, syncUpdateFrame } from '../helpers/room.ts';

const S = 'ukraine' as StakeholderId;
const T = 'russia' as StakeholderId;

function principal(role: Role, stakeholderId: string | null, userId: string): Principal {
  return { userId: userId as UserId, name: userId, role, stakeholderId: stakeholderId as StakeholderId | null };
}
const actorOf = (p: Principal): Actor => ({ userId: p.userId, name: p.name, stakeholderId: p.stakeholderId! });

const owner = principal('owner', 'us', 'u-owner');
const editor = principal('editor', 'us', 'u-editor');
const delegateS = principal('delegate', S, 'u-s');
const delegateS2 = principal('delegate', S, 'u-s2');
const delegateT = principal('delegate', T, 'u-t');
const observer = principal('observer', null, 'u-obs');

interface Fixture {
  server: Y.Doc;
  pointId: PointId;
  /** A thread opened by S's first delegate, with one comment by them. */
  threadS: ThreadId;
  commentS: string;
}

function fixture(): Fixture {
  const server = new Y.Doc();
  Y.applyUpdate(server, buildDemoState());
  const pointId = listPoints(server)[0]!.id;
  const threadS = openThread(server, actorOf(delegateS), { pointId, body: 'First comment by S' });
  const commentS = listThreads(server, pointId)[0]!.comments[0]!.id;
  return { server, pointId, threadS, commentS };
}

/** The update an edit makes on a replica of the server doc. */
function updateFor(f: Fixture, edit: (doc: Y.Doc) => void): Uint8Array {
  const replica = new Y.Doc();
  Y.applyUpdate(replica, Y.encodeStateAsUpdate(f.server));
  const updates: Uint8Array[] = [];
  replica.on('update', (u: Uint8Array) => updates.push(u));
  edit(replica);
  replica.destroy();
  return Y.mergeUpdates(updates);
}

/**
 * Makes the edit on a replica of the server doc and runs the guard on the resulting update;
 * an allowed update is applied to the fixture's doc, so later attempts build on it. (That
 * a refused update reaches no doc is the server's part: GUARD1 checks it on the room.)
 */
function attempt(f: Fixture, who: Principal, edit: (doc: Y.Doc) => void): Verdict {
  const update = updateFor(f, edit);
  const verdict = checkBoardChanges(who, f.server, resolveChanges(f.server, update).changes);
  if (verdict.ok) Y.applyUpdate(f.server, update);
  return verdict;
}

type Write = (f: Fixture, who: Principal) => (doc: Y.Doc) => void;

const writes: Record<string, Write> = {
  'point text': (f) => (doc) => pointText(doc, f.pointId, 'body')!.insert(0, 'New words. '),
  category: () => (doc) => void addCategory(doc, null, 'A fifth category'),
  'stakeholder list': () => (doc) =>
    void addStakeholder(doc, null, { id: 'osce' as StakeholderId, name: 'OSCE', short: 'OSCE', color: '#333333' }),
  "S's position": (f, who) => (doc) =>
    setPosition(doc, actorOf(who), { pointId: f.pointId, stakeholderId: S, stance: 'support', rationale: 'ok' }),
  "T's position": (f, who) => (doc) =>
    setPosition(doc, actorOf(who), { pointId: f.pointId, stakeholderId: T, stance: 'oppose' }),
  'a new comment as self': (f, who) => (doc) => void replyToThread(doc, actorOf(who), f.threadS, 'A reply'),
  'a comment claiming another author': (f, who) => (doc) =>
    void replyToThread(doc, { ...actorOf(who), userId: delegateS.userId }, f.threadS, 'Pretending to be S'),
  "editing another's comment": (f) => (doc) => {
    // Written directly: the model itself refuses non-authors, a hand-crafted client does not.
    const thread = doc.getMap<Y.Map<unknown>>('threads').get(f.threadS)!;
    const first = (thread.get('comments') as Y.Array<Y.Map<unknown>>).get(0);
    first.set(COMMENT.body, 'Rewritten by someone else');
  },
  'deleting a thread': (f) => (doc) => deleteThread(doc, null, f.threadS),
  'resolving a thread': (f, who) => (doc) => setThreadResolved(doc, actorOf(who), f.threadS, true),
};

// The expected outcome per role: PRODUCT.md's roles, as the rule table encodes them.
const matrix: Record<string, Record<string, boolean>> = {
  owner: {
    'point text': true,
    category: true,
    'stakeholder list': true,
    "S's position": true,
    "T's position": true,
    'a new comment as self': true,
    'a comment claiming another author': false,
    "editing another's comment": false,
    'deleting a thread': true,
    'resolving a thread': true,
  },
  editor: {
    'point text': true,
    category: true,
    'stakeholder list': false,
    "S's position": false,
    "T's position": false,
    'a new comment as self': true,
    'a comment claiming another author': false,
    "editing another's comment": false,
    'deleting a thread': true,
    'resolving a thread': true,
  },
  'delegate of S': {
    'point text': false,
    category: false,
    'stakeholder list': false,
    "S's position": true,
    "T's position": false,
    'a new comment as self': true,
    'a comment claiming another author': false,
    "editing another's comment": false,
    'deleting a thread': false,
    'resolving a thread': true,
  },
  'delegate of T': {
    'point text': false,
    category: false,
    'stakeholder list': false,
    "S's position": false,
    "T's position": true,
    'a new comment as self': true,
    'a comment claiming another author': false,
    "editing another's comment": false,
    'deleting a thread': false,
    'resolving a thread': false,
  },
  observer: Object.fromEntries(Object.keys(writes).map((w) => [w, false])),
};
const who: Record<string, Principal> = {
  owner,
  editor,
  'delegate of S': delegateS2, // a second delegate of S, so "another's comment" is S's first delegate's
  'delegate of T': delegateT,
  observer,
};

/**
 * The guard's judgement of an update: refused by the rules, or not even resolvable (which
 * the server refuses too), or allowed.
 */
function judge(f: Fixture, p: Principal, update: Uint8Array): 'allowed' | 'refused' | 'unresolvable' {
  let changes;
  try {
    changes = resolveChanges(f.server, update).changes;
  } catch {
    return 'unresolvable';
  }
  return checkBoardChanges(p, f.server, changes).ok ? 'allowed' : 'refused';
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Yjs types differ in their event type parameter
type MakeXml = () => Y.AbstractType<any>;

const XML_KINDS: Record<string, MakeXml> = {
  'Y.XmlFragment': () => new Y.XmlFragment(),
  'Y.XmlElement': () => new Y.XmlElement('p'),
  'Y.XmlText': () => new Y.XmlText('xml text'),
  'Y.XmlHook': () => new Y.XmlHook('hook'),
};

/** A comment map written by hand, as a hostile client could, with `body` as given. */
function commentWithBody(p: Principal, body: unknown): Y.Map<unknown> {
  const c = new Y.Map<unknown>();
  c.set(COMMENT.id, 'c-xml');
  c.set(COMMENT.authorId, p.userId);
  c.set(COMMENT.authorName, p.name);
  c.set(COMMENT.stakeholderId, p.stakeholderId);
  c.set(COMMENT.body, body);
  c.set(COMMENT.createdAt, Date.now());
  return c;
}

/**
 * Places an XML type can be put: at a root (a new one, or as an element of a known root,
 * which a doc where that root is an XML fragment writes), and inside the places each role
 * may otherwise write (plan and setup for owner and editor, positions for delegates and the
 * owner, comments for everyone but observers).
 */
const XML_PLACES: Record<string, (f: Fixture, p: Principal, make: MakeXml) => Uint8Array> = {
  'a new root (map entry)': (f, _p, make) => updateFor(f, (d) => d.getMap('prose').set('x', make())),
  'a new XML root': (f, _p, make) => updateFor(f, (d) => d.getXmlFragment('prose').insert(0, [make() as Y.XmlElement])),
  ...Object.fromEntries(
    Object.values(ROOT).map((root) => [
      `an element of the ${root} root`,
      (_f: Fixture, _p: Principal, make: MakeXml) => {
        // A client whose ${root} is an XML fragment: its children name the root, no key.
        const other = new Y.Doc();
        other.getXmlFragment(root).insert(0, [make() as Y.XmlElement]);
        return Y.encodeStateAsUpdate(other);
      },
    ]),
  ),
  'a new entry of the points root': (f, _p, make) => updateFor(f, (d) => d.getMap(ROOT.points).set('p_xml', make())),
  "a point's fields": (f, _p, make) =>
    updateFor(f, (d) => (d.getMap(ROOT.points).get(f.pointId) as Y.Map<unknown>).set('extra', make())),
  "a point's title": (f, _p, make) =>
    updateFor(f, (d) => (d.getMap(ROOT.points).get(f.pointId) as Y.Map<unknown>).set(POINT.title, make())),
  "a point's body, embedded in its text": (f, _p, make) =>
    updateFor(f, (d) => pointText(d, f.pointId, 'body')!.insertEmbed(0, make())),
  'the meta map': (f, _p, make) => updateFor(f, (d) => d.getMap(ROOT.meta).set(META.description, make())),
  'the stakeholder list': (f, _p, make) => updateFor(f, (d) => d.getMap(ROOT.stakeholders).set('xml', make())),
  'the categories': (f, _p, make) => updateFor(f, (d) => d.getMap(ROOT.categories).set('c_xml', make())),
  "the principal's stakeholder's position": (f, p, make) =>
    updateFor(f, (d) =>
      d.getMap(ROOT.positions).set(positionKey(f.pointId, (p.stakeholderId ?? S) as StakeholderId), make()),
    ),
  'a new thread': (f, _p, make) => updateFor(f, (d) => d.getMap(ROOT.threads).set('t_xml', make())),
  "a thread's comment list": (f, _p, make) =>
    updateFor(f, (d) =>
      ((d.getMap(ROOT.threads).get(f.threadS) as Y.Map<unknown>).get(THREAD.comments) as Y.Array<unknown>).push([
        make(),
      ]),
    ),
  "a new comment's body": (f, p, make) =>
    updateFor(f, (d) =>
      ((d.getMap(ROOT.threads).get(f.threadS) as Y.Map<unknown>).get(THREAD.comments) as Y.Array<unknown>).push([
        commentWithBody(p, make()),
      ]),
    ),
  "a thread's resolution": (f, _p, make) =>
    updateFor(f, (d) => (d.getMap(ROOT.threads).get(f.threadS) as Y.Map<unknown>).set(THREAD.resolved, make())),
};

const watcherPrincipal = principal('observer', null, 'u-watcher');

describe('update guard: the permission matrix on raw Yjs updates', () => {
  for (const [role, expectations] of Object.entries(matrix)) {
    for (const [write, allowed] of Object.entries(expectations)) {
      it(`GUARD1: ${role} × ${write} → ${allowed ? 'allowed' : 'refused'}`, async () => {
        const f = fixture();
        const principalOf = who[role]!;
        const update = updateFor(f, writes[write]!(f, principalOf));
        // The guard's verdict on the raw update.
        const verdict = checkBoardChanges(principalOf, f.server, resolveChanges(f.server, update).changes);
        expect(verdict.ok, verdict.ok ? '' : verdict.reason).toBe(allowed);

        // The same update through the server's own path: a room holding that state, the
        // update sent by a connection of the principal, another connection watching.
        const room = await roomHarness(Y.encodeStateAsUpdate(f.server));
        try {
          const writer = await room.connect(principalOf);
          const watcher = await room.connect(watcherPrincipal);
          const before = stateBytes(room.room.doc);
          const logBefore = (await room.storedLog()).length;
          // Applied, the update would change the doc, so "unchanged" below means refused.
          const wouldBe = new Y.Doc();
          Y.applyUpdate(wouldBe, before);
          Y.applyUpdate(wouldBe, update);
          expect(stateBytes(wouldBe).equals(before), 'the update changes nothing').toBe(false);
          const watcherSeen = watcher.sent.length;

          await room.deliver(writer, syncUpdateFrame(update));
          const relayed = watcher.sent.slice(watcherSeen).filter(carriesUpdate);
          if (allowed) {
            expect(Y.equalSnapshots(Y.snapshot(room.room.doc), Y.snapshot(wouldBe)), 'applied').toBe(true);
            expect((await room.storedLog()).length, 'stored').toBe(logBefore + 1);
            expect(relayed, 'relayed').toHaveLength(1);
            expect(writer.conn.isOpen).toBe(true);
          } else {
            expect((await writer.closed).code).toBe(CLOSE.forbiddenUpdate);
            expect(stateBytes(room.room.doc).equals(before), 'the room doc changed').toBe(true);
            expect((await room.storedLog()).length, 'stored').toBe(logBefore);
            expect(relayed, 'relayed').toEqual([]);
          }
          wouldBe.destroy();
        } finally {
          await room.close();
        }
      });
    }
  }
});

describe('update guard: details', () => {
  it('GUARD2: the author may edit and soft-delete their own comment', () => {
    const f = fixture();
    const thread = f.threadS;
    expect(
      attempt(f, delegateS, (d) => editComment(d, actorOf(delegateS), thread, f.commentS as never, 'Edited')),
    ).toEqual({ ok: true });
    expect(attempt(f, delegateS, (d) => deleteComment(d, actorOf(delegateS), thread, f.commentS as never))).toEqual({
      ok: true,
    });
    expect(listThreads(f.server, f.pointId)[0]!.comments[0]!.deleted).toBe(true);
  });

  it('GUARD3: an editor deleting a point also deletes its positions and threads', () => {
    const f = fixture();
    expect(
      attempt(f, delegateS, (d) =>
        setPosition(d, actorOf(delegateS), { pointId: f.pointId, stakeholderId: S, stance: 'oppose' }),
      ).ok,
    ).toBe(true);
    expect(attempt(f, editor, (d) => deletePoint(d, null, f.pointId))).toEqual({ ok: true });
    expect(f.server.getMap('positions').has(positionKey(f.pointId, S))).toBe(false);
  });

  it('GUARD4: a hard delete of a comment, a forged resolver and a position in the wrong shape are refused', () => {
    const f = fixture();
    const comments = (d: Y.Doc) =>
      d.getMap<Y.Map<unknown>>('threads').get(f.threadS)!.get('comments') as Y.Array<unknown>;
    expect(attempt(f, delegateS, (d) => comments(d).delete(0, 1)).ok).toBe(false);
    expect(
      attempt(f, delegateS, (d) =>
        d.getMap<Y.Map<unknown>>('threads').get(f.threadS)!.set('resolvedBy', 'u-someone-else'),
      ).ok,
    ).toBe(false);
    expect(attempt(f, delegateS, (d) => d.getMap('positions').set(positionKey(f.pointId, S), new Y.Map())).ok).toBe(
      false,
    );
    expect(
      attempt(f, delegateS, (d) =>
        d.getMap('positions').set(positionKey(f.pointId, S), { stance: 'maybe', rationale: '', by: delegateS.userId }),
      ).ok,
    ).toBe(false);
    expect(
      attempt(f, delegateS, (d) =>
        d
          .getMap('positions')
          .set(positionKey(f.pointId, S), { stance: 'support', rationale: '', by: delegateT.userId }),
      ).ok,
    ).toBe(false);
  });

  it("GUARD5: a delegate may not open a thread in another stakeholder's name", () => {
    const f = fixture();
    expect(
      attempt(f, delegateS, (d) =>
        openThread(d, actorOf(delegateS), { pointId: f.pointId, body: 'x', stakeholderId: T }),
      ).ok,
    ).toBe(false);
    expect(attempt(f, delegateS, (d) => openThread(d, actorOf(delegateS), { pointId: f.pointId, body: 'x' })).ok).toBe(
      true,
    );
  });

  it('GUARD6: unknown roots and subdocuments are refused even for the owner', () => {
    const f = fixture();
    expect(attempt(f, owner, (d) => d.getMap('secret').set('x', 1)).ok).toBe(false);
    expect(attempt(f, owner, (d) => d.getMap('meta').set('sub', new Y.Doc())).ok).toBe(false);
  });

  for (const [role, p] of Object.entries(who)) {
    for (const [kind, make] of Object.entries(XML_KINDS)) {
      it(`GUARD6: ${role} × ${kind} at roots and inside places the role may write → refused`, () => {
        const accepted = Object.entries(XML_PLACES)
          .filter(([, put]) => {
            const f = fixture();
            return judge(f, p, put(f, p, make)) === 'allowed';
          })
          .map(([place]) => place);
        expect(accepted, `${kind} accepted from ${role} in`).toEqual([]);
      });
    }
  }

  it('GUARD7: an update that depends on state the server does not have is unresolvable', () => {
    const f = fixture();
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(f.server));
    const hidden: Uint8Array[] = [];
    other.on('update', (u: Uint8Array) => hidden.push(u));
    pointText(other, f.pointId, 'body')!.insert(0, 'never sent ');
    const sv = Y.encodeStateVector(other);
    pointText(other, f.pointId, 'body')!.insert(3, 'depends on the unsent edit');
    const dependent = Y.encodeStateAsUpdate(other, sv);
    expect(() => resolveChanges(f.server, dependent)).toThrow(/gap|not found/);
  });

  it('GUARD11: an update nesting types deeper than any board (500 maps) is refused as too deep', () => {
    const f = fixture();
    const replica = new Y.Doc();
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(f.server));
    const sv = Y.encodeStateVector(f.server);
    replica.transact(() => {
      let map = replica.getMap<unknown>('threads');
      for (let i = 0; i < 500; i++) {
        const inner = new Y.Map<unknown>();
        map.set('k', inner);
        map = inner;
      }
    });
    expect(() => resolveChanges(f.server, Y.encodeStateAsUpdate(replica, sv))).toThrow(/nesting too deep/);
    replica.destroy();
  });

  it('GUARD8: an offline session replayed in one sync step 2 (create, edit, delete, set a position) is judged as a whole, for the right principal only', () => {
    const f = fixture();
    const replica = new Y.Doc();
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(f.server));
    const sv = Y.encodeStateVector(f.server);
    const actor = actorOf(delegateS2);
    // Create a thread, edit its first comment, reply and delete the reply, set S's position.
    const tid = openThread(replica, actor, { pointId: f.pointId, body: 'offline draft' });
    const first = listThreads(replica).find((t) => t.id === tid)!.comments[0]!.id;
    editComment(replica, actor, tid, first, 'offline final');
    const reply = replyToThread(replica, actor, tid, 'offline reply, then deleted');
    deleteComment(replica, actor, tid, reply);
    setPosition(replica, actor, { pointId: f.pointId, stakeholderId: S, stance: 'undecided' });
    const step2 = Y.encodeStateAsUpdate(replica, sv);
    const verdictFor = (p: Principal, update: Uint8Array) =>
      checkBoardChanges(p, f.server, resolveChanges(f.server, update).changes);
    expect(verdictFor(delegateS2, step2)).toEqual({ ok: true });
    // The same session from another principal: S's position is not T's delegate's to set.
    expect(verdictFor(delegateT, step2).ok).toBe(false);
    // As a whole: the session plus one forbidden change (plan text) is refused, allowed parts and all.
    pointText(replica, f.pointId, 'body')!.insert(0, 'not a delegate’s to write ');
    expect(verdictFor(delegateS2, Y.encodeStateAsUpdate(replica, sv)).ok).toBe(false);
    // Applied, the allowed session holds what was done offline, the deleted reply included.
    Y.applyUpdate(f.server, step2);
    const thread = listThreads(f.server).find((t) => t.id === tid)!;
    expect(thread.comments.map((c) => [c.body, c.deleted === true])).toEqual([
      ['offline final', false],
      ['', true],
    ]);
    expect(f.server.getMap('positions').has(positionKey(f.pointId, S))).toBe(true);
    replica.destroy();
  });
  it('GUARD12: a new comment may not reuse an id already in its thread, nor one another new comment of the update uses', () => {
    const f = fixture();
    /** A reply written by hand, as a hostile or broken client could, with a chosen id. */
    const replyWithId = (d: Y.Doc, threadId: ThreadId, id: string) => {
      const c = new Y.Map<unknown>();
      c.set(COMMENT.id, id);
      c.set(COMMENT.authorId, delegateT.userId);
      c.set(COMMENT.authorName, delegateT.name);
      c.set(COMMENT.stakeholderId, T);
      c.set(COMMENT.body, `a reply with id ${id}`);
      c.set(COMMENT.createdAt, Date.now());
      (d.getMap<Y.Map<unknown>>('threads').get(threadId)!.get('comments') as Y.Array<unknown>).push([c]);
    };
    const refused = { ok: false, reason: 'A comment with this id is already in the thread.' };
    expect(attempt(f, delegateT, (d) => replyWithId(d, f.threadS, f.commentS))).toEqual(refused);
    expect(
      attempt(f, delegateT, (d) => {
        replyWithId(d, f.threadS, 'c-twice');
        replyWithId(d, f.threadS, 'c-twice');
      }),
    ).toEqual(refused);
    expect(attempt(f, delegateT, (d) => replyWithId(d, f.threadS, 'c-fresh'))).toEqual({ ok: true });
    expect(attempt(f, delegateT, (d) => replyWithId(d, f.threadS, 'c-fresh'))).toEqual(refused);
    // An update checked but never applied leaves its ids free.
    const replica = new Y.Doc();
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(f.server));
    const sv = Y.encodeStateVector(f.server);
    replyWithId(replica, f.threadS, 'c-checked-only');
    const unapplied = resolveChanges(f.server, Y.encodeStateAsUpdate(replica, sv)).changes;
    expect(checkBoardChanges(delegateT, f.server, unapplied)).toEqual({ ok: true });
    expect(attempt(f, delegateT, (d) => replyWithId(d, f.threadS, 'c-checked-only'))).toEqual({ ok: true });
    // Unique within a thread: another thread may hold the same id.
    const otherThread = openThread(f.server, actorOf(delegateT), { pointId: f.pointId, body: 'T opens' });
    expect(attempt(f, delegateT, (d) => replyWithId(d, otherThread, f.commentS))).toEqual({ ok: true });
    // A new thread's own comments are checked among themselves.
    expect(
      attempt(f, delegateT, (d) => {
        const tid = openThread(d, actorOf(delegateT), { pointId: f.pointId, body: 'first' });
        const first = listThreads(d).find((t) => t.id === tid)!.comments[0]!.id;
        replyWithId(d, tid, first);
      }),
    ).toEqual(refused);
    expect(listThreads(f.server, f.pointId).find((t) => t.id === f.threadS)!.comments).toHaveLength(3);
  });

  it('GUARD9: an offline session of hundreds of separate edits in one place (replies in one thread, inserts at the start of a text) is resolved, not held as unresolvable', () => {
    const f = fixture();
    const replica = new Y.Doc();
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(f.server));
    const sv = Y.encodeStateVector(f.server);
    const tid = openThread(replica, actorOf(delegateS2), { pointId: f.pointId, body: 'offline thread' });
    for (let i = 0; i < 300; i++) replyToThread(replica, actorOf(delegateS2), tid, `reply ${i}`);
    const step2 = Y.encodeStateAsUpdate(replica, sv);
    const resolved = resolveChanges(f.server, step2);
    expect(checkBoardChanges(delegateS2, f.server, resolved.changes)).toEqual({ ok: true });
    expect(checkBoardChanges(observer, f.server, resolved.changes).ok).toBe(false);
  });
});
