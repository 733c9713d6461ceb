import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  MUTATIONS,
  toggleReaction,
  decideAmendment,
  proposeAmendment,
  rebaseAmendment,
  respondToAmendment,
  setSignOffRule,
  withdrawAmendment,
  type AmendmentId,
  addCategory,
  addPoint,
  addStakeholder,
  clearPosition,
  deleteCategory,
  deleteComment,
  deletePoint,
  deleteOrphans,
  orphansOf,
  trashPoint,
  restorePoint,
  deleteThread,
  editComment,
  pointNotes,
  type PointId,
  initBoard,
  isMutationOrigin,
  listThreads,
  moveCategory,
  movePoint,
  mutationOrigin,
  openThread,
  renameCategory,
  replyToThread,
  setPosition,
  setThreadResolved,
  updateMeta,
  updateStakeholder,
  type MutationName,
  type StakeholderId,
  type CommentId,
  type ThreadId,
  type UserId,
} from '@parley/shared/model';
import { GOV, ann, bob, expectOneMutation, newDoc, recordTransactions, seededBoard, type Seeded } from './helpers.ts';

/**
 * One case per mutation: `setup` prepares the board (its own mutations are not observed),
 * `run` is the call under test, `actor` is the user id its origin must carry.
 */
interface Ctx {
  threadId: ThreadId;
  commentId: CommentId;
  amendmentId?: AmendmentId;
}
interface Case {
  actor: UserId | null;
  setup?: (s: Seeded) => Ctx;
  run: (s: Seeded, ctx: Ctx) => unknown;
}

function withThread(s: Seeded): Ctx {
  const threadId = openThread(s.doc, ann, { pointId: s.points[0]![0]!, body: 'First' });
  const commentId = listThreads(s.doc)[0]!.comments[0]!.id;
  return { threadId, commentId };
}

/** An open amendment on the first point, proposed by `ann` (GOV). */
function withAmendment(s: Seeded): Ctx {
  const amendmentId = proposeAmendment(s.doc, ann, {
    pointId: s.points[0]![0]!,
    field: 'title',
    wording: 'S1, reworded',
    rationale: '',
  });
  return { ...withThread(s), amendmentId };
}

const cases: Record<MutationName, Case> = {
  initBoard: { actor: null, run: (s) => initBoard(s.doc, { title: 'Again' }) },
  updateMeta: { actor: ann.userId, run: (s) => updateMeta(s.doc, ann, { title: 'New title', description: 'x' }) },
  addStakeholder: {
    actor: bob.userId,
    run: (s) =>
      addStakeholder(s.doc, bob, { id: 'biz' as StakeholderId, name: 'Business', short: 'BIZ', color: '#aa0000' }),
  },
  updateStakeholder: { actor: ann.userId, run: (s) => updateStakeholder(s.doc, ann, GOV, { name: 'Ministry' }) },
  addCategory: { actor: ann.userId, run: (s) => addCategory(s.doc, ann, 'Risks') },
  renameCategory: { actor: ann.userId, run: (s) => renameCategory(s.doc, ann, s.cats[0], 'Scope & aims') },
  moveCategory: { actor: bob.userId, run: (s) => moveCategory(s.doc, bob, s.cats[2], 0) },
  deleteCategory: { actor: ann.userId, run: (s) => deleteCategory(s.doc, ann, s.cats[2]) },
  addPoint: { actor: ann.userId, run: (s) => addPoint(s.doc, ann, { categoryId: s.cats[2], title: 'T1' }) },
  movePoint: {
    actor: bob.userId,
    run: (s) => movePoint(s.doc, bob, s.points[0]![0]!, { categoryId: s.cats[1], index: 1 }),
  },
  trashPoint: { actor: ann.userId, run: (s) => trashPoint(s.doc, ann, s.points[1]![0]!) },
  restorePoint: {
    actor: bob.userId,
    setup: (s) => {
      trashPoint(s.doc, ann, s.points[1]![0]!);
      return {} as Ctx;
    },
    run: (s) => restorePoint(s.doc, bob, s.points[1]![0]!),
  },
  deletePoint: { actor: ann.userId, run: (s) => deletePoint(s.doc, ann, s.points[1]![0]!) },
  deleteOrphans: {
    actor: null,
    setup: (s) => {
      const ctx = withThread(s);
      s.doc.getMap('points').delete(s.points[0]![0]!);
      return ctx;
    },
    run: (s) => deleteOrphans(s.doc, orphansOf(s.doc)),
  },
  setPosition: {
    actor: ann.userId,
    run: (s) => setPosition(s.doc, ann, { pointId: s.points[0]![0]!, stakeholderId: GOV, stance: 'support' }),
  },
  clearPosition: {
    actor: bob.userId,
    setup: (s) => {
      setPosition(s.doc, ann, { pointId: s.points[0]![0]!, stakeholderId: GOV, stance: 'oppose' });
      return {} as Ctx;
    },
    run: (s) => clearPosition(s.doc, bob, s.points[0]![0]!, GOV),
  },
  openThread: { actor: ann.userId, run: (s) => openThread(s.doc, ann, { pointId: s.points[0]![0]!, body: 'Why?' }) },
  replyToThread: {
    actor: bob.userId,
    setup: withThread,
    run: (s, t) => replyToThread(s.doc, bob, t.threadId, 'Because.'),
  },
  editComment: {
    actor: ann.userId,
    setup: withThread,
    run: (s, t) => editComment(s.doc, ann, t.threadId, t.commentId, 'First, edited'),
  },
  deleteComment: {
    actor: ann.userId,
    setup: withThread,
    run: (s, t) => deleteComment(s.doc, ann, t.threadId, t.commentId),
  },
  setThreadResolved: {
    actor: bob.userId,
    setup: withThread,
    run: (s, t) => setThreadResolved(s.doc, bob, t.threadId, true),
  },
  deleteThread: { actor: ann.userId, setup: withThread, run: (s, t) => deleteThread(s.doc, ann, t.threadId) },
  toggleReaction: {
    actor: bob.userId,
    setup: withThread,
    run: (s, t) => toggleReaction(s.doc, bob, t.threadId, t.commentId, 'heart'),
  },
  // Private notes live in their own doc; creating a point's notes text is one transaction too.
  createNotes: { actor: null, run: (s) => pointNotes(s.doc, 'p_notes' as PointId) },
  proposeAmendment: {
    actor: ann.userId,
    run: (s) =>
      proposeAmendment(s.doc, ann, { pointId: s.points[0]![0]!, field: 'body', wording: 'New', rationale: '' }),
  },
  respondToAmendment: {
    actor: bob.userId,
    setup: withAmendment,
    run: (s, c) => respondToAmendment(s.doc, bob, c.amendmentId!, { stance: 'endorse' }),
  },
  withdrawAmendment: {
    actor: ann.userId,
    setup: withAmendment,
    run: (s, c) => withdrawAmendment(s.doc, ann, c.amendmentId!),
  },
  rebaseAmendment: {
    actor: ann.userId,
    setup: withAmendment,
    run: (s, c) => rebaseAmendment(s.doc, ann, c.amendmentId!, 'S1, reworded again'),
  },
  setSignOffRule: {
    actor: ann.userId,
    run: (s) => setSignOffRule(s.doc, ann, { kind: 'named', stakeholderIds: [GOV] }),
  },
  decideAmendment: {
    actor: bob.userId,
    setup: withAmendment,
    run: (s, c) => decideAmendment(s.doc, bob, c.amendmentId!, 'accepted'),
  },
};

