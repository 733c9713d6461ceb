import * as Y from 'yjs';
import type { CategoryId, PointId, StakeholderId, ThreadId, UserId, CommentId } from './ids.ts';
import { readAnchor } from './anchors.ts';
import { FALLBACK_COLOR } from './colors.ts';
import { readMentions } from './mentions.ts';
import { ReactionIndex, type ReactionJson } from './reactions.ts';
import { compareOrdered, sortOrdered } from './order.ts';
import { boardRoots, isLivePoint, isTrashed, num, str, text } from './roots.ts';
import { COMMENT, META, POINT, SCHEMA_VERSION, STANCES, THREAD, type Stance } from './schema.ts';
import type {
  BoardJson,
  CategoryJson,
  CommentJson,
  MetaJson,
  PointJson,
  PositionJson,
  StakeholderJson,
  ThreadJson,
} from './types.ts';

export function readMeta(doc: Y.Doc): MetaJson {
  const meta = boardRoots(doc).meta;
  return {
    title: str(meta.get(META.title), 'Untitled board'),
    description: str(meta.get(META.description)),
    isDemo: meta.get(META.isDemo) === true,
    schemaVersion: num(meta.get(META.schemaVersion), SCHEMA_VERSION),
  };
}

export function listStakeholders(doc: Y.Doc): StakeholderJson[] {
  const out: StakeholderJson[] = [];
  boardRoots(doc).stakeholders.forEach((m, id) => {
    if (!(m instanceof Y.Map)) return;
    out.push({
      id: id as StakeholderId,
      name: str(m.get('name'), id),
      short: str(m.get('short'), id.slice(0, 3).toUpperCase()),
      color: str(m.get('color'), FALLBACK_COLOR),
      order: str(m.get('order'), 'a0'),
    });
  });
  return sortOrdered(out);
}

export function listCategories(doc: Y.Doc): CategoryJson[] {
  const out: Omit<CategoryJson, 'number'>[] = [];
  boardRoots(doc).categories.forEach((m, id) => {
    if (!(m instanceof Y.Map)) return;
    out.push({ id: id as CategoryId, title: str(m.get('title')), order: str(m.get('order'), 'a0') });
  });
  return sortOrdered(out).map((c, i) => ({ ...c, number: i + 1 }));
}

/** A point as stored; its number depends on every other point's place. */
export type UnnumberedPoint = Omit<PointJson, 'number'>;

export function readPoint(id: string, m: Y.Map<unknown>): UnnumberedPoint {
  return {
    id: id as PointId,
    categoryId: str(m.get(POINT.categoryId)) as CategoryId,
    order: str(m.get(POINT.order), 'a0'),
    title: text(m.get(POINT.title)),
    body: text(m.get(POINT.body)),
    createdAt: num(m.get(POINT.createdAt)),
  };
}

/**
 * Points in display order with their derived numbers. A point whose category is missing
 * (deleted concurrently with a move into it) is listed after all categories so it is never
 * silently lost; the UI offers to move it. Deleted points are not listed, and do not count.
 */
export function listPoints(
  doc: Y.Doc,
  /** How to read one point (LiveBoardView hands back cached ones). */
  read: (id: string, m: Y.Map<unknown>) => UnnumberedPoint = readPoint,
): PointJson[] {
  const categoryRank = new Map(listCategories(doc).map((c, i) => [c.id as string, i]));
  const raw: UnnumberedPoint[] = [];
  boardRoots(doc).points.forEach((m, id) => {
    if (!(m instanceof Y.Map) || isTrashed(m)) return;
    raw.push(read(id, m));
  });
  const rank = (p: { categoryId: string }) => categoryRank.get(p.categoryId) ?? Number.MAX_SAFE_INTEGER;
  raw.sort((a, b) => rank(a) - rank(b) || compareOrdered(a, b));
  return raw.map((p, i) => ({ ...p, number: i + 1 }));
}

function isStance(value: unknown): value is Stance {
  return typeof value === 'string' && (STANCES as readonly string[]).includes(value);
}

/**
 * Positions of existing points. A position set concurrently with its point's deletion
 * survives in the doc; it is hidden here rather than shown against a missing point. So are
 * the positions of a deleted point waiting for its purge.
 */
export function listPositions(doc: Y.Doc): PositionJson[] {
  const out: PositionJson[] = [];
  const { points, positions } = boardRoots(doc);
  positions.forEach((value, key) => {
    const sep = key.indexOf(':');
    if (sep <= 0 || typeof value !== 'object' || value === null) return;
    if (!isLivePoint(points, key.slice(0, sep))) return;
    const v = value as Record<string, unknown>;
    if (!isStance(v['stance'])) return;
    out.push({
      pointId: key.slice(0, sep) as PointId,
      stakeholderId: key.slice(sep + 1) as StakeholderId,
      stance: v['stance'],
      rationale: str(v['rationale']),
      by: str(v['by']) as UserId,
      byName: str(v['byName']),
      at: num(v['at']),
    });
  });
  return out.sort((a, b) => (a.pointId + a.stakeholderId < b.pointId + b.stakeholderId ? -1 : 1));
}

