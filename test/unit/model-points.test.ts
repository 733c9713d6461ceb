import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import {
  LIMITS,
  addPoint,
  deletePoint,
  listPoints,
  listPositions,
  listThreads,
  movePoint,
  openThread,
  pointText,
  setPosition,
  toBoardJson,
  type CategoryId,
  type PointId,
} from '@parley/shared/model';
import { GOV, NGO, ann, bob, expectOneMutation, expectRefused, layout, seededBoard } from './helpers.ts';

const UNKNOWN_POINT = 'p_doesnotexist' as PointId;
const UNKNOWN_CAT = 'c_doesnotexist' as CategoryId;

afterEach(() => {
  vi.useRealTimers();
});

describe('MODEL5: addPoint', () => {
  it('MODEL5: addPoint appends a point with collaborative title and body text', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_700_000_000_000);
    const { doc, cats } = seededBoard();
    const id = expectOneMutation(doc, 'addPoint', ann.userId, () =>
      addPoint(doc, ann, { categoryId: cats[0], title: '  Rebuild \n schools ', body: 'Line 1\nLine 2' }),
    );
    expect(id).toMatch(/^p_[a-z0-9]{12}$/);
    const p = listPoints(doc).find((x) => x.id === id);
    expect(p).toMatchObject({
      categoryId: cats[0],
      title: 'Rebuild schools',
      body: 'Line 1\nLine 2',
      createdAt: 1_700_000_000_000,
      number: 3,
    });
    expect(layout(doc)[cats[0]]).toEqual(['S1', 'S2', 'Rebuild schools']);
    expect(pointText(doc, id, 'title')).toBeInstanceOf(Y.Text);
    expect(pointText(doc, id, 'body')?.toString()).toBe('Line 1\nLine 2');
    expect(pointText(doc, UNKNOWN_POINT, 'title')).toBeNull();
  });

  it('MODEL5: addPoint without a body gives an empty body text', () => {
    const { doc, cats } = seededBoard();
    const id = addPoint(doc, ann, { categoryId: cats[2], title: 'T1' });
    expect(pointText(doc, id, 'body')?.toString()).toBe('');
    expect(listPoints(doc).find((p) => p.id === id)?.body).toBe('');
  });

  it('MODEL5: addPoint inserts at an index within its category, clamping out-of-range indices', () => {
    const { doc, cats } = seededBoard();
    addPoint(doc, ann, { categoryId: cats[1], title: 'at0', index: 0 });
    addPoint(doc, ann, { categoryId: cats[1], title: 'at2', index: 2 });
    addPoint(doc, ann, { categoryId: cats[1], title: 'at99', index: 99 });
    addPoint(doc, ann, { categoryId: cats[1], title: 'atMinus', index: -3 });
    expect(layout(doc)[cats[1]]).toEqual(['atMinus', 'at0', 'B1', 'at2', 'B2', 'B3', 'at99']);
    expect(layout(doc)[cats[0]]).toEqual(['S1', 'S2']);
  });

  it('MODEL5: addPoint accepts a caller-chosen id and refuses a duplicate', () => {
    const { doc, cats } = seededBoard();
    const id = 'p_chosen000001' as PointId;
    expect(addPoint(doc, ann, { categoryId: cats[2], title: 'Chosen', id })).toBe(id);
    expectRefused(doc, () => addPoint(doc, ann, { categoryId: cats[0], title: 'Again', id }), 'conflict');
  });

  it('MODEL2: addPoint refuses an empty, blank or over-long title and an unknown category', () => {
    const { doc, cats } = seededBoard();
    expectRefused(doc, () => addPoint(doc, ann, { categoryId: cats[0], title: '' }), 'invalid');
    expectRefused(doc, () => addPoint(doc, ann, { categoryId: cats[0], title: '\n \t' }), 'invalid');
    expectRefused(
      doc,
      () => addPoint(doc, ann, { categoryId: cats[0], title: 't'.repeat(LIMITS.titleLength + 1) }),
      'invalid',
    );
    expectRefused(doc, () => addPoint(doc, ann, { categoryId: UNKNOWN_CAT, title: 'Orphan' }), 'not-found');
    expect(listPoints(doc)).toHaveLength(5);
    addPoint(doc, ann, { categoryId: cats[0], title: 't'.repeat(LIMITS.titleLength) });
    expect(listPoints(doc)).toHaveLength(6);
  });
});

