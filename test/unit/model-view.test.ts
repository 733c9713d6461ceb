import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addCategory,
  addPoint,
  deletePoint,
  listCategories,
  listPoints,
  listPositions,
  listStakeholders,
  listThreads,
  moveCategory,
  movePoint,
  positionKey,
  toBoardJson,
  type BoardJson,
} from '@parley/shared/model';
import { GOV, ann, newDoc, replica, seededBoard } from './helpers.ts';

/** [number, title] of every point in display order. */
const numbered = (doc: Y.Doc) => listPoints(doc).map((p) => [p.number, p.title] as const);

function expectNumbers1ToN(json: BoardJson) {
  expect(json.points.map((p) => p.number)).toEqual(json.points.map((_, i) => i + 1));
  expect(json.categories.map((c) => c.number)).toEqual(json.categories.map((_, i) => i + 1));
}

/** Walks plain JSON looking for a key anywhere in it. */
function hasKey(value: unknown, key: string): boolean {
  if (Array.isArray(value)) return value.some((v) => hasKey(v, key));
  if (value && typeof value === 'object') {
    return Object.entries(value).some(([k, v]) => k === key || hasKey(v, key));
  }
  return false;
}

describe('MODEL6: derived display numbers', () => {
  it('MODEL6: points are numbered 1..N across categories in category order, then point order', () => {
    const { doc } = seededBoard();
    expect(numbered(doc)).toEqual([
      [1, 'S1'],
      [2, 'S2'],
      [3, 'B1'],
      [4, 'B2'],
      [5, 'B3'],
    ]);
    expect(listCategories(doc).map((c) => [c.number, c.title])).toEqual([
      [1, 'Scope'],
      [2, 'Budget'],
      [3, 'Timeline'],
    ]);
  });

  it('MODEL6: numbers follow category order, not insertion order', () => {
    const doc = newDoc();
    const late = addCategory(doc, null, 'Second');
    const early = addCategory(doc, null, 'First', 0);
    addPoint(doc, null, { categoryId: late, title: 'L1' });
    addPoint(doc, null, { categoryId: early, title: 'E1' });
    addPoint(doc, null, { categoryId: late, title: 'L0', index: 0 });
    expect(numbered(doc)).toEqual([
      [1, 'E1'],
      [2, 'L0'],
      [3, 'L1'],
    ]);
  });

  it('MODEL6: numbers are renumbered after a move across categories', () => {
    const { doc, cats, points } = seededBoard();
    movePoint(doc, ann, points[1]![2]!, { categoryId: cats[0], index: 0 });
    expect(numbered(doc)).toEqual([
      [1, 'B3'],
      [2, 'S1'],
      [3, 'S2'],
      [4, 'B1'],
      [5, 'B2'],
    ]);
    movePoint(doc, ann, points[0]![0]!, { categoryId: cats[2], index: 0 });
    expect(numbered(doc)).toEqual([
      [1, 'B3'],
      [2, 'S2'],
      [3, 'B1'],
      [4, 'B2'],
      [5, 'S1'],
    ]);
  });

  it('MODEL6: numbers are renumbered after a delete (no gaps)', () => {
    const { doc, points } = seededBoard();
    deletePoint(doc, ann, points[0]![1]!);
    expect(numbered(doc)).toEqual([
      [1, 'S1'],
      [2, 'B1'],
      [3, 'B2'],
      [4, 'B3'],
    ]);
  });

  it('MODEL6: numbers are renumbered after a category reorder', () => {
    const { doc, cats } = seededBoard();
    moveCategory(doc, ann, cats[1], 0);
    expect(numbered(doc)).toEqual([
      [1, 'B1'],
      [2, 'B2'],
      [3, 'B3'],
      [4, 'S1'],
      [5, 'S2'],
    ]);
    expect(listCategories(doc).map((c) => [c.number, c.title])).toEqual([
      [1, 'Budget'],
      [2, 'Scope'],
      [3, 'Timeline'],
    ]);
  });

  it('MODEL6: nothing in the doc stores a display number', () => {
    const { doc, cats, points } = seededBoard();
    movePoint(doc, ann, points[0]![0]!, { categoryId: cats[2], index: 0 });
    moveCategory(doc, ann, cats[2], 0);
    deletePoint(doc, ann, points[1]![0]!);
    const raw = doc.toJSON();
    expect(Object.keys(raw).sort()).toEqual([
      'amendments',
      'categories',
      'meta',
      'points',
      'positions',
      'reactions',
      'stakeholders',
      'threads',
    ]);
    expect(hasKey(raw, 'number')).toBe(false);
    expectNumbers1ToN(toBoardJson(doc));
    // A replica built only from the encoded state derives the same numbers.
    expect(numbered(replica(doc))).toEqual(numbered(doc));
  });

  it('MODEL6: a point whose category is missing is listed after all categories, numbered last', () => {
    const { doc, cats, points } = seededBoard();
    // Simulate a move into a category deleted concurrently: point the field at a missing id.
    doc.getMap<Y.Map<unknown>>('points').get(points[0]![0]!)!.set('categoryId', 'c_gone00000000');
    const list = listPoints(doc);
    expect(list.map((p) => [p.number, p.title])).toEqual([
      [1, 'S2'],
      [2, 'B1'],
      [3, 'B2'],
      [4, 'B3'],
      [5, 'S1'],
    ]);
    expect(list.filter((p) => p.categoryId === cats[0]).map((p) => p.title)).toEqual(['S2']);
  });

  it('MODEL6: equal order keys are broken by id so every replica lists the same order', () => {
    const doc = newDoc();
    const c = addCategory(doc, null, 'Only');
    const points = doc.getMap<Y.Map<unknown>>('points');
    for (const id of ['p_b', 'p_c', 'p_a']) {
      const m = new Y.Map<unknown>();
      m.set('categoryId', c);
      m.set('order', 'a0');
      m.set('title', new Y.Text(id));
      m.set('body', new Y.Text(''));
      points.set(id, m);
    }
    expect(listPoints(doc).map((p) => [p.number, p.id])).toEqual([
      [1, 'p_a'],
      [2, 'p_b'],
      [3, 'p_c'],
    ]);
  });
});

