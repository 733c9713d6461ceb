import type * as Y from 'yjs';
import { positionKey, toBoardJson, type BoardJson, type PositionJson, type ThreadJson } from '@parley/shared/model';
import { boardSections, groupThreadsByPoint, indexBy, indexPositions } from './indexes.ts';

const EMPTY: BoardJson = {
  meta: { title: '', description: '', isDemo: false, schemaVersion: 1 },
  stakeholders: [],
  categories: [],
  points: [],
  positions: [],
  threads: [],
};

/**
 * A reactive, read-only JSON view of a board doc. It listens to every doc update and
 * recomputes the whole view at most once per animation frame, so a burst of remote
 * updates (initial sync, a paste) costs one recompute, not one per update.
 * Writes go through the model's mutations on `doc`, never through this view.
 */
export class BoardState {
  json = $state.raw<BoardJson>(EMPTY);

  stakeholders = $derived(this.json.stakeholders);
  categories = $derived(this.json.categories);
  points = $derived(this.json.points);

  stakeholderById = $derived(indexBy(this.json.stakeholders, (s) => s.id as string));
  categoryById = $derived(indexBy(this.json.categories, (c) => c.id as string));
  pointById = $derived(indexBy(this.json.points, (p) => p.id as string));
  positionByKey = $derived(indexPositions(this.json.positions));
  threadsByPoint = $derived(groupThreadsByPoint(this.json.threads));
  /** Points grouped under their categories, in display order; orphans (category gone) last. */
  sections = $derived(boardSections(this.json));

  readonly doc: Y.Doc;
  #frame: number | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #destroyed = false;

  constructor(doc: Y.Doc) {
    this.doc = doc;
    this.json = toBoardJson(doc);
    doc.on('update', this.#onUpdate);
  }

  position(pointId: string, stakeholderId: string): PositionJson | undefined {
    return this.positionByKey.get(positionKey(pointId, stakeholderId));
  }

  threadsFor(pointId: string): ThreadJson[] {
    return this.threadsByPoint.get(pointId) ?? [];
  }

  /** Recompute now (used right after a local mutation so the UI answers at once). */
  flush = () => {
    this.#cancel();
    if (!this.#destroyed) this.json = toBoardJson(this.doc);
  };

  #onUpdate = () => {
    if (this.#frame !== null || this.#timer !== null) return;
    // requestAnimationFrame pauses in background tabs; the timer is the fallback there.
    this.#frame = requestAnimationFrame(this.flush);
    this.#timer = setTimeout(this.flush, 100);
  };

  #cancel() {
    if (this.#frame !== null) cancelAnimationFrame(this.#frame);
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#frame = null;
    this.#timer = null;
  }

  destroy() {
    this.#destroyed = true;
    this.#cancel();
    this.doc.off('update', this.#onUpdate);
  }
}
