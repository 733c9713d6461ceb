import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  LiveBoardView,
  addPoint,
  createPlanUndoManager,
  deleteCategory,
  deleteOrphans,
  orphansOf,
  listPoints,
  listPositions,
  listThreads,
  movePoint,
  movePointStep,
  openThread,
  pointText,
  renameCategory,
  restorePoint,
  setPosition,
  toBoardJson,
  trashPoint,
  trashedPoints,
  type CategoryId,
  type PointId,
} from '@parley/shared/model';
import {
  GOV,
  NGO,
  ann,
  bob,
  exchange,
  expectConverged,
  expectOneMutation,
  expectRefused,
  layout,
  replica,
  seededBoard,
  syncAll,
} from './helpers.ts';

const numbers = (doc: Y.Doc) => listPoints(doc).map((p) => `${p.number}.${p.title}`);

describe('MODEL18: deleting a point hides it with everything it holds, until it is restored', () => {
  it('MODEL18: trashPoint hides the point, its positions and threads, and the numbers close up', () => {
    const { doc, cats, points } = seededBoard();
    const [s1, s2] = points[0]! as [PointId, PointId];
    setPosition(doc, bob, { pointId: s2, stakeholderId: NGO, stance: 'oppose', rationale: 'No' });
    openThread(doc, bob, { pointId: s2, body: 'Why?' });
    expect(numbers(doc)).toEqual(['1.S1', '2.S2', '3.B1', '4.B2', '5.B3']);
    expectOneMutation(doc, 'trashPoint', ann.userId, () => trashPoint(doc, ann, s2));
    expect(numbers(doc)).toEqual(['1.S1', '2.B1', '3.B2', '4.B3']);
    expect(listPositions(doc)).toEqual([]);
    expect(listThreads(doc)).toEqual([]);
    expect(trashedPoints(doc).map((p) => p.id)).toEqual([s2]);
    // Not listed, so not addressable: no new position or thread on it, no second delete.
    expectRefused(
      doc,
      () => setPosition(doc, bob, { pointId: s2, stakeholderId: NGO, stance: 'support' }),
      'not-found',
    );
    expectRefused(doc, () => openThread(doc, bob, { pointId: s2, body: 'Hello?' }), 'not-found');
    expectRefused(doc, () => trashPoint(doc, ann, s2), 'not-found');
    expectRefused(doc, () => movePointStep(doc, ann, s2, 'up'), 'not-found');
    // Its neighbour moves as if it were not there: the last of its category, into the next.
    movePointStep(doc, ann, s1, 'down');
    expect(layout(doc)).toEqual({ [cats[1]]: ['S1', 'B1', 'B2', 'B3'] });
  });

  it('MODEL18: restorePoint brings the point back with its text, positions and threads', () => {
    const { doc, points } = seededBoard();
    const s2 = points[0]![1]!;
    pointText(doc, s2, 'body')!.insert(0, 'Body text');
    setPosition(doc, bob, { pointId: s2, stakeholderId: NGO, stance: 'oppose', rationale: 'No' });
    openThread(doc, bob, { pointId: s2, body: 'Why?' });
    const before = toBoardJson(doc);
    trashPoint(doc, ann, s2);
    expectOneMutation(doc, 'restorePoint', bob.userId, () => restorePoint(doc, bob, s2));
    expect(toBoardJson(doc)).toEqual(before);
    expect(trashedPoints(doc)).toEqual([]);
  });

  it('MODEL18: restorePoint after the purge says the point is gone for good', () => {
    const { doc, points } = seededBoard();
    const s2 = points[0]![1]!;
    trashPoint(doc, ann, s2);
    doc.getMap('points').delete(s2);
    const err = expectRefused(doc, () => restorePoint(doc, ann, s2), 'not-found');
    expect(err.message).toMatch(/deleted for good/);
  });

  it('MODEL18: the live view follows a delete and a restore (positions and threads too)', () => {
    const { doc, points } = seededBoard();
    const s1 = points[0]![0]!;
    setPosition(doc, ann, { pointId: s1, stakeholderId: GOV, stance: 'support' });
    openThread(doc, ann, { pointId: s1, body: 'Note' });
    const live = new LiveBoardView(doc);
    trashPoint(doc, ann, s1);
    expect(live.read()).toEqual(toBoardJson(doc));
    expect(live.read().positions).toEqual([]);
    restorePoint(doc, ann, s1);
    expect(live.read()).toEqual(toBoardJson(doc));
    expect(live.read().threads).toHaveLength(1);
    live.destroy();
  });
});

