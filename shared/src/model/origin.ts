import type { UserId } from './ids.ts';

export const MUTATIONS = [
  'initBoard',
  'updateMeta',
  'addStakeholder',
  'updateStakeholder',
  'addCategory',
  'renameCategory',
  'moveCategory',
  'deleteCategory',
  'addPoint',
  'movePoint',
  'trashPoint',
  'restorePoint',
  'deletePoint',
  'deleteOrphans',
  'setPosition',
  'clearPosition',
  'openThread',
  'replyToThread',
  'editComment',
  'deleteComment',
  'setThreadResolved',
  'deleteThread',
  'toggleReaction',
  'createNotes',
  'proposeAmendment',
  'respondToAmendment',
  'withdrawAmendment',
  'rebaseAmendment',
  'decideAmendment',
  'setSignOffRule',
] as const;
export type MutationName = (typeof MUTATIONS)[number];

/**
 * Every mutation runs in one `doc.transact` tagged with this origin, so observers
 * (undo managers, the activity feed, the offline "while you were away" summary) can
 * tell a local Parley mutation from a remote update or a text-editor keystroke.
 */
export class MutationOrigin {
  readonly kind = 'parley-mutation';
  constructor(
    readonly mutation: MutationName,
    readonly actor: UserId | null,
  ) {}
}

/** A class, not a plain object, so a Y.UndoManager can track all mutations by constructor. */
export function mutationOrigin(mutation: MutationName, actor: UserId | null): MutationOrigin {
  return new MutationOrigin(mutation, actor);
}

export function isMutationOrigin(origin: unknown): origin is MutationOrigin {
  return typeof origin === 'object' && origin !== null && (origin as { kind?: unknown }).kind === 'parley-mutation';
}
