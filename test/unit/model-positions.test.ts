import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  LIMITS,
  STANCES,
  clearPosition,
  listPositions,
  positionKey,
  setPosition,
  type PointId,
  type Stance,
  type StakeholderId,
} from '@parley/shared/model';
import { GOV, NGO, ann, bob, expectOneMutation, expectRefused, recordTransactions, seededBoard } from './helpers.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('MODEL7: positions', () => {
  it('MODEL7: setPosition stores one plain value per point x stakeholder with author and time', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_234_567);
    const { doc, points } = seededBoard();
    const p = points[0]![0]!;
    expectOneMutation(doc, 'setPosition', ann.userId, () =>
      setPosition(doc, ann, {
        pointId: p,
        stakeholderId: GOV,
        stance: 'support-with-changes',
        rationale: '  Needs costing.  ',
      }),
    );
    expect(listPositions(doc)).toEqual([
      {
        pointId: p,
        stakeholderId: GOV,
        stance: 'support-with-changes',
        rationale: 'Needs costing.',
        by: ann.userId,
        byName: ann.name,
        at: 1_234_567,
      },
    ]);
    // Stored as one plain (non-Yjs) value under "pid:sid", replaced whole.
    const raw = doc.getMap('positions').get(positionKey(p, GOV));
    expect(raw).toEqual({
      stance: 'support-with-changes',
      rationale: 'Needs costing.',
      by: ann.userId,
      byName: ann.name,
      at: 1_234_567,
    });
    expect(Object.getPrototypeOf(raw)).toBe(Object.prototype);
  });

  it.each(STANCES.map((s) => [s]))('MODEL7: setPosition accepts the stance "%s"', (stance) => {
    const { doc, points } = seededBoard();
    setPosition(doc, bob, { pointId: points[1]![0]!, stakeholderId: NGO, stance });
    expect(listPositions(doc).map((p) => p.stance)).toEqual([stance]);
  });

  it('MODEL7: setting a position again replaces the whole value, including an absent rationale', () => {
    const { doc, points } = seededBoard();
    const p = points[0]![1]!;
    setPosition(doc, ann, { pointId: p, stakeholderId: GOV, stance: 'oppose', rationale: 'Too costly' });
    setPosition(doc, bob, { pointId: p, stakeholderId: GOV, stance: 'undecided' });
    expect(listPositions(doc)).toEqual([
      expect.objectContaining({ stance: 'undecided', rationale: '', by: bob.userId, byName: bob.name }),
    ]);
    expect(doc.getMap('positions').size).toBe(1);
  });

  it('MODEL7: positions of different stakeholders and points are independent', () => {
    const { doc, points } = seededBoard();
    const [p, q] = [points[0]![0]!, points[1]![2]!];
    setPosition(doc, ann, { pointId: p, stakeholderId: GOV, stance: 'support' });
    setPosition(doc, bob, { pointId: p, stakeholderId: NGO, stance: 'oppose' });
    setPosition(doc, bob, { pointId: q, stakeholderId: NGO, stance: 'undecided' });
    const got = listPositions(doc)
      .map((x) => `${x.pointId}:${x.stakeholderId}=${x.stance}`)
      .sort();
    expect(got).toEqual([`${p}:${GOV}=support`, `${p}:${NGO}=oppose`, `${q}:${NGO}=undecided`].sort());
  });

  it('MODEL7: the rationale limit is inclusive', () => {
    const { doc, points } = seededBoard();
    const r = 'r'.repeat(LIMITS.rationaleLength);
    setPosition(doc, ann, { pointId: points[0]![0]!, stakeholderId: GOV, stance: 'support', rationale: r });
    expect(listPositions(doc)[0]!.rationale).toBe(r);
  });

  it('MODEL2: setPosition refuses an unknown stance, an over-long rationale, an unknown point or stakeholder', () => {
    const { doc, points } = seededBoard();
    const p = points[0]![0]!;
    expectRefused(
      doc,
      () => setPosition(doc, ann, { pointId: p, stakeholderId: GOV, stance: 'maybe' as Stance }),
      'invalid',
    );
    expectRefused(
      doc,
      () => setPosition(doc, ann, { pointId: p, stakeholderId: GOV, stance: 'Support' as Stance }),
      'invalid',
    );
    expectRefused(
      doc,
      () => setPosition(doc, ann, { pointId: p, stakeholderId: GOV, stance: '' as Stance }),
      'invalid',
    );
    expectRefused(
      doc,
      () =>
        setPosition(doc, ann, {
          pointId: p,
          stakeholderId: GOV,
          stance: 'support',
          rationale: 'r'.repeat(LIMITS.rationaleLength + 1),
        }),
      'invalid',
    );
    expectRefused(
      doc,
      () => setPosition(doc, ann, { pointId: 'p_nope00000000' as PointId, stakeholderId: GOV, stance: 'support' }),
      'not-found',
    );
    expectRefused(
      doc,
      () => setPosition(doc, ann, { pointId: p, stakeholderId: 'biz' as StakeholderId, stance: 'support' }),
      'not-found',
    );
  });

  it('MODEL2: a refused setPosition leaves an existing position untouched', () => {
    const { doc, points } = seededBoard();
    const p = points[0]![0]!;
    setPosition(doc, ann, { pointId: p, stakeholderId: GOV, stance: 'support', rationale: 'Good' });
    expectRefused(
      doc,
      () => setPosition(doc, bob, { pointId: p, stakeholderId: GOV, stance: 'nope' as Stance }),
      'invalid',
    );
    expect(listPositions(doc)[0]).toMatchObject({ stance: 'support', rationale: 'Good', by: ann.userId });
  });

  it('MODEL7: clearPosition removes only that position', () => {
    const { doc, points } = seededBoard();
    const p = points[0]![0]!;
    setPosition(doc, ann, { pointId: p, stakeholderId: GOV, stance: 'support' });
    setPosition(doc, bob, { pointId: p, stakeholderId: NGO, stance: 'oppose' });
    expectOneMutation(doc, 'clearPosition', bob.userId, () => clearPosition(doc, bob, p, NGO));
    expect(listPositions(doc).map((x) => x.stakeholderId)).toEqual([GOV]);
  });

  it('MODEL7: clearing a position that does not exist is a no-op that writes nothing', () => {
    const { doc, points } = seededBoard();
    let updates = 0;
    doc.on('update', () => updates++);
    const { transactions } = recordTransactions(doc, () => clearPosition(doc, ann, points[0]![0]!, GOV));
    expect(updates).toBe(0);
    expect(transactions.every((t) => t.changedTypes === 0 && !t.deletions)).toBe(true);
    expect(listPositions(doc)).toEqual([]);
  });
});
