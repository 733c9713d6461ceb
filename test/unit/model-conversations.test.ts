import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type * as Y from 'yjs';
import {
  COMMENT,
  LIMITS,
  LiveBoardView,
  REACTIONS,
  ROOT,
  createAnchor,
  deleteComment,
  deleteOrphans,
  deletePoint,
  deleteThread,
  editComment,
  listThreads,
  openThread,
  orphansOf,
  parseReactionKey,
  pointText,
  reactionKey,
  replyToThread,
  resolveAnchor,
  toBoardJson,
  toggleReaction,
  trashPoint,
  type CommentId,
  type Reaction,
  type ThreadId,
  type UserId,
} from '@parley/shared/model';
import type { DocRoom } from '../../server/src/collab/room/DocRoom.ts';
import { TrashPurger, type PurgeSet } from '../../server/src/collab/room/TrashPurger.ts';
import { ann, bob, exchange, expectConverged, expectRefused, replica, rng, seededBoard } from './helpers.ts';

const carol = 'u-carol' as UserId;
const dan = 'u-dan' as UserId;

let clock = 1_000;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  clock = 1_000;
  vi.setSystemTime(clock);
});
afterEach(() => {
  vi.useRealTimers();
});
const tick = () => vi.setSystemTime((clock += 1_000));

function board() {
  const s = seededBoard(100);
  const pointId = s.points[0]![0]!;
  const threadId = openThread(s.doc, ann, { pointId, body: 'What about costs?' });
  const first = listThreads(s.doc)[0]!.comments[0]!.id;
  return { ...s, pointId, threadId, first };
}

const thread = (doc: Y.Doc, id: ThreadId) => listThreads(doc).find((t) => t.id === id)!;
const commentMap = (doc: Y.Doc, threadId: ThreadId) =>
  (doc.getMap(ROOT.threads).get(threadId) as Y.Map<unknown>).get('comments') as Y.Array<Y.Map<unknown>>;

describe('TALK1: @mentions are stored with the comment, as user ids', () => {
  it('TALK1: openThread, replyToThread and editComment store mentions; the views read them', () => {
    const { doc, pointId } = board();
    const t = openThread(doc, ann, { pointId, body: '@Bob @Carol look', mentions: [bob.userId, carol] });
    expect(thread(doc, t).comments[0]!.mentions).toEqual([bob.userId, carol]);
    const reply = replyToThread(doc, bob, t, '@Ann yes', [ann.userId]);
    expect(thread(doc, t).comments[1]!.mentions).toEqual([ann.userId]);
    editComment(doc, bob, t, reply, '@Ann and @Dan', [ann.userId, dan]);
    expect(thread(doc, t).comments[1]!.mentions).toEqual([ann.userId, dan]);
    expect(toBoardJson(doc).threads.find((x) => x.id === t)!.comments[1]!.mentions).toEqual([ann.userId, dan]);
  });

  it('TALK1: a comment without mentions holds no mentions field, and an edit without them adds none', () => {
    const { doc, threadId, first } = board();
    const map = commentMap(doc, threadId).get(0);
    expect(map.has(COMMENT.mentions)).toBe(false);
    editComment(doc, ann, threadId, first, 'Costs, again');
    expect(map.has(COMMENT.mentions)).toBe(false);
    expect(thread(doc, threadId).comments[0]!.mentions).toEqual([]);
  });

  it('TALK1: editing a comment that had mentions rewrites them: [] (or none given) clears them', () => {
    const { doc, pointId } = board();
    const t = openThread(doc, ann, { pointId, body: '@Bob', mentions: [bob.userId] });
    const id = thread(doc, t).comments[0]!.id;
    editComment(doc, ann, t, id, 'Nobody', []);
    expect(thread(doc, t).comments[0]!.mentions).toEqual([]);
    editComment(doc, ann, t, id, '@Bob again', [bob.userId]);
    editComment(doc, ann, t, id, 'Body only');
    expect(thread(doc, t).comments[0]!.mentions).toEqual([]);
  });

  it('TALK1: deleting a comment clears its mentions', () => {
    const { doc, pointId } = board();
    const t = openThread(doc, ann, { pointId, body: '@Bob', mentions: [bob.userId] });
    const id = thread(doc, t).comments[0]!.id;
    deleteComment(doc, ann, t, id);
    expect(commentMap(doc, t).get(0).get(COMMENT.mentions)).toEqual([]);
    expect(thread(doc, t).comments[0]!.mentions).toEqual([]);
  });

  it('TALK1: repeated ids, more than the limit or non-strings are refused before anything is written', () => {
    const { doc, pointId, threadId, first } = board();
    const many = Array.from({ length: LIMITS.mentionsPerComment + 1 }, (_, i) => `u-${i}` as UserId);
    const exactly = many.slice(0, LIMITS.mentionsPerComment);
    for (const bad of [[bob.userId, bob.userId], many, ['' as UserId], [42 as unknown as UserId]]) {
      expectRefused(doc, () => openThread(doc, ann, { pointId, body: 'x', mentions: bad }), 'invalid');
      expectRefused(doc, () => replyToThread(doc, ann, threadId, 'x', bad), 'invalid');
      expectRefused(doc, () => editComment(doc, ann, threadId, first, 'x', bad), 'invalid');
    }
    const t = openThread(doc, ann, { pointId, body: 'many', mentions: exactly });
    expect(thread(doc, t).comments[0]!.mentions).toHaveLength(LIMITS.mentionsPerComment);
  });
});

