import {
  STANDINGS,
  agreementOf,
  standingOf,
  type Agreement,
  type AmendmentJson,
  type PointJson,
  type PositionJson,
  type PositionOf,
  type Standing,
  type StakeholderJson,
  type ThreadJson,
} from '@parley/shared/model';

/**
 * Filters on a board's points, the same on the point list and the position matrix, kept in
 * the page's query string so a link shares the view:
 *
 * - `agreement`: only points in consensus, disputed or open (the definitions of
 *   shared/src/model/standing.ts);
 * - `category`: only the points of one category;
 * - `stance`: only points where a delegation stands so (`none`: has no position yet);
 * - `threads`: only points with open threads, with resolved threads, or with none;
 * - `delegation`: whose stance and threads the two above look at (without it, anyone's);
 *   alone it filters nothing (the matrix marks its column).
 */
export interface PointFilter {
  readonly agreement: Agreement | null;
  readonly category: string | null;
  readonly delegation: string | null;
  readonly stance: Standing | null;
  readonly threads: ThreadsFilter | null;
}

export type ThreadsFilter = 'open' | 'resolved' | 'none';

export const NO_FILTER: PointFilter = {
  agreement: null,
  category: null,
  delegation: null,
  stance: null,
  threads: null,
};

const AGREEMENTS: readonly Agreement[] = ['consensus', 'disputed', 'open'];
const THREADS: readonly ThreadsFilter[] = ['open', 'resolved', 'none'];

/** Query parameter names, one per filter. */
const PARAM: Record<keyof PointFilter, string> = {
  agreement: 'agreement',
  category: 'category',
  delegation: 'delegation',
  stance: 'stance',
  threads: 'threads',
};

function oneOf<T extends string>(value: string | null, allowed: readonly T[]): T | null {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : null;
}

/** The filters a URL asks for; a value that is not one of the allowed ones is ignored. */
export function readPointFilter(params: URLSearchParams): PointFilter {
  const id = (key: string) => params.get(key)?.trim() || null;
  return {
    agreement: oneOf(params.get(PARAM.agreement), AGREEMENTS),
    category: id(PARAM.category),
    delegation: id(PARAM.delegation),
    stance: oneOf(params.get(PARAM.stance), STANDINGS),
    threads: oneOf(params.get(PARAM.threads), THREADS),
  };
}

/** `url` with its filter parameters replaced by `filter`'s (other parameters kept). */
export function pointFilterHref(url: URL, filter: PointFilter): string {
  const next = new URL(url.href);
  for (const key of Object.keys(PARAM) as (keyof PointFilter)[]) {
    const value = filter[key];
    if (value === null) next.searchParams.delete(PARAM[key]);
    else next.searchParams.set(PARAM[key], value);
  }
  return next.pathname + next.search + next.hash;
}

/**
 * `url` with one filter set to a value as a form gives it ('' clears it); the value is
 * checked when read back (`readPointFilter`), like any other URL's.
 */
export function pointFilterParamHref(url: URL, key: keyof PointFilter, value: string): string {
  const next = new URL(url.href);
  if (value === '') next.searchParams.delete(PARAM[key]);
  else next.searchParams.set(PARAM[key], value);
  return next.pathname + next.search + next.hash;
}

/** Whether any filter leaves points out (`delegation` alone does not). */
export function isFiltered(filter: PointFilter): boolean {
  return filter.agreement !== null || filter.category !== null || filter.stance !== null || filter.threads !== null;
}

/** What the filters look at in one point. */
export interface PointFacts {
  readonly categoryId: string;
  readonly agreement: Agreement;
  /** Each delegation's standing, in `delegations` order. */
  readonly standings: readonly Standing[];
  /** Each delegation's open and resolved threads on the point, in `delegations` order. */
  readonly openThreads: readonly number[];
  readonly resolvedThreads: readonly number[];
  /** Each delegation's open amendments on the point, in `delegations` order. */
  readonly openAmendments: readonly number[];
}

/** Whether a point shows under `filter`; `delegations` are the board's ids in column order. */
export function pointMatches(filter: PointFilter, point: PointFacts, delegations: readonly string[]): boolean {
  if (filter.agreement !== null && point.agreement !== filter.agreement) return false;
  if (filter.category !== null && point.categoryId !== filter.category) return false;
  const column = filter.delegation === null ? -1 : delegations.indexOf(filter.delegation);
  const pick = <T>(values: readonly T[]): readonly T[] => (column >= 0 ? [values[column]!] : values);
  if (filter.stance !== null && !pick(point.standings).includes(filter.stance)) return false;
  if (filter.threads !== null) {
    const open = pick(point.openThreads).reduce((a, b) => a + b, 0);
    const resolved = pick(point.resolvedThreads).reduce((a, b) => a + b, 0);
    if (filter.threads === 'open' && open === 0) return false;
    if (filter.threads === 'resolved' && resolved === 0) return false;
    if (filter.threads === 'none' && open + resolved > 0) return false;
  }
  return true;
}

/** Where to read a point's facts from: the live board view. */
export interface FactSource {
  readonly delegations: readonly StakeholderJson[];
  readonly positionOf: PositionOf;
  readonly threadsFor: (pointId: string) => readonly ThreadJson[];
  /** The point's open amendments (none where a page does not read them). */
  readonly amendmentsFor?: (pointId: string) => readonly Pick<AmendmentJson, 'stakeholderId'>[];
}

/** A point's facts, with each delegation's position (in `delegations` order). */
export function pointFacts(
  point: PointJson,
  source: FactSource,
): PointFacts & { readonly positions: readonly (PositionJson | undefined)[] } {
  const positions = source.delegations.map((d) => source.positionOf(point.id, d.id));
  const standings = positions.map(standingOf);
  const threads = source.threadsFor(point.id);
  const count = (resolved: boolean) =>
    source.delegations.map((d) => threads.filter((t) => t.resolved === resolved && t.stakeholderId === d.id).length);
  return {
    categoryId: point.categoryId,
    agreement: agreementOf(standings),
    positions,
    standings,
    openThreads: count(false),
    resolvedThreads: count(true),
    openAmendments: source.delegations.map(
      (d) => source.amendmentsFor?.(point.id).filter((a) => a.stakeholderId === d.id).length ?? 0,
    ),
  };
}

/** The test `filter` puts to a point of the board `source` reads from. */
export function pointTest(filter: PointFilter, source: FactSource): (point: PointJson) => boolean {
  if (!isFiltered(filter)) return () => true;
  const ids = source.delegations.map((d) => d.id as string);
  return (point) => pointMatches(filter, pointFacts(point, source), ids);
}
