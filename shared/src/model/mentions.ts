import { invariant } from './errors.ts';
import type { UserId } from './ids.ts';
import { LIMITS } from './schema.ts';

/**
 * Whether `value` is a comment's mention list as stored (COMMENT.mentions): an array of
 * distinct, non-empty user ids, at most LIMITS.mentionsPerComment of them. The mutations
 * and the server's guard both ask this; the guard also checks each id is a board member.
 */
export function isMentionList(value: unknown): value is UserId[] {
  if (!Array.isArray(value) || value.length > LIMITS.mentionsPerComment) return false;
  const seen = new Set<string>();
  for (const id of value as unknown[]) {
    if (typeof id !== 'string' || id.length === 0 || id.length > LIMITS.idFieldLength || seen.has(id)) return false;
    seen.add(id);
  }
  return true;
}

/** A mutation's mention list, checked before anything is written (a copy: callers keep theirs). */
export function cleanMentions(mentions: readonly UserId[]): UserId[] {
  invariant(
    isMentionList(mentions),
    'invalid',
    `Mentions must be distinct user ids, at most ${LIMITS.mentionsPerComment} of them`,
  );
  return [...mentions];
}

/** A stored mention list as the views show it (anything malformed reads as none). */
export function readMentions(value: unknown): UserId[] {
  return isMentionList(value) ? [...value] : [];
}
