import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  COMMENT,
  LIMITS,
  ROOT,
  THREAD,
  createAnchor,
  deleteComment,
  deletePoint,
  deleteThread,
  editComment,
  listPoints,
  listThreads,
  openThread,
  pointText,
  reactionKey,
  replyToThread,
  toggleReaction,
  type Actor,
  type CommentId,
  type PointId,
  type StakeholderId,
  type ThreadId,
  type UserId,
} from '@parley/shared/model';
import type { Principal, Role } from '@parley/shared/permissions';
import { CLOSE } from '@parley/shared/protocol';
import { BoardMembers } from '../../server/src/accounts/BoardMembers.ts';
import type { AccessChange, ChangeOrigin } from '../../server/src/accounts/AccessControl.ts';
import type { MemberView } from '../../server/src/accounts/AccountStore.ts';
import { checkBoardChanges, type Verdict } from '../../server/src/collab/guard/boardRules.ts';
import { resolveChanges } from '../../server/src/collab/guard/resolveChanges.ts';
import { buildDemoState } from '../../server/src/seed/createDemoBoard.ts';
import { carriesUpdate, closeCode, roomHarness, stateBytes, syncUpdateFrame } from '../helpers/room.ts';

const S = 'ukraine' as StakeholderId;
const T = 'russia' as StakeholderId;

function principal(role: Role, stakeholderId: string | null, userId: string): Principal {
  return { userId: userId as UserId, name: userId, role, stakeholderId: stakeholderId as StakeholderId | null };
}
const actorOf = (p: Principal): Actor => ({ userId: p.userId, name: p.name, stakeholderId: p.stakeholderId! });

const owner = principal('owner', 'us', 'u-owner');
const editor = principal('editor', 'us', 'u-editor');
const delegateS = principal('delegate', S, 'u-s');
const delegateT = principal('delegate', T, 'u-t');
const observer = principal('observer', null, 'u-obs');
/** Holds a valid access token, but is no member of the board. */
const outsider = 'u-outsider' as UserId;
const MEMBERS = new Set<string>([owner, editor, delegateS, delegateT, observer].map((p) => p.userId));
const isMember = (userId: string) => MEMBERS.has(userId);

interface Fixture {
  server: Y.Doc;
  pointId: PointId;
  /** A thread opened by S's delegate, with one comment by them. */
  threadS: ThreadId;
  commentS: CommentId;
}

function fixture(): Fixture {
  const server = new Y.Doc();
  Y.applyUpdate(server, buildDemoState());
  const pointId = listPoints(server)[0]!.id;
  const threadS = openThread(server, actorOf(delegateS), { pointId, body: 'First comment by S' });
  const commentS = listThreads(server, pointId).find((t) => t.id === threadS)!.comments[0]!.id;
  return { server, pointId, threadS, commentS };
}

/** The update edits make on a replica of the server doc (several edits: one merged update). */
function updateFor(f: Fixture, ...edits: ((doc: Y.Doc) => void)[]): Uint8Array {
  const replica = new Y.Doc();
  Y.applyUpdate(replica, Y.encodeStateAsUpdate(f.server));
  const updates: Uint8Array[] = [];
  replica.on('update', (u: Uint8Array) => updates.push(u));
  for (const edit of edits) edit(replica);
  replica.destroy();
  return Y.mergeUpdates(updates);
}

/** Runs the guard (with the board's members) on the edits' update; an allowed one is applied. */
function attempt(f: Fixture, who: Principal, ...edits: ((doc: Y.Doc) => void)[]): Verdict {
  const update = updateFor(f, ...edits);
  const verdict = checkBoardChanges(who, f.server, resolveChanges(f.server, update).changes, { isMember });
  if (verdict.ok) Y.applyUpdate(f.server, update);
  return verdict;
}

const refusedWith = (reason: RegExp) => ({ ok: false, reason: expect.stringMatching(reason) });
const threadMap = (doc: Y.Doc, id: string) => doc.getMap<Y.Map<unknown>>(ROOT.threads).get(id)!;
const commentsOf = (doc: Y.Doc, id: string) => threadMap(doc, id).get(THREAD.comments) as Y.Array<Y.Map<unknown>>;

/** A comment map written by hand, as a hostile client could. */
function handComment(p: Principal, id: string, extra: Record<string, unknown> = {}): Y.Map<unknown> {
  const c = new Y.Map<unknown>();
  c.set(COMMENT.id, id);
  c.set(COMMENT.authorId, p.userId);
  c.set(COMMENT.authorName, p.name);
  c.set(COMMENT.stakeholderId, p.stakeholderId);
  c.set(COMMENT.body, 'Hand-written');
  c.set(COMMENT.createdAt, 1);
  for (const [k, v] of Object.entries(extra)) c.set(k, v);
  return c;
}