describe('TALK2: reactions: one key per person, comment and reaction', () => {
  it('TALK2: reactionKey and parseReactionKey agree; malformed keys parse to null', () => {
    const key = reactionKey('t_1' as ThreadId, 'm_1' as CommentId, 'thumbs-up', 'u:with:colons' as UserId);
    expect(key).toBe('t_1:m_1:thumbs-up:u:with:colons');
    expect(parseReactionKey(key)).toEqual({
      threadId: 't_1',
      commentId: 'm_1',
      reaction: 'thumbs-up',
      userId: 'u:with:colons',
    });
    for (const bad of ['', 't:m:heart', 't:m:heart:', ':m:heart:u', 't::heart:u', 't:m::u', 't:m:smile:u', 't:m']) {
      expect(parseReactionKey(bad), bad).toBeNull();
    }
  });

  it("TALK2: toggleReaction sets and deletes only the actor's own key; the view lists reactions in REACTIONS order", () => {
    const { doc, threadId, first } = board();
    expect(toggleReaction(doc, bob, threadId, first, 'heart')).toBe(true);
    tick();
    expect(toggleReaction(doc, ann, threadId, first, 'heart')).toBe(true);
    expect(toggleReaction(doc, ann, threadId, first, 'thumbs-up')).toBe(true);
    const root = doc.getMap(ROOT.reactions);
    expect([...root.keys()].sort()).toEqual(
      [
        reactionKey(threadId, first, 'heart', bob.userId),
        reactionKey(threadId, first, 'heart', ann.userId),
        reactionKey(threadId, first, 'thumbs-up', ann.userId),
      ].sort(),
    );
    expect(root.get(reactionKey(threadId, first, 'heart', bob.userId))).toBe(1_000);
    // REACTIONS order (thumbs-up before heart); first to react first.
    expect(thread(doc, threadId).comments[0]!.reactions).toEqual([
      { reaction: 'thumbs-up', userIds: [ann.userId] },
      { reaction: 'heart', userIds: [bob.userId, ann.userId] },
    ]);
    expect(toggleReaction(doc, ann, threadId, first, 'heart')).toBe(false);
    expect(root.has(reactionKey(threadId, first, 'heart', bob.userId))).toBe(true);
    expect(thread(doc, threadId).comments[0]!.reactions).toEqual([
      { reaction: 'thumbs-up', userIds: [ann.userId] },
      { reaction: 'heart', userIds: [bob.userId] },
    ]);
  });

  it('TALK2: an unknown reaction, thread or comment, or a deleted comment, is refused', () => {
    const { doc, threadId, first } = board();
    expectRefused(doc, () => toggleReaction(doc, ann, threadId, first, 'smile' as Reaction), 'invalid');
    expectRefused(doc, () => toggleReaction(doc, ann, 't_none' as ThreadId, first, 'heart'), 'not-found');
    expectRefused(doc, () => toggleReaction(doc, ann, threadId, 'm_none' as CommentId, 'heart'), 'not-found');
    deleteComment(doc, ann, threadId, first);
    expectRefused(doc, () => toggleReaction(doc, bob, threadId, first, 'heart'), 'invalid');
  });

  it('TALK2: two people reacting at once on two replicas both count; one person toggling on two tabs ends in one key', () => {
    const { doc, threadId, first } = board();
    const other = replica(doc, 200);
    toggleReaction(doc, ann, threadId, first, 'celebrate');
    toggleReaction(other, bob, threadId, first, 'celebrate');
    toggleReaction(doc, ann, threadId, first, 'eyes');
    toggleReaction(other, ann, threadId, first, 'eyes');
    exchange(doc, other);
    expectConverged(doc, other);
    expect(thread(doc, threadId).comments[0]!.reactions).toEqual([
      { reaction: 'celebrate', userIds: [ann.userId, bob.userId] },
      { reaction: 'eyes', userIds: [ann.userId] },
    ]);
    // Concurrent off (one tab) and on again (another): a single key or none, never two.
    toggleReaction(doc, ann, threadId, first, 'eyes');
    exchange(doc, other);
    expect(thread(other, threadId).comments[0]!.reactions.map((r) => r.reaction)).toEqual(['celebrate']);
  });

  it('TALK2: a deleted comment shows no reactions', () => {
    const { doc, threadId, first } = board();
    toggleReaction(doc, bob, threadId, first, 'heart');
    deleteComment(doc, ann, threadId, first);
    expect(thread(doc, threadId).comments[0]!.reactions).toEqual([]);
  });
});

