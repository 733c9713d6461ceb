import { ApiError } from '../api.ts';
import { withFreshFirstPage, withOlderPage, type PagedEntry, type PagedList } from './paged-list.ts';

const messageOf = (err: unknown) => (err instanceof ApiError ? err.message : 'Something went wrong. Please try again.');

/**
 * Entries the server derives and the client only shows, newest first, in pages: the newest
 * page fetched (again, keeping older pages loaded below it) and older pages on demand.
 * Answers to a request overtaken by a newer one are dropped. Subclasses say where a page
 * comes from (a point's history, a board's activity).
 */
export abstract class PagedFeed<E extends PagedEntry> {
  entries = $state.raw<readonly E[]>([]);
  next = $state<number | null>(null);
  /** 'loading' only until the first page arrives; later refreshes keep the list shown. */
  status = $state<'loading' | 'ready' | 'error'>('loading');
  /** Why the last fetch of the newest page failed (shown with a retry). */
  error = $state<string | null>(null);
  loadingOlder = $state(false);
  olderError = $state<string | null>(null);

  #generation = 0;

  /** The newest page (no `before`) or the page older than `before`. */
  protected abstract fetchPage(before?: number): Promise<PagedList<E>>;

  /** What the fresh newest page becomes once joined to what is shown (more may join it). */
  protected joinFresh(list: PagedList<E>): PagedList<E> {
    return list;
  }

  protected get shown(): PagedList<E> | null {
    return this.status === 'ready' ? { entries: this.entries, next: this.next } : null;
  }

  protected show(list: PagedList<E>): void {
    this.entries = list.entries;
    this.next = list.next;
    this.status = 'ready';
  }

  /** Fetches the newest page again, keeping any older pages already loaded below it. */
  async refresh(): Promise<void> {
    const generation = ++this.#generation;
    if (this.status === 'error') this.status = 'loading';
    try {
      const page = await this.fetchPage();
      if (generation !== this.#generation) return;
      this.show(this.joinFresh(withFreshFirstPage(this.shown, page)));
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
      const page = await this.fetchPage(before);
      // A refresh in between may have replaced the list; this page then no longer joins it.
      if (generation === this.#generation && this.next === before) this.show(withOlderPage(this.shown!, page));
    } catch (err) {
      this.olderError = messageOf(err);
    } finally {
      this.loadingOlder = false;
    }
  }
}