describe('GUARD20: @mentions name members of the board only', () => {
  it('GUARD20: any writer may mention members, in a reply, a new thread and an edit of their own comment', () => {
    const f = fixture();
    expect(
      attempt(f, delegateT, (d) => replyToThread(d, actorOf(delegateT), f.threadS, '@owner', [owner.userId])),
    ).toEqual({ ok: true });
    expect(
      attempt(f, editor, (d) =>
        openThread(d, actorOf(editor), {
          pointId: f.pointId,
          body: '@S @T',
          mentions: [delegateS.userId, delegateT.userId],
        }),
      ),
    ).toEqual({ ok: true });
    expect(
      attempt(f, delegateS, (d) =>
        editComment(d, actorOf(delegateS), f.threadS, f.commentS, '@obs', [observer.userId]),
      ),
    ).toEqual({ ok: true });
    // Cleared by an edit without them, and by a delete.
    expect(
      attempt(f, delegateS, (d) => editComment(d, actorOf(delegateS), f.threadS, f.commentS, 'nobody', [])),
    ).toEqual({ ok: true });
    expect(attempt(f, delegateS, (d) => deleteComment(d, actorOf(delegateS), f.threadS, f.commentS))).toEqual({
      ok: true,
    });
  });

  it('GUARD20: a mention of a non-member (a token holder, a guessed id) is refused, in a reply, a new thread and an edit', () => {
    const f = fixture();
    const reason = /Only members of the board can be mentioned/;
    expect(
      attempt(f, delegateT, (d) => replyToThread(d, actorOf(delegateT), f.threadS, '@x', [owner.userId, outsider])),
    ).toEqual(refusedWith(reason));
    expect(
      attempt(f, owner, (d) => openThread(d, actorOf(owner), { pointId: f.pointId, body: '@x', mentions: [outsider] })),
    ).toEqual(refusedWith(reason));
    expect(
      attempt(f, delegateS, (d) => editComment(d, actorOf(delegateS), f.threadS, f.commentS, '@x', [outsider])),
    ).toEqual(refusedWith(reason));
    // Without the board's members (no context), nobody can be mentioned.
    const update = updateFor(f, (d) => replyToThread(d, actorOf(delegateT), f.threadS, '@owner', [owner.userId]));
    expect(checkBoardChanges(delegateT, f.server, resolveChanges(f.server, update).changes).ok).toBe(false);
  });

  it('GUARD20: mentions that are not a list of distinct ids within the limit are refused (hand-written comments)', () => {
    const f = fixture();
    const tooMany = [...MEMBERS, ...Array.from({ length: LIMITS.mentionsPerComment }, (_, i) => `u-${i}`)];
    const bad: unknown[] = [
      owner.userId,
      [owner.userId, owner.userId],
      [42],
      { 0: owner.userId },
      tooMany,
      [[owner.userId]],
    ];
    for (const [i, mentions] of bad.entries()) {
      expect(
        attempt(f, delegateT, (d) =>
          commentsOf(d, f.threadS).push([handComment(delegateT, `m-bad-${i}`, { mentions })]),
        ),
        JSON.stringify(mentions),
      ).toEqual(refusedWith(/mentions are distinct user ids|Only members/));
    }
    // As a Y.Array rather than a plain value.
    expect(
      attempt(f, delegateT, (d) => {
        const c = handComment(delegateT, 'm-yarray');
        const list = new Y.Array<string>();
        list.push([owner.userId]);
        c.set(COMMENT.mentions, list);
        commentsOf(d, f.threadS).push([c]);
      }),
    ).toEqual(refusedWith(/mentions are distinct user ids|Malformed comment/));
    expect(
      attempt(f, delegateT, (d) =>
        commentsOf(d, f.threadS).push([handComment(delegateT, 'm-good', { mentions: [owner.userId] })]),
      ),
    ).toEqual({ ok: true });
  });

  it("GUARD20: nobody else may set mentions on someone's comment, not even to members", () => {
    const f = fixture();
    for (const p of [owner, editor, delegateT]) {
      expect(
        attempt(f, p, (d) => commentsOf(d, f.threadS).get(0).set(COMMENT.mentions, [p.userId])),
        p.role,
      ).toEqual(refusedWith(/Only the author can edit or delete a comment/));
    }
    expect(attempt(f, observer, (d) => commentsOf(d, f.threadS).get(0).set(COMMENT.mentions, []))).toEqual(
      refusedWith(/Observers cannot change the board/),
    );
  });
});

