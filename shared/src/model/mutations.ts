import * as Y from 'yjs';
import { isStakeholderColor } from './colors.ts';
import { invariant } from './errors.ts';
import {
  newCategoryId,
  newCommentId,
  newPointId,
  newThreadId,
  type CategoryId,
  type CommentId,
  type PointId,
  type StakeholderId,
  type ThreadId,
  type UserId,
} from './ids.ts';
import { keyAtIndex, keyBetween, sortOrdered } from './order.ts';
import { mutationOrigin, type MutationName } from './origin.ts';
import { boardRoots, isLivePoint, isTrashed, str, type BoardRoots } from './roots.ts';
import { isThreadAnchor } from './anchors.ts';
import { cleanMentions } from './mentions.ts';
import { oneLineText } from './text.ts';
import { ID_CHARACTERS, STAKEHOLDER_ID_PATTERN } from '../protocol/docNames.ts';
import {
  AMENDMENT,
  CATEGORY,
  COMMENT,
  LIMITS,
  META,
  POINT,
  SCHEMA_VERSION,
  STAKEHOLDER,
  STANCES,
  THREAD,
  positionKey,
  type Stance,
  type ThreadAnchor,
} from './schema.ts';
import type { Actor } from './types.ts';

/**
 * Runs a mutation in two phases: `prepare` validates against the current state and throws
 * `ModelError` before anything is written (so a refused call leaves no trace, not even an
 * empty transaction); the write it returns then runs in one transaction with a typed origin.
 */
export function runMutation<T>(
  doc: Y.Doc,
  name: MutationName,
  actor: UserId | null,
  prepare: (roots: BoardRoots) => () => T,
): T {
  const write = prepare(boardRoots(doc));
  let result: T | undefined;
  doc.transact(
    () => {
      result = write();
    },
    mutationOrigin(name, actor),
  );
  return result as T;
}

const run = runMutation;

function cleanLine(value: string, max: number, what: string): string {
  const v = oneLineText(value);
  invariant(v.length > 0, 'invalid', `${what} must not be empty`);
  invariant(v.length <= max, 'invalid', `${what} is longer than ${max} characters`);
  return v;
}

function cleanBody(value: string, max: number, what: string): string {
  const v = value.trim();
  invariant(v.length > 0, 'invalid', `${what} must not be empty`);
  invariant(v.length <= max, 'invalid', `${what} is longer than ${max} characters`);
  return v;
}

/** The category's points in order; deleted ones are not counted, as no one sees them. */
function siblingsOf(roots: BoardRoots, categoryId: CategoryId, excluding?: PointId) {
  const out: { id: string; order: string }[] = [];
  roots.points.forEach((m, id) => {
    if (id !== excluding && m.get(POINT.categoryId) === categoryId && !isTrashed(m)) {
      out.push({ id, order: str(m.get(POINT.order), 'a0') });
    }
  });
  return sortOrdered(out);
}

function orderedKeys(map: Y.Map<Y.Map<unknown>>, excluding?: string) {
  const out: { id: string; order: string }[] = [];
  map.forEach((m, id) => {
    if (id !== excluding) out.push({ id, order: str(m.get('order'), 'a0') });
  });
  return sortOrdered(out);
}

// ---------------------------------------------------------------- meta & stakeholders

export interface StakeholderInput {
  id: StakeholderId;
  name: string;
  short: string;
  color: string;
}

export function initBoard(doc: Y.Doc, init: { title: string; description?: string; isDemo?: boolean }): void {
  const title = cleanLine(init.title, LIMITS.titleLength, 'Board title');
  run(doc, 'initBoard', null, ({ meta }) => () => {
    meta.set(META.title, title);
    meta.set(META.description, cleanDescription(init.description ?? ''));
    meta.set(META.isDemo, init.isDemo === true);
    meta.set(META.schemaVersion, SCHEMA_VERSION);
  });
}

