import { parseReactionKey, type ReactionKeyParts } from '@parley/shared/model';
import type { InsertedValue } from './content.ts';
import type { Change } from './resolveChanges.ts';

/**
 * What the reactions rules need to know of the rest of the update, answered by the board
 * check once every change has been seen (a reaction may name a thread or a comment the
 * same update creates).
 */
export interface ReactionContext {
  readonly userId: string;
  /** Whether the principal may delete the plan's points (and so what hangs on them). */
  readonly mayPurge: boolean;
  /** The thread is on the board after this update (live and not deleted by it, or created by it). */
  threadExists(threadId: string): boolean;
  /** The thread holds a comment with this id after this update. */
  hasComment(threadId: string, commentId: string): boolean;
  /** The thread, or its point, is gone or deleted by this update: its reactions go with it. */
  threadPurged(threadId: string): boolean;
}

export type ReactionVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const OK: ReactionVerdict = { ok: true };
const deny = (reason: string): ReactionVerdict => ({ ok: false, reason });

/**
 * A change to the reactions root (ROOT.reactions: one plain value per person, comment and
 * reaction). Everyone toggles only their own key, inserting or deleting; an insert names a
 * comment that exists and holds the time. The only other delete is an editor's purge of a
 * deleted thread's or point's reactions (as positions and threads go with their point).
 */
export function checkReactionChange(
  change: Change,
  key: string | null,
  value: InsertedValue | null,
  ctx: ReactionContext,
): ReactionVerdict {
  const parts: ReactionKeyParts | null = key !== null && change.path.length === 2 ? parseReactionKey(key) : null;
  if (!parts) return deny('Malformed reaction: one key per thread, comment, known reaction and person.');
  const own = parts.userId === ctx.userId;
  if (change.op === 'delete') {
    if (own || (ctx.mayPurge && ctx.threadPurged(parts.threadId))) return OK;
    return deny('You can take back only your own reactions.');
  }
  // Even one that never shows (inserted and deleted again) is stored and relayed in your name.
  if (!own) return deny('You can react only as yourself.');
  if (change.transient) return OK;
  if (value?.kind !== 'value' || typeof value.value !== 'number' || !Number.isFinite(value.value)) {
    return deny('A reaction holds the time it was given.');
  }
  if (!ctx.threadExists(parts.threadId) || !ctx.hasComment(parts.threadId, parts.commentId)) {
    return deny('A reaction is to a comment of a thread on the board.');
  }
  return OK;
}