describe('GUARD21: an anchor is set once, on a new thread, with its exact shape', () => {
  const anchorOn = (d: Y.Doc, f: Fixture) => {
    const text = pointText(d, f.pointId, 'body')!;
    return createAnchor(text, 0, Math.min(5, text.length), 'body');
  };

  it('GUARD21: a new thread on a span of the text is allowed for every writer', () => {
    for (const p of [owner, editor, delegateS, delegateT]) {
      const f = fixture();
      expect(
        attempt(f, p, (d) => openThread(d, actorOf(p), { pointId: f.pointId, body: 'Here', anchor: anchorOn(d, f) })),
        p.role,
      ).toEqual({ ok: true });
    }
  });

  it('GUARD21: an anchor with extra or missing fields, an unknown field, oversized positions or quote, or as a Y.Map is refused', () => {
    const f = fixture();
    const good = anchorOn(f.server, f);
    const bad: unknown[] = [
      { ...good, extra: 1 },
      { field: good.field, start: good.start, end: good.end },
      { ...good, field: 'rationale' },
      { ...good, start: 'A'.repeat(LIMITS.anchorPositionLength + 1) },
      { ...good, end: 7 },
      { ...good, quote: 'q'.repeat(LIMITS.anchorQuoteLength + 1) },
      'title',
      [good],
    ];
    const reason = /anchor is its field \(title or body\), two short positions and a short quote/;
    for (const anchor of bad) {
      expect(
        attempt(f, delegateS, (d) => {
          const id = openThread(d, actorOf(delegateS), { pointId: f.pointId, body: 'x' });
          threadMap(d, id).set(THREAD.anchor, anchor);
        }),
        JSON.stringify(anchor),
      ).toEqual(refusedWith(reason));
    }
    expect(
      attempt(f, delegateS, (d) => {
        const id = openThread(d, actorOf(delegateS), { pointId: f.pointId, body: 'x' });
        const m = new Y.Map<unknown>();
        for (const [k, v] of Object.entries(good)) m.set(k, v);
        threadMap(d, id).set(THREAD.anchor, m);
      }),
    ).toEqual(refusedWith(new RegExp(`${reason.source}|Malformed thread`)));
  });

  it("GUARD21: an existing thread's anchor cannot be changed, added or removed, even by the owner", () => {
    const f = fixture();
    const anchored = openThread(f.server, actorOf(delegateS), {
      pointId: f.pointId,
      body: 'Anchored',
      anchor: anchorOn(f.server, f),
    });
    const other = anchorOn(f.server, f);
    const reason = /anchor is set when it is opened and cannot change/;
    for (const p of [owner, editor, delegateS]) {
      expect(
        attempt(f, p, (d) => threadMap(d, anchored).set(THREAD.anchor, { ...other, quote: 'moved' })),
        p.role,
      ).toEqual(refusedWith(reason));
      expect(attempt(f, p, (d) => threadMap(d, anchored).delete(THREAD.anchor))).toEqual(refusedWith(reason));
      expect(attempt(f, p, (d) => threadMap(d, f.threadS).set(THREAD.anchor, other))).toEqual(refusedWith(reason));
    }
  });
});

