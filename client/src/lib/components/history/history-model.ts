/**
 * The pure parts of a point's History tab: how a refetched first page joins the older
 * pages already shown, and which doc changes concern the point (so that only those
 * refetch). No Svelte here, so unit tests import it as it is.
 */
import type { HistoryEntryJson, HistoryPageJson } from '@parley/shared/model';

export interface HistoryList {
  readonly entries: readonly HistoryEntryJson[];
  /** The cursor for the next older page; null when the oldest entry is shown. */
  readonly next: number | null;
}

/**
 * The list after the newest page was fetched again. Entries keep their id when they grow
 * (a run of text edits is rewritten in place), so the fresh page replaces every entry it
 * covers, and the older pages loaded before stay below it, with their own cursor.
 */
export function withFreshFirstPage(shown: HistoryList | null, page: HistoryPageJson): HistoryList {
  if (!shown || page.next === null) return { entries: page.entries, next: page.next };
  // The page's last entry is its cursor; what was shown below it came from older pages.
  const cut = page.next;
  const older = shown.entries.filter((e) => e.id < cut);
  if (older.length === 0) return { entries: page.entries, next: page.next };
  return { entries: [...page.entries, ...older], next: shown.next };
}

/** The list after an older page arrived (an entry already shown is not shown twice). */
export function withOlderPage(shown: HistoryList, page: HistoryPageJson): HistoryList {
  const seen = new Set(shown.entries.map((e) => e.id));
  return { entries: [...shown.entries, ...page.entries.filter((e) => !seen.has(e.id))], next: page.next };
}

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
