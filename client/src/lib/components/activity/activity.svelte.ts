import type { ActivityEntryJson, ActivityPageJson } from '@parley/shared/protocol';
import { fetchBoardActivity } from '../../api.ts';
import { PagedFeed } from '../../state/paged-feed.svelte.ts';
import { onBoardActivity } from '../../sync/appEvents.ts';
import { withLiveEntry, type ActivityList } from './activity-model.ts';

/**
 * A board's activity feed (`GET /api/boards/:id/activity`), newest first, paged with
 * "Load more", and live: each `activity` event of the joined board goes on top. The server
 * derives entries from committed changes; the client only shows them.
 */
export class ActivityFeed extends PagedFeed<ActivityEntryJson> {
  readonly #boardId: string;
  /** Live entries that arrived before the first page: joined to it when it comes. */
  #early: ActivityEntryJson[] = [];

  constructor(boardId: string) {
    super();
    this.#boardId = boardId;
  }

  protected fetchPage(before?: number): Promise<ActivityPageJson> {
    return fetchBoardActivity(this.#boardId, before === undefined ? {} : { before });
  }

  protected override joinFresh(list: ActivityList): ActivityList {
    for (const entry of this.#early.splice(0)) list = withLiveEntry(list, entry);
    return list;
  }

  #live(entry: ActivityEntryJson) {
    if (typeof entry?.id !== 'number' || typeof entry.summary !== 'string') return;
    const shown = this.shown;
    if (shown) this.show(withLiveEntry(shown, entry));
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
