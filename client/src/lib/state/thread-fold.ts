import type { CommentJson } from '@parley/shared/model';

/** A thread shows its opening comment and this many of the latest ones while folded. */
export const FOLD_KEEP_LATEST = 3;
/** Fewer hidden comments than this are not worth a click: the thread shows in full. */
export const FOLD_MIN_HIDDEN = 3;

/**
 * One row of a thread's comment list: a comment, or the fold standing for hidden ones. Keys
 * are prefixed so that no comment id (chosen by its writer) can collide with the fold's.
 */
export type ThreadRow =
  | { readonly kind: 'comment'; readonly key: string; readonly comment: CommentJson }
  | { readonly kind: 'fold'; readonly key: 'fold'; readonly hidden: number };

/**
 * Where a long thread's fold ends: the id of the first comment shown below it. It is taken
 * once, when the thread is first shown, and kept: replies arriving later are added below
 * the fold, so nothing on screen (a comment someone is reading or editing) slides away
 * under the fold as a conversation goes on. Null: the thread is short enough to show whole.
 */
export function foldBoundary(comments: readonly CommentJson[]): string | null {
  const tailStart = comments.length - FOLD_KEEP_LATEST;
  if (tailStart - 1 < FOLD_MIN_HIDDEN) return null;
  return comments[tailStart]?.id ?? null;
}

/**
 * A thread's rows: every comment, except that a fold stands in for those between the
 * opening comment and `boundary`. One list (not head and tail lists) so that unfolding
 * keeps the components of the comments already shown, with any edit in progress. A
 * boundary that is gone (never expected: comments are deleted in place), too close to the
 * start, or null shows every comment.
 */
export function threadRows(comments: readonly CommentJson[], boundary: string | null): ThreadRow[] {
  // Ids are chosen by each comment's writer, so two may clash; a repeat gets its own key
  // rather than breaking the keyed list for everyone.
  const seen = new Map<string, number>();
  const rows: ThreadRow[] = comments.map((comment) => {
    const n = seen.get(comment.id) ?? 0;
    seen.set(comment.id, n + 1);
    return { kind: 'comment', key: n === 0 ? `c:${comment.id}` : `c:${comment.id}#${n}`, comment };
  });
  const tailStart = boundary === null ? -1 : comments.findIndex((c) => c.id === boundary);
  const hidden = tailStart - 1;
  if (hidden < FOLD_MIN_HIDDEN) return rows;
  rows.splice(1, hidden, { kind: 'fold', key: 'fold', hidden });
  return rows;
}
