/**
 * The pure parts of a point's History tab: how a refetched first page joins the older
 * pages already shown, and which doc changes concern the point (so that only those
 * refetch). No Svelte here, so unit tests import it as it is.
 */
import type { HistoryEntryJson } from '@parley/shared/model';
import { withFreshFirstPage, withOlderPage, type PagedList } from '../../state/paged-list.ts';

export type HistoryList = PagedList<HistoryEntryJson>;
export { withFreshFirstPage, withOlderPage };

/** What a Y.YEvent from `observeDeep` on a root map tells: where it was, which keys changed. */
export interface RootChange {
  readonly path: readonly (string | number)[];
  readonly keysChanged: readonly string[];
}

/** The ids of a root's entries that these changes touch (the entry itself or anything in it). */
export function touchedEntries(changes: readonly RootChange[]): Set<string> {
  const ids = new Set<string>();
  for (const change of changes) {
    const first = change.path[0];
    if (typeof first === 'string') ids.add(first);
    else if (change.path.length === 0) for (const key of change.keysChanged) ids.add(key);
  }
  return ids;
}

/** Position keys are "pointId:stakeholderId". */
export const isPositionOf = (key: string, pointId: string) => key.startsWith(`${pointId}:`);