describe('MODEL19: movePointStep moves a point one place in the numbering', () => {
  it('MODEL19: within a category, across category boundaries both ways, and not past either end', () => {
    const { doc, cats, points } = seededBoard();
    const [s1, s2] = points[0]! as [PointId, PointId];
    const b1 = points[1]![0]!;
    const b3 = points[1]![2]!;
    expect(movePointStep(doc, ann, s1, 'down')).toBe(true);
    expect(numbers(doc)).toEqual(['1.S2', '2.S1', '3.B1', '4.B2', '5.B3']);
    // Last of its category going down: first of the next one.
    expect(movePointStep(doc, ann, s1, 'down')).toBe(true);
    expect(layout(doc)).toEqual({ [cats[0]]: ['S2'], [cats[1]]: ['S1', 'B1', 'B2', 'B3'] });
    // First of its category going up: last of the previous one.
    expect(movePointStep(doc, ann, s1, 'up')).toBe(true);
    expect(movePointStep(doc, ann, b1, 'up')).toBe(true);
    expect(layout(doc)).toEqual({ [cats[0]]: ['S2', 'S1', 'B1'], [cats[1]]: ['B2', 'B3'] });
    // Into an empty category.
    expect(movePointStep(doc, ann, b3, 'down')).toBe(true);
    expect(layout(doc)).toEqual({ [cats[0]]: ['S2', 'S1', 'B1'], [cats[1]]: ['B2'], [cats[2]]: ['B3'] });
    // The ends of the board.
    expectRefusedStep(doc, s2, 'up');
    expectRefusedStep(doc, b3, 'down');
  });

  function expectRefusedStep(doc: Y.Doc, id: PointId, direction: 'up' | 'down') {
    const state = Y.encodeStateAsUpdate(doc);
    expect(movePointStep(doc, ann, id, direction)).toBe(false);
    expect(Y.encodeStateAsUpdate(doc)).toEqual(state);
  }
});

describe('MODEL20: deleting a category moves its points where the editor says', () => {
  it('MODEL20: its points go to the end of the chosen category, in order, in one transaction', () => {
    const { doc, cats } = seededBoard();
    expectOneMutation(doc, 'deleteCategory', ann.userId, () => deleteCategory(doc, ann, cats[1], cats[0]));
    expect(layout(doc)).toEqual({ [cats[0]]: ['S1', 'S2', 'B1', 'B2', 'B3'] });
    expect(toBoardJson(doc).categories.map((c) => c.id)).toEqual([cats[0], cats[2]]);
  });

  it('MODEL20: a deleted point of the category moves too, so a restore finds a home', () => {
    const { doc, cats, points } = seededBoard();
    const b2 = points[1]![1]!;
    trashPoint(doc, ann, b2);
    deleteCategory(doc, ann, cats[1], cats[2]);
    restorePoint(doc, ann, b2);
    expect(layout(doc)).toEqual({ [cats[0]]: ['S1', 'S2'], [cats[2]]: ['B1', 'B2', 'B3'] });
  });

  it('MODEL20: refuses moving points into itself or into an unknown category, and writes nothing', () => {
    const { doc, cats } = seededBoard();
    expectRefused(doc, () => deleteCategory(doc, ann, cats[1], cats[1]), 'invalid');
    expectRefused(doc, () => deleteCategory(doc, ann, cats[1], 'c_nope' as CategoryId), 'not-found');
    const err = expectRefused(doc, () => deleteCategory(doc, ann, cats[1]), 'conflict');
    expect(err.message).toMatch(/where its points go/);
  });

  it('MODEL20: concurrent deletes of a category into different ones, with moves and edits, converge', () => {
    const a = seededBoard(1);
    const b = replica(a.doc, 2);
    const c = replica(a.doc, 3);
    const [c0, c1, c2] = a.cats;
    deleteCategory(a.doc, ann, c1, c0);
    deleteCategory(b, bob, c1, c2);
    movePoint(c, bob, a.points[0]![0]!, { categoryId: c1, index: 0 });
    pointText(c, a.points[1]![0]!, 'title')!.insert(2, '!');
    syncAll(a.doc, b, c);
    expectConverged(a.doc, b, c);
    // Every point is listed once, none lost.
    expect(
      listPoints(a.doc)
        .map((p) => p.title)
        .sort(),
    ).toEqual(['B1!', 'B2', 'B3', 'S1', 'S2']);
  });
});