describe('MODEL17: the view is a tolerant reader of the doc', () => {
  it('MODEL17: an empty doc reads as an empty board', () => {
    expect(toBoardJson(newDoc())).toEqual({
      meta: { title: 'Untitled board', description: '', isDemo: false, schemaVersion: 1 },
      stakeholders: [],
      categories: [],
      points: [],
      positions: [],
      threads: [],
    });
  });

  it('MODEL17: malformed entries are skipped or defaulted instead of throwing', () => {
    const { doc, points } = seededBoard();
    doc.transact(() => {
      doc.getMap('points').set('p_junk', 'not a map');
      doc.getMap('categories').set('c_junk', 42);
      doc.getMap('stakeholders').set('junk', null);
      doc.getMap('threads').set('t_junk', 'nope');
      const positions = doc.getMap('positions');
      positions.set(positionKey(points[0]![0]!, GOV), { stance: 'maybe', rationale: 'x' });
      positions.set('nocolon', { stance: 'support' });
      positions.set(':leading', { stance: 'support' });
      positions.set(positionKey(points[0]![1]!, GOV), 'support');
      const bare = new Y.Map<unknown>();
      doc.getMap('stakeholders').set('bare', bare);
      const thread = new Y.Map<unknown>();
      thread.set('pointId', points[0]![0]!);
      doc.getMap('threads').set('t_bare', thread);
    });
    const json = toBoardJson(doc);
    expect(json.points).toHaveLength(5);
    expect(json.categories).toHaveLength(3);
    expect(json.positions).toEqual([]);
    expect(listStakeholders(doc).find((s) => s.id === 'bare')).toEqual({
      id: 'bare',
      name: 'bare',
      short: 'BAR',
      color: '#64748b',
      order: 'a0',
    });
    expect(listThreads(doc).map((t) => t.id)).toEqual(['t_bare']);
    expect(listThreads(doc)[0]).toMatchObject({ comments: [], resolved: false, resolvedBy: null, resolvedAt: null });
  });

  it('MODEL17: listPositions keeps the stakeholder part after the first colon', () => {
    const { doc, points } = seededBoard();
    doc.getMap('positions').set(positionKey(points[0]![0]!, GOV), { stance: 'support', rationale: 7 });
    expect(listPositions(doc)).toEqual([
      { pointId: points[0]![0]!, stakeholderId: GOV, stance: 'support', rationale: '', by: '', byName: '', at: 0 },
    ]);
  });
});