describe('MODEL1: every mutation runs in one transaction tagged with a typed origin', () => {
  it('MODEL1: the table below covers every mutation name', () => {
    expect(Object.keys(cases).sort()).toEqual([...MUTATIONS].sort());
  });

  for (const name of MUTATIONS) {
    it(`MODEL1: ${name} runs in exactly one transaction with origin { mutation: '${name}', actor }`, () => {
      const s = seededBoard();
      const c = cases[name];
      const ctx = c.setup ? c.setup(s) : ({} as Ctx);
      expectOneMutation(s.doc, name, c.actor, () => c.run(s, ctx));
    });
  }

  it('MODEL1: mutations called with a null actor carry actor null in the origin', () => {
    const s = seededBoard();
    expectOneMutation(s.doc, 'addCategory', null, () => addCategory(s.doc, null, 'Anonymous'));
    expectOneMutation(s.doc, 'renameCategory', null, () => renameCategory(s.doc, null, s.cats[0], 'Renamed'));
    expectOneMutation(s.doc, 'deletePoint', null, () => deletePoint(s.doc, null, s.points[0]![0]!));
  });

  it('MODEL1: isMutationOrigin accepts mutationOrigin() values and rejects other origins', () => {
    const o = mutationOrigin('addPoint', ann.userId);
    expect(o).toEqual({ kind: 'parley-mutation', mutation: 'addPoint', actor: ann.userId });
    expect(isMutationOrigin(o)).toBe(true);
    for (const other of [null, undefined, 'parley-mutation', 42, {}, { kind: 'remote' }, new Y.Doc()]) {
      expect(isMutationOrigin(other)).toBe(false);
    }
  });

  it('MODEL1: a remote update applied to a replica does not carry a mutation origin', () => {
    const s = seededBoard();
    const other = newDoc();
    const { transactions } = recordTransactions(other, () =>
      Y.applyUpdate(other, Y.encodeStateAsUpdate(s.doc), 'remote'),
    );
    expect(transactions.length).toBeGreaterThan(0);
    for (const tr of transactions) expect(isMutationOrigin(tr.origin)).toBe(false);
  });

  it('MODEL1: a multi-part mutation (deletePoint with positions and threads) is still one transaction', () => {
    const s = seededBoard();
    const p = s.points[1]![1]!;
    setPosition(s.doc, ann, { pointId: p, stakeholderId: GOV, stance: 'support' });
    openThread(s.doc, ann, { pointId: p, body: 'one' });
    openThread(s.doc, bob, { pointId: p, body: 'two' });
    let updates = 0;
    s.doc.on('update', () => updates++);
    expectOneMutation(s.doc, 'deletePoint', ann.userId, () => deletePoint(s.doc, ann, p));
    expect(updates).toBe(1);
  });
});
