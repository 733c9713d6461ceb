/**
 * The pure parts of a board's activity feed: how pages and live entries join the list
 * shown, newest first, each entry once. No Svelte here, so unit tests import it as it is.
 */
import type { ActivityEntryJson, ActivityPageJson } from '@parley/shared/protocol';
import { boardPath } from '../../routes.ts';
import { THREAD_PARAM } from '../notifications/notification-text.ts';

export interface ActivityList {
  readonly entries: readonly ActivityEntryJson[];
  /** The cursor for the next older page; null when the oldest entry is shown. */
  readonly next: number | null;
}

const newestFirst = (a: ActivityEntryJson, b: ActivityEntryJson) => b.id - a.id;

/** A live `activity` event: a new entry goes in its place; one already shown is replaced (it grew). */
export function withLiveEntry(list: ActivityList, entry: ActivityEntryJson): ActivityList {
  const rest = list.entries.filter((e) => e.id !== entry.id);
  // An entry older than every one shown, with older pages still unloaded, comes with them.
  const oldest = list.entries.at(-1);
  if (list.next !== null && oldest && entry.id < oldest.id) return list;
  return { entries: [...rest, entry].sort(newestFirst), next: list.next };
}

/** An older page ("Load more"): below the list, without any entry shown twice. */
export function withOlderPage(list: ActivityList, page: ActivityPageJson): ActivityList {
  const seen = new Set(list.entries.map((e) => e.id));
  return { entries: [...list.entries, ...page.entries.filter((e) => !seen.has(e.id))], next: page.next };
}

/**
 * The newest page fetched again (after a reconnect: entries sent meanwhile were missed):
 * it replaces what it covers, and the older pages already loaded stay below it.
 */
export function withFreshFirstPage(list: ActivityList | null, page: ActivityPageJson): ActivityList {
  if (!list || page.next === null) return { entries: page.entries, next: page.next };
  const cut = page.next;
  const older = list.entries.filter((e) => e.id < cut);
  if (older.length === 0) return { entries: page.entries, next: page.next };
  return { entries: [...page.entries, ...older], next: list.next };
}

/** Where an entry opens: its point, at its thread when it has one. Versions open the versions page. */
export function entryPath(boardId: string, entry: ActivityEntryJson): string {
  if (entry.kind === 'version' || !entry.pointId)
    return boardPath(boardId, entry.kind === 'version' ? 'versions' : 'points');
  const params = new URLSearchParams({ point: entry.pointId });
  if ('threadId' in entry && typeof entry.threadId === 'string') params.set(THREAD_PARAM, entry.threadId);
  return `${boardPath(boardId)}?${params}`;
}
