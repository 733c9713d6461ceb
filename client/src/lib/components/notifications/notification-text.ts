/**
 * How a notification reads in the bell's panel, and where a click on it lands. Pure (no
 * Svelte, no DOM), so unit tests import it as it is.
 */
import type { NotificationJson, NotificationKind } from '@parley/shared/protocol';
import { AMENDMENT_PARAM, COMMENT_PARAM, boardPath } from '../../routes.ts';

/** The query parameter of a point opened at one thread (a notification): that thread in view. */
export const THREAD_PARAM = 'thread';

/** The kind, in words, as a label beside the kind's icon. */
export const KIND_LABEL: Record<NotificationKind, string> = {
  mention: 'Mention',
  reply: 'Reply',
  decision: 'Decision',
  'sign-off': 'Sign-off requested',
  version: 'Version',
};

/** "Ann", "Ann and Boris", "Ann, Boris and Chen", "Ann, Boris and 2 others" (most recent last, as items are). */
export function namesOf(names: readonly string[]): string {
  const unique = [...new Set(names.map((n) => n.trim() || 'Someone'))];
  if (unique.length === 0) return 'Someone';
  if (unique.length === 1) return unique[0]!;
  if (unique.length === 2) return `${unique[0]} and ${unique[1]}`;
  if (unique.length === 3) return `${unique[0]}, ${unique[1]} and ${unique[2]}`;
  return `${unique[0]}, ${unique[1]} and ${unique.length - 2} others`;
}

/**
 * What happened, in one sentence: "Ann and Boris replied in a thread on point 4". The
 * point's number is known only on its own board (`pointNumber`); elsewhere it is left out.
 */
export function describe(n: NotificationJson, pointNumber: number | null = null): string {
  const who = namesOf(n.items.map((i) => i.actorName));
  const where = pointNumber === null ? '' : ` on point ${pointNumber}`;
  const times =
    n.items.length > 1 && new Set(n.items.map((i) => i.actorId)).size === 1 ? ` ${n.items.length} times` : '';
  switch (n.kind) {
    case 'mention':
      return `${who} mentioned you${times} in a thread${where}`;
    case 'reply':
      return `${who} replied${times} in a thread${where}`;
    case 'decision':
      return `${who} decided on your delegation’s amendment${where}`;
    case 'sign-off':
      return `${who} asked for your delegation’s sign-off on an amendment${where}`;
    case 'version':
      return `${who} published a version`;
    default:
      return `${who} did something${where}`;
  }
}

/**
 * Where a click on a notification lands: its thread (the comment of its latest item, so a
 * folded or resolved thread opens at it), its amendment, or the board's versions.
 */
export function landingPath(n: NotificationJson): string {
  const { pointId, threadId, amendmentId } = n.subject;
  if (n.kind === 'version' && !threadId && !amendmentId) return boardPath(n.boardId, 'versions');
  if (!pointId) return boardPath(n.boardId);
  const params = new URLSearchParams({ point: pointId });
  if (threadId) {
    params.set(THREAD_PARAM, threadId);
    const commentId = [...n.items].reverse().find((i) => i.commentId)?.commentId;
    if (commentId) params.set(COMMENT_PARAM, commentId);
  } else if (amendmentId) {
    params.set(AMENDMENT_PARAM, amendmentId);
  }
  return `${boardPath(n.boardId)}?${params}`;
}

/** The selector of the element a landing brings into view, or null (the point itself). */
export function landingSelector(params: URLSearchParams): string | null {
  const thread = params.get(THREAD_PARAM);
  if (thread) return `[data-thread-id="${cssString(thread)}"]`;
  const amendment = params.get(AMENDMENT_PARAM);
  if (amendment) return `[data-amendment-id="${cssString(amendment)}"]`;
  return null;
}

/** A value quoted for a CSS attribute selector (CSS.escape is not in every test runtime). */
function cssString(value: string): string {
  return value.replace(/["\\]/g, '\\$&').replace(/\n/g, '\\a ');
}
