import { fetchMembers, type Member } from '../api.ts';

/** How long a fetched member list is used before a composer asks again. */
const FRESH_MS = 60_000;
/** How long after a failed fetch the next one waits. */
const RETRY_MS = 10_000;

/**
 * A board's members as the mention list and the chips need them (`GET …/members`, which
 * any member may read): fetched once when first wanted, again when a composer opens and the
 * list is over a minute old. Kept in memory only (never in localStorage: a signed-out
 * device keeps no one's name); offline, the last list stays.
 */
export class BoardMembers {
  list = $state.raw<Member[]>([]);
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- rebuilt whole with the list, never mutated
  byId = $derived(new Map(this.list.map((m) => [m.userId, m])));
  readonly boardId: string;
  #fetchedAt = 0;
  #failedAt = 0;
  #pending: Promise<void> | null = null;

  constructor(boardId: string) {
    this.boardId = boardId;
  }

  /** Fetches the list unless a fresh one is here (or on its way). Never throws. */
  want(): Promise<void> {
    if (this.#pending) return this.#pending;
    const now = Date.now();
    if (now - this.#fetchedAt < FRESH_MS || now - this.#failedAt < RETRY_MS) return Promise.resolve();
    this.#pending = fetchMembers(this.boardId)
      .then(({ members }) => {
        this.list = members;
        this.#fetchedAt = Date.now();
      })
      .catch(() => {
        // Offline or refused: mentions suggest nobody new, chips fall back to plain text;
        // asked again a little later, not by every comment that mounts meanwhile.
        this.#failedAt = Date.now();
      })
      .finally(() => (this.#pending = null));
    return this.#pending;
  }
}

// eslint-disable-next-line svelte/prefer-svelte-reactivity -- a cache, never rendered
const lists = new Map<string, BoardMembers>();

/**
 * The one member list of a board in this tab, for the person signed in: another person
 * signing in on this tab starts from nothing (the list is theirs to fetch, if a member).
 */
export function boardMembers(boardId: string, userId: string): BoardMembers {
  const key = `${userId}\n${boardId}`;
  let members = lists.get(key);
  if (!members) {
    for (const k of lists.keys()) if (!k.startsWith(`${userId}\n`)) lists.delete(k);
    lists.set(key, (members = new BoardMembers(boardId)));
  }
  return members;
}
