import type { HistoryNames } from '@parley/shared/model';
import type { ActivityEntryJson } from '@parley/shared/protocol';
import { toEntry } from '../http/historyRoutes.ts';
import type { BoardSummary, StoredHistoryRow } from '../persistence/Storage.ts';

/**
 * Names for activity summaries from the board catalogue (stakeholder names as a room last
 * stored them), so neither the feed nor the drain has to load the board's doc. Activity
 * kinds name no category.
 */
export function catalogueNames(board: BoardSummary | null): HistoryNames {
  const names = board?.stakeholderNames ?? {};
  return { stakeholder: (id) => names[id] ?? id, category: (id) => id };
}

/** One activity entry: a history entry with its point ('' for a version). */
export function activityEntry(row: StoredHistoryRow, names: HistoryNames): ActivityEntryJson {
  return { ...toEntry(row, names, undefined), pointId: row.pointId };
}
