/**
 * Concurrency of positions, threads and comments, and of deleting a point while another
 * replica works on its positions or threads. Each scenario runs with both client-id orders.
 */
import { describe, expect, it } from 'vitest';
import {
  clearPosition,
  deleteComment,
  deletePoint,
  editComment,
  listPositions,
  listThreads,
  openThread,
  replyToThread,
  setPosition,
  setThreadResolved,
  toBoardJson,
  type Actor,
  type CommentId,
  type ThreadId,
  type UserId,
} from '@parley/shared/model';
import { GOV, NGO, ann, bob, exchange, expectConverged, replica, seededBoard, syncAll } from './helpers.ts';

const CLIENT_ORDERS = [
  ['A has the lower client id', 1, 2],
  ['A has the higher client id', 2, 1],
] as const;

const cat: Actor = { userId: 'u-cat' as UserId, name: 'Cat', stakeholderId: NGO };

/** Two replicas of a seeded board that already has one thread on the first point. */
function pairWithThread(idA: number, idB: number) {
  const s = seededBoard(100);
  const pointId = s.points[0]![0]!;
  const threadId = openThread(s.doc, ann, { pointId, body: 'Opening question' });
  const first = listThreads(s.doc)[0]!.comments[0]!.id;
  return { ...s, pointId, threadId, first, a: replica(s.doc, idA), b: replica(s.doc, idB) };
}

function comments(doc: Parameters<typeof listThreads>[0], id: ThreadId) {
  return listThreads(doc).find((t) => t.id === id)?.comments ?? [];
}

describe('MODEL11: concurrent comments are all kept', () => {
  describe.each(CLIENT_ORDERS)('%s', (_label, idA, idB) => {
    it('MODEL11: concurrent replies to one thread are all kept, in one order on both replicas', () => {
      const { a, b, threadId, first } = pairWithThread(idA, idB);
      const ra1 = replyToThread(a, ann, threadId, 'A one');
      const ra2 = replyToThread(a, ann, threadId, 'A two');
      const rb1 = replyToThread(b, bob, threadId, 'B one');
      exchange(a, b);
      expectConverged(a, b);
      const list = comments(a, threadId);
      expect(list.map((c) => c.id).sort()).toEqual([first, ra1, ra2, rb1].sort());
      expect(list[0]!.id).toBe(first);
      // Each replica's own replies keep their relative order.
      const ids = list.map((c) => c.id);
      expect(ids.indexOf(ra1)).toBeLessThan(ids.indexOf(ra2));
    });

    it('MODEL11: new threads opened concurrently on one point are all kept', () => {
      const { a, b, pointId, threadId } = pairWithThread(idA, idB);
      const ta = openThread(a, ann, { pointId, body: 'From A' });
      const tb = openThread(b, bob, { pointId, body: 'From B' });
      exchange(a, b);
      expectConverged(a, b);
      expect(
        listThreads(a, pointId)
          .map((t) => t.id)
          .sort(),
      ).toEqual([threadId, ta, tb].sort());
    });

    it('MODEL11: resolving a thread concurrently with a reply keeps both', () => {
      const { a, b, threadId } = pairWithThread(idA, idB);
      setThreadResolved(a, ann, threadId, true);
      const r = replyToThread(b, bob, threadId, 'One more thing');
      exchange(a, b);
      expectConverged(a, b);
      const t = listThreads(a).find((x) => x.id === threadId)!;
      expect(t.resolved).toBe(true);
      expect(t.comments.map((c) => c.id)).toContain(r);
    });
  });

  it('MODEL11: three replicas replying and opening threads concurrently keep every comment', () => {
    const s = seededBoard(100);
    const pointId = s.points[1]![0]!;
    const threadId = openThread(s.doc, ann, { pointId, body: 'Root' });
    const docs = [replica(s.doc, 7), replica(s.doc, 3), replica(s.doc, 5)];
    const actors = [ann, bob, cat];
    const expected: CommentId[] = [listThreads(s.doc)[0]!.comments[0]!.id];
    const newThreads: ThreadId[] = [threadId];
    docs.forEach((d, i) => {
      for (let k = 0; k < 3; k++) expected.push(replyToThread(d, actors[i]!, threadId, `r${i}.${k}`));
      newThreads.push(openThread(d, actors[i]!, { pointId, body: `t${i}` }));
    });
    syncAll(...docs);
    expectConverged(...docs);
    expect(
      comments(docs[0]!, threadId)
        .map((c) => c.id)
        .sort(),
    ).toEqual(expected.sort());
    expect(
      listThreads(docs[0]!, pointId)
        .map((t) => t.id)
        .sort(),
    ).toEqual(newThreads.sort());
  });
});