function cleanDescription(description: string): string {
  const clean = description.trim();
  invariant(clean.length <= LIMITS.descriptionLength, 'invalid', 'Board description is too long');
  return clean;
}

export function updateMeta(doc: Y.Doc, actor: Actor | null, patch: { title?: string; description?: string }): void {
  const title = patch.title === undefined ? undefined : cleanLine(patch.title, LIMITS.titleLength, 'Board title');
  run(doc, 'updateMeta', actor?.userId ?? null, ({ meta }) => () => {
    if (title !== undefined) meta.set(META.title, title);
    if (patch.description !== undefined) meta.set(META.description, cleanDescription(patch.description));
  });
}

function checkColor(color: string): string {
  invariant(isStakeholderColor(color), 'invalid', 'Stakeholder colour must be #rrggbb');
  return color.toLowerCase();
}

export function addStakeholder(doc: Y.Doc, actor: Actor | null, input: StakeholderInput): StakeholderId {
  invariant(STAKEHOLDER_ID_PATTERN.test(input.id), 'invalid', `Stakeholder id "${input.id}" must be ${ID_CHARACTERS}`);
  const name = cleanLine(input.name, LIMITS.stakeholderNameLength, 'Stakeholder name');
  const short = cleanLine(input.short, LIMITS.stakeholderShortLength, 'Stakeholder short name');
  const color = checkColor(input.color);
  return run(doc, 'addStakeholder', actor?.userId ?? null, ({ stakeholders }) => {
    invariant(!stakeholders.has(input.id), 'conflict', `Stakeholder "${input.id}" already exists`);
    const siblings = orderedKeys(stakeholders);
    return () => {
      const m = new Y.Map<unknown>();
      m.set(STAKEHOLDER.name, name);
      m.set(STAKEHOLDER.short, short);
      m.set(STAKEHOLDER.color, color);
      m.set(STAKEHOLDER.order, keyAtIndex(siblings, siblings.length));
      stakeholders.set(input.id, m);
      return input.id;
    };
  });
}

export function updateStakeholder(
  doc: Y.Doc,
  actor: Actor | null,
  id: StakeholderId,
  patch: { name?: string; short?: string; color?: string },
): void {
  const name =
    patch.name === undefined ? undefined : cleanLine(patch.name, LIMITS.stakeholderNameLength, 'Stakeholder name');
  const short =
    patch.short === undefined
      ? undefined
      : cleanLine(patch.short, LIMITS.stakeholderShortLength, 'Stakeholder short name');
  const color = patch.color === undefined ? undefined : checkColor(patch.color);
  run(doc, 'updateStakeholder', actor?.userId ?? null, ({ stakeholders }) => {
    const m = stakeholders.get(id);
    invariant(m, 'not-found', `No stakeholder "${id}"`);
    return () => {
      if (name !== undefined) m.set(STAKEHOLDER.name, name);
      if (short !== undefined) m.set(STAKEHOLDER.short, short);
      if (color !== undefined) m.set(STAKEHOLDER.color, color);
    };
  });
}

// ---------------------------------------------------------------- categories

function checkIndex(index: number | undefined): void {
  invariant(index === undefined || Number.isInteger(index), 'invalid', 'Index must be a whole number');
}

export function addCategory(doc: Y.Doc, actor: Actor | null, title: string, index?: number): CategoryId {
  const clean = cleanLine(title, LIMITS.categoryTitleLength, 'Category title');
  checkIndex(index);
  return run(doc, 'addCategory', actor?.userId ?? null, ({ categories }) => {
    const siblings = orderedKeys(categories);
    return () => {
      const id = newCategoryId();
      const m = new Y.Map<unknown>();
      m.set(CATEGORY.title, clean);
      m.set(CATEGORY.order, keyAtIndex(siblings, index ?? siblings.length));
      categories.set(id, m);
      return id;
    };
  });
}

