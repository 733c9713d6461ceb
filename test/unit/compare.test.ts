import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  addCategory,
  addPoint,
  compareBoards,
  decideAmendment,
  deleteCategory,
  deletePoint,
  listCategories,
  listPoints,
  movePoint,
  pointText,
  proposeAmendment,
  renameCategory,
  setPosition,
  snapshotOf,
  type Actor,
  type CategoryId,
  type StakeholderId,
  type UserId,
} from '@parley/shared/model';
import { comparisonToMarkdown } from '@parley/shared/export';
import { buildDemoState } from '../../server/src/seed/createDemoBoard.ts';

const editor: Actor = { userId: 'u-ed' as UserId, name: 'Ed', stakeholderId: 'us' as StakeholderId };
const ukraine: Actor = { userId: 'u-ua' as UserId, name: 'Olena', stakeholderId: 'ukraine' as StakeholderId };

function demo(): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, buildDemoState());
  return doc;
}

describe('comparing two states of a board (unit: shared/src/model/compare.ts)', () => {
  it('ROUND1 two equal states compare to nothing; a title or body edit, a position change and an amendment decided in between show on their point only, with the old and new values', () => {
    const doc = demo();
    const v1 = snapshotOf(doc);
    expect(compareBoards(v1, snapshotOf(doc))).toEqual({ points: [], categories: [], amendments: [] });
    const [p1, p2, p3] = listPoints(doc);
    const oldTitle = p1!.title;
    pointText(doc, p1!.id, 'title')!.insert(0, 'Revised: ');
    setPosition(doc, ukraine, {
      pointId: p2!.id,
      stakeholderId: ukraine.stakeholderId,
      stance: 'oppose',
      rationale: 'No.',
    });
    const id = proposeAmendment(doc, ukraine, { pointId: p3!.id, field: 'body', wording: 'New body.', rationale: '' });
    decideAmendment(doc, editor, id, 'accepted', 'Agreed');
    const c = compareBoards(v1, snapshotOf(doc));
    expect(c.points.map((p) => [p.id, p.changes])).toEqual([
      [p1!.id, ['title']],
      [p2!.id, ['positions']],
      [p3!.id, ['body']],
    ]);
    expect(c.points[0]).toMatchObject({ title: { from: oldTitle, to: `Revised: ${oldTitle}` }, positions: [] });
    expect(c.points[1]!.positions).toEqual([
      { stakeholderId: 'ukraine', from: null, to: { stance: 'oppose', rationale: 'No.' } },
    ]);
    expect(c.points[2]!.body).toEqual({ from: p3!.body, to: 'New body.' });
    expect(c.amendments).toEqual([
      expect.objectContaining({ id, number: 1, status: 'accepted', decidedByName: 'Ed', decisionNote: 'Agreed' }),
    ]);
    // Decided before the first state: not "in between".
    expect(compareBoards(snapshotOf(doc), snapshotOf(doc)).amendments).toEqual([]);
  });

  it('ROUND2 points added, removed and moved between categories, the points renumbered by it, and categories added, renamed and removed', () => {
    const doc = demo();
    const v1 = snapshotOf(doc);
    const [c1, c2, c3] = listCategories(doc);
    const points = listPoints(doc);
    const first = points[0]!;
    const last = points.at(-1)!;
    // The first point moves to the second category: points between renumber.
    movePoint(doc, editor, first.id, { categoryId: c2!.id, index: 0 });
    deletePoint(doc, editor, last.id);
    const added = addPoint(doc, editor, { categoryId: c1!.id, title: 'A new point', body: 'Its text.' });
    renameCategory(doc, editor, c3!.id, 'Renamed category');
    const newCategory = addCategory(doc, editor, 'Monitoring') as CategoryId;
    const v2 = snapshotOf(doc);
    const c = compareBoards(v1, v2);
    const byId = new Map(c.points.map((p) => [p.id, p]));
    expect(byId.get(first.id)).toMatchObject({
      changes: expect.arrayContaining(['moved']),
      categoryId: { from: c1!.id, to: c2!.id },
    });
    expect(byId.get(added)).toMatchObject({
      changes: ['added'],
      title: { from: null, to: 'A new point' },
      number: { from: null },
    });
    expect(byId.get(last.id)).toMatchObject({ changes: ['removed'], title: { from: last.title, to: null } });
    expect(c.points.at(-1)!.id).toBe(last.id);
    const renumbered = c.points.filter((p) => p.changes.join() === 'renumbered');
    expect(renumbered.length).toBeGreaterThan(0);
    for (const p of renumbered) expect(p.number.from).not.toBe(p.number.to);
    expect(c.categories).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: c3!.id, change: 'renamed', title: { from: c3!.title, to: 'Renamed category' } }),
        expect.objectContaining({ id: newCategory, change: 'added' }),
      ]),
    );
    deleteCategory(doc, editor, newCategory);
    expect(compareBoards(v2, snapshotOf(doc)).categories).toEqual([
      expect.objectContaining({ id: newCategory, change: 'removed', title: { from: 'Monitoring', to: null } }),
    ]);
  });

  it('ROUND3 the Markdown of a comparison words each change: the text as a word diff (struck and bold), moves, positions from → to, categories and decided amendments', () => {
    const doc = demo();
    const v1 = snapshotOf(doc);
    const [p1, p2] = listPoints(doc);
    const body = pointText(doc, p1!.id, 'body')!;
    body.insert(body.length, ' Verified weekly.');
    setPosition(doc, ukraine, {
      pointId: p2!.id,
      stakeholderId: ukraine.stakeholderId,
      stance: 'support',
      rationale: 'Fine',
    });
    const after = snapshotOf(doc);
    const md = comparisonToMarkdown(compareBoards(v1, after), { from: 'Round 1', to: 'Round 2' }, after.board);
    expect(md).toContain('# Changes from Round 1 to Round 2');
    expect(md).toContain(`## Point ${p1!.number}. ${p1!.title} (body)`);
    expect(md).toContain('**Verified weekly.**');
    expect(md).toContain('- Ukraine: no position → Support (Fine)');
    expect(comparisonToMarkdown(compareBoards(v1, v1), { from: 'a', to: 'b' }, v1.board)).toContain('No changes.');
  });
});
