/**
 * Two (or three) replicas mutate concurrently, then exchange updates both ways.
 * Every scenario runs with both client-id orders, because Yjs settles concurrent map
 * writes by client id: a property must hold whichever replica "wins".
 */
import { describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import {
  addCategory,
  addPoint,
  deleteCategory,
  deletePoint,
  listCategories,
  listPoints,
  moveCategory,
  movePoint,
  pointText,
  toBoardJson,
  type CategoryId,
  type PointId,
} from '@parley/shared/model';
import { ann, bob, exchange, expectConverged, replica, seededBoard, syncAll } from './helpers.ts';

const CLIENT_ORDERS = [
  ['A has the lower client id', 1, 2],
  ['A has the higher client id', 2, 1],
] as const;

/** Two replicas of the seeded board with the given client ids. */
function pair(idA: number, idB: number) {
  const s = seededBoard(100);
  const a = replica(s.doc, idA);
  const b = replica(s.doc, idB);
  return { ...s, a, b };
}

/** Where a point sits: its category and its index among that category's points. */
function placement(doc: Y.Doc, id: PointId): { categoryId: CategoryId; index: number } {
  const all = listPoints(doc);
  const p = all.find((x) => x.id === id);
  if (!p) throw new Error(`point ${id} not listed`);
  return { categoryId: p.categoryId, index: all.filter((x) => x.categoryId === p.categoryId).indexOf(p) };
}

function occurrences(doc: Y.Doc, id: PointId): number {
  return listPoints(doc).filter((p) => p.id === id).length;
}

describe('MODEL9: concurrent moves of one point', () => {
  describe.each(CLIENT_ORDERS)('%s', (_label, idA, idB) => {
    it('MODEL9: concurrent moves to different categories neither duplicate nor lose the point', () => {
      const { a, b, cats, points } = pair(idA, idB);
      const p = points[0]![0]!;
      movePoint(a, ann, p, { categoryId: cats[1], index: 1 });
      movePoint(b, bob, p, { categoryId: cats[2], index: 0 });
      const intended = [placement(a, p), placement(b, p)];
      exchange(a, b);
      expectConverged(a, b);
      expect(occurrences(a, p)).toBe(1);
      expect(listPoints(a)).toHaveLength(5);
      expect(intended).toContainEqual(placement(a, p));
      expect(placement(b, p)).toEqual(placement(a, p));
    });

    it('MODEL9: concurrent moves to different indices in one category settle on one of them', () => {
      const { a, b, cats, points } = pair(idA, idB);
      const p = points[1]![0]!;
      movePoint(a, ann, p, { categoryId: cats[1], index: 2 });
      movePoint(b, bob, p, { categoryId: cats[1], index: 1 });
      const intended = [placement(a, p), placement(b, p)];
      exchange(a, b);
      expectConverged(a, b);
      expect(occurrences(a, p)).toBe(1);
      expect(intended).toContainEqual(placement(a, p));
    });

    it('MODEL9: a move within its category concurrent with a move to another category lands as one whole move', () => {
      const { a, b, cats, points } = pair(idA, idB);
      const p = points[0]![0]!;
      // A: S1 to the end of Scope. B: S1 to the top of Budget.
      movePoint(a, ann, p, { categoryId: cats[0], index: 1 });
      movePoint(b, bob, p, { categoryId: cats[1], index: 0 });
      const intended = [placement(a, p), placement(b, p)];
      expect(intended).toEqual([
        { categoryId: cats[0], index: 1 },
        { categoryId: cats[1], index: 0 },
      ]);
      exchange(a, b);
      expectConverged(a, b);
      expect(occurrences(a, p)).toBe(1);
      // Category and position must come from the same move, not category from one and
      // order key from the other.
      expect(intended).toContainEqual(placement(a, p));
    });

    it('MODEL9: three replicas moving one point concurrently converge on one copy at one writer placement', () => {
      const s = seededBoard(100);
      const docs = [replica(s.doc, idA), replica(s.doc, idB), replica(s.doc, 3)];
      const p = s.points[1]![1]!;
      movePoint(docs[0]!, ann, p, { categoryId: s.cats[0], index: 0 });
      movePoint(docs[1]!, bob, p, { categoryId: s.cats[2], index: 0 });
      movePoint(docs[2]!, ann, p, { categoryId: s.cats[1], index: 2 });
      const intended = docs.map((d) => placement(d, p));
      syncAll(...docs);
      expectConverged(...docs);
      expect(occurrences(docs[0]!, p)).toBe(1);
      expect(intended).toContainEqual(placement(docs[0]!, p));
    });

    it('MODEL9: a move concurrent with a delete of the same point leaves it deleted everywhere', () => {
      const { a, b, cats, points } = pair(idA, idB);
      const p = points[0]![1]!;
      movePoint(a, ann, p, { categoryId: cats[2], index: 0 });
      deletePoint(b, bob, p);
      exchange(a, b);
      expectConverged(a, b);
      expect(occurrences(a, p)).toBe(0);
      expect(listPoints(a).map((x) => x.number)).toEqual([1, 2, 3, 4]);
    });
  });
});

describe('MODEL10: concurrent inserts', () => {
  describe.each(CLIENT_ORDERS)('%s', (_label, idA, idB) => {
    it('MODEL10: points inserted at the same spot are both kept, in the same order on both replicas', () => {
      const { a, b, cats } = pair(idA, idB);
      const pa = addPoint(a, ann, { categoryId: cats[0], title: 'from A', index: 1 });
      const pb = addPoint(b, bob, { categoryId: cats[0], title: 'from B', index: 1 });
      exchange(a, b);
      expectConverged(a, b);
      const scope = listPoints(a).filter((p) => p.categoryId === cats[0]);
      expect(scope).toHaveLength(4);
      expect(scope[0]!.title).toBe('S1');
      expect(scope[3]!.title).toBe('S2');
      expect(
        scope
          .slice(1, 3)
          .map((p) => p.id)
          .sort(),
      ).toEqual([pa, pb].sort());
      expect(listPoints(a).map((p) => p.number)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    });

    it('MODEL10: after colliding inserts, further inserts and moves still keep a single consistent order', () => {
      const { a, b, cats } = pair(idA, idB);
      addPoint(a, ann, { categoryId: cats[2], title: 'A1' });
      addPoint(b, bob, { categoryId: cats[2], title: 'B1' });
      exchange(a, b);
      // Insert between the two colliding points, on each side, then sync again.
      addPoint(a, ann, { categoryId: cats[2], title: 'A2', index: 1 });
      addPoint(b, bob, { categoryId: cats[2], title: 'B2', index: 0 });
      exchange(a, b);
      expectConverged(a, b);
      const timeline = listPoints(a).filter((p) => p.categoryId === cats[2]);
      expect(timeline.map((p) => p.title).sort()).toEqual(['A1', 'A2', 'B1', 'B2']);
      expect(new Set(timeline.map((p) => p.id)).size).toBe(4);
    });

    it('MODEL10: categories added at the same index are both kept, in the same order', () => {
      const { a, b } = pair(idA, idB);
      addCategory(a, ann, 'Risks', 1);
      addCategory(b, bob, 'Legal', 1);
      exchange(a, b);
      expectConverged(a, b);
      const titles = listCategories(a).map((c) => c.title);
      expect(titles).toHaveLength(5);
      expect(titles[0]).toBe('Scope');
      expect(titles.slice(1, 3).sort()).toEqual(['Legal', 'Risks']);
      expect(titles.slice(3)).toEqual(['Budget', 'Timeline']);
    });

    it('MODEL10: concurrent category moves settle on one order and renumber points alike', () => {
      const { a, b, cats } = pair(idA, idB);
      moveCategory(a, ann, cats[1], 0);
      moveCategory(b, bob, cats[0], 2);
      exchange(a, b);
      expectConverged(a, b);
      expect(listCategories(a).map((c) => c.number)).toEqual([1, 2, 3]);
      expect(listPoints(a).map((p) => p.number)).toEqual([1, 2, 3, 4, 5]);
    });
  });
});

describe('MODEL13: concurrent category deletion', () => {
  describe.each(CLIENT_ORDERS)('%s', (_label, idA, idB) => {
    it('MODEL13: a point moved into a category deleted concurrently is kept and listed last', () => {
      const { a, b, cats, points } = pair(idA, idB);
      const p = points[0]![0]!;
      movePoint(a, ann, p, { categoryId: cats[2], index: 0 });
      deleteCategory(b, bob, cats[2]);
      exchange(a, b);
      expectConverged(a, b);
      const list = listPoints(a);
      expect(list).toHaveLength(5);
      expect(list[4]).toMatchObject({ id: p, number: 5, categoryId: cats[2] });
      expect(listCategories(a).map((c) => c.id)).toEqual([cats[0], cats[1]]);
    });

    it('MODEL13: a point added to a category deleted concurrently is kept', () => {
      const { a, b, cats } = pair(idA, idB);
      const p = addPoint(a, ann, { categoryId: cats[2], title: 'Late' });
      deleteCategory(b, bob, cats[2]);
      exchange(a, b);
      expectConverged(a, b);
      expect(listPoints(a).map((x) => x.id)).toContain(p);
    });
  });
});

describe('MODEL14: concurrent text edits', () => {
  describe.each(CLIENT_ORDERS)('%s', (_label, idA, idB) => {
    it('MODEL14: concurrent edits of a point body merge both insertions', () => {
      const { a, b, points } = pair(idA, idB);
      const p = points[1]![1]!;
      pointText(a, p, 'body')!.insert(0, 'Hello world');
      exchange(a, b);
      pointText(a, p, 'body')!.insert(0, 'A says: ');
      pointText(b, p, 'body')!.insert(11, ' (B was here)');
      exchange(a, b);
      expectConverged(a, b);
      expect(toBoardJson(a).points.find((x) => x.id === p)!.body).toBe('A says: Hello world (B was here)');
    });

    it('MODEL14: concurrent inserts at the same offset of a title keep both, in one order', () => {
      const { a, b, points } = pair(idA, idB);
      const p = points[0]![0]!;
      pointText(a, p, 'title')!.insert(2, '-a');
      pointText(b, p, 'title')!.insert(2, '-b');
      exchange(a, b);
      expectConverged(a, b);
      expect(['S1-a-b', 'S1-b-a']).toContain(pointText(a, p, 'title')!.toString());
    });

    it('MODEL14: a body edit concurrent with a move keeps both', () => {
      const { a, b, cats, points } = pair(idA, idB);
      const p = points[0]![0]!;
      pointText(a, p, 'body')!.insert(0, 'Edited');
      movePoint(b, bob, p, { categoryId: cats[1], index: 0 });
      exchange(a, b);
      expectConverged(a, b);
      expect(listPoints(a).find((x) => x.id === p)).toMatchObject({ body: 'Edited', categoryId: cats[1] });
    });
  });
});