describe('TALK3: reactions go with their thread', () => {
  it('TALK3: deleteThread, deletePoint and the purge of orphans delete the reactions of the threads they delete', () => {
    const { doc, pointId, threadId, first, points } = board();
    const kept = openThread(doc, ann, { pointId: points[1]![0]!, body: 'Elsewhere' });
    const keptFirst = thread(doc, kept).comments[0]!.id;
    toggleReaction(doc, bob, threadId, first, 'heart');
    toggleReaction(doc, bob, kept, keptFirst, 'heart');
    const root = doc.getMap(ROOT.reactions);
    deleteThread(doc, ann, threadId);
    expect([...root.keys()]).toEqual([reactionKey(kept, keptFirst, 'heart', bob.userId)]);

    const again = openThread(doc, ann, { pointId, body: 'Again' });
    toggleReaction(doc, bob, again, thread(doc, again).comments[0]!.id, 'eyes');
    deletePoint(doc, ann, pointId);
    expect([...root.keys()]).toEqual([reactionKey(kept, keptFirst, 'heart', bob.userId)]);
  });

  it("TALK3: a reaction given concurrently with its thread's deletion is an orphan, which deleteOrphans removes", () => {
    const { doc, threadId, first } = board();
    const other = replica(doc, 200);
    deleteThread(doc, ann, threadId);
    toggleReaction(other, bob, threadId, first, 'heart');
    exchange(doc, other);
    const orphans = orphansOf(doc);
    expect(orphans.reactions).toEqual([reactionKey(threadId, first, 'heart', bob.userId)]);
    deleteOrphans(doc, orphans);
    expect(doc.getMap(ROOT.reactions).size).toBe(0);
    expect(orphansOf(doc).reactions).toEqual([]);
  });
});

describe('TALK3: the server purges orphaned reactions', () => {
  it('TALK3: TrashPurger hands reactions left without a thread to the purge once the undo time is over, and deleteOrphans removes them', async () => {
    const { doc, threadId, first } = board();
    const other = replica(doc, 200);
    deleteThread(doc, ann, threadId);
    toggleReaction(other, bob, threadId, first, 'heart');
    exchange(doc, other);
    let now = 0;
    const purged: PurgeSet[] = [];
    const room = { doc, isDestroyed: false } as unknown as DocRoom;
    const purger = new TrashPurger(room, {
      purgeAfterMs: 1_000,
      now: () => now,
      onError: (err) => {
        throw err;
      },
      purge: async (_room, what) => {
        purged.push(what);
        deleteOrphans(doc, what);
      },
    });
    await purger.tick();
    expect(purged).toEqual([]);
    now = 1_000;
    await purger.tick();
    expect(purged.map((p) => p.reactions)).toEqual([[reactionKey(threadId, first, 'heart', bob.userId)]]);
    expect(doc.getMap(ROOT.reactions).size).toBe(0);
    (room as { isDestroyed: boolean }).isDestroyed = true;
    await purger.tick();
  });
});

