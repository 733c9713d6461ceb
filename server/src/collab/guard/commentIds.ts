import type * as Y from 'yjs';
import { COMMENT } from '@parley/shared/model';
import { mapField } from './content.ts';

interface Known {
  readonly ids: Set<string>;
  /** How many comments the list held when `ids` was last complete. */
  count: number;
}

/**
 * The comment ids of each live comment list, so that checking a reply's id against its
 * thread does not read every comment of the thread (a busy thread holds hundreds, and
 * replies are a large share of all edits). Ids never change and comments are never
 * removed, so a list's ids only grow: an entry is complete while the list's length equals
 * the count it was taken at, and is read again from the doc otherwise (a comment that was
 * added without `addCommentIds`, or a checked update that was never applied).
 */
const known = new WeakMap<Y.Array<unknown>, Known>();

export function commentIdsOf(list: Y.Array<unknown>): ReadonlySet<string> {
  const entry = known.get(list);
  if (entry && entry.count === list.length) return entry.ids;
  const ids = new Set<string>();
  list.forEach((c) => {
    const id = mapField(c, COMMENT.id);
    if (typeof id === 'string') ids.add(id);
  });
  known.set(list, { ids, count: list.length });
  return ids;
}

/** Records comments an allowed update adds to `list` (it is applied right after). */
export function addCommentIds(list: Y.Array<unknown>, added: ReadonlySet<string>): void {
  const entry = known.get(list);
  if (!entry) return;
  for (const id of added) entry.ids.add(id);
  entry.count += added.size;
}
