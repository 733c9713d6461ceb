import type * as Y from 'yjs';
import { AMENDMENT, THREAD, boardRoots, type HistoryEntryJson } from '@parley/shared/model';
import { ApiError, fetchPointHistory } from '../api.ts';
import {
  isPositionOf,
  touchedEntries,
  withFreshFirstPage,
  withOlderPage,
  type HistoryList,
  type RootChange,
} from '../components/history/history-model.ts';

/** How long after a change to the point the history is asked for again (changes meanwhile join it). */
export const HISTORY_REFRESH_DEBOUNCE_MS = 1_000;

const messageOf = (err: unknown) => (err instanceof ApiError ? err.message : 'Something went wrong. Please try again.');

/**
 * One point's history as the server derives it (`GET …/points/:pointId/history`). The
 * client cannot work it out itself (the server records who sent each update and why the
 * text changed), so it fetches pages, and fetches the newest page again whenever the doc
 * changes for this point: the server has committed the change, and its entry, by then.
 */
export class PointHistory {
  entries = $state.raw<readonly HistoryEntryJson[]>([]);
  next = $state<number | null>(null);
  /** 'loading' only until the first page arrives; later refreshes keep the list shown. */
  status = $state<'loading' | 'ready' | 'error'>('loading');
  /** Why the last fetch of the newest page failed (shown with a retry). */
  error = $state<string | null>(null);
  loadingOlder = $state(false);
  olderError = $state<string | null>(null);

  readonly #boardId: string;
  readonly #pointId: string;
  /** Answers to earlier requests that arrive after a newer one was sent are dropped. */
  #generation = 0;

  constructor(boardId: string, pointId: string) {
    this.#boardId = boardId;
    this.#pointId = pointId;
  }

  get #shown(): HistoryList | null {
    return this.status === 'ready' ? { entries: this.entries, next: this.next } : null;
  }

  #show(list: HistoryList) {
    this.entries = list.entries;
    this.next = list.next;
    this.status = 'ready';
  }

  /** Fetches the newest page again, keeping any older pages already loaded below it. */
  async refresh(): Promise<void> {
    const generation = ++this.#generation;
    if (this.status === 'error') this.status = 'loading';
    try {
      const page = await fetchPointHistory(this.#boardId, this.#pointId);
      if (generation !== this.#generation) return;
      this.#show(withFreshFirstPage(this.#shown, page));
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
      const page = await fetchPointHistory(this.#boardId, this.#pointId, { before });
      // A refresh in between may have replaced the list; this page then no longer joins it.
      if (generation === this.#generation && this.next === before) this.#show(withOlderPage(this.#shown!, page));
    } catch (err) {
      this.olderError = messageOf(err);
    } finally {
      this.loadingOlder = false;
    }
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