describe('MODEL12: concurrent positions settle on one complete value', () => {
  describe.each(CLIENT_ORDERS)('%s', (_label, idA, idB) => {
    it('MODEL12: concurrent setPosition for one point x stakeholder keeps stance and rationale of one writer', () => {
      const s = seededBoard(100);
      const p = s.points[0]![0]!;
      setPosition(s.doc, ann, { pointId: p, stakeholderId: GOV, stance: 'undecided', rationale: 'Old' });
      const a = replica(s.doc, idA);
      const b = replica(s.doc, idB);
      setPosition(a, ann, { pointId: p, stakeholderId: GOV, stance: 'support', rationale: 'A reasons' });
      setPosition(b, bob, { pointId: p, stakeholderId: GOV, stance: 'oppose', rationale: 'B reasons' });
      const written = [listPositions(a)[0]!, listPositions(b)[0]!];
      exchange(a, b);
      expectConverged(a, b);
      const got = listPositions(a);
      expect(got).toHaveLength(1);
      expect(written).toContainEqual(got[0]);
    });

    it('MODEL12: a set concurrent with a clear settles the same on both replicas', () => {
      const s = seededBoard(100);
      const p = s.points[0]![0]!;
      setPosition(s.doc, ann, { pointId: p, stakeholderId: GOV, stance: 'undecided' });
      const a = replica(s.doc, idA);
      const b = replica(s.doc, idB);
      setPosition(a, ann, { pointId: p, stakeholderId: GOV, stance: 'support', rationale: 'Yes' });
      clearPosition(b, bob, p, GOV);
      exchange(a, b);
      expectConverged(a, b);
      const got = listPositions(a);
      expect(
        got.length === 0 || (got.length === 1 && got[0]!.stance === 'support' && got[0]!.rationale === 'Yes'),
      ).toBe(true);
    });
  });

  it('MODEL12: many replicas writing one position converge on one writer’s complete value', () => {
    for (let round = 0; round < 20; round++) {
      const s = seededBoard(1000);
      const p = s.points[1]![2]!;
      const docs = [1, 2, 3, 4].map((i) => replica(s.doc, ((round * 7 + i * 13) % 50) + 1 + i * 100));
      const stances = ['support', 'oppose', 'undecided', 'support-with-changes'] as const;
      docs.forEach((d, i) =>
        setPosition(d, i % 2 ? bob : ann, {
          pointId: p,
          stakeholderId: NGO,
          stance: stances[i]!,
          rationale: `writer ${i}`,
        }),
      );
      const written = docs.map((d) => listPositions(d)[0]!);
      syncAll(...docs);
      expectConverged(...docs);
      const got = listPositions(docs[0]!);
      expect(got).toHaveLength(1);
      expect(written).toContainEqual(got[0]);
      const writer = Number(got[0]!.rationale.slice('writer '.length));
      expect(got[0]!.stance).toBe(stances[writer]);
    }
  });
});

describe('MODEL13: deleting a point concurrently with work on it', () => {
  describe.each(CLIENT_ORDERS)('%s', (_label, idA, idB) => {
    it('MODEL13: delete of a point concurrent with a reply in its thread converges', () => {
      const { a, b, pointId, threadId } = pairWithThread(idA, idB);
      deletePoint(a, ann, pointId);
      replyToThread(b, bob, threadId, 'Reply to a vanishing point');
      exchange(a, b);
      expectConverged(a, b);
      expect(toBoardJson(a).points.map((p) => p.id)).not.toContain(pointId);
      expect(listThreads(a).map((t) => t.id)).not.toContain(threadId);
      expect(JSON.stringify(toBoardJson(a))).not.toContain('vanishing');
    });

    it('MODEL13: delete of a point concurrent with setting its position converges', () => {
      const { a, b, pointId } = pairWithThread(idA, idB);
      deletePoint(a, ann, pointId);
      setPosition(b, bob, { pointId, stakeholderId: NGO, stance: 'support', rationale: 'Late vote' });
      exchange(a, b);
      expectConverged(a, b);
      expect(toBoardJson(a).points.map((p) => p.id)).not.toContain(pointId);
    });

    it('MODEL13: delete of a point concurrent with overwriting an existing position converges', () => {
      const s = seededBoard(100);
      const p = s.points[0]![0]!;
      setPosition(s.doc, ann, { pointId: p, stakeholderId: GOV, stance: 'undecided' });
      const a = replica(s.doc, idA);
      const b = replica(s.doc, idB);
      deletePoint(a, ann, p);
      setPosition(b, ann, { pointId: p, stakeholderId: GOV, stance: 'support' });
      exchange(a, b);
      expectConverged(a, b);
      expect(toBoardJson(a).points.map((x) => x.id)).not.toContain(p);
    });

    it('MODEL13: the view never lists a position of a point deleted concurrently', () => {
      const { a, b, pointId } = pairWithThread(idA, idB);
      deletePoint(a, ann, pointId);
      setPosition(b, bob, { pointId, stakeholderId: NGO, stance: 'support', rationale: 'Late vote' });
      exchange(a, b);
      const json = toBoardJson(a);
      const live = new Set(json.points.map((p) => p.id as string));
      expect(json.positions.filter((x) => !live.has(x.pointId))).toEqual([]);
    });

    it('MODEL13: the view never lists a thread of a point deleted concurrently', () => {
      const { a, b, pointId } = pairWithThread(idA, idB);
      deletePoint(a, ann, pointId);
      openThread(b, bob, { pointId, body: 'New thread on a vanishing point' });
      exchange(a, b);
      expectConverged(a, b);
      const json = toBoardJson(a);
      const live = new Set(json.points.map((p) => p.id as string));
      expect(json.threads.filter((t) => !live.has(t.pointId))).toEqual([]);
    });
  });
});

describe('MODEL15: a comment deleted concurrently with an edit stays erased', () => {
  describe.each(CLIENT_ORDERS)('%s', (_label, idA, idB) => {
    it('MODEL15: edit on one replica, soft delete on the other: the comment ends deleted with no text', () => {
      const { a, b, threadId, first } = pairWithThread(idA, idB);
      editComment(a, ann, threadId, first, 'Edited secret text');
      deleteComment(b, ann, threadId, first);
      exchange(a, b);
      expectConverged(a, b);
      const c = comments(a, threadId)[0]!;
      expect(c.deleted).toBe(true);
      expect(c.body).toBe('');
      expect(JSON.stringify(toBoardJson(a))).not.toContain('Edited secret text');
    });
  });
});
