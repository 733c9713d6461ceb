import { currentResponses, signOffState, type AmendmentJson, type SignOffRule } from '@parley/shared/model';

/**
 * The board's amendments page (`/b/<id>/amendments`): its rows and its filters, pure so they
 * are tested without a page. The filters live in the query string, so a reload or a shared
 * link shows the same list:
 *
 * - `from=<delegation>`: only that delegation's proposals;
 * - `pending=mine`: only those still waiting for my delegation's sign-off;
 * - `stale=1`: only those whose point's text moved on since (they need a rebase);
 * - `decided=1`: decided and withdrawn ones too (by default the page is about open ones).
 */
export interface AmendmentFilter {
  readonly from: string | null;
  readonly pendingMine: boolean;
  readonly staleOnly: boolean;
  readonly showDecided: boolean;
}

export const NO_AMENDMENT_FILTER: AmendmentFilter = {
  from: null,
  pendingMine: false,
  staleOnly: false,
  showDecided: false,
};

/** Query parameter names, one per filter, and the value a flag is set with. */
export const AMENDMENT_FILTER_PARAM = {
  from: 'from',
  pendingMine: 'pending',
  staleOnly: 'stale',
  showDecided: 'decided',
} as const satisfies Record<keyof AmendmentFilter, string>;

const FLAG_VALUE = { pendingMine: 'mine', staleOnly: '1', showDecided: '1' } as const;

export function readAmendmentFilter(params: URLSearchParams): AmendmentFilter {
  const flag = (key: keyof typeof FLAG_VALUE) => params.get(AMENDMENT_FILTER_PARAM[key]) === FLAG_VALUE[key];
  return {
    from: params.get(AMENDMENT_FILTER_PARAM.from) || null,
    pendingMine: flag('pendingMine'),
    staleOnly: flag('staleOnly'),
    showDecided: flag('showDecided'),
  };
}

/** The URL with one filter changed (the others and any other parameter kept). */
export function amendmentFilterHref(
  url: URL,
  change: Partial<Record<keyof AmendmentFilter, string | boolean | null>>,
): string {
  const next = new URL(url.href);
  for (const [key, value] of Object.entries(change) as [keyof AmendmentFilter, string | boolean | null][]) {
    const name = AMENDMENT_FILTER_PARAM[key];
    const text =
      key === 'from' ? (typeof value === 'string' && value !== '' ? value : null) : value ? FLAG_VALUE[key] : null;
    if (text === null) next.searchParams.delete(name);
    else next.searchParams.set(name, text);
  }
  return next.pathname + next.search + next.hash;
}

/** One amendment as the page lists it: everything a row shows, computed once per change of the doc. */
export interface AmendmentRow {
  readonly amendment: AmendmentJson;
  readonly open: boolean;
  readonly stale: boolean;
  readonly endorsements: number;
  readonly objections: number;
  /** Under the board's rule (null: there is none, nobody's sign-off is needed). */
  readonly signOff: { readonly signed: readonly string[]; readonly pending: readonly string[] } | null;
}

/**
 * The page's rows, newest first: open amendments (and, to show them, the others) of points
 * that still exist. `stale` is asked only of open ones, as a decided amendment has no base
 * to fall behind.
 */
export function amendmentRows(
  amendments: readonly AmendmentJson[],
  context: {
    readonly rule: SignOffRule | null;
    readonly stakeholderIds: readonly string[];
    readonly isStale: (a: AmendmentJson) => boolean;
    readonly pointExists: (pointId: string) => boolean;
  },
): AmendmentRow[] {
  const rows: AmendmentRow[] = [];
  for (const a of amendments) {
    if (a.status === 'closed' || !context.pointExists(a.pointId)) continue;
    const open = a.status === 'open';
    let endorsements = 0;
    let objections = 0;
    for (const r of currentResponses(a).values()) {
      if (r.stance === 'endorse') endorsements++;
      else if (r.stance === 'object') objections++;
    }
    rows.push({
      amendment: a,
      open,
      stale: open && context.isStale(a),
      endorsements,
      objections,
      signOff: open && context.rule ? signOffState(a, context.rule, context.stakeholderIds) : null,
    });
  }
  return rows.sort((x, y) => y.amendment.number - x.amendment.number);
}

/** The rows the filter keeps; `mySid` is my delegation (null: "pending my sign-off" keeps nothing). */
export function filterAmendmentRows(
  rows: readonly AmendmentRow[],
  filter: AmendmentFilter,
  mySid: string | null,
): AmendmentRow[] {
  return rows.filter(
    (row) =>
      (filter.showDecided || row.open) &&
      (filter.from === null || row.amendment.stakeholderId === filter.from) &&
      (!filter.staleOnly || row.stale) &&
      (!filter.pendingMine || (mySid !== null && row.signOff !== null && row.signOff.pending.includes(mySid))),
  );
}

export const isAmendmentFiltered = (f: AmendmentFilter): boolean => f.from !== null || f.pendingMine || f.staleOnly;

/** "3 of 12 open amendments", or "12 open amendments" when nothing is filtered out. */
export function amendmentCountLine(shown: number, rows: readonly AmendmentRow[], filter: AmendmentFilter): string {
  const total = filter.showDecided ? rows.length : rows.filter((r) => r.open).length;
  const noun = filter.showDecided ? 'amendment' : 'open amendment';
  const of = `${total} ${noun}${total === 1 ? '' : 's'}`;
  return isAmendmentFiltered(filter) ? `${shown} of ${of}` : of;
}

/** What the page says when the filter keeps nothing: why, in the filter's terms. */
export function amendmentEmptyMessage(
  filter: AmendmentFilter,
  context: { readonly total: number; readonly rule: SignOffRule | null; readonly fromName: string | null },
): string {
  if (context.total === 0) return filter.showDecided ? 'No wording has been proposed yet.' : 'No open amendments.';
  if (filter.pendingMine && context.rule === null)
    return 'No sign-off rule is set, so no amendment waits for your delegation’s sign-off.';
  const parts: string[] = [];
  if (filter.from !== null) parts.push(`from ${context.fromName ?? filter.from}`);
  if (filter.pendingMine) parts.push('waiting for your delegation’s sign-off');
  if (filter.staleOnly) parts.push('that are stale');
  const what = filter.showDecided ? 'No amendments' : 'No open amendments';
  return `${what} ${parts.join(', ')}.`;
}
