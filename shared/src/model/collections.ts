/** Items grouped by a key, each group in the items' order (for the board's lookups, page and server). */
export function groupBy<T, K>(items: readonly T[], key: (item: T) => K): ReadonlyMap<K, T[]> {
  const map = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}
