import { describe, expect, it } from 'vitest';
import {
  agreementLine,
  agreementOf,
  countStandings,
  standingOf,
  summarizeAgreement,
  type Standing,
} from '@parley/shared/model';
import {
  NO_FILTER,
  isFiltered,
  pointFilterHref,
  pointFilterParamHref,
  pointMatches,
  readPointFilter,
} from '../../client/src/lib/state/point-filter.ts';
import { amendmentPath, boardPath, matchRoute, recordPath } from '../../client/src/lib/routes.ts';

describe('where everyone stands (unit: shared/src/model/standing.ts)', () => {
  it('MATRIX1 consensus is every delegation supporting the point; disputed is any delegation opposing it; the rest is open', () => {
    const cases: [Standing[], ReturnType<typeof agreementOf>][] = [
      [['support', 'support', 'support'], 'consensus'],
      [['support', 'support-with-changes', 'support'], 'open'],
      [['support', 'none', 'support'], 'open'],
      [['support', 'undecided'], 'open'],
      [['support', 'oppose', 'support'], 'disputed'],
      [['oppose', 'oppose'], 'disputed'],
      [['none', 'oppose'], 'disputed'],
      [['none', 'none'], 'open'],
      [[], 'open'],
    ];
    for (const [standings, expected] of cases) expect(agreementOf(standings), standings.join(',')).toBe(expected);
    expect(standingOf(undefined)).toBe('none');
    expect(standingOf({ stance: 'oppose' })).toBe('oppose');
  });

  it('MATRIX2 rollups count every (point, delegation) cell by standing, and the consensus line counts points', () => {
    const rows: Standing[][] = [
      ['support', 'support'],
      ['support', 'oppose'],
      ['none', 'support-with-changes'],
      ['undecided', 'none'],
    ];
    expect(countStandings(rows)).toEqual({
      support: 3,
      'support-with-changes': 1,
      oppose: 1,
      undecided: 1,
      none: 2,
    });
    const summary = summarizeAgreement(rows);
    expect(summary).toEqual({ points: 4, consensus: 1, disputed: 1 });
    expect(agreementLine(summary)).toBe('1 of 4 points supported by every delegation; 1 disputed');
    expect(agreementLine(summarizeAgreement([['support']]))).toBe(
      '1 of 1 point supported by every delegation; 0 disputed',
    );
  });
});