export function renameCategory(doc: Y.Doc, actor: Actor | null, id: CategoryId, title: string): void {
  const clean = cleanLine(title, LIMITS.categoryTitleLength, 'Category title');
  run(doc, 'renameCategory', actor?.userId ?? null, ({ categories }) => {
    const m = categories.get(id);
    invariant(m, 'not-found', `No category "${id}"`);
    return () => m.set(CATEGORY.title, clean);
  });
}

export function moveCategory(doc: Y.Doc, actor: Actor | null, id: CategoryId, index: number): void {
  checkIndex(index);
  run(doc, 'moveCategory', actor?.userId ?? null, ({ categories }) => {
    const m = categories.get(id);
    invariant(m, 'not-found', `No category "${id}"`);
    const order = keyAtIndex(orderedKeys(categories, id), index);
    return () => m.set(CATEGORY.order, order);
  });
}

/**
 * Deletes a category. Its points (deleted ones too, so a restore finds a home) move to the
 * end of `moveTo`, in their order, in the same transaction; without `moveTo` a category
 * that still holds points is refused, so deleting one never loses points.
 */
export function deleteCategory(doc: Y.Doc, actor: Actor | null, id: CategoryId, moveTo?: CategoryId): void {
  run(doc, 'deleteCategory', actor?.userId ?? null, (roots) => {
    invariant(roots.categories.has(id), 'not-found', `No category "${id}"`);
    const held: { id: string; order: string }[] = [];
    roots.points.forEach((m, pid) => {
      if (m.get(POINT.categoryId) === id) held.push({ id: pid, order: str(m.get(POINT.order), 'a0') });
    });
    if (moveTo === undefined) {
      invariant(held.length === 0, 'conflict', 'Choose where its points go, or move them first');
      return () => roots.categories.delete(id);
    }
    invariant(moveTo !== id, 'invalid', 'Its points cannot move into the category being deleted');
    invariant(roots.categories.has(moveTo), 'not-found', `No category "${moveTo}"`);
    const target = siblingsOf(roots, moveTo);
    let after = target.length > 0 ? target[target.length - 1]!.order : null;
    const moves = sortOrdered(held).map((p) => {
      after = keyBetween(after, null);
      return { id: p.id, order: after };
    });
    return () => {
      for (const move of moves) {
        const m = roots.points.get(move.id)!;
        m.set(POINT.categoryId, moveTo);
        m.set(POINT.order, move.order);
      }
      roots.categories.delete(id);
    };
  });
}

// ---------------------------------------------------------------- points

/** Point ids never contain ':' because position keys are "pointId:stakeholderId". */
const POINT_ID = /^[a-z0-9_-]{1,40}$/;

export function addPoint(
  doc: Y.Doc,
  actor: Actor | null,
  input: { categoryId: CategoryId; title: string; body?: string; index?: number; id?: PointId },
): PointId {
  const title = cleanLine(input.title, LIMITS.titleLength, 'Point title');
  checkIndex(input.index);
  invariant(input.id === undefined || POINT_ID.test(input.id), 'invalid', `Point id "${input.id}" is not valid`);
  return run(doc, 'addPoint', actor?.userId ?? null, (roots) => {
    invariant(roots.categories.has(input.categoryId), 'not-found', `No category "${input.categoryId}"`);
    const id = input.id ?? newPointId();
    invariant(!roots.points.has(id), 'conflict', `Point "${id}" already exists`);
    const siblings = siblingsOf(roots, input.categoryId);
    return () => {
      const m = new Y.Map<unknown>();
      m.set(POINT.categoryId, input.categoryId);
      m.set(POINT.order, keyAtIndex(siblings, input.index ?? siblings.length));
      m.set(POINT.title, new Y.Text(title));
      m.set(POINT.body, new Y.Text(input.body ?? ''));
      m.set(POINT.createdAt, Date.now());
      roots.points.set(id, m);
      return id;
    };
  });
}

/**
 * Moves a point to `index` within `categoryId` (its own or another). Points are keyed by
 * id, so concurrent moves of one point never duplicate it; both fields are always written
 * so the same writer wins both and the result is one person's move, never a mix.
 */
