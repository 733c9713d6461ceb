import * as Y from 'yjs';
import { invariant } from './errors.ts';
import type { CommentId, ThreadId, UserId } from './ids.ts';
import { runMutation } from './mutations.ts';
import { num } from './roots.ts';
import { COMMENT, REACTIONS, THREAD, type Reaction } from './schema.ts';
import type { Actor } from './types.ts';

/** Every reaction name, in the order a comment shows them. */
export const REACTION_NAMES = Object.keys(REACTIONS) as Reaction[];

export function isReaction(value: unknown): value is Reaction {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(REACTIONS, value);
}

/** One person's reaction to one comment, as a key of the reactions root (ROOT.reactions). */
export function reactionKey(threadId: ThreadId, commentId: CommentId, reaction: Reaction, userId: UserId): string {
  return `${threadId}:${commentId}:${reaction}:${userId}`;
}

export interface ReactionKeyParts {
  readonly threadId: ThreadId;
  readonly commentId: CommentId;
  readonly reaction: Reaction;
  readonly userId: UserId;
}

/**
 * The parts of a reactions key, or null when it is malformed (an empty part, an unknown
 * reaction). Thread and comment ids never hold ':'; the user id is the rest, whatever it holds.
 */
export function parseReactionKey(key: string): ReactionKeyParts | null {
  const a = key.indexOf(':');
  const b = a < 0 ? -1 : key.indexOf(':', a + 1);
  const c = b < 0 ? -1 : key.indexOf(':', b + 1);
  if (a <= 0 || b <= a + 1 || c <= b + 1 || c === key.length - 1) return null;
  const reaction = key.slice(b + 1, c);
  if (!isReaction(reaction)) return null;
  return {
    threadId: key.slice(0, a) as ThreadId,
    commentId: key.slice(a + 1, b) as CommentId,
    reaction,
    userId: key.slice(c + 1) as UserId,
  };
}

/**
 * Turns the actor's own reaction to a comment on or off: a set or a delete of their own
 * key only, so two people reacting at once never conflict. Returns whether it is now on.
 */
export function toggleReaction(
  doc: Y.Doc,
  actor: Actor,
  threadId: ThreadId,
  commentId: CommentId,
  reaction: Reaction,
): boolean {
  invariant(isReaction(reaction), 'invalid', `Unknown reaction "${String(reaction)}"`);
  return runMutation(doc, 'toggleReaction', actor.userId, ({ threads, reactions }) => {
    const key = reactionKey(threadId, commentId, reaction, actor.userId);
    if (reactions.has(key)) {
      return () => {
        reactions.delete(key);
        return false;
      };
    }
    const comments = threads.get(threadId)?.get(THREAD.comments);
    invariant(comments instanceof Y.Array, 'not-found', `No thread "${threadId}"`);
    const comment = (comments as Y.Array<unknown>)
      .toArray()
      .find((c) => c instanceof Y.Map && c.get(COMMENT.id) === commentId) as Y.Map<unknown> | undefined;
    invariant(comment, 'not-found', `No comment "${commentId}"`);
    invariant(comment.get(COMMENT.deleted) !== true, 'invalid', 'A deleted comment cannot get reactions');
    return () => {
      reactions.set(key, Date.now());
      return true;
    };
  });
}

/** A comment's reactions as the views show them: one entry per reaction it has, in REACTIONS order. */
export interface ReactionJson {
  reaction: Reaction;
  /** Who reacted so, first first. */
  userIds: UserId[];
}

interface Entry {
  readonly reaction: Reaction;
  readonly userId: UserId;
  readonly at: number;
}

/** Which comment a key is about, as ReactionIndex groups them. */
export const reactionCommentKey = (threadId: string, commentId: string): string => `${threadId}:${commentId}`;

/**
 * The reactions root grouped by comment, so a view reads a comment's reactions without
 * scanning every reaction of the board. Built by one scan; `update` keeps it current key by
 * key (LiveBoardView feeds it the keys each change touched).
 */
export class ReactionIndex {
  private readonly byComment = new Map<string, Map<string, Entry>>();

  constructor(private readonly root: Y.Map<unknown>) {
    for (const key of root.keys()) this.update(key);
  }

  /** Re-reads one key of the root; returns what it is about (null for a malformed key, which is ignored). */
  update(key: string): ReactionKeyParts | null {
    const parts = parseReactionKey(key);
    if (!parts) return null;
    const ck = reactionCommentKey(parts.threadId, parts.commentId);
    let entries = this.byComment.get(ck);
    if (this.root.has(key)) {
      if (!entries) this.byComment.set(ck, (entries = new Map()));
      entries.set(key, { reaction: parts.reaction, userId: parts.userId, at: num(this.root.get(key)) });
    } else if (entries) {
      entries.delete(key);
      if (entries.size === 0) this.byComment.delete(ck);
    }
    return parts;
  }

  forComment(threadId: string, commentId: string): ReactionJson[] {
    const entries = this.byComment.get(reactionCommentKey(threadId, commentId));
    if (!entries) return [];
    const sorted = [...entries.values()].sort((x, y) => x.at - y.at || (x.userId < y.userId ? -1 : 1));
    return REACTION_NAMES.flatMap((reaction) => {
      const userIds = sorted.filter((e) => e.reaction === reaction).map((e) => e.userId);
      return userIds.length > 0 ? [{ reaction, userIds }] : [];
    });
  }
}