describe('TALK4: anchored threads follow their span through edits', () => {
  function anchored(body = 'The ceasefire line is monitored by observers.') {
    const s = board();
    const text = pointText(s.doc, s.pointId, 'body')!;
    text.insert(0, body);
    const from = body.indexOf('line');
    const anchor = createAnchor(text, from, from + 'line is monitored'.length, 'body');
    const t = openThread(s.doc, ann, { pointId: s.pointId, body: 'Monitored how?', anchor });
    return { ...s, text, anchor, t };
  }
  const span = (text: Y.Text, r: { from: number; to: number } | null) =>
    r ? text.toString().slice(r.from, r.to) : null;

  it('TALK4: createAnchor quotes the span; openThread stores the anchor as a plain value and ThreadJson shows it', () => {
    const { doc, anchor, t, pointId, text } = anchored();
    expect(anchor).toMatchObject({ field: 'body', quote: 'line is monitored' });
    expect(anchor.start.length).toBeLessThanOrEqual(LIMITS.anchorPositionLength);
    expect(thread(doc, t).anchor).toEqual(anchor);
    expect((doc.getMap(ROOT.threads).get(t) as Y.Map<unknown>).get('anchor')).toEqual(anchor);
    expect(span(text, resolveAnchor(doc, pointId, anchor))).toBe('line is monitored');
    expect(thread(doc, openThread(doc, ann, { pointId, body: 'plain' })).anchor).toBeNull();
  });

  it('TALK4: the span follows local and remote edits before, inside and at its ends', () => {
    const { doc, anchor, pointId, text } = anchored();
    const other = replica(doc, 200);
    text.insert(0, 'Now: ');
    pointText(other, pointId, 'body')!.insert(
      pointText(other, pointId, 'body')!.toString().indexOf('monitored'),
      'closely ',
    );
    exchange(doc, other);
    expect(span(text, resolveAnchor(doc, pointId, anchor))).toBe('line is closely monitored');
    // Typed right before the start or right after the end: outside the span.
    const r = resolveAnchor(doc, pointId, anchor)!;
    text.insert(r.to, ' tightly');
    text.insert(r.from, 'front ');
    expect(span(text, resolveAnchor(doc, pointId, anchor))).toBe('line is closely monitored');
    expect(span(pointText(other, pointId, 'body')!, resolveAnchor(other, pointId, anchor))).toBe(
      'line is closely monitored',
    );
    exchange(doc, other);
    expect(resolveAnchor(other, pointId, anchor)).toEqual(resolveAnchor(doc, pointId, anchor));
  });

  it('TALK4: a partly deleted span shrinks; a wholly deleted one (or its point) resolves to null', () => {
    const { doc, anchor, pointId, text } = anchored();
    const r = resolveAnchor(doc, pointId, anchor)!;
    text.delete(r.from, 5);
    expect(span(text, resolveAnchor(doc, pointId, anchor))).toBe('is monitored');
    const r2 = resolveAnchor(doc, pointId, anchor)!;
    text.delete(r2.from, r2.to - r2.from);
    expect(resolveAnchor(doc, pointId, anchor)).toBeNull();
    expect(thread(doc, listThreads(doc).find((x) => x.anchor)!.id).anchor!.quote).toBe('line is monitored');

    const other = anchored();
    trashPoint(other.doc, ann, other.pointId);
    expect(resolveAnchor(other.doc, other.pointId, other.anchor)).toBeNull();
  });

  it('TALK4: positions that do not decode, or point into another text, resolve to null', () => {
    const { doc, anchor, pointId } = anchored();
    expect(resolveAnchor(doc, pointId, { ...anchor, start: '!!!' })).toBeNull();
    expect(resolveAnchor(doc, pointId, { ...anchor, field: 'title' })).toBeNull();
  });

  it('TALK4: the quote is clipped; empty or out-of-range spans and malformed anchors are refused', () => {
    const long = 'x'.repeat(LIMITS.anchorQuoteLength + 50);
    const { doc, pointId } = board();
    const text = pointText(doc, pointId, 'body')!;
    text.insert(0, long);
    expect(createAnchor(text, 0, text.length, 'body').quote).toHaveLength(LIMITS.anchorQuoteLength);
    expect(() => createAnchor(text, 3, 3, 'body')).toThrow(/at least one character/);
    expect(() => createAnchor(text, 0, text.length + 1, 'body')).toThrow(/at least one character/);
    const good = createAnchor(text, 0, 2, 'body');
    for (const bad of [
      { ...good, extra: 1 },
      { ...good, quote: long },
      { ...good, start: 'x'.repeat(201) },
    ]) {
      expectRefused(doc, () => openThread(doc, ann, { pointId, body: 'x', anchor: bad }), 'invalid');
    }
  });
});

