/**
 * A list of server-made entries, newest first, read a page at a time (a point's history, a
 * board's activity): how a refetched newest page and an older page join what is shown.
 * No Svelte here, so unit tests import it as it is.
 */

/** An entry's id grows with each new entry; a grown entry keeps its id. */
export interface PagedEntry {
  readonly id: number;
}

export interface PagedList<E extends PagedEntry> {
  readonly entries: readonly E[];
  /** The cursor for the next older page; null when the oldest entry is shown. */
  readonly next: number | null;
}

/**
 * The list after the newest page was fetched again. Entries keep their id when they grow
 * (a run of text edits is rewritten in place), so the fresh page replaces every entry it
 * covers, and the older pages loaded before stay below it, with their own cursor.
 */
export function withFreshFirstPage<E extends PagedEntry>(shown: PagedList<E> | null, page: PagedList<E>): PagedList<E> {
  if (!shown || page.next === null) return { entries: page.entries, next: page.next };
  // The page's last entry is its cursor; what was shown below it came from older pages.
  const cut = page.next;
  const older = shown.entries.filter((e) => e.id < cut);
  if (older.length === 0) return { entries: page.entries, next: page.next };
  return { entries: [...page.entries, ...older], next: shown.next };
}

/** The list after an older page arrived (an entry already shown is not shown twice). */
export function withOlderPage<E extends PagedEntry>(shown: PagedList<E>, page: PagedList<E>): PagedList<E> {
  const seen = new Set(shown.entries.map((e) => e.id));
  return { entries: [...shown.entries, ...page.entries.filter((e) => !seen.has(e.id))], next: page.next };
}
