import * as Y from 'yjs';
import { POINT, ROOT } from './schema.ts';

/** Typed handles on the board doc's root types. Getting a root also declares it. */
export interface BoardRoots {
  readonly meta: Y.Map<unknown>;
  readonly stakeholders: Y.Map<Y.Map<unknown>>;
  readonly categories: Y.Map<Y.Map<unknown>>;
  readonly points: Y.Map<Y.Map<unknown>>;
  readonly positions: Y.Map<unknown>;
  readonly threads: Y.Map<Y.Map<unknown>>;
  readonly amendments: Y.Map<Y.Map<unknown>>;
  /** `reactionKey` -> when (reactions.ts). */
  readonly reactions: Y.Map<unknown>;
}

export function boardRoots(doc: Y.Doc): BoardRoots {
  return {
    meta: doc.getMap(ROOT.meta),
    stakeholders: doc.getMap(ROOT.stakeholders),
    categories: doc.getMap(ROOT.categories),
    points: doc.getMap(ROOT.points),
    positions: doc.getMap(ROOT.positions),
    threads: doc.getMap(ROOT.threads),
    amendments: doc.getMap(ROOT.amendments),
    reactions: doc.getMap(ROOT.reactions),
  };
}

export function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}

export function num(value: unknown, fallback = 0): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

export function text(value: unknown): string {
  return value instanceof Y.Text ? value.toString() : '';
}

/** A point on the board: present and not deleted (a deleted one waits, hidden, for its purge). */
export function isLivePoint(points: Y.Map<Y.Map<unknown>>, id: string): boolean {
  const m = points.get(id);
  return m instanceof Y.Map && !isTrashed(m);
}

export function isTrashed(point: Y.Map<unknown>): boolean {
  return point.get(POINT.deletedAt) !== undefined;
}