export function movePoint(
  doc: Y.Doc,
  actor: Actor | null,
  id: PointId,
  to: { categoryId: CategoryId; index: number },
): void {
  checkIndex(to.index);
  run(doc, 'movePoint', actor?.userId ?? null, (roots) => {
    const m = roots.points.get(id);
    invariant(m, 'not-found', `No point "${id}"`);
    invariant(roots.categories.has(to.categoryId), 'not-found', `No category "${to.categoryId}"`);
    const order = keyAtIndex(siblingsOf(roots, to.categoryId, id), to.index);
    return () => {
      m.set(POINT.categoryId, to.categoryId);
      m.set(POINT.order, order);
    };
  });
}

/**
 * Moves a point one place up or down in the board's numbering: within its category, or
 * across into the neighbouring category (to its end going up, its start going down), as
 * Alt+↑/↓ does. Returns false, writing nothing, at either end of the board.
 */
export function movePointStep(doc: Y.Doc, actor: Actor | null, id: PointId, direction: 'up' | 'down'): boolean {
  const roots = boardRoots(doc);
  const m = roots.points.get(id);
  invariant(m && !isTrashed(m), 'not-found', `No point "${id}"`);
  const categoryId = str(m.get(POINT.categoryId)) as CategoryId;
  const siblings = siblingsOf(roots, categoryId);
  const index = siblings.findIndex((p) => p.id === id);
  const step = direction === 'up' ? -1 : 1;
  if (index + step >= 0 && index + step < siblings.length) {
    movePoint(doc, actor, id, { categoryId, index: index + step });
    return true;
  }
  const categories = orderedKeys(roots.categories);
  const here = categories.findIndex((c) => c.id === categoryId);
  // A point whose category is gone moves into the last category going up.
  const next = here < 0 ? (direction === 'up' ? categories.length - 1 : -1) : here + step;
  const target = categories[next];
  if (!target) return false;
  const targetId = target.id as CategoryId;
  movePoint(doc, actor, id, {
    categoryId: targetId,
    index: direction === 'up' ? siblingsOf(roots, targetId).length : 0,
  });
  return true;
}

/**
 * Deletes a point as an editor does: hidden from every view and numbering at once, with
 * its positions and threads, and restorable until the server purges it (TRASH).
 */
export function trashPoint(doc: Y.Doc, actor: Actor, id: PointId): void {
  run(doc, 'trashPoint', actor.userId, ({ points }) => {
    const m = points.get(id);
    invariant(m && !isTrashed(m), 'not-found', `No point "${id}"`);
    return () => {
      m.set(POINT.deletedAt, Date.now());
      m.set(POINT.deletedBy, actor.userId);
    };
  });
}

/** Brings a deleted point back, with everything it held, if the server has not purged it yet. */
export function restorePoint(doc: Y.Doc, actor: Actor, id: PointId): void {
  run(doc, 'restorePoint', actor.userId, ({ points }) => {
    const m = points.get(id);
    invariant(m, 'not-found', 'This point was deleted for good and can no longer be restored');
    return () => {
      m.delete(POINT.deletedAt);
      m.delete(POINT.deletedBy);
    };
  });
}

/** The deleted points, with when each was deleted (the deleter's clock). */
export function trashedPoints(doc: Y.Doc): { id: PointId; deletedAt: number }[] {
  const out: { id: PointId; deletedAt: number }[] = [];
  boardRoots(doc).points.forEach((m, id) => {
    const at = m instanceof Y.Map ? m.get(POINT.deletedAt) : undefined;
    if (at !== undefined) out.push({ id: id as PointId, deletedAt: typeof at === 'number' ? at : 0 });
  });
  return out;
}

/**
 * Positions and threads whose point is gone (not deleted: removed from the doc), which no
 * view shows: left by a position or thread made concurrently with the point's purge, or by
 * an undo of the point's creation after others had used it. The server removes them. So
 * are reactions whose thread is gone (given concurrently with the thread's deletion).
 */