describe('GUARD22: reactions are toggled by their own person, on comments that exist', () => {
  it('GUARD22: every writer toggles their own reaction on and off; observers cannot', () => {
    const f = fixture();
    for (const p of [owner, editor, delegateS, delegateT]) {
      expect(
        attempt(f, p, (d) => toggleReaction(d, actorOf(p), f.threadS, f.commentS, 'heart')),
        p.role,
      ).toEqual({
        ok: true,
      });
      expect(attempt(f, p, (d) => toggleReaction(d, actorOf(p), f.threadS, f.commentS, 'heart'))).toEqual({ ok: true });
    }
    expect(
      attempt(f, observer, (d) =>
        d.getMap(ROOT.reactions).set(reactionKey(f.threadS, f.commentS, 'eyes', observer.userId), 1),
      ),
    ).toEqual(refusedWith(/Observers cannot change the board/));
  });

  it("GUARD22: a reaction under someone else's user id is refused, inserted, deleted, or inserted and deleted in one update", () => {
    const f = fixture();
    const theirs = reactionKey(f.threadS, f.commentS, 'thumbs-up', delegateS.userId);
    expect(attempt(f, delegateT, (d) => d.getMap(ROOT.reactions).set(theirs, 1))).toEqual(
      refusedWith(/react only as yourself/),
    );
    expect(
      attempt(
        f,
        delegateT,
        (d) => d.getMap(ROOT.reactions).set(theirs, 1),
        (d) => d.getMap(ROOT.reactions).delete(theirs),
      ),
    ).toEqual(refusedWith(/react only as yourself/));
    expect(
      attempt(f, delegateS, (d) => toggleReaction(d, actorOf(delegateS), f.threadS, f.commentS, 'thumbs-up')),
    ).toEqual({ ok: true });
    // Not even an editor or the owner takes back someone's reaction while its thread stands.
    for (const p of [delegateT, editor, owner]) {
      expect(
        attempt(f, p, (d) => d.getMap(ROOT.reactions).delete(theirs)),
        p.role,
      ).toEqual(refusedWith(/take back only your own reactions/));
    }
    // Your own, inserted and deleted again in one update (offline), is fine.
    const mine = reactionKey(f.threadS, f.commentS, 'eyes', delegateT.userId);
    expect(
      attempt(
        f,
        delegateT,
        (d) => d.getMap(ROOT.reactions).set(mine, 1),
        (d) => d.getMap(ROOT.reactions).delete(mine),
      ),
    ).toEqual({ ok: true });
  });

  it('GUARD22: malformed keys, nested values, non-numbers and reactions to missing threads or comments are refused', () => {
    const f = fixture();
    const me = delegateT.userId;
    const root = (d: Y.Doc) => d.getMap(ROOT.reactions);
    const malformed = /Malformed reaction/;
    for (const key of [
      `${f.threadS}:${f.commentS}:smile:${me}`,
      `${f.threadS}:${f.commentS}:heart:`,
      `${f.threadS}::heart:${me}`,
      `${f.threadS}:${f.commentS}`,
      me,
    ]) {
      expect(
        attempt(f, delegateT, (d) => root(d).set(key, 1)),
        key,
      ).toEqual(refusedWith(malformed));
    }
    expect(
      attempt(f, delegateT, (d) => {
        const m = new Y.Map<unknown>();
        root(d).set(reactionKey(f.threadS, f.commentS, 'heart', me), m);
        m.set('at', 1);
      }),
    ).toEqual(refusedWith(/Malformed reaction|holds the time it was given/));
    for (const value of ['now', null, { at: 1 }, true]) {
      expect(
        attempt(f, delegateT, (d) => root(d).set(reactionKey(f.threadS, f.commentS, 'heart', me), value)),
        JSON.stringify(value),
      ).toEqual(refusedWith(/holds the time it was given/));
    }
    const missing = /to a comment of a thread on the board/;
    expect(
      attempt(f, delegateT, (d) => root(d).set(reactionKey('t_none' as ThreadId, f.commentS, 'heart', me), 1)),
    ).toEqual(refusedWith(missing));
    expect(
      attempt(f, delegateT, (d) => root(d).set(reactionKey(f.threadS, 'm_none' as CommentId, 'heart', me), 1)),
    ).toEqual(refusedWith(missing));
    // A thread deleted by the same update.
    expect(
      attempt(f, editor, (d) => {
        root(d).set(reactionKey(f.threadS, f.commentS, 'heart', editor.userId), 1);
        d.getMap(ROOT.threads).delete(f.threadS);
      }),
    ).toEqual(refusedWith(missing));
  });

  it('GUARD22: a reaction to a thread and comment created by the same update (offline) is allowed', () => {
    const f = fixture();
    expect(
      attempt(f, delegateT, (d) => {
        const t = openThread(d, actorOf(delegateT), { pointId: f.pointId, body: 'Offline thread' });
        const first = listThreads(d).find((x) => x.id === t)!.comments[0]!.id;
        toggleReaction(d, actorOf(delegateT), t, first, 'celebrate');
        const reply = replyToThread(d, actorOf(delegateT), f.threadS, 'Offline reply');
        toggleReaction(d, actorOf(delegateT), f.threadS, reply, 'eyes');
      }),
    ).toEqual({ ok: true });
  });

  it("GUARD22: an editor deleting a point or a thread takes its reactions along; a delegate cannot purge others'", () => {
    const f = fixture();
    toggleReaction(f.server, actorOf(delegateT), f.threadS, f.commentS, 'heart');
    const second = openThread(f.server, actorOf(delegateS), { pointId: f.pointId, body: 'Second' });
    const secondFirst = listThreads(f.server).find((t) => t.id === second)!.comments[0]!.id;
    toggleReaction(f.server, actorOf(delegateT), second, secondFirst, 'eyes');
    expect(
      attempt(f, delegateS, (d) =>
        d.getMap(ROOT.reactions).delete(reactionKey(second, secondFirst, 'eyes', delegateT.userId)),
      ),
    ).toEqual(refusedWith(/take back only your own reactions/));
    expect(attempt(f, editor, (d) => deleteThread(d, actorOf(editor), second))).toEqual({ ok: true });
    expect(attempt(f, owner, (d) => deletePoint(d, actorOf(owner), f.pointId))).toEqual({ ok: true });
    expect(f.server.getMap(ROOT.reactions).size).toBe(0);
  });
});

