import { ApiError } from '../api.ts';
import { fetchVersions, publishVersion, type VersionSummary } from '../versions-api.ts';

export const messageOf = (err: unknown) =>
  err instanceof ApiError ? err.message : 'Something went wrong. Please try again.';

/**
 * The board's published versions, newest first. Fetched when the page opens and again on
 * "Refresh", when the tab comes back into view, and after publishing here: another tab's
 * new version is not pushed live yet.
 */
export class VersionList {
  list = $state.raw<readonly VersionSummary[]>([]);
  /** 'loading' only until the first answer; later refreshes keep the list shown. */
  status = $state<'loading' | 'ready' | 'error'>('loading');
  error = $state<string | null>(null);
  refreshing = $state(false);

  readonly #boardId: string;
  /** An answer to an older request that arrives after a newer one is dropped. */
  #generation = 0;

  constructor(boardId: string) {
    this.#boardId = boardId;
  }

  async refresh(): Promise<void> {
    const generation = ++this.#generation;
    this.refreshing = true;
    try {
      const list = await fetchVersions(this.#boardId);
      if (generation !== this.#generation) return;
      this.list = list;
      this.status = 'ready';
      this.error = null;
    } catch (err) {
      if (generation !== this.#generation) return;
      this.error = messageOf(err);
      if (this.status === 'loading') this.status = 'error';
    } finally {
      if (generation === this.#generation) this.refreshing = false;
    }
  }

  /** Publishes the board as it is now, then lists it; rejects with the server's message. */
  async publish(name: string, note: string): Promise<string> {
    const id = await publishVersion(this.#boardId, { name, note });
    await this.refresh();
    return id;
  }

  /** Refreshes whenever the tab is shown again, until the returned function is called (an $effect's cleanup). */
  follow(): () => void {
    void this.refresh();
    const onVisible = () => {
      if (document.visibilityState === 'visible') void this.refresh();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }
}
