import type * as Y from 'yjs';
import { CLOSE, type DocName } from '@parley/shared/protocol';
import { OBSERVER_REFUSAL, mayWrite, type Principal } from '@parley/shared/permissions';
import { SYSTEM_OWNER } from '../../persistence/Storage.ts';
import { checkBoardChanges } from './boardRules.ts';
import type { IsMember } from './mentionRules.ts';
import { checkPrivateNotesChanges } from './privateNotesRules.ts';
import {
  MalformedUpdate,
  OversizedUpdate,
  UnjudgeableUpdate,
  UnresolvableUpdate,
  resolveChanges,
  type Change,
} from './resolveChanges.ts';
import { MalformedMessage } from '../codec/messageCodec.ts';

export type GuardVerdict =
  | {
      readonly ok: true;
      readonly claims: Map<number, string>;
      /** What the update changes (the point history reads it). */
      readonly changes: readonly Change[];
    }
  | {
      readonly ok: false;
      readonly reason: string;
      readonly missingDependencies?: boolean;
      /** Forbidden (4403) unless the update was refused for its size. */
      readonly code?: typeof CLOSE.forbiddenUpdate | typeof CLOSE.tooLarge;
    };

/**
 * The update guard as one room runs it: what an update would change, judged against the
 * rule table for its sender, and who owns each client id of the doc (a user writes only
 * under ids of their own; an id first written by an accepted update becomes theirs).
 */
export class RoomGuard {
  /** Which user owns each Yjs client id of this doc (see Storage.loadClientOwners). */
  private readonly clientOwners: Map<number, string>;

  constructor(
    private readonly doc: Y.Doc,
    private readonly name: DocName,
    storedOwners: Map<number, string>,
    /** Whether the board is archived now: then nobody may write. */
    private readonly isArchived: () => boolean = () => false,
    /** Whether a user is a member of the board now (BoardMembers): only members may be @mentioned. */
    private readonly isMember: IsMember = () => false,
  ) {
    this.clientOwners = storedOwners;
    // Client ids already in the doc with no recorded owner are frozen: nobody may add to
    // them. (A client whose owner record was lost simply continues under a new id.)
    for (const client of doc.store.clients.keys()) {
      if (!this.clientOwners.has(client)) this.clientOwners.set(client, SYSTEM_OWNER);
    }
  }

  /**
   * Resolves an update to document paths and checks each against the rule table, and
   * checks that every struct it adds is written under a client id this user owns (or a
   * new one, which it then claims).
   */
  judge(principal: Principal, update: Uint8Array): GuardVerdict {
    let resolved;
    try {
      resolved = resolveChanges(this.doc, update);
    } catch (err) {
      if (err instanceof UnresolvableUpdate) {
        return { ok: false, reason: `the update ${err.message}; reload to resync`, missingDependencies: true };
      }
      if (err instanceof UnjudgeableUpdate) return { ok: false, reason: `the update ${err.message}` };
      if (err instanceof OversizedUpdate) return { ok: false, reason: err.message, code: CLOSE.tooLarge };
      throw new MalformedMessage(err instanceof MalformedUpdate ? err.message : 'undecodable update');
    }
    const archived = refuseOnArchivedBoard(this.isArchived(), resolved);
    if (archived) return archived;
    const claims = new Map<number, string>();
    if (resolved.writtenClients.size > 0) {
      if (!mayWrite(principal)) return { ok: false, reason: OBSERVER_REFUSAL };
      for (const client of resolved.writtenClients) {
        const owner = this.clientOwners.get(client);
        if (owner === undefined) claims.set(client, principal.userId);
        else if (owner !== principal.userId) {
          return { ok: false, reason: 'the update writes under a client id that is not yours; reload to resync' };
        }
      }
    }
    const verdict =
      this.name.kind === 'board'
        ? checkBoardChanges(principal, this.doc, resolved.changes, { isMember: this.isMember })
        : checkPrivateNotesChanges(principal, this.name.stakeholderId, resolved.changes);
    return verdict.ok ? { ok: true, claims, changes: resolved.changes } : { ok: false, reason: verdict.reason };
  }

  /**
   * Records client ids first written by an accepted update, and adds them to `unstored`:
   * they are stored in the same commit as the update (its EditOrigin carries them there),
   * so after a crash an id is owned exactly when something was stored under it.
   */
  claim(claims: ReadonlyMap<number, string>, unstored: Map<number, string>): void {
    for (const [client, userId] of claims) {
      this.clientOwners.set(client, userId);
      // Several edits of one turn share a transaction, and so the claims' store entry.
      unstored.set(client, userId);
    }
  }

  /** Client ids a user owns (the frozen ones are the store's default, not a claim). */
  claimedClients(): Map<number, string> {
    const claimed = new Map<number, string>();
    for (const [client, owner] of this.clientOwners) if (owner !== SYSTEM_OWNER) claimed.set(client, owner);
    return claimed;
  }
}

// ---------------------------------------------------------------- archived boards

/**
 * An archived board is read-only for everyone: any update that would change the board doc
 * or one of its private-notes docs (a struct the server lacks, or a deletion) is refused.
 * One that changes nothing, such as a reconnecting reader's sync step 2, still passes, so
 * reading goes on.
 */
function refuseOnArchivedBoard(
  archived: boolean,
  resolved: { readonly changes: readonly unknown[]; readonly writtenClients: ReadonlySet<number> },
): GuardVerdict | null {
  if (!archived) return null;
  if (resolved.writtenClients.size === 0 && resolved.changes.length === 0) return null;
  return { ok: false, reason: 'this board is archived' };
}