describe('MODEL5: movePoint', () => {
  it('MODEL5: movePoint reorders within a category (index counted without the moved point)', () => {
    const { doc, cats, points } = seededBoard();
    const [b1, b2, b3] = points[1]!;
    expectOneMutation(doc, 'movePoint', ann.userId, () => movePoint(doc, ann, b1!, { categoryId: cats[1], index: 2 }));
    expect(layout(doc)[cats[1]]).toEqual(['B2', 'B3', 'B1']);
    movePoint(doc, ann, b3!, { categoryId: cats[1], index: 0 });
    expect(layout(doc)[cats[1]]).toEqual(['B3', 'B2', 'B1']);
    movePoint(doc, ann, b2!, { categoryId: cats[1], index: 1 });
    expect(layout(doc)[cats[1]]).toEqual(['B3', 'B2', 'B1']);
    movePoint(doc, ann, b3!, { categoryId: cats[1], index: 42 });
    expect(layout(doc)[cats[1]]).toEqual(['B2', 'B1', 'B3']);
  });

  it('MODEL5: movePoint moves across categories, into an empty one and to an index in a full one', () => {
    const { doc, cats, points } = seededBoard();
    movePoint(doc, ann, points[0]![0]!, { categoryId: cats[2], index: 0 });
    movePoint(doc, ann, points[0]![1]!, { categoryId: cats[1], index: 1 });
    expect(layout(doc)).toEqual({ [cats[1]]: ['B1', 'S2', 'B2', 'B3'], [cats[2]]: ['S1'] });
    expect(listPoints(doc).find((p) => p.id === points[0]![0])?.categoryId).toBe(cats[2]);
  });

  it('MODEL5: movePoint keeps the point id, texts, positions and threads', () => {
    const { doc, cats, points } = seededBoard();
    const p = points[0]![0]!;
    setPosition(doc, ann, { pointId: p, stakeholderId: GOV, stance: 'support' });
    const t = openThread(doc, ann, { pointId: p, body: 'Hm' });
    pointText(doc, p, 'body')!.insert(0, 'Body text');
    movePoint(doc, ann, p, { categoryId: cats[2], index: 0 });
    const json = toBoardJson(doc);
    expect(json.points.find((x) => x.id === p)).toMatchObject({ title: 'S1', body: 'Body text', categoryId: cats[2] });
    expect(json.positions.map((x) => x.pointId)).toEqual([p]);
    expect(json.threads.map((x) => [x.id, x.pointId])).toEqual([[t, p]]);
  });

  it('MODEL2: movePoint refuses an unknown point or an unknown target category', () => {
    const { doc, cats, points } = seededBoard();
    expectRefused(doc, () => movePoint(doc, ann, UNKNOWN_POINT, { categoryId: cats[0], index: 0 }), 'not-found');
    expectRefused(doc, () => movePoint(doc, ann, points[0]![0]!, { categoryId: UNKNOWN_CAT, index: 0 }), 'not-found');
  });
});

describe('MODEL5: deletePoint', () => {
  it('MODEL5: deletePoint removes the point with its positions and threads, and nothing else', () => {
    const { doc, points } = seededBoard();
    const [victim, keeper] = [points[1]![1]!, points[1]![2]!];
    setPosition(doc, ann, { pointId: victim, stakeholderId: GOV, stance: 'oppose' });
    setPosition(doc, bob, { pointId: victim, stakeholderId: NGO, stance: 'support' });
    setPosition(doc, bob, { pointId: keeper, stakeholderId: NGO, stance: 'undecided' });
    openThread(doc, ann, { pointId: victim, body: 'a' });
    openThread(doc, bob, { pointId: victim, body: 'b' });
    const kept = openThread(doc, bob, { pointId: keeper, body: 'c' });

    expectOneMutation(doc, 'deletePoint', ann.userId, () => deletePoint(doc, ann, victim));

    const json = toBoardJson(doc);
    expect(json.points.map((p) => p.title)).toEqual(['S1', 'S2', 'B1', 'B3']);
    expect(listPositions(doc).map((p) => [p.pointId, p.stakeholderId])).toEqual([[keeper, NGO]]);
    expect(listThreads(doc).map((t) => t.id)).toEqual([kept]);
    expect(doc.getMap('positions').size).toBe(1);
    expect(doc.getMap('threads').size).toBe(1);
  });

  it('MODEL2: deletePoint refuses an unknown or already deleted point', () => {
    const { doc, points } = seededBoard();
    expectRefused(doc, () => deletePoint(doc, ann, UNKNOWN_POINT), 'not-found');
    deletePoint(doc, ann, points[0]![0]!);
    expectRefused(doc, () => deletePoint(doc, ann, points[0]![0]!), 'not-found');
  });

  it('MODEL2: a deleted point can no longer be moved, positioned or discussed', () => {
    const { doc, cats, points } = seededBoard();
    const p = points[0]![0]!;
    deletePoint(doc, ann, p);
    expectRefused(doc, () => movePoint(doc, ann, p, { categoryId: cats[0], index: 0 }), 'not-found');
    expectRefused(doc, () => setPosition(doc, ann, { pointId: p, stakeholderId: GOV, stance: 'support' }), 'not-found');
    expectRefused(doc, () => openThread(doc, ann, { pointId: p, body: 'hello?' }), 'not-found');
  });
});