export function orphansOf(doc: Y.Doc): {
  positions: string[];
  threads: ThreadId[];
  amendments: string[];
  reactions: string[];
} {
  const { points, positions, threads, amendments, reactions } = boardRoots(doc);
  const out = {
    positions: [] as string[],
    threads: [] as ThreadId[],
    amendments: [] as string[],
    reactions: [] as string[],
  };
  for (const key of positions.keys()) {
    const sep = key.indexOf(':');
    if (sep > 0 && !points.has(key.slice(0, sep))) out.positions.push(key);
  }
  threads.forEach((t, id) => {
    const pid = t instanceof Y.Map ? t.get(THREAD.pointId) : undefined;
    if (typeof pid === 'string' && !points.has(pid)) out.threads.push(id as ThreadId);
  });
  amendments.forEach((m, id) => {
    const pid = m instanceof Y.Map ? m.get(AMENDMENT.pointId) : undefined;
    if (typeof pid === 'string' && !points.has(pid)) out.amendments.push(id);
  });
  for (const key of reactions.keys()) {
    const sep = key.indexOf(':');
    if (sep > 0 && !threads.has(key.slice(0, sep))) out.reactions.push(key);
  }
  return out;
}

/** Deletes orphans (`orphansOf`) in one transaction, threads with their reactions; the server's own clean-up. */
export function deleteOrphans(
  doc: Y.Doc,
  orphans: {
    positions: readonly string[];
    threads: readonly ThreadId[];
    amendments?: readonly string[];
    reactions?: readonly string[];
  },
): void {
  run(doc, 'deleteOrphans', null, ({ positions, threads, amendments, reactions }) => () => {
    for (const key of orphans.positions) positions.delete(key);
    for (const id of orphans.threads) threads.delete(id);
    for (const id of orphans.amendments ?? []) amendments.delete(id);
    for (const key of orphans.reactions ?? []) reactions.delete(key);
    deleteReactionsOf(reactions, new Set(orphans.threads));
  });
}

/**
 * Deletes every reaction to the comments of these threads (keys start with the thread id,
 * which holds no ':'), so a deleted thread leaves nothing behind.
 */
function deleteReactionsOf(reactions: Y.Map<unknown>, threadIds: ReadonlySet<string>): void {
  if (threadIds.size === 0) return;
  for (const key of [...reactions.keys()]) {
    const sep = key.indexOf(':');
    if (sep > 0 && threadIds.has(key.slice(0, sep))) reactions.delete(key);
  }
}

/**
 * Deletes a point for good with its positions, threads and amendments, so nothing dangles. The server
 * does this when a deleted point's undo time is over; editors use `trashPoint`.
 */
export function deletePoint(doc: Y.Doc, actor: Actor | null, id: PointId): void {
  run(doc, 'deletePoint', actor?.userId ?? null, (roots) => {
    invariant(roots.points.has(id), 'not-found', `No point "${id}"`);
    return () => {
      roots.points.delete(id);
      for (const key of [...roots.positions.keys()]) {
        if (key.startsWith(`${id}:`)) roots.positions.delete(key);
      }
      const threadIds = new Set<string>();
      roots.threads.forEach((t, tid) => {
        if (t.get(THREAD.pointId) === id) threadIds.add(tid);
      });
      for (const tid of threadIds) roots.threads.delete(tid);
      deleteReactionsOf(roots.reactions, threadIds);
      roots.amendments.forEach((a, aid) => {
        if (a instanceof Y.Map && a.get(AMENDMENT.pointId) === id) roots.amendments.delete(aid);
      });
    };
  });
}

// ---------------------------------------------------------------- positions

/**
 * A position is one plain value per (point, stakeholder), replaced whole on every change:
 * concurrent changes then settle on one complete value instead of mixing one writer's
 * stance with another's rationale.
 */
