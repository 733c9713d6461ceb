import { STANDINGS, type Agreement, type Standing } from '@parley/shared/model';

/**
 * The position matrix's filters, kept in the page's query string so a link shares the view:
 *
 * - `agreement`: only points in consensus, disputed or open (the definitions of
 *   shared/src/model/standing.ts);
 * - `category`: only the points of one category;
 * - `stance`: only points where a delegation stands so (`none`: has no position yet) and,
 *   with `delegation`, where that delegation does. `delegation` alone only marks its column.
 */
export interface MatrixFilter {
  readonly agreement: Agreement | null;
  readonly category: string | null;
  readonly delegation: string | null;
  readonly stance: Standing | null;
}

export const NO_FILTER: MatrixFilter = { agreement: null, category: null, delegation: null, stance: null };

const AGREEMENTS: readonly Agreement[] = ['consensus', 'disputed', 'open'];

/** Query parameter names, one per filter. */
const PARAM: Record<keyof MatrixFilter, string> = {
  agreement: 'agreement',
  category: 'category',
  delegation: 'delegation',
  stance: 'stance',
};

function oneOf<T extends string>(value: string | null, allowed: readonly T[]): T | null {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : null;
}

/** The filters a URL asks for; a value that is not one of the allowed ones is ignored. */
export function readMatrixFilter(params: URLSearchParams): MatrixFilter {
  const id = (key: string) => params.get(key)?.trim() || null;
  return {
    agreement: oneOf(params.get(PARAM.agreement), AGREEMENTS),
    category: id(PARAM.category),
    delegation: id(PARAM.delegation),
    stance: oneOf(params.get(PARAM.stance), STANDINGS),
  };
}

/** `url` with its filter parameters replaced by `filter`'s (other parameters kept). */
export function matrixFilterHref(url: URL, filter: MatrixFilter): string {
  const next = new URL(url.href);
  for (const key of Object.keys(PARAM) as (keyof MatrixFilter)[]) {
    const value = filter[key];
    if (value === null) next.searchParams.delete(PARAM[key]);
    else next.searchParams.set(PARAM[key], value);
  }
  return next.pathname + next.search + next.hash;
}

/**
 * `url` with one filter set to a value as a form gives it ('' clears it); the value is
 * checked when read back (`readMatrixFilter`), like any other URL's.
 */
export function matrixFilterParamHref(url: URL, key: keyof MatrixFilter, value: string): string {
  const next = new URL(url.href);
  if (value === '') next.searchParams.delete(PARAM[key]);
  else next.searchParams.set(PARAM[key], value);
  return next.pathname + next.search + next.hash;
}

export function isFiltered(filter: MatrixFilter): boolean {
  return filter.agreement !== null || filter.category !== null || filter.stance !== null;
}

export interface MatrixRowFacts {
  readonly categoryId: string;
  readonly agreement: Agreement;
  /** Each delegation's standing, in `delegations` order. */
  readonly standings: readonly Standing[];
}

/** Whether a point's row shows under `filter`; `delegations` are the board's ids in column order. */
export function rowMatches(filter: MatrixFilter, row: MatrixRowFacts, delegations: readonly string[]): boolean {
  if (filter.agreement !== null && row.agreement !== filter.agreement) return false;
  if (filter.category !== null && row.categoryId !== filter.category) return false;
  if (filter.stance === null) return true;
  const column = filter.delegation === null ? -1 : delegations.indexOf(filter.delegation);
  if (column >= 0) return row.standings[column] === filter.stance;
  return row.standings.includes(filter.stance);
}