describe('MODEL21: undo and redo of one own plan edits never undo someone else', () => {
  it('MODEL21: undo and redo a move, a delete and a category delete, one step each', () => {
    const { doc, cats, points } = seededBoard();
    const undo = createPlanUndoManager(doc);
    const s1 = points[0]![0]!;
    const start = layout(doc);
    movePointStep(doc, ann, s1, 'down');
    trashPoint(doc, ann, s1);
    deleteCategory(doc, ann, cats[1], cats[0]);
    const end = layout(doc);
    undo.undo();
    expect(toBoardJson(doc).categories).toHaveLength(3);
    undo.undo();
    expect(trashedPoints(doc)).toEqual([]);
    undo.undo();
    expect(layout(doc)).toEqual(start);
    undo.redo();
    undo.redo();
    undo.redo();
    expect(layout(doc)).toEqual(end);
    undo.destroy();
  });

  it('MODEL21: typing, positions and comments are not captured', () => {
    const { doc, points } = seededBoard();
    const undo = createPlanUndoManager(doc);
    const s1 = points[0]![0]!;
    pointText(doc, s1, 'body')!.insert(0, 'typed');
    setPosition(doc, ann, { pointId: s1, stakeholderId: GOV, stance: 'support' });
    openThread(doc, ann, { pointId: s1, body: 'Hi' });
    expect(undo.canUndo()).toBe(false);
    undo.destroy();
  });

  it("MODEL21: undo reverts one's own move only; a later move by someone else stays", () => {
    const a = seededBoard(1);
    const b = replica(a.doc, 2);
    const undoA = createPlanUndoManager(a.doc);
    const undoB = createPlanUndoManager(b);
    const [c0, c1, c2] = a.cats;
    const s1 = a.points[0]![0]!;
    const b2 = a.points[1]![1]!;
    movePoint(a.doc, ann, s1, { categoryId: c1, index: 0 });
    syncAll(a.doc, b);
    // Bob moves the same point on; Ann's undo must not pull it back from under him.
    movePoint(b, bob, s1, { categoryId: c2, index: 0 });
    renameCategory(b, bob, c0, 'Scope, revised');
    syncAll(a.doc, b);
    expect(undoA.canUndo()).toBe(true);
    undoA.undo();
    syncAll(a.doc, b);
    expectConverged(a.doc, b);
    expect(layout(a.doc)[c2]).toEqual(['S1']);
    expect(toBoardJson(a.doc).categories[0]!.title).toBe('Scope, revised');
    // Ann's own edit unrelated to Bob's is undone, and Bob's own stack is untouched.
    movePoint(a.doc, ann, b2, { categoryId: c0, index: 0 });
    syncAll(a.doc, b);
    undoA.undo();
    syncAll(a.doc, b);
    expect(layout(b)[c1]).toEqual(['B1', 'B2', 'B3']);
    expect(undoB.undoStack).toHaveLength(2);
    undoA.destroy();
    undoB.destroy();
  });

  it('MODEL21: undoing an add removes only that point; undo of a delete concurrent with an edit keeps the edit', () => {
    const a = seededBoard(1);
    const b = replica(a.doc, 2);
    const undoA = createPlanUndoManager(a.doc);
    const added = addPoint(a.doc, ann, { categoryId: a.cats[2], title: 'New' });
    const s2 = a.points[0]![1]!;
    trashPoint(a.doc, ann, s2);
    pointText(b, s2, 'title')!.insert(2, ' edited while deleted');
    exchange(a.doc, b);
    undoA.undo();
    undoA.undo();
    syncAll(a.doc, b);
    expectConverged(a.doc, b);
    const titles = listPoints(a.doc).map((p) => p.title);
    expect(titles).toContain('S2 edited while deleted');
    expect(listPoints(a.doc).some((p) => p.id === added)).toBe(false);
    undoA.destroy();
  });
});

describe('MODEL22: positions and threads left without a point are found for the server to remove', () => {
  it('MODEL22: an undo of an add after others used the point leaves orphans, and deleteOrphans removes only them', () => {
    const a = seededBoard(1);
    const b = replica(a.doc, 2);
    const undo = createPlanUndoManager(a.doc);
    const added = addPoint(a.doc, ann, { categoryId: a.cats[0], title: 'Fresh' });
    syncAll(a.doc, b);
    setPosition(b, bob, { pointId: added, stakeholderId: NGO, stance: 'support' });
    openThread(b, bob, { pointId: added, body: 'On the fresh point' });
    const kept = openThread(b, bob, { pointId: a.points[0]![0]!, body: 'Elsewhere' });
    syncAll(a.doc, b);
    undo.undo();
    syncAll(a.doc, b);
    const orphans = orphansOf(b);
    expect(orphans.positions).toEqual([`${added}:${NGO}`]);
    expect(orphans.threads).toHaveLength(1);
    // A deleted (hidden) point's positions and threads are not orphans: it may be restored.
    trashPoint(b, ann, a.points[0]![0]!);
    expect(orphansOf(b).threads).toEqual(orphans.threads);
    deleteOrphans(b, orphans);
    expect(orphansOf(b)).toEqual({ positions: [], threads: [], amendments: [], reactions: [] });
    expect(b.getMap('threads').has(kept)).toBe(true);
    undo.destroy();
  });
});
