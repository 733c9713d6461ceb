import type * as Y from 'yjs';
import { AMENDMENT, THREAD, boardRoots, type HistoryEntryJson, type HistoryPageJson } from '@parley/shared/model';
import { fetchPointHistory } from '../api.ts';
import { isPositionOf, touchedEntries, type RootChange } from '../components/history/history-model.ts';
import { PagedFeed } from './paged-feed.svelte.ts';

/** How long after a change to the point the history is asked for again (changes meanwhile join it). */
export const HISTORY_REFRESH_DEBOUNCE_MS = 1_000;

/**
 * One point's history as the server derives it (`GET …/points/:pointId/history`). The
 * client cannot work it out itself (the server records who sent each update and why the
 * text changed), so it fetches pages, and fetches the newest page again whenever the doc
 * changes for this point: the server has committed the change, and its entry, by then.
 */
export class PointHistory extends PagedFeed<HistoryEntryJson> {
  readonly #boardId: string;
  readonly #pointId: string;

  constructor(boardId: string, pointId: string) {
    super();
    this.#boardId = boardId;
    this.#pointId = pointId;
  }

  protected fetchPage(before?: number): Promise<HistoryPageJson> {
    return fetchPointHistory(this.#boardId, this.#pointId, before === undefined ? {} : { before });
  }

  /**
   * Refreshes (debounced) whenever a change to the doc concerns this point: its own map
   * and texts, its positions, its threads, its amendments. Returns the cleanup for an $effect.
   */
  follow(doc: Y.Doc): () => void {
    const { points, positions, threads, amendments } = boardRoots(doc);
    const pointId = this.#pointId;
    let timer: ReturnType<typeof setTimeout> | null = null;
    // A second after the first change of a burst, not after the last: someone typing on
    // would otherwise hold the refresh back for as long as they type.
    const schedule = () => {
      if (timer !== null) return;
      timer = setTimeout(() => {
        timer = null;
        void this.refresh();
      }, HISTORY_REFRESH_DEBOUNCE_MS);
    };
    const entryOfPoint = (root: Y.Map<Y.Map<unknown>>, key: string) => (id: string) =>
      root.get(id)?.get(key) === pointId;
    // One generic step so that each root keeps its own entry type.
    const watch = <T>(root: Y.Map<T>, concerns: (changes: RootChange[]) => boolean) => {
      const handler = (events: Y.YEvent<Y.AbstractType<unknown>>[]) => {
        // Only a root's own event names entries by key; deeper ones do by their path.
        const changes = events.map((e) => {
          const path = e.path;
          return { path, keysChanged: path.length === 0 ? [...e.keys.keys()] : [] };
        });
        if (concerns(changes)) schedule();
      };
      root.observeDeep(handler);
      return () => root.unobserveDeep(handler);
    };
    const handlers = [
      watch(points, (c) => touchedEntries(c).has(pointId)),
      watch(positions, (c) => [...touchedEntries(c)].some((k) => isPositionOf(k, pointId))),
      watch(threads, (c) => [...touchedEntries(c)].some(entryOfPoint(threads, THREAD.pointId))),
      watch(amendments, (c) => [...touchedEntries(c)].some(entryOfPoint(amendments, AMENDMENT.pointId))),
    ];
    return () => {
      if (timer !== null) clearTimeout(timer);
      for (const off of handlers) off();
    };
  }
}
