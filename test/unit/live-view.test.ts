import { describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import {
  LiveBoardView,
  STANCES,
  addCategory,
  addPoint,
  deleteComment,
  deletePoint,
  deleteThread,
  editComment,
  listCategories,
  listPoints,
  listThreads,
  moveCategory,
  movePoint,
  openThread,
  pointText,
  replyToThread,
  restorePoint,
  setPosition,
  setThreadResolved,
  toBoardJson,
  trashPoint,
  updateMeta,
  type PointId,
} from '@parley/shared/model';
import { ann, bob, exchange, replica, rng, seededBoard } from './helpers.ts';

describe('live board view (unit: shared/src/model/liveView.ts)', () => {
  it.each([1, 2, 3, 4, 5])(
    'VIEW1 after every round of random local and remote changes, the live view equals toBoardJson (seed %i)',
    (seed) => {
      const r = rng(seed);
      const { doc } = seededBoard(100);
      const other = replica(doc, 200);
      let staleCalls = 0;
      const view = new LiveBoardView(doc, () => staleCalls++);
      for (let round = 0; round < 120; round++) {
        const d = r.int(3) === 0 ? other : doc;
        const actor = d === doc ? ann : bob;
        const points = listPoints(d);
        const threads = listThreads(d);
        const point = points.length > 0 ? r.pick(points) : null;
        switch (r.int(13)) {
          case 0:
            addPoint(d, actor, { categoryId: r.pick(listCategories(d)).id, title: `P${round}` });
            break;
          case 1:
            if (point && points.length > 2) deletePoint(d, actor, point.id);
            break;
          case 2:
            if (point) pointText(d, point.id, 'body')!.insert(0, `b${round} `);
            break;
          case 3:
            if (point)
              setPosition(d, actor, { pointId: point.id, stakeholderId: actor.stakeholderId, stance: r.pick(STANCES) });
            break;
          case 4:
            if (point) openThread(d, actor, { pointId: point.id, body: `t${round}` });
            break;
          case 5:
            if (threads.length > 0) replyToThread(d, actor, r.pick(threads).id, `r${round}`);
            break;
          case 6:
            if (threads.length > 0) setThreadResolved(d, actor, r.pick(threads).id, r.int(2) === 0);
            break;
          case 7: {
            const t = threads.length > 0 ? r.pick(threads) : null;
            const mine = t?.comments.find((c) => c.authorId === actor.userId && !c.deleted);
            if (t && mine) deleteComment(d, actor, t.id, mine.id);
            else if (t) deleteThread(d, null, t.id);
            break;
          }
          case 8:
            if (r.int(2) === 0) addCategory(d, actor, `C${round}`);
            else moveCategory(d, actor, r.pick(listCategories(d)).id, 0);
            break;
          case 9:
            updateMeta(d, actor, { title: `Board ${round}` });
            break;
          case 10:
            if (point) movePoint(d, actor, point.id, { categoryId: r.pick(listCategories(d)).id, index: r.int(3) });
            break;
          case 11: {
            // A deleted point leaves the list and comes back with its cached reading.
            if (point && points.length > 2) trashPoint(d, actor, point.id);
            const trashed = [...d.getMap<Y.Map<unknown>>('points').entries()].find(([, m]) => m.has('deletedAt'));
            if (trashed && r.int(2) === 0) restorePoint(d, actor, trashed[0] as PointId);
            break;
          }
          case 12:
            if (point) pointText(d, point.id, 'title')!.insert(0, `t${round} `);
            break;
        }
        if (r.int(4) === 0) exchange(doc, other);
        if (r.int(3) === 0) expect(view.read()).toEqual(toBoardJson(doc));
      }
      exchange(doc, other);
      expect(view.read()).toEqual(toBoardJson(doc));
      expect(staleCalls).toBeGreaterThan(0);
      view.destroy();
    },
  );

  it('VIEW2 a keystroke in a point body re-reads the points only, and only the typed point is a new object: threads, positions and stakeholders keep their identity; a reply re-reads its thread only, and reuses its unchanged comments', () => {
    const { doc } = seededBoard(100);
    const [p1, p2] = listPoints(doc);
    const t1 = openThread(doc, ann, { pointId: p1!.id, body: 'one' });
    openThread(doc, ann, { pointId: p2!.id, body: 'two' });
    const view = new LiveBoardView(doc);
    const before = view.read();

    pointText(doc, p1!.id, 'body')!.insert(0, 'typed ');
    const afterKey = view.read();
    expect(afterKey.points).not.toBe(before.points);
    // Only the typed point is a new object; every other point keeps its identity.
    expect(afterKey.points[0]!.body).toMatch(/^typed /);
    expect(afterKey.points.slice(1)).toEqual(before.points.slice(1));
    afterKey.points.slice(1).forEach((p, i) => expect(p).toBe(before.points[i + 1]));
    expect(afterKey.threads).toBe(before.threads);
    expect(afterKey.positions).toBe(before.positions);
    expect(afterKey.stakeholders).toBe(before.stakeholders);
    expect(afterKey.meta).toBe(before.meta);
    expect(view.read()).toBe(afterKey);

    replyToThread(doc, bob, t1, 'reply');
    const afterReply = view.read();
    expect(afterReply.points).toBe(afterKey.points);
    // Both threads may share a creation millisecond, so find them by id, not position.
    const byId = (threads: typeof afterReply.threads, id: string) => threads.find((t) => t.id === id)!;
    const t2 = afterKey.threads.find((t) => t.id !== t1)!.id;
    expect(byId(afterReply.threads, t1).comments.map((c) => c.body)).toEqual(['one', 'reply']);
    expect(byId(afterReply.threads, t1)).not.toBe(byId(afterKey.threads, t1));
    expect(byId(afterReply.threads, t2)).toBe(byId(afterKey.threads, t2));
    // The reply is new; the comment before it is the same object.
    expect(byId(afterReply.threads, t1).comments[0]).toBe(byId(afterKey.threads, t1).comments[0]);

    // Editing a comment re-reads that comment only.
    const [opening] = byId(afterReply.threads, t1).comments;
    const reply = byId(afterReply.threads, t1).comments[1]!;
    editComment(doc, bob, t1, reply.id, 'edited');
    const afterEdit = view.read();
    expect(byId(afterEdit.threads, t1).comments[0]).toBe(opening);
    expect(byId(afterEdit.threads, t1).comments[1]!.body).toBe('edited');
    expect(afterEdit).toEqual(toBoardJson(doc));
    view.destroy();
  });
});
