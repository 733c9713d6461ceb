import { generateKeyBetween } from 'fractional-indexing';

export interface Ordered {
  readonly id: string;
  readonly order: string;
}

/**
 * Sort by fractional key, then by id. Two clients inserting at the same spot concurrently
 * can mint the same key; the id tie-break keeps every replica's order identical.
 */
export function compareOrdered(a: Ordered, b: Ordered): number {
  if (a.order < b.order) return -1;
  if (a.order > b.order) return 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function sortOrdered<T extends Ordered>(items: Iterable<T>): T[] {
  return [...items].sort(compareOrdered);
}

/** Tolerates equal neighbours (possible after concurrent inserts) by nudging past them. */
export function keyBetween(before: string | null, after: string | null): string {
  if (before !== null && after !== null && before >= after) {
    return generateKeyBetween(before, null);
  }
  return generateKeyBetween(before, after);
}

/**
 * Key for placing an item at `index` among `siblings` (already sorted, excluding the item
 * being moved). `index` is clamped to the list.
 */
export function keyAtIndex(siblings: readonly Ordered[], index: number): string {
  const i = Math.max(0, Math.min(index, siblings.length));
  const before = i > 0 ? (siblings[i - 1]?.order ?? null) : null;
  const after = i < siblings.length ? (siblings[i]?.order ?? null) : null;
  return keyBetween(before, after);
}
