import * as Y from 'yjs';
import { POINT, THREAD, boardRoots, str, text, type BoardRoots } from '@parley/shared/model';
import type { BoardChanges } from './IndexTables.ts';
import { pointEntries, pointPlaces, threadsByPoint, type IndexedPoint } from './pointEntries.ts';

/** Point fields whose change moves the point (its number), rather than only its text. */
const PLACE_FIELDS: ReadonlySet<string> = new Set([POINT.order, POINT.categoryId, POINT.deletedAt]);

/**
 * A board doc as committed, replayed in the search worker from the store's log and the
 * committed updates the rooms pass on, with what the index holds for it. Each flush
 * compares the points touched since the last one with the index and returns only what
 * differs, so a reply in a long thread writes one entry, not the thread.
 */
export class BoardReplica {
  private readonly doc = new Y.Doc({ gc: true });
  private readonly roots: BoardRoots;
  /** What the index holds: entry texts by key, by point. */
  private readonly held = new Map<string, Map<string, string>>();
  private places: Map<string, IndexedPoint>;
  private readonly dirty = new Set<string>();
  /** Points were added, removed, moved or reordered, or categories changed: numbers may have. */
  private placesChanged = false;
  private threadIndex: Map<string, string[]> | null = null;

  constructor(
    readonly boardId: string,
    log: readonly Uint8Array[],
    held: readonly { key: string; pointId: string; text: string }[],
    places: Map<string, IndexedPoint>,
  ) {
    this.roots = boardRoots(this.doc);
    Y.transact(this.doc, () => {
      for (const u of log) Y.applyUpdate(this.doc, u);
    });
    for (const e of held) {
      let byKey = this.held.get(e.pointId);
      if (!byKey) this.held.set(e.pointId, (byKey = new Map()));
      byKey.set(e.key, e.text);
    }
    this.places = places;
    this.doc.on('afterTransaction', this.track);
  }

  get isDirty(): boolean {
    return this.dirty.size > 0 || this.placesChanged;
  }

  /** Committed updates, in any order (Yjs merges them; one seen twice changes nothing). */
  apply(updates: readonly Uint8Array[]): void {
    Y.transact(this.doc, () => {
      for (const u of updates) Y.applyUpdate(this.doc, u);
    });
  }

  /** Every point against the index: after a load, the index may hold anything older. */
  diffAll(): BoardChanges {
    this.roots.points.forEach((_m, id) => this.dirty.add(id));
    for (const id of this.held.keys()) this.dirty.add(id);
    for (const id of this.places.keys()) this.dirty.add(id);
    this.placesChanged = true;
    return this.flush();
  }

  /** What the index must change for the points touched since the last flush (now held). */
  flush(): BoardChanges {
    this.threadIndex ??= threadsByPoint(this.roots);
    const upserts = [];
    const deletes: string[] = [];
    for (const pointId of this.dirty) {
      const before = this.held.get(pointId);
      const after = new Map<string, string>();
      for (const e of pointEntries(this.roots, pointId, this.threadIndex.get(pointId) ?? [])) {
        after.set(e.key, e.text);
        if (before?.get(e.key) !== e.text) upserts.push(e);
      }
      for (const key of before?.keys() ?? []) if (!after.has(key)) deletes.push(key);
      if (after.size > 0) this.held.set(pointId, after);
      else this.held.delete(pointId);
    }
    const places = new Map<string, IndexedPoint>();
    const placesGone: string[] = [];
    if (this.placesChanged) {
      const now = pointPlaces(this.doc);
      for (const [id, p] of now) {
        const was = this.places.get(id);
        if (was?.number !== p.number || was.title !== p.title) places.set(id, p);
      }
      for (const id of this.places.keys()) if (!now.has(id)) placesGone.push(id);
      this.places = now;
    } else {
      for (const id of this.dirty) {
        const was = this.places.get(id);
        const point = this.roots.points.get(id);
        if (!was || !(point instanceof Y.Map)) continue;
        const title = text(point.get(POINT.title));
        if (title !== was.title) {
          const p = { number: was.number, title };
          places.set(id, p);
          this.places.set(id, p);
        }
      }
    }
    this.dirty.clear();
    this.placesChanged = false;
    return { upserts, deletes, places, placesGone };
  }

  /** The doc as it stands, as one update. */
  encodeState(): Uint8Array {
    return Y.encodeStateAsUpdate(this.doc);
  }

  destroy(): void {
    this.doc.destroy();
  }

  /** Which points a transaction touched: the root entry each changed type sits under. */
  private readonly track = (tr: Y.Transaction): void => {
    const { points, positions, threads, categories } = this.rootTypes();
    for (const [type, keys] of tr.changed) {
      if (type === points) {
        for (const k of keys) if (k !== null) this.dirty.add(k);
        this.placesChanged = true;
      } else if (type === positions) {
        for (const k of keys) if (k !== null) this.dirty.add(k.slice(0, k.indexOf(':')));
      } else if (type === threads) {
        this.threadIndex = null;
        for (const k of keys) if (k !== null) this.touchThread(k);
      } else if (type === categories) {
        this.placesChanged = true;
      } else {
        this.trackNested(type, keys);
      }
    }
  };

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Yjs types are invariant in their event type
  private trackNested(type: Y.AbstractType<any>, keys: Set<string | null>): void {
    const { points, threads, categories } = this.rootTypes();
    let child = type;
    let item = child._item;
    // Up to the type that is a root's entry (a point, a thread, a category).
    while (item && item.parent instanceof Y.AbstractType && item.parent._item) {
      child = item.parent;
      item = child._item;
    }
    const parent = item?.parent;
    const key = item?.parentSub;
    if (!key) return;
    if (parent === points) {
      this.dirty.add(key);
      if (child === type && [...keys].some((k) => k !== null && PLACE_FIELDS.has(k))) this.placesChanged = true;
    } else if (parent === threads) {
      this.touchThread(key);
    } else if (parent === categories) {
      this.placesChanged = true;
    }
  }

  /** The roots as Yjs hands changed types over, to compare them with. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Yjs types are invariant in their event type
  private rootTypes(): Record<'points' | 'positions' | 'threads' | 'categories', Y.AbstractType<any>> {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
    const { points, positions, threads, categories } = this.roots as unknown as Record<string, Y.AbstractType<any>>;
    return { points: points!, positions: positions!, threads: threads!, categories: categories! };
  }

  private touchThread(threadId: string): void {
    const thread = this.roots.threads.get(threadId);
    // A thread is only ever removed with its point, which marks the point.
    if (thread instanceof Y.Map) this.dirty.add(str(thread.get(THREAD.pointId)));
  }
}