describe('TALK5: the live board view follows reactions', () => {
  it('TALK5: a reaction re-reads its own comment only: the thread is new, its other comments and the other threads keep their identity', () => {
    const { doc, threadId, points } = board();
    const reply = replyToThread(doc, bob, threadId, 'Reply');
    const other = openThread(doc, bob, { pointId: points[1]![0]!, body: 'Other' });
    const view = new LiveBoardView(doc);
    const before = view.read();
    const byId = (v: typeof before, id: string) => v.threads.find((t) => t.id === id)!;

    toggleReaction(doc, bob, threadId, reply, 'heart');
    const after = view.read();
    expect(byId(after, threadId)).not.toBe(byId(before, threadId));
    expect(byId(after, threadId).comments[0]).toBe(byId(before, threadId).comments[0]);
    expect(byId(after, threadId).comments[1]!.reactions).toEqual([{ reaction: 'heart', userIds: [bob.userId] }]);
    expect(byId(after, other)).toBe(byId(before, other));
    expect(after.points).toBe(before.points);
    expect(after).toEqual(toBoardJson(doc));

    toggleReaction(doc, bob, threadId, reply, 'heart');
    expect(byId(view.read(), threadId).comments[1]!.reactions).toEqual([]);
    expect(byId(view.read(), threadId).comments[0]).toBe(byId(before, threadId).comments[0]);
    expect(view.read()).toEqual(toBoardJson(doc));
    view.destroy();
  });

  it.each([1, 2, 3])(
    'TALK5: after random local and remote reactions, replies, mentions and thread deletions the live view equals toBoardJson (seed %i)',
    (seed) => {
      const r = rng(seed);
      const { doc, pointId } = board();
      const other = replica(doc, 200);
      const view = new LiveBoardView(doc);
      const names = Object.keys(REACTIONS) as Reaction[];
      for (let round = 0; round < 150; round++) {
        const d = r.int(3) === 0 ? other : doc;
        const actor = r.int(2) === 0 ? ann : bob;
        const threads = listThreads(d);
        const t = threads.length > 0 ? r.pick(threads) : null;
        const c = t ? r.pick(t.comments) : null;
        switch (r.int(6)) {
          case 0:
          case 1:
          case 2:
            if (t && c && !c.deleted) toggleReaction(d, actor, t.id, c.id, r.pick(names));
            break;
          case 3:
            if (t) replyToThread(d, actor, t.id, `r${round}`, r.int(2) === 0 ? [ann.userId] : undefined);
            else openThread(d, actor, { pointId, body: `t${round}` });
            break;
          case 4:
            if (t && c && c.authorId === actor.userId && !c.deleted) {
              if (r.int(2) === 0) deleteComment(d, actor, t.id, c.id);
              else editComment(d, actor, t.id, c.id, `e${round}`, [bob.userId]);
            }
            break;
          case 5:
            if (t && r.int(4) === 0) deleteThread(d, null, t.id);
            else openThread(d, actor, { pointId, body: `t${round}`, mentions: [bob.userId] });
            break;
        }
        if (r.int(4) === 0) exchange(doc, other);
        if (r.int(3) === 0) expect(view.read()).toEqual(toBoardJson(doc));
      }
      exchange(doc, other);
      expect(view.read()).toEqual(toBoardJson(doc));
      view.destroy();
    },
  );
});
