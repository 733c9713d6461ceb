/**
 * Randomised sessions: several replicas apply random mutations with occasional partial
 * syncs, then sync fully. Seeds are fixed so a failure reproduces.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  ModelError,
  STANCES,
  addCategory,
  addPoint,
  deletePoint,
  listCategories,
  listPoints,
  listStakeholders,
  listThreads,
  moveCategory,
  movePoint,
  movePointStep,
  restorePoint,
  trashPoint,
  trashedPoints,
  openThread,
  pointText,
  replyToThread,
  setPosition,
  toBoardJson,
  type Actor,
  type PointId,
  type UserId,
} from '@parley/shared/model';
import { NGO, ann, bob, exchange, expectConverged, replica, rng, seededBoard, syncAll } from './helpers.ts';

const cat: Actor = { userId: 'u-cat' as UserId, name: 'Cat', stakeholderId: NGO };
const ACTORS = [ann, bob, cat];
const SEEDS = [1, 2, 3, 5, 8, 13, 21, 34];

/** Every point listed once, every number 1..N, every point in an existing category. */
function expectWellFormed(doc: Y.Doc) {
  const json = toBoardJson(doc);
  const ids = json.points.map((p) => p.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(json.points.map((p) => p.number)).toEqual(ids.map((_, i) => i + 1));
  expect(json.categories.map((c) => c.number)).toEqual(json.categories.map((_, i) => i + 1));
  const cats = new Set(json.categories.map((c) => c.id as string));
  for (const p of json.points) expect(cats.has(p.categoryId)).toBe(true);
  // Points come grouped by category, in category order.
  const rankOf = new Map(json.categories.map((c, i) => [c.id as string, i]));
  const ranks = json.points.map((p) => rankOf.get(p.categoryId)!);
  expect([...ranks].sort((x, y) => x - y)).toEqual(ranks);
}

describe('MODEL16: random concurrent sessions converge', () => {
  it.each(SEEDS)('MODEL16: 50 rounds of random moves on 3 replicas, then a full sync (seed %i)', (seed) => {
    const r = rng(seed);
    const s = seededBoard(1000);
    const docs = [replica(s.doc, 11), replica(s.doc, 22), replica(s.doc, 33)];
    const expected = new Set<string>(s.points.flat());
    for (let round = 0; round < 50; round++) {
      const i = r.int(docs.length);
      const d = docs[i]!;
      const actor = ACTORS[i]!;
      const points = listPoints(d);
      const cats = listCategories(d);
      const op = r.int(10);
      if (op < 7) {
        const p = r.pick(points);
        movePoint(d, actor, p.id, { categoryId: r.pick(cats).id, index: r.int(points.length + 1) });
      } else if (op < 8) {
        expected.add(addPoint(d, actor, { categoryId: r.pick(cats).id, title: `new ${round}`, index: r.int(4) }));
      } else if (op < 9) {
        moveCategory(d, actor, r.pick(cats).id, r.int(cats.length));
      } else {
        const j = r.int(docs.length);
        if (j !== i) exchange(d, docs[j]!);
      }
      docs.forEach(expectWellFormed);
    }
    syncAll(...docs);
    expectConverged(...docs);
    expectWellFormed(docs[0]!);
    // No point lost, none duplicated, none invented.
    expect(
      listPoints(docs[0]!)
        .map((p) => p.id as string)
        .sort(),
    ).toEqual([...expected].sort());
  });

  it.each(SEEDS)(
    'MODEL16: random moves, adds, deletes, positions, threads and text edits converge (seed %i)',
    (seed) => {
      const r = rng(seed * 1_000 + 7);
      const s = seededBoard(1000);
      const docs = [replica(s.doc, 101), replica(s.doc, 7), replica(s.doc, 55)];
      const created = new Set<string>(s.points.flat());
      const deleted = new Set<string>();
      let refused = 0;
      for (let round = 0; round < 80; round++) {
        const i = r.int(docs.length);
        const d = docs[i]!;
        const actor = ACTORS[i]!;
        const points = listPoints(d);
        const cats = listCategories(d);
        const threads = listThreads(d);
        const op = r.int(12);
        try {
          if (op < 3 && points.length > 0) {
            if (r.next() < 0.3) movePointStep(d, actor, r.pick(points).id, r.next() < 0.5 ? 'up' : 'down');
            else movePoint(d, actor, r.pick(points).id, { categoryId: r.pick(cats).id, index: r.int(6) });
          } else if (op < 4 && r.next() < 0.5) {
            const trashed = trashedPoints(d);
            if (trashed.length > 0) restorePoint(d, actor, r.pick(trashed).id);
            else if (points.length > 2) trashPoint(d, actor, r.pick(points).id);
          } else if (op < 5) {
            created.add(addPoint(d, actor, { categoryId: r.pick(cats).id, title: `n${round}`, index: r.int(6) }));
          } else if (op < 6 && points.length > 2) {
            const victim = r.pick(points).id;
            deletePoint(d, actor, victim);
            deleted.add(victim);
          } else if (op < 7 && points.length > 0) {
            setPosition(d, actor, {
              pointId: r.pick(points).id,
              stakeholderId: r.pick(listStakeholders(d)).id,
              stance: r.pick(STANCES),
              rationale: `r${round}`,
            });
          } else if (op < 8 && points.length > 0) {
            openThread(d, actor, { pointId: r.pick(points).id, body: `t${round}` });
          } else if (op < 9 && threads.length > 0) {
            replyToThread(d, actor, r.pick(threads).id, `c${round}`);
          } else if (op < 10 && points.length > 0) {
            const text = pointText(d, r.pick(points).id, 'body')!;
            text.insert(r.int(text.length + 1), `[${round}]`);
          } else if (op < 11) {
            if (r.next() < 0.2) addCategory(d, actor, `Cat ${round}`, r.int(cats.length + 1));
            else moveCategory(d, actor, r.pick(cats).id, r.int(cats.length));
          } else {
            const j = r.int(docs.length);
            if (j !== i) exchange(d, docs[j]!);
          }
        } catch (e) {
          // Only ModelErrors are acceptable, and only when the replica lacks something.
          expect(e).toBeInstanceOf(ModelError);
          refused++;
        }
      }
      expect(refused).toBe(0);
      syncAll(...docs);
      expectConverged(...docs);
      expectWellFormed(docs[0]!);
      const live = listPoints(docs[0]!)
        .map((p) => p.id as string)
        .sort();
      // Deleted (trashed) points wait for the server's purge: in the doc, out of the view.
      const trashed = new Set<string>(trashedPoints(docs[0]!).map((p) => p.id));
      expect(live).toEqual([...created].filter((id) => !deleted.has(id) && !trashed.has(id)).sort());
    },
  );

  it.each([1, 2, 3])(
    'MODEL16: updates delivered late, duplicated and out of order still converge (seed %i)',
    (seed) => {
      const r = rng(seed + 500);
      const s = seededBoard(1000);
      const docs = [replica(s.doc, 1), replica(s.doc, 2), replica(s.doc, 3)];
      // Capture every local update; a "network" delivers them to the others in random order.
      const queues: Uint8Array[][] = docs.map(() => []);
      docs.forEach((d, i) =>
        d.on('update', (u: Uint8Array, origin: unknown) => {
          if (origin === 'net') return;
          queues.forEach((q, j) => {
            if (j !== i) q.push(u);
          });
        }),
      );
      const allPoints = (): PointId[] => s.points.flat();
      for (let round = 0; round < 40; round++) {
        const i = r.int(docs.length);
        const d = docs[i]!;
        movePoint(d, ACTORS[i]!, r.pick(allPoints()), { categoryId: r.pick(s.cats), index: r.int(5) });
        if (r.next() < 0.3) {
          // Deliver a random subset, shuffled, sometimes twice.
          const j = r.int(docs.length);
          const q = queues[j]!;
          const batch = q.splice(0, r.int(q.length + 1)).sort(() => r.next() - 0.5);
          for (const u of batch) {
            Y.applyUpdate(docs[j]!, u, 'net');
            if (r.next() < 0.2) Y.applyUpdate(docs[j]!, u, 'net');
          }
        }
      }
      // Flush everything, shuffled.
      docs.forEach((d, j) => {
        for (const u of queues[j]!.sort(() => r.next() - 0.5)) Y.applyUpdate(d, u, 'net');
      });
      expectConverged(...docs);
      expectWellFormed(docs[0]!);
      expect(
        listPoints(docs[0]!)
          .map((p) => p.id)
          .sort(),
      ).toEqual([...allPoints()].sort());
    },
  );
});
