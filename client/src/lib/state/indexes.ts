import {
  groupBy,
  positionKey,
  type BoardJson,
  type PointJson,
  type PositionJson,
  type ThreadJson,
} from '@parley/shared/model';

/**
 * Plain lookup tables over one BoardJson snapshot. They are rebuilt whole with each new
 * snapshot and never mutated afterwards, so they are ordinary (non-reactive) maps.
 */
export function indexBy<T, K>(items: readonly T[], key: (item: T) => K): ReadonlyMap<K, T> {
  return new Map(items.map((item) => [key(item), item]));
}

export function indexPositions(positions: readonly PositionJson[]): ReadonlyMap<string, PositionJson> {
  return indexBy(positions, (p) => positionKey(p.pointId, p.stakeholderId));
}

export function groupThreadsByPoint(threads: readonly ThreadJson[]): ReadonlyMap<string, ThreadJson[]> {
  return groupBy(threads, (t) => t.pointId as string);
}

export interface BoardSections {
  sections: { category: BoardJson['categories'][number]; points: PointJson[] }[];
  /** Points whose category is gone (deleted concurrently with a move into it). */
  orphans: PointJson[];
}

/** Points grouped under their categories in display order; orphans listed separately. */
export function boardSections(categories: BoardJson['categories'], points: readonly PointJson[]): BoardSections {
  const byCategory = groupBy(points, (p) => p.categoryId as string);
  const known = new Set(categories.map((c) => c.id as string));
  return {
    sections: categories.map((category) => ({ category, points: byCategory.get(category.id) ?? [] })),
    orphans: points.filter((p) => !known.has(p.categoryId)),
  };
}
