/**
 * Where a dragged point lands: `index` is a slot in the category's list as shown (0 is
 * before its first point, `points.length` after its last), the dragged point included.
 */
export interface DropSlot {
  categoryId: string;
  index: number;
}

/**
 * The index `movePoint` wants for a drop in `slot` (counted without the dragged point), or
 * null when the point would land where it already is.
 */
export function dropIndex(points: readonly { id: string }[], pointId: string, slot: number): number | null {
  const here = points.findIndex((p) => p.id === pointId);
  if (here < 0) return slot;
  if (slot === here || slot === here + 1) return null;
  return slot > here ? slot - 1 : slot;
}
