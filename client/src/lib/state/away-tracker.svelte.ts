import * as Y from 'yjs';
import { boardRoots, toBoardJson, type BoardJson } from '@parley/shared/model';
import type { BoardSession } from '../sync/session.ts';
import { awayKey } from '../sync/offline-data.ts';
import { isStringArray, readJson, removeKey, writeJson } from '../util/storage.ts';
import { computeAwaySummary, editKey, mergeAway, type AwayItem } from './away.ts';

/**
 * Finds out what changed on the board while this tab was apart from the server, for the
 * "While you were away" panel.
 *
 * Apart = from the session's start (the board opens from the local copy) or from a lost
 * connection, until the next completed sync. While apart it records which point titles and
 * bodies this user edits (local transactions touching a point's Y.Text; the point id is the
 * key of the Y.Text's parent map in `points`), in localStorage so a reload keeps them. When
 * the socket opens it snapshots the doc as JSON (the local state, offline edits included);
 * when the sync completes it compares that with the merged doc. Points whose text both this
 * user and someone else changed are flagged for review with a word diff.
 */
export class AwayTracker {
  items = $state.raw<AwayItem[]>([]);

  readonly #me: () => string;
  readonly #key: string;
  #apart = true;
  #baseline: BoardJson | null = null;
  #edits: Set<string>;
  #off: (() => void)[] = [];

  constructor(session: BoardSession, userId: string, me: () => string) {
    this.#me = me;
    this.#key = awayKey(userId, session.docName);
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never rendered
    this.#edits = new Set(readJson(this.#key, isStringArray) ?? []);

    const { doc, provider } = session;
    const points = boardRoots(doc).points;

    const onTransaction = (tr: Y.Transaction) => {
      if (!this.#apart || !tr.local || tr.origin === provider || session.local.isOrigin(tr.origin)) return;
      let added = false;
      for (const type of tr.changed.keys()) {
        if (!(type instanceof Y.Text)) continue;
        const field = type._item?.parentSub;
        const pointMap = type._item?.parent;
        if ((field !== 'title' && field !== 'body') || !(pointMap instanceof Y.Map)) continue;
        const pointId = pointMap._item?.parentSub;
        if (!pointId || pointMap._item?.parent !== points) continue;
        const k = editKey(pointId, field);
        if (!this.#edits.has(k)) {
          this.#edits.add(k);
          added = true;
        }
      }
      if (added) writeJson(this.#key, [...this.#edits]);
    };
    const onStatus = ({ status }: { status: string }) => {
      if (status === 'connected') {
        // Just before the resync: the local state, with everything done while apart. A doc
        // with nothing in it (first visit, no local copy) has nothing to compare against.
        if (this.#apart) this.#baseline = doc.store.clients.size > 0 ? toBoardJson(doc) : null;
      } else if (status === 'disconnected') {
        this.#apart = true;
      }
    };
    const onSync = (synced: boolean) => {
      if (!synced || !this.#apart) return;
      this.#apart = false;
      const before = this.#baseline;
      const edits = this.#edits;
      this.#baseline = null;
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never rendered
      this.#edits = new Set();
      removeKey(this.#key);
      if (!before) return;
      const found = computeAwaySummary(before, toBoardJson(doc), edits, this.#me());
      if (found.length > 0) this.items = mergeAway(this.items, found);
    };

    doc.on('afterTransaction', onTransaction);
    provider.on('status', onStatus);
    provider.on('sync', onSync);
    this.#off.push(
      () => doc.off('afterTransaction', onTransaction),
      () => provider.off('status', onStatus),
      () => provider.off('sync', onSync),
    );
  }

  dismiss() {
    this.items = [];
  }

  /** The local state was discarded (a refused change): forget the recorded edits. */
  discard() {
    this.#edits.clear();
    this.#baseline = null;
    removeKey(this.#key);
  }

  destroy() {
    for (const off of this.#off) off();
    this.#off = [];
  }
}