export function setPosition(
  doc: Y.Doc,
  actor: Actor,
  input: { pointId: PointId; stakeholderId: StakeholderId; stance: Stance; rationale?: string },
): void {
  invariant((STANCES as readonly string[]).includes(input.stance), 'invalid', `Unknown stance "${input.stance}"`);
  const rationale = (input.rationale ?? '').trim();
  invariant(rationale.length <= LIMITS.rationaleLength, 'invalid', 'Rationale is too long');
  run(doc, 'setPosition', actor.userId, (roots) => {
    invariant(isLivePoint(roots.points, input.pointId), 'not-found', `No point "${input.pointId}"`);
    invariant(roots.stakeholders.has(input.stakeholderId), 'not-found', `No stakeholder "${input.stakeholderId}"`);
    return () =>
      roots.positions.set(positionKey(input.pointId, input.stakeholderId), {
        stance: input.stance,
        rationale,
        by: actor.userId,
        byName: actor.name,
        at: Date.now(),
      });
  });
}

export function clearPosition(doc: Y.Doc, actor: Actor, pointId: PointId, stakeholderId: StakeholderId): void {
  run(doc, 'clearPosition', actor.userId, ({ positions }) => () => {
    positions.delete(positionKey(pointId, stakeholderId));
  });
}

// ---------------------------------------------------------------- threads & comments

/** A new comment; its mentions are written only when it has some. */
function newComment(actor: Actor, body: string, mentions: readonly UserId[]): Y.Map<unknown> {
  const c = new Y.Map<unknown>();
  c.set(COMMENT.id, newCommentId());
  c.set(COMMENT.authorId, actor.userId);
  c.set(COMMENT.authorName, actor.name);
  c.set(COMMENT.stakeholderId, actor.stakeholderId);
  c.set(COMMENT.body, body);
  c.set(COMMENT.createdAt, Date.now());
  if (mentions.length > 0) c.set(COMMENT.mentions, [...mentions]);
  return c;
}

/**
 * Opens a thread for `stakeholderId` (by default the actor's) on a point, with a first
 * comment; `anchor` (`createAnchor`) opens it on a span of the point's text, for good.
 */
export function openThread(
  doc: Y.Doc,
  actor: Actor,
  input: {
    pointId: PointId;
    body: string;
    stakeholderId?: StakeholderId;
    mentions?: UserId[];
    anchor?: ThreadAnchor;
  },
): ThreadId {
  const body = cleanBody(input.body, LIMITS.commentLength, 'Comment');
  const mentions = cleanMentions(input.mentions ?? []);
  const anchor = input.anchor;
  invariant(anchor === undefined || isThreadAnchor(anchor), 'invalid', 'Malformed anchor');
  return run(doc, 'openThread', actor.userId, (roots) => {
    invariant(isLivePoint(roots.points, input.pointId), 'not-found', `No point "${input.pointId}"`);
    return () => {
      const id = newThreadId();
      const t = new Y.Map<unknown>();
      t.set(THREAD.pointId, input.pointId);
      t.set(THREAD.stakeholderId, input.stakeholderId ?? actor.stakeholderId);
      t.set(THREAD.createdBy, actor.userId);
      t.set(THREAD.createdAt, Date.now());
      t.set(THREAD.resolved, false);
      if (anchor)
        t.set(THREAD.anchor, { field: anchor.field, start: anchor.start, end: anchor.end, quote: anchor.quote });
      const comments = new Y.Array<Y.Map<unknown>>();
      comments.push([newComment(actor, body, mentions)]);
      t.set(THREAD.comments, comments);
      roots.threads.set(id, t);
      return id;
    };
  });
}

function threadComments(roots: BoardRoots, threadId: ThreadId): Y.Array<Y.Map<unknown>> {
  const t = roots.threads.get(threadId);
  invariant(t, 'not-found', `No thread "${threadId}"`);
  const comments = t.get(THREAD.comments);
  invariant(comments instanceof Y.Array, 'invalid', `Thread "${threadId}" has no comments list`);
  return comments as Y.Array<Y.Map<unknown>>;
}