/**
 * A comment as plain JSON, with its reactions (`ReactionIndex.forComment`: they live in
 * the reactions root, not in the comment's map).
 */
export function readComment(m: Y.Map<unknown>, reactions: ReactionJson[] = []): CommentJson {
  const editedAt = m.get(COMMENT.editedAt);
  // An edit concurrent with the delete can leave text behind; a deleted comment shows none.
  const deleted = m.get(COMMENT.deleted) === true;
  return {
    id: str(m.get(COMMENT.id)) as CommentId,
    authorId: str(m.get(COMMENT.authorId)) as UserId,
    authorName: str(m.get(COMMENT.authorName)),
    stakeholderId: str(m.get(COMMENT.stakeholderId)) as StakeholderId,
    body: deleted ? '' : str(m.get(COMMENT.body)),
    createdAt: num(m.get(COMMENT.createdAt)),
    editedAt: typeof editedAt === 'number' ? editedAt : null,
    deleted,
    mentions: deleted ? [] : readMentions(m.get(COMMENT.mentions)),
    reactions: deleted ? [] : reactions,
  };
}

/** Reads a thread's comments with their reactions, from an index of the doc's reactions. */
export function commentReader(index: ReactionIndex, threadId: string): (comment: Y.Map<unknown>) => CommentJson {
  return (c) => readComment(c, index.forComment(threadId, str(c.get(COMMENT.id))));
}

/**
 * A thread as plain JSON. `commentOf` lets a caller that caches comments (LiveBoardView)
 * hand back the same object for a comment that has not changed, and one reading many
 * threads (listThreads) index the reactions once; by default the reactions are read from
 * the thread's doc.
 */
export function readThread(
  id: string,
  m: Y.Map<unknown>,
  commentOf: (comment: Y.Map<unknown>) => CommentJson = m.doc
    ? commentReader(new ReactionIndex(boardRoots(m.doc).reactions), id)
    : (c) => readComment(c),
): ThreadJson {
  const comments = m.get(THREAD.comments);
  const resolvedBy = m.get(THREAD.resolvedBy);
  const resolvedAt = m.get(THREAD.resolvedAt);
  return {
    id: id as ThreadId,
    pointId: str(m.get(THREAD.pointId)) as PointId,
    stakeholderId: str(m.get(THREAD.stakeholderId)) as StakeholderId,
    createdBy: str(m.get(THREAD.createdBy)) as UserId,
    createdAt: num(m.get(THREAD.createdAt)),
    resolved: m.get(THREAD.resolved) === true,
    resolvedBy: typeof resolvedBy === 'string' ? (resolvedBy as UserId) : null,
    resolvedAt: typeof resolvedAt === 'number' ? resolvedAt : null,
    anchor: readAnchor(m.get(THREAD.anchor)),
    comments:
      comments instanceof Y.Array ? comments.toArray().flatMap((c) => (c instanceof Y.Map ? [commentOf(c)] : [])) : [],
  };
}

/**
 * Threads of existing points, oldest first; ties broken by id so every replica lists them
 * alike. (A thread opened concurrently with its point's deletion is hidden, like positions.)
 */
export function listThreads(
  doc: Y.Doc,
  pointId?: PointId,
  /** How to read one thread (LiveBoardView hands back cached ones). */
  read: (id: string, m: Y.Map<unknown>) => ThreadJson = threadReader(doc),
): ThreadJson[] {
  const out: ThreadJson[] = [];
  const { points, threads } = boardRoots(doc);
  threads.forEach((m, id) => {
    if (!(m instanceof Y.Map)) return;
    const thread = read(id, m);
    if (!isLivePoint(points, thread.pointId)) return;
    if (pointId === undefined || thread.pointId === pointId) out.push(thread);
  });
  return out.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
}

/** Reads threads of `doc`, with the board's reactions indexed once for all of them. */
function threadReader(doc: Y.Doc): (id: string, m: Y.Map<unknown>) => ThreadJson {
  const index = new ReactionIndex(boardRoots(doc).reactions);
  return (id, m) => readThread(id, m, commentReader(index, id));
}

/** The whole board as plain JSON, in display order. */
export function toBoardJson(doc: Y.Doc): BoardJson {
  return {
    meta: readMeta(doc),
    stakeholders: listStakeholders(doc),
    categories: listCategories(doc),
    points: listPoints(doc),
    positions: listPositions(doc),
    threads: listThreads(doc),
  };
}

/** The collaborative Y.Text of a point's title or body, for binding an editor (deleted points too). */
export function pointText(doc: Y.Doc, pointId: PointId, field: 'title' | 'body'): Y.Text | null {
  const point = boardRoots(doc).points.get(pointId);
  const value = point?.get(field === 'title' ? POINT.title : POINT.body);
  return value instanceof Y.Text ? value : null;
}
