import { describe, expect, it } from 'vitest';
import {
  LIMITS,
  addCategory,
  addPoint,
  deleteCategory,
  deletePoint,
  listCategories,
  listPoints,
  moveCategory,
  movePoint,
  renameCategory,
  type CategoryId,
} from '@parley/shared/model';
import { ann, expectOneMutation, expectRefused, newDoc, seededBoard } from './helpers.ts';

const titles = (doc: Parameters<typeof listCategories>[0]) => listCategories(doc).map((c) => c.title);
const UNKNOWN = 'c_doesnotexist' as CategoryId;

describe('MODEL4: categories', () => {
  it('MODEL4: addCategory appends by default and returns a fresh c_ id', () => {
    const { doc } = seededBoard();
    const id = expectOneMutation(doc, 'addCategory', ann.userId, () => addCategory(doc, ann, '  Risks  and\nissues '));
    expect(id).toMatch(/^c_[a-z0-9]{12}$/);
    const cats = listCategories(doc);
    expect(cats.map((c) => c.title)).toEqual(['Scope', 'Budget', 'Timeline', 'Risks and issues']);
    expect(cats[3]).toMatchObject({ id, number: 4 });
  });

  it('MODEL4: addCategory inserts at an index, clamping out-of-range indices', () => {
    const { doc } = seededBoard();
    addCategory(doc, ann, 'First', 0);
    addCategory(doc, ann, 'Middle', 2);
    addCategory(doc, ann, 'Last', 99);
    addCategory(doc, ann, 'Before all', -5);
    expect(titles(doc)).toEqual(['Before all', 'First', 'Scope', 'Middle', 'Budget', 'Timeline', 'Last']);
  });

  it('MODEL4: addCategory on an empty board gives category number 1', () => {
    const doc = newDoc();
    const id = addCategory(doc, null, 'Only');
    expect(listCategories(doc)).toEqual([{ id, title: 'Only', order: expect.any(String), number: 1 }]);
  });

  it('MODEL2: addCategory refuses blank and over-long titles and writes nothing', () => {
    const { doc } = seededBoard();
    expectRefused(doc, () => addCategory(doc, ann, ''), 'invalid');
    expectRefused(doc, () => addCategory(doc, ann, ' \n '), 'invalid');
    expectRefused(doc, () => addCategory(doc, ann, 'c'.repeat(LIMITS.categoryTitleLength + 1)), 'invalid');
    const id = addCategory(doc, ann, 'c'.repeat(LIMITS.categoryTitleLength));
    expect(listCategories(doc).find((c) => c.id === id)?.title).toHaveLength(LIMITS.categoryTitleLength);
  });

  it('MODEL4: renameCategory changes the title only', () => {
    const { doc, cats } = seededBoard();
    const before = listCategories(doc);
    expectOneMutation(doc, 'renameCategory', ann.userId, () => renameCategory(doc, ann, cats[1], ' Money '));
    const after = listCategories(doc);
    expect(after[1]).toEqual({ ...before[1], title: 'Money' });
    expect(after.filter((_, i) => i !== 1)).toEqual(before.filter((_, i) => i !== 1));
  });

  it('MODEL2: renameCategory refuses an unknown category or a bad title', () => {
    const { doc, cats } = seededBoard();
    expectRefused(doc, () => renameCategory(doc, ann, UNKNOWN, 'X'), 'not-found');
    expectRefused(doc, () => renameCategory(doc, ann, cats[0], '   '), 'invalid');
    expectRefused(doc, () => renameCategory(doc, ann, cats[0], 'x'.repeat(LIMITS.categoryTitleLength + 1)), 'invalid');
  });

  it('MODEL4: moveCategory places the category at the index among the others', () => {
    const { doc, cats } = seededBoard();
    expectOneMutation(doc, 'moveCategory', ann.userId, () => moveCategory(doc, ann, cats[2], 0));
    expect(titles(doc)).toEqual(['Timeline', 'Scope', 'Budget']);
    moveCategory(doc, ann, cats[2], 1);
    expect(titles(doc)).toEqual(['Scope', 'Timeline', 'Budget']);
    moveCategory(doc, ann, cats[0], 99);
    expect(titles(doc)).toEqual(['Timeline', 'Budget', 'Scope']);
    moveCategory(doc, ann, cats[0], -1);
    expect(titles(doc)).toEqual(['Scope', 'Timeline', 'Budget']);
    expect(listCategories(doc).map((c) => c.number)).toEqual([1, 2, 3]);
  });

  it('MODEL4: moving a category keeps its points in it', () => {
    const { doc, cats, points } = seededBoard();
    moveCategory(doc, ann, cats[1], 0);
    const inBudget = listPoints(doc)
      .filter((p) => p.categoryId === cats[1])
      .map((p) => p.id);
    expect(inBudget).toEqual(points[1]);
  });

  it('MODEL2: moveCategory refuses an unknown category', () => {
    const { doc } = seededBoard();
    expectRefused(doc, () => moveCategory(doc, ann, UNKNOWN, 0), 'not-found');
  });

  it('MODEL4: deleteCategory removes an empty category', () => {
    const { doc, cats } = seededBoard();
    expectOneMutation(doc, 'deleteCategory', ann.userId, () => deleteCategory(doc, ann, cats[2]));
    expect(listCategories(doc).map((c) => c.id)).toEqual([cats[0], cats[1]]);
  });

  it('MODEL4: deleteCategory refuses a category that still holds points, and loses none', () => {
    const { doc, cats, points } = seededBoard();
    const err = expectRefused(doc, () => deleteCategory(doc, ann, cats[0]), 'conflict');
    expect(err.name).toBe('ModelError');
    expect(
      listPoints(doc)
        .filter((p) => p.categoryId === cats[0])
        .map((p) => p.id),
    ).toEqual(points[0]);
  });

  it('MODEL4: a category emptied by moving or deleting its points can then be deleted', () => {
    const { doc, cats, points } = seededBoard();
    movePoint(doc, ann, points[0]![0]!, { categoryId: cats[2], index: 0 });
    expectRefused(doc, () => deleteCategory(doc, ann, cats[0]), 'conflict');
    deletePoint(doc, ann, points[0]![1]!);
    deleteCategory(doc, ann, cats[0]);
    expect(titles(doc)).toEqual(['Budget', 'Timeline']);
    expect(listPoints(doc)).toHaveLength(4);
  });

  it('MODEL2: deleteCategory refuses an unknown or already deleted category', () => {
    const { doc, cats } = seededBoard();
    expectRefused(doc, () => deleteCategory(doc, ann, UNKNOWN), 'not-found');
    deleteCategory(doc, ann, cats[2]);
    expectRefused(doc, () => deleteCategory(doc, ann, cats[2]), 'not-found');
  });

  it('MODEL2: addPoint into a deleted category is refused', () => {
    const { doc, cats } = seededBoard();
    deleteCategory(doc, ann, cats[2]);
    expectRefused(doc, () => addPoint(doc, ann, { categoryId: cats[2], title: 'Lost?' }), 'not-found');
  });
});
