/**
 * The pure parts of a board's activity feed: how pages and live entries join the list
 * shown, newest first, each entry once. No Svelte here, so unit tests import it as it is.
 */
import type { ActivityEntryJson } from '@parley/shared/protocol';
import { withFreshFirstPage, withOlderPage, type PagedList } from '../../state/paged-list.ts';
import { boardPath } from '../../routes.ts';
import { THREAD_PARAM } from '../notifications/notification-text.ts';

export type ActivityList = PagedList<ActivityEntryJson>;
export { withFreshFirstPage, withOlderPage };

const newestFirst = (a: ActivityEntryJson, b: ActivityEntryJson) => b.id - a.id;

/** A live `activity` event: a new entry goes in its place; one already shown is replaced (it grew). */
export function withLiveEntry(list: ActivityList, entry: ActivityEntryJson): ActivityList {
  const rest = list.entries.filter((e) => e.id !== entry.id);
  // An entry older than every one shown, with older pages still unloaded, comes with them.
  const oldest = list.entries.at(-1);
  if (list.next !== null && oldest && entry.id < oldest.id) return list;
  return { entries: [...rest, entry].sort(newestFirst), next: list.next };
}

/** Where an entry opens: its point, at its thread when it has one. Versions open the versions page. */
export function entryPath(boardId: string, entry: ActivityEntryJson): string {
  if (entry.kind === 'version' || !entry.pointId)
    return boardPath(boardId, entry.kind === 'version' ? 'versions' : 'points');
  const params = new URLSearchParams({ point: entry.pointId });
  if ('threadId' in entry && typeof entry.threadId === 'string') params.set(THREAD_PARAM, entry.threadId);
  return `${boardPath(boardId)}?${params}`;
}
