import type * as Y from 'yjs';
import { LiveBoardView, positionKey, type BoardJson, type PositionJson, type ThreadJson } from '@parley/shared/model';
import { boardSections, groupThreadsByPoint, indexBy, indexPositions } from './indexes.ts';
import { LOAD_MARK, markLoad } from '../util/load-marks.ts';
import type { FactSource } from './point-filter.ts';

const EMPTY: BoardJson = {
  meta: { title: '', description: '', isDemo: false, schemaVersion: 1 },
  stakeholders: [],
  categories: [],
  points: [],
  positions: [],
  threads: [],
};

/**
 * A reactive, read-only JSON view of a board doc, one piece of state per part of the board.
 * Changes are gathered and applied at most once per animation frame, so a burst of remote
 * updates (initial sync, a paste) costs one recompute, not one per update; and only the
 * parts a change touched are re-read and replaced (LiveBoardView), so typing in a point
 * body does not re-derive 5,000 comments, and thread panels stay as they are.
 * Writes go through the model's mutations on `doc`, never through this view.
 */
export class BoardState {
  meta = $state.raw<BoardJson['meta']>(EMPTY.meta);
  stakeholders = $state.raw<BoardJson['stakeholders']>(EMPTY.stakeholders);
  categories = $state.raw<BoardJson['categories']>(EMPTY.categories);
  points = $state.raw<BoardJson['points']>(EMPTY.points);
  positions = $state.raw<BoardJson['positions']>(EMPTY.positions);
  threads = $state.raw<BoardJson['threads']>(EMPTY.threads);
  /** The whole view in one object, for what needs all of it. */
  json = $derived<BoardJson>({
    meta: this.meta,
    stakeholders: this.stakeholders,
    categories: this.categories,
    points: this.points,
    positions: this.positions,
    threads: this.threads,
  });

  stakeholderById = $derived(indexBy(this.stakeholders, (s) => s.id as string));
  categoryById = $derived(indexBy(this.categories, (c) => c.id as string));
  pointById = $derived(indexBy(this.points, (p) => p.id as string));
  positionByKey = $derived(indexPositions(this.positions));
  threadsByPoint = $derived(groupThreadsByPoint(this.threads));
  /** What the point filters and the matrix read of each point (point-filter.ts). */
  facts = $derived<FactSource>({
    delegations: this.stakeholders,
    positionOf: (pointId, stakeholderId) => this.position(pointId, stakeholderId),
    threadsFor: (pointId) => this.threadsFor(pointId),
  });
  /** Points grouped under their categories, in display order; orphans (category gone) last. */
  sections = $derived(boardSections(this.categories, this.points));

  readonly doc: Y.Doc;
  readonly #live: LiveBoardView;
  #frame: number | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #destroyed = false;

  constructor(doc: Y.Doc) {
    this.doc = doc;
    this.#live = new LiveBoardView(doc, this.#onStale);
    this.#apply(this.#live.read());
  }

  /** Replaces the parts that changed; an unchanged part is the same object, which Svelte skips. */
  #apply(view: BoardJson) {
    this.meta = view.meta;
    this.stakeholders = view.stakeholders;
    this.categories = view.categories;
    this.points = view.points;
    this.positions = view.positions;
    this.threads = view.threads;
    if (view.points.length > 0) markLoad(LOAD_MARK.view);
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
    if (!this.#destroyed) this.#apply(this.#live.read());
  };

  #onStale = () => {
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
    this.#live.destroy();
  }
}