function findComment(roots: BoardRoots, threadId: ThreadId, commentId: CommentId): Y.Map<unknown> {
  const found = threadComments(roots, threadId)
    .toArray()
    .find((c) => c instanceof Y.Map && c.get(COMMENT.id) === commentId);
  invariant(found, 'not-found', `No comment "${commentId}"`);
  return found;
}

export function replyToThread(
  doc: Y.Doc,
  actor: Actor,
  threadId: ThreadId,
  body: string,
  mentions?: UserId[],
): CommentId {
  const clean = cleanBody(body, LIMITS.commentLength, 'Comment');
  const cleanMentionList = cleanMentions(mentions ?? []);
  return run(doc, 'replyToThread', actor.userId, (roots) => {
    const comments = threadComments(roots, threadId);
    return () => {
      const c = newComment(actor, clean, cleanMentionList);
      comments.push([c]);
      return c.get(COMMENT.id) as CommentId;
    };
  });
}

/**
 * Replaces a comment's body. Its mentions are written with it when given, or when it had
 * some (an edit that passes none then clears them, since the body no longer says so);
 * otherwise they are left out, so an edit adds no field a client does not know.
 */
export function editComment(
  doc: Y.Doc,
  actor: Actor,
  threadId: ThreadId,
  commentId: CommentId,
  body: string,
  mentions?: UserId[],
): void {
  const clean = cleanBody(body, LIMITS.commentLength, 'Comment');
  const cleanMentionList = mentions === undefined ? undefined : cleanMentions(mentions);
  run(doc, 'editComment', actor.userId, (roots) => {
    const c = findComment(roots, threadId, commentId);
    invariant(c.get(COMMENT.authorId) === actor.userId, 'invalid', 'Only the author can edit a comment');
    invariant(c.get(COMMENT.deleted) !== true, 'invalid', 'A deleted comment cannot be edited');
    const hadMentions = c.has(COMMENT.mentions);
    return () => {
      c.set(COMMENT.body, clean);
      c.set(COMMENT.editedAt, Date.now());
      if (cleanMentionList !== undefined || hadMentions) c.set(COMMENT.mentions, cleanMentionList ?? []);
    };
  });
}

/**
 * Soft delete: the comment keeps its place (so replies still read in order) but its text
 * is erased from the current state.
 */
export function deleteComment(doc: Y.Doc, actor: Actor, threadId: ThreadId, commentId: CommentId): void {
  run(doc, 'deleteComment', actor.userId, (roots) => {
    const c = findComment(roots, threadId, commentId);
    invariant(c.get(COMMENT.authorId) === actor.userId, 'invalid', 'Only the author can delete a comment');
    return () => {
      c.set(COMMENT.body, '');
      c.set(COMMENT.deleted, true);
      // Whom it mentioned goes with its text.
      if (c.has(COMMENT.mentions)) c.set(COMMENT.mentions, []);
    };
  });
}

export function setThreadResolved(doc: Y.Doc, actor: Actor, threadId: ThreadId, resolved: boolean): void {
  run(doc, 'setThreadResolved', actor.userId, ({ threads }) => {
    const t = threads.get(threadId);
    invariant(t, 'not-found', `No thread "${threadId}"`);
    return () => {
      t.set(THREAD.resolved, resolved);
      if (resolved) {
        t.set(THREAD.resolvedBy, actor.userId);
        t.set(THREAD.resolvedAt, Date.now());
      } else {
        t.delete(THREAD.resolvedBy);
        t.delete(THREAD.resolvedAt);
      }
    };
  });
}

/** Deletes a thread with its comments' reactions. */
export function deleteThread(doc: Y.Doc, actor: Actor | null, threadId: ThreadId): void {
  run(doc, 'deleteThread', actor?.userId ?? null, ({ threads, reactions }) => {
    invariant(threads.has(threadId), 'not-found', `No thread "${threadId}"`);
    return () => {
      threads.delete(threadId);
      deleteReactionsOf(reactions, new Set([threadId]));
    };
  });
}