describe('the matrix filters and route (unit: client/src/lib/state/point-filter.ts, routes.ts)', () => {
  const ids = ['us', 'ru', 'ua', 'eu'];
  const row = (standings: Standing[], categoryId = 'c1', open = [0, 0, 0, 0], resolved = [0, 0, 0, 0]) => ({
    categoryId,
    standings,
    agreement: agreementOf(standings),
    openThreads: open,
    resolvedThreads: resolved,
    openAmendments: [0, 0, 0, 0],
  });

  it('MATRIX5 the filters read from and write to the URL, ignore values they do not know, and select points by agreement, category, a delegation’s stance and threads', () => {
    const url = new URL('http://x/b/demo/matrix?agreement=disputed&stance=none&delegation=ua&category=c2&other=1');
    const f = readPointFilter(url.searchParams);
    expect(f).toEqual({ agreement: 'disputed', category: 'c2', delegation: 'ua', stance: 'none', threads: null });
    expect(readPointFilter(new URLSearchParams('agreement=maybe&stance=love'))).toEqual(NO_FILTER);
    expect(pointFilterHref(url, NO_FILTER)).toBe('/b/demo/matrix?other=1');
    expect(pointFilterParamHref(url, 'stance', '')).toBe(
      '/b/demo/matrix?agreement=disputed&delegation=ua&category=c2&other=1',
    );
    expect(isFiltered(NO_FILTER)).toBe(false);
    expect(isFiltered({ ...NO_FILTER, delegation: 'ua' })).toBe(false); // only marks a column

    const disputed = { ...NO_FILTER, agreement: 'disputed' as const };
    expect(pointMatches(disputed, row(['support', 'oppose', 'none', 'none']), ids)).toBe(true);
    expect(pointMatches(disputed, row(['support', 'support', 'none', 'none']), ids)).toBe(false);
    const noPositionUa = { ...NO_FILTER, delegation: 'ua', stance: 'none' as const };
    expect(pointMatches(noPositionUa, row(['none', 'none', 'oppose', 'none']), ids)).toBe(false);
    expect(pointMatches(noPositionUa, row(['support', 'support', 'none', 'support']), ids)).toBe(true);
    const anyNone = { ...NO_FILTER, stance: 'none' as const };
    expect(pointMatches(anyNone, row(['support', 'support', 'support', 'none']), ids)).toBe(true);
    expect(pointMatches({ ...NO_FILTER, category: 'c2' }, row(['none', 'none', 'none', 'none'], 'c1'), ids)).toBe(
      false,
    );

    // Threads: anyone's, or with a delegation that delegation's.
    const none: Standing[] = ['none', 'none', 'none', 'none'];
    const withOpen = row(none, 'c1', [0, 1, 0, 0], [0, 0, 2, 0]);
    expect(pointMatches({ ...NO_FILTER, threads: 'open' }, withOpen, ids)).toBe(true);
    expect(pointMatches({ ...NO_FILTER, threads: 'open', delegation: 'ua' }, withOpen, ids)).toBe(false);
    expect(pointMatches({ ...NO_FILTER, threads: 'resolved', delegation: 'ua' }, withOpen, ids)).toBe(true);
    expect(pointMatches({ ...NO_FILTER, threads: 'none' }, withOpen, ids)).toBe(false);
    expect(pointMatches({ ...NO_FILTER, threads: 'none' }, row(none), ids)).toBe(true);
    expect(readPointFilter(new URLSearchParams('threads=resolved')).threads).toBe('resolved');
  });

  it('MATRIX6 `/b/<id>/matrix` is the board’s matrix page and `/b/<id>` its points', () => {
    expect(matchRoute('/b/demo/matrix')).toEqual({ name: 'board', boardId: 'demo', view: 'matrix' });
    expect(matchRoute('/b/demo/matrix/')).toEqual({ name: 'board', boardId: 'demo', view: 'matrix' });
    expect(matchRoute('/b/demo')).toEqual({ name: 'board', boardId: 'demo', view: 'points' });
    expect(matchRoute('/b/demo/other')).toEqual({ name: 'not-found', path: '/b/demo/other' });
    expect(boardPath('a b', 'matrix')).toBe('/b/a%20b/matrix');
    expect(boardPath('demo')).toBe('/b/demo');
  });

  it('AMEND18 `/b/<id>/amendments` is the board’s amendments page, and an amendment opens at its point with `?amendment=`', () => {
    expect(matchRoute('/b/demo/amendments')).toEqual({ name: 'board', boardId: 'demo', view: 'amendments' });
    expect(matchRoute('/b/demo/amendments/')).toEqual({ name: 'board', boardId: 'demo', view: 'amendments' });
    expect(matchRoute('/b/demo/amendment')).toEqual({ name: 'not-found', path: '/b/demo/amendment' });
    expect(boardPath('a b', 'amendments')).toBe('/b/a%20b/amendments');
    expect(amendmentPath('demo', { pointId: 'p_1', id: 'a_2' })).toBe('/b/demo?point=p_1&amendment=a_2');
  });

  it('ROUND11 `/b/<id>/versions` is the board’s versions page', () => {
    expect(matchRoute('/b/demo/versions')).toEqual({ name: 'board', boardId: 'demo', view: 'versions' });
    expect(matchRoute('/b/demo/versions/')).toEqual({ name: 'board', boardId: 'demo', view: 'versions' });
    expect(matchRoute('/b/demo/version')).toEqual({ name: 'not-found', path: '/b/demo/version' });
    expect(boardPath('demo', 'versions')).toBe('/b/demo/versions');
  });

  it('ROUND14 `/b/<id>/record` is the board’s printable negotiation record, against the version in `?from=`', () => {
    expect(matchRoute('/b/demo/record')).toEqual({ name: 'record', boardId: 'demo' });
    expect(matchRoute('/b/demo/record/')).toEqual({ name: 'record', boardId: 'demo' });
    expect(matchRoute('/b/a%20b/record')).toEqual({ name: 'record', boardId: 'a b' });
    expect(matchRoute('/b/demo/records')).toEqual({ name: 'not-found', path: '/b/demo/records' });
    expect(matchRoute('/b/demo/record/x')).toEqual({ name: 'not-found', path: '/b/demo/record/x' });
    expect(recordPath('demo')).toBe('/b/demo/record');
    expect(recordPath('a b', 'v_abc123def456')).toBe('/b/a%20b/record?from=v_abc123def456');
  });
});
