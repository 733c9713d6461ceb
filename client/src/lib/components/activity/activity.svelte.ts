import type { ActivityEntryJson } from '@parley/shared/protocol';
import { ApiError, fetchBoardActivity } from '../../api.ts';
import { onBoardActivity } from '../../sync/appEvents.ts';
import { withFreshFirstPage, withLiveEntry, withOlderPage, type ActivityList } from './activity-model.ts';

const messageOf = (err: unknown) => (err instanceof ApiError ? err.message : 'Something went wrong. Please try again.');

/**
 * A board's activity feed (`GET /api/boards/:id/activity`), newest first, paged with
 * "Load more", and live: each `activity` event of the joined board goes on top. The server
 * derives entries from committed changes; the client only shows them.
 */
export class ActivityFeed {
  entries = $state.raw<readonly ActivityEntryJson[]>([]);
  next = $state<number | null>(null);
  status = $state<'loading' | 'ready' | 'error'>('loading');
  error = $state<string | null>(null);
  loadingOlder = $state(false);
  olderError = $state<string | null>(null);

  readonly #boardId: string;
  /** Answers to earlier requests that arrive after a newer one was sent are dropped. */
  #generation = 0;
  /** Live entries that arrived before the first page: joined to it when it comes. */
  #early: ActivityEntryJson[] = [];

  constructor(boardId: string) {
    this.#boardId = boardId;
  }

  get #shown(): ActivityList | null {
    return this.status === 'ready' ? { entries: this.entries, next: this.next } : null;
  }

  #show(list: ActivityList) {
    this.entries = list.entries;
    this.next = list.next;
    this.status = 'ready';
  }

  /** Fetches the newest page (again), keeping older pages already loaded below it. */
  async refresh(): Promise<void> {
    const generation = ++this.#generation;
    if (this.status === 'error') this.status = 'loading';
    try {
      const page = await fetchBoardActivity(this.#boardId);
      if (generation !== this.#generation) return;
      let list = withFreshFirstPage(this.#shown, page);
      for (const entry of this.#early.splice(0)) list = withLiveEntry(list, entry);
      this.#show(list);
      this.error = null;
    } catch (err) {
      if (generation !== this.#generation) return;
      this.error = messageOf(err);
      if (this.status === 'loading') this.status = 'error';
    }
  }

  async loadOlder(): Promise<void> {
    const before = this.next;
    if (before === null || this.loadingOlder) return;
    this.loadingOlder = true;
    this.olderError = null;
    const generation = this.#generation;
    try {
      const page = await fetchBoardActivity(this.#boardId, { before });
      // A refresh in between may have replaced the list; this page then no longer joins it.
      if (generation === this.#generation && this.next === before) this.#show(withOlderPage(this.#shown!, page));
    } catch (err) {
      this.olderError = messageOf(err);
    } finally {
      this.loadingOlder = false;
    }
  }

  #live(entry: ActivityEntryJson) {
    if (typeof entry?.id !== 'number' || typeof entry.summary !== 'string') return;
    const shown = this.#shown;
    if (shown) this.#show(withLiveEntry(shown, entry));
    else this.#early.push(entry);
  }

  /** Loads the first page and follows the board's live entries; returns the cleanup for an $effect. */
  connect(): () => void {
    void this.refresh();
    return onBoardActivity(
      this.#boardId,
      (entry) => this.#live(entry),
      () => void this.refresh(),
    );
  }
}