describe('GUARD23: the room knows the board members', () => {
  it('GUARD23: a room refuses a reply mentioning a non-member (4403, nothing stored or relayed) and accepts one mentioning a member', async () => {
    const f = fixture();
    const room = await roomHarness(Y.encodeStateAsUpdate(f.server), { isMember });
    try {
      const sender = await room.connect(delegateT);
      const watcher = await room.connect(delegateS);
      const before = stateBytes(room.room.doc);
      const logBefore = (await room.storedLog()).length;
      watcher.sent.length = 0;
      await room.deliver(
        sender,
        syncUpdateFrame(updateFor(f, (d) => replyToThread(d, actorOf(delegateT), f.threadS, '@x', [outsider]))),
      );
      expect(await closeCode(sender)).toBe(CLOSE.forbiddenUpdate);
      expect(stateBytes(room.room.doc)).toEqual(before);
      expect((await room.storedLog()).length).toBe(logBefore);
      expect(watcher.sent.filter(carriesUpdate)).toEqual([]);

      const honest = await room.connect(delegateT);
      await room.deliver(
        honest,
        syncUpdateFrame(updateFor(f, (d) => replyToThread(d, actorOf(delegateT), f.threadS, '@S', [delegateS.userId]))),
      );
      expect(await closeCode(honest, 50)).toBeNull();
      expect(watcher.sent.filter(carriesUpdate)).toHaveLength(1);
      expect(listThreads(room.room.doc).find((t) => t.id === f.threadS)!.comments[1]!.mentions).toEqual([
        delegateS.userId,
      ]);
    } finally {
      await room.close();
    }
  });

  it('GUARD23: BoardMembers reads a board once, answers synchronously, and reads it again on every membership change of that board', async () => {
    const lists = new Map<string, string[]>([
      ['b1', ['u-a']],
      ['b2', ['u-z']],
    ]);
    let reads = 0;
    const accounts = {
      listMembers: async (boardId: string) => {
        reads++;
        return (lists.get(boardId) ?? []).map((userId) => ({ boardId, userId }) as MemberView);
      },
    };
    const listeners: ((c: AccessChange, o: ChangeOrigin) => void)[] = [];
    const access = {
      onChange: (l: (c: AccessChange, o: ChangeOrigin) => void) => {
        listeners.push(l);
        return () => listeners.splice(listeners.indexOf(l), 1);
      },
    };
    const members = new BoardMembers(accounts);
    const stop = members.watch(access, (err) => {
      throw err;
    });
    expect(members.isMember('b1', 'u-a')).toBe(false);
    await members.load('b1');
    await members.load('b1');
    expect(reads).toBe(1);
    expect(members.isMember('b1', 'u-a')).toBe(true);
    expect(members.isMember('b1', 'u-b')).toBe(false);
    lists.set('b1', ['u-a', 'u-b']);
    for (const origin of ['here', 'store', 'peer'] as const) {
      for (const l of listeners) l({ kind: 'membership-changed', boardId: 'b1', userId: 'u-b' }, origin);
    }
    // A board not loaded here is not read; b1 is read again.
    for (const l of listeners) l({ kind: 'membership-changed', boardId: 'b2', userId: 'u-z' }, 'here');
    await new Promise((resolve) => setImmediate(resolve));
    expect(members.isMember('b1', 'u-b')).toBe(true);
    expect(members.isMember('b2', 'u-z')).toBe(false);
    lists.set('b1', ['u-b']);
    await members.refresh('b1');
    expect(members.isMember('b1', 'u-a')).toBe(false);
    members.forget('b1');
    expect(members.isMember('b1', 'u-b')).toBe(false);
    stop();
  });
});
