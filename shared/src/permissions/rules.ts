import { belongsToStakeholder, type Principal } from './roles.ts';

/**
 * The one rule table. The server's update guard maps every change in an incoming Yjs
 * update to one of these actions and asks `can`; the client asks the same function to
 * decide what to offer. Keep it pure and small: it is the security boundary.
 */
export type Action =
  /** Point titles and bodies; adding, moving, deleting points; categories. */
  | { kind: 'edit-plan' }
  /** Board title and description; the stakeholder list (the owner's, PRODUCT.md). */
  | { kind: 'edit-board-setup' }
  | { kind: 'set-position'; stakeholderId: string }
  | { kind: 'open-thread'; stakeholderId: string }
  | { kind: 'reply' }
  | { kind: 'edit-comment'; authorId: string }
  | { kind: 'resolve-thread'; threadStakeholderId: string }
  | { kind: 'delete-thread' }
  | { kind: 'read-private-notes'; stakeholderId: string }
  | { kind: 'write-private-notes'; stakeholderId: string }
  | { kind: 'manage-members' }
  /** Proposing wording for a point on behalf of `stakeholderId`. */
  | { kind: 'propose-amendment'; stakeholderId: string }
  /** Endorsing, objecting to or retracting an answer to another delegation's amendment. */
  | { kind: 'answer-amendment'; stakeholderId: string; proposerStakeholderId: string }
  /** Withdrawing or rebasing an amendment of `proposerStakeholderId`. */
  | { kind: 'manage-amendment'; proposerStakeholderId: string }
  /** Accepting or rejecting (on the server, after the sign-off rule). */
  | { kind: 'decide-amendment' }
  /** Publishing a named version of the board (a round), on the server. */
  | { kind: 'publish-version' };

export type ActionKind = Action['kind'];

/** Observers write nothing: no change to the board or to any notes, whatever it is. */
export function mayWrite(p: Pick<Principal, 'role'>): boolean {
  return p.role !== 'observer';
}

/** Why a change by someone who may not write (`mayWrite`) is refused. */
export const OBSERVER_REFUSAL = 'Observers cannot change the board.';

const isEditor = (p: Principal) => p.role === 'owner' || p.role === 'editor';
const ownsStakeholder = (p: Principal, sid: string) => belongsToStakeholder(p.role) && p.stakeholderId === sid;

export function can(p: Principal, action: Action): boolean {
  // Observers write nothing, and have no stakeholder whose notes they could read.
  if (!mayWrite(p)) return false;
  switch (action.kind) {
    case 'edit-plan':
    case 'delete-thread':
    case 'decide-amendment':
    case 'publish-version':
      return isEditor(p);
    case 'edit-board-setup':
    case 'manage-members':
      return p.role === 'owner';
    case 'set-position':
      // Only S's delegates state S's position; the owner may too (it may do everything
      // except speak as another author or read another stakeholder's notes).
      return (p.role === 'delegate' && p.stakeholderId === action.stakeholderId) || p.role === 'owner';
    case 'open-thread':
      return ownsStakeholder(p, action.stakeholderId);
    case 'reply':
      return true;
    case 'edit-comment':
      return p.userId === action.authorId;
    case 'resolve-thread':
      return isEditor(p) || ownsStakeholder(p, action.threadStakeholderId);
    case 'read-private-notes':
    case 'write-private-notes':
    case 'propose-amendment':
      return ownsStakeholder(p, action.stakeholderId);
    case 'answer-amendment':
      return ownsStakeholder(p, action.stakeholderId) && action.stakeholderId !== action.proposerStakeholderId;
    case 'manage-amendment':
      return ownsStakeholder(p, action.proposerStakeholderId);
  }
}

/** A human sentence for a refused action, shown to the user and logged by the server. */
export function describeRefusal(action: Action): string {
  switch (action.kind) {
    case 'edit-plan':
      return 'Only drafting editors can change the plan text, points and categories.';
    case 'edit-board-setup':
      return 'Only the board owner can change the board title or the stakeholder list.';
    case 'set-position':
      return `Only delegates of ${action.stakeholderId} can set its position.`;
    case 'open-thread':
      return `Only members of ${action.stakeholderId} can open threads for it.`;
    case 'reply':
      return 'Observers cannot comment.';
    case 'edit-comment':
      return 'Only the author can edit or delete a comment.';
    case 'resolve-thread':
      return "Only the thread's own delegation or an editor can resolve or reopen it.";
    case 'delete-thread':
      return 'Only drafting editors can delete threads.';
    case 'read-private-notes':
    case 'write-private-notes':
      return `Only members of ${action.stakeholderId} can open its private notes.`;
    case 'manage-members':
      return 'Only owners manage members and invites.';
    case 'propose-amendment':
      return `Only members of ${action.stakeholderId} can propose wording for it.`;
    case 'answer-amendment':
      return action.stakeholderId === action.proposerStakeholderId
        ? 'A delegation does not answer its own amendment.'
        : `Only members of ${action.stakeholderId} can answer for it.`;
    case 'manage-amendment':
      return `Only members of ${action.proposerStakeholderId} can withdraw or rebase its amendment.`;
    case 'decide-amendment':
      return 'Only drafting editors can accept or reject amendments.';
    case 'publish-version':
      return 'Only drafting editors can publish a version.';
  }
}
