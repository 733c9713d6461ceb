import { COMPARE_FROM_PARAM, COMPARE_TO_PARAM } from '../../routes.ts';

/**
 * The versions page's state in its URL, so a reload or a shared link shows the same thing:
 *
 * - `from=<version>&to=<version|live>`: the comparison (by default the latest version
 *   against the live board);
 * - `view=side`: old and new side by side (by default one inline diff);
 * - `changes=only`: unchanged fields and context left out;
 * - `open=<version>`: that version's board, read-only, instead of a comparison.
 */
export const VIEW_PARAM = 'view';
export const CHANGES_PARAM = 'changes';
export const OPEN_PARAM = 'open';

/** The later side of a comparison when it is the live board. */
export const LIVE_SIDE = 'live';

export type CompareView = 'inline' | 'side';

export interface VersionsPageState {
  /** The comparison's sides, resolved against the list; null when there are no versions yet. */
  readonly from: string | null;
  readonly to: string;
  readonly view: CompareView;
  readonly changesOnly: boolean;
  readonly open: string | null;
}

/**
 * What the page shows. A side the URL names that is not (or no longer) a version falls back
 * to the default, so a stale link still compares something sensible.
 */
export function readVersionsPage(params: URLSearchParams, versionIds: readonly string[]): VersionsPageState {
  const known = (id: string | null) => (id !== null && versionIds.includes(id) ? id : null);
  const to = params.get(COMPARE_TO_PARAM);
  return {
    from: known(params.get(COMPARE_FROM_PARAM)) ?? versionIds[0] ?? null,
    to: to === LIVE_SIDE ? LIVE_SIDE : (known(to) ?? LIVE_SIDE),
    view: params.get(VIEW_PARAM) === 'side' ? 'side' : 'inline',
    changesOnly: params.get(CHANGES_PARAM) === 'only',
    open: params.get(OPEN_PARAM) || null,
  };
}

/** The URL with some of the page's parameters changed (null removes one), the others kept. */
export function versionsHref(
  url: URL,
  change: Partial<{ from: string; to: string; view: CompareView; changesOnly: boolean; open: string | null }>,
): string {
  const next = new URL(url.href);
  const set = (name: string, value: string | null) => {
    if (value === null) next.searchParams.delete(name);
    else next.searchParams.set(name, value);
  };
  if (change.from !== undefined) set(COMPARE_FROM_PARAM, change.from);
  if (change.to !== undefined) set(COMPARE_TO_PARAM, change.to);
  if (change.view !== undefined) set(VIEW_PARAM, change.view === 'side' ? 'side' : null);
  if (change.changesOnly !== undefined) set(CHANGES_PARAM, change.changesOnly ? 'only' : null);
  if (change.open !== undefined) set(OPEN_PARAM, change.open);
  return next.pathname + next.search + next.hash;
}
