/**
 * Unit: the board's amendments page, its rows and its filters
 * (client/src/lib/components/amendments/amendment-filters.ts).
 */
import { describe, expect, it } from 'vitest';
import type { AmendmentJson, AmendmentResponseJson, PointId, StakeholderId, UserId } from '@parley/shared/model';
import {
  NO_AMENDMENT_FILTER,
  amendmentCountLine,
  amendmentEmptyMessage,
  amendmentFilterHref,
  amendmentRows,
  filterAmendmentRows,
  readAmendmentFilter,
  type AmendmentFilter,
} from '../../client/src/lib/components/amendments/amendment-filters.ts';

const DELEGATIONS = ['us', 'ukraine', 'europe'];

function answer(stakeholderId: string, stance: AmendmentResponseJson['stance']): AmendmentResponseJson {
  return {
    stakeholderId: stakeholderId as StakeholderId,
    stance,
    note: '',
    by: 'u' as UserId,
    byName: '',
    at: 1,
    forCurrentWording: true,
  };
}

function amendment(number: number, over: Partial<AmendmentJson> = {}): AmendmentJson {
  return {
    id: `a_${number}` as AmendmentJson['id'],
    number,
    pointId: 'p1' as PointId,
    field: 'body',
    text: 'new',
    baseText: 'old',
    rationale: '',
    stakeholderId: 'ukraine' as StakeholderId,
    proposedBy: 'u' as UserId,
    proposedByName: 'Ann',
    proposedAt: number,
    status: 'open',
    responses: [],
    decidedBy: null,
    decidedByName: null,
    decidedAt: null,
    decisionNote: null,
    ...over,
  };
}

const board = [
  amendment(1, { responses: [answer('us', 'endorse'), answer('europe', 'object')] }),
  amendment(2, { stakeholderId: 'europe' as StakeholderId, pointId: 'p2' as PointId }),
  amendment(3, {
    stakeholderId: 'europe' as StakeholderId,
    responses: [answer('us', 'endorse'), answer('us', 'retract')],
  }),
  amendment(4, { status: 'withdrawn' }),
  amendment(5, { status: 'closed' }),
  amendment(6, { pointId: 'gone' as PointId }),
];

const rowsUnder = (rule: Parameters<typeof amendmentRows>[1]['rule']) =>
  amendmentRows(board, {
    rule,
    stakeholderIds: DELEGATIONS,
    isStale: (a) => a.pointId === 'p2',
    pointExists: (id) => id !== 'gone',
  });
const ids = (rows: { amendment: AmendmentJson }[]) => rows.map((r) => r.amendment.number);
const filter = (over: Partial<AmendmentFilter>): AmendmentFilter => ({ ...NO_AMENDMENT_FILTER, ...over });

describe('the amendments page (unit: client/src/lib/components/amendments/amendment-filters.ts)', () => {
  it('AMEND19 rows are the amendments of existing points, newest first, with their current answers counted, stale judged only when open and sign-off under the rule; the filters (delegation, pending my sign-off, stale, decided) read from and write to the URL, combine, and say how many of how many show and why none do', () => {
    const rows = rowsUnder({ kind: 'named', stakeholderIds: ['us', 'ukraine'] });
    expect(ids(rows)).toEqual([4, 3, 2, 1]);
    const [r4, r3, r2, r1] = rows;
    expect([r1!.endorsements, r1!.objections]).toEqual([1, 1]);
    // A retraction takes the answer back.
    expect([r3!.endorsements, r3!.objections]).toEqual([0, 0]);
    expect(r1!.signOff).toEqual({ signed: ['us', 'ukraine'], pending: [] });
    expect(r2!.signOff).toEqual({ signed: [], pending: ['us', 'ukraine'] });
    expect(r2!.stale).toBe(true);
    // Withdrawn: no sign-off and no staleness to show.
    expect([r4!.open, r4!.stale, r4!.signOff]).toEqual([false, false, null]);
    expect(rowsUnder(null).every((r) => r.signOff === null)).toBe(true);

    expect(ids(filterAmendmentRows(rows, NO_AMENDMENT_FILTER, 'us'))).toEqual([3, 2, 1]);
    expect(ids(filterAmendmentRows(rows, filter({ showDecided: true }), 'us'))).toEqual([4, 3, 2, 1]);
    expect(ids(filterAmendmentRows(rows, filter({ from: 'europe' }), 'us'))).toEqual([3, 2]);
    expect(ids(filterAmendmentRows(rows, filter({ pendingMine: true }), 'us'))).toEqual([3, 2]);
    expect(ids(filterAmendmentRows(rows, filter({ pendingMine: true }), 'europe'))).toEqual([]);
    expect(ids(filterAmendmentRows(rows, filter({ pendingMine: true }), null))).toEqual([]);
    expect(ids(filterAmendmentRows(rows, filter({ staleOnly: true }), 'us'))).toEqual([2]);
    expect(ids(filterAmendmentRows(rows, filter({ from: 'ukraine', staleOnly: true }), 'us'))).toEqual([]);

    const url = new URL('https://x.test/b/demo/amendments?q=kept');
    const href = amendmentFilterHref(url, { from: 'europe', pendingMine: true, staleOnly: true, showDecided: true });
    expect(href).toBe('/b/demo/amendments?q=kept&from=europe&pending=mine&stale=1&decided=1');
    const read = readAmendmentFilter(new URL(href, url).searchParams);
    expect(read).toEqual({ from: 'europe', pendingMine: true, staleOnly: true, showDecided: true });
    expect(amendmentFilterHref(new URL(href, url), { from: '', pendingMine: false })).toBe(
      '/b/demo/amendments?q=kept&stale=1&decided=1',
    );
    expect(readAmendmentFilter(new URLSearchParams('pending=yes&stale=true&from='))).toEqual(NO_AMENDMENT_FILTER);

    expect(amendmentCountLine(3, rows, NO_AMENDMENT_FILTER)).toBe('3 open amendments');
    expect(amendmentCountLine(2, rows, filter({ from: 'europe' }))).toBe('2 of 3 open amendments');
    expect(amendmentCountLine(1, rows, filter({ staleOnly: true, showDecided: true }))).toBe('1 of 4 amendments');
    const context = { total: 3, rule: { kind: 'all' } as const, fromName: 'European partners' };
    expect(amendmentEmptyMessage(NO_AMENDMENT_FILTER, { ...context, total: 0 })).toBe('No open amendments.');
    expect(amendmentEmptyMessage(filter({ from: 'europe', staleOnly: true }), context)).toBe(
      'No open amendments from European partners, that are stale.',
    );
    expect(amendmentEmptyMessage(filter({ pendingMine: true }), context)).toBe(
      'No open amendments waiting for your delegation’s sign-off.',
    );
    expect(amendmentEmptyMessage(filter({ pendingMine: true }), { ...context, rule: null })).toContain(
      'No sign-off rule is set',
    );
  });
});
