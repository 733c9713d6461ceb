import * as Y from 'yjs';
import {
  COMMENT,
  POINT,
  THREAD,
  isTrashed,
  listPoints,
  positionKey,
  str,
  text,
  type BoardRoots,
  type SearchField,
} from '@parley/shared/model';

/**
 * One searchable text of a board as the index holds it: a point's title or body, a
 * delegation's rationale on it, or a comment in one of its threads. The same fields
 * `searchBoard` searches within a board; private notes are docs of their own and never
 * reach the index.
 */
export interface IndexEntry {
  /** Unique within the board, and stable while the text it names exists. */
  readonly key: string;
  readonly pointId: string;
  readonly field: SearchField;
  readonly stakeholderId: string | null;
  readonly threadId: string | null;
  readonly commentId: string | null;
  readonly text: string;
}

/** A point's place as search results show it. */
export interface IndexedPoint {
  readonly number: number;
  readonly title: string;
}

/** Which threads each point has; a thread never moves to another point. */
export function threadsByPoint(roots: BoardRoots): Map<string, string[]> {
  const out = new Map<string, string[]>();
  roots.threads.forEach((m, id) => {
    if (!(m instanceof Y.Map)) return;
    const pointId = str(m.get(THREAD.pointId));
    const list = out.get(pointId);
    if (list) list.push(id);
    else out.set(pointId, [id]);
  });
  return out;
}

/** The point's entries now; none for a point that is gone or waiting in the trash. */
export function pointEntries(roots: BoardRoots, pointId: string, threadIds: readonly string[]): IndexEntry[] {
  const point = roots.points.get(pointId);
  if (!(point instanceof Y.Map) || isTrashed(point)) return [];
  const out: IndexEntry[] = [];
  const add = (key: string, field: SearchField, value: string, ids: Partial<IndexEntry> = {}) => {
    if (!value) return;
    out.push({
      key: `${pointId}|${key}`,
      pointId,
      field,
      stakeholderId: ids.stakeholderId ?? null,
      threadId: ids.threadId ?? null,
      commentId: ids.commentId ?? null,
      text: value,
    });
  };
  add('title', 'title', text(point.get(POINT.title)));
  add('body', 'body', text(point.get(POINT.body)));
  roots.stakeholders.forEach((_m, stakeholderId) => {
    const position = roots.positions.get(positionKey(pointId, stakeholderId));
    if (typeof position !== 'object' || position === null) return;
    add(`r|${stakeholderId}`, 'rationale', str((position as Record<string, unknown>)['rationale']), { stakeholderId });
  });
  for (const threadId of threadIds) {
    const thread = roots.threads.get(threadId);
    const comments = thread instanceof Y.Map ? thread.get(THREAD.comments) : undefined;
    if (!(comments instanceof Y.Array)) continue;
    const stakeholderId = str(thread!.get(THREAD.stakeholderId));
    for (const c of comments.toArray()) {
      if (!(c instanceof Y.Map) || c.get(COMMENT.deleted) === true) continue;
      const commentId = str(c.get(COMMENT.id));
      add(`c|${threadId}|${commentId}`, 'comment', str(c.get(COMMENT.body)), { stakeholderId, threadId, commentId });
    }
  }
  return out;
}

/** Every listed point's number and title, as the board shows them. */
export function pointPlaces(doc: Y.Doc): Map<string, IndexedPoint> {
  const out = new Map<string, IndexedPoint>();
  for (const p of listPoints(doc)) out.set(p.id, { number: p.number, title: p.title });
  return out;
}
