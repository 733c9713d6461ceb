/**
 * A point's history: what the server derives from each committed update and keeps, so that
 * anyone can see why a point's text is what it is (`GET /api/boards/:id/points/:pointId/history`).
 * Entries are written by the server alone; no client can add or change one.
 */
import type { AmendmentField, Stance } from './schema.ts';

/** Text edits by one person on one field join one entry while they keep coming this often. */
export const HISTORY_GROUP_IDLE_MS = 5 * 60_000;
/** Entries per page of the history route, by default and at most. */
export const HISTORY_PAGE = { default: 50, max: 200 } as const;
/** How much of the text before an edit an entry keeps (the diff shows no more). */
export const HISTORY_TEXT_LIMIT = 20_000;
/** How much of a thread's first comment an "opened" entry quotes. */
export const HISTORY_EXCERPT_LENGTH = 200;

/** Why a point's text changed. */
export type TextCause =
  | { readonly kind: 'direct' }
  | {
      readonly kind: 'amendment';
      readonly amendmentId: string;
      readonly number: number;
      /** The proposing delegation. */
      readonly stakeholderId: string;
      /** Delegations endorsing it when it was accepted. */
      readonly endorsedBy: readonly string[];
      /** Delegations whose sign-off the board's rule needed, all given. */
      readonly signedOffBy: readonly string[];
    }
  | {
      /** An editor restored the text from a published version, as a forward edit. */
      readonly kind: 'version';
      readonly versionId: string;
      readonly versionName: string;
    };

export interface PositionValue {
  readonly stance: Stance;
  readonly rationale: string;
}

export type AmendmentAction =
  'proposed' | 'endorsed' | 'objected' | 'retracted' | 'withdrawn' | 'rebased' | 'accepted' | 'rejected';

/** What each kind of entry holds besides who and when. */
export type HistoryDetail =
  | {
      readonly kind: 'text';
      readonly field: AmendmentField;
      /** The text when this entry's first edit arrived (at most HISTORY_TEXT_LIMIT). */
      readonly before: string;
      /** Characters inserted and deleted, and how many updates did it. */
      readonly inserted: number;
      readonly deleted: number;
      readonly edits: number;
      readonly cause: TextCause;
    }
  | {
      readonly kind: 'position';
      readonly stakeholderId: string;
      readonly from: PositionValue | null;
      readonly to: PositionValue | null;
    }
  | {
      readonly kind: 'amendment';
      readonly action: AmendmentAction;
      readonly amendmentId: string;
      readonly number: number;
      readonly field: AmendmentField;
      /** The proposing delegation. */
      readonly stakeholderId: string;
      /** The rationale, a response's note or a decision's note. */
      readonly note: string;
      /**
       * For 'proposed': the delegations other than the proposer's whose sign-off the board's
       * rule needed then (read when it was recorded, so notifications need not read the doc).
       * Absent in entries recorded before it existed.
       */
      readonly signOffFrom?: readonly string[];
    }
  | {
      readonly kind: 'thread';
      readonly action: 'opened' | 'resolved' | 'reopened';
      readonly threadId: string;
      readonly excerpt: string;
      /** For 'opened': the first comment and whom it @mentions (absent in older entries). */
      readonly commentId?: string;
      readonly mentions?: readonly string[];
    }
  | {
      /**
       * A reply posted in a thread, or a comment edited to @mention more people (only then:
       * other edits are no entry). Shown in the board's activity, not in a point's history.
       */
      readonly kind: 'comment';
      readonly action: 'posted' | 'edited';
      readonly threadId: string;
      readonly commentId: string;
      readonly excerpt: string;
      /** User ids it @mentions; for 'edited', only those the edit added. */
      readonly mentions: readonly string[];
      /** For 'posted': the thread's opener and earlier commenters, without the author. */
      readonly participants: readonly string[];
    }
  | {
      /** A version published (pointId ''): shown in the board's activity only. */
      readonly kind: 'version';
      readonly versionId: string;
      readonly name: string;
      readonly note: string;
    }
  | {
      readonly kind: 'point';
      readonly action: 'created' | 'deleted' | 'restored' | 'moved';
      /** For 'moved': the categories' ids. */
      readonly fromCategory?: string;
      readonly toCategory?: string;
    };

export type HistoryKind = HistoryDetail['kind'];

/** One entry as the history route returns it. */
export type HistoryEntryJson = HistoryDetail & {
  /** Increases with each new entry; a page's `next` is the last one's. */
  readonly id: number;
  /** When it started and when its last change arrived (the same but for grouped text edits). */
  readonly at: number;
  readonly until: number;
  /** Who did it (null: the server itself). */
  readonly actor: { readonly userId: string; readonly name: string } | null;
  /** The actor's delegation, if any. */
  readonly actorStakeholderId: string | null;
  /** For text entries: the text after this entry's edits (the next entry's `before`, or now). */
  readonly after?: string;
  /** One sentence saying what happened and why, with delegations named. */
  readonly summary: string;
};

export interface HistoryPageJson {
  readonly entries: HistoryEntryJson[];
  /** Pass as `before` for the next (older) page; null when there is none. */
  readonly next: number | null;
}

const STANCE_WORD: Record<Stance, string> = {
  support: 'support',
  'support-with-changes': 'support with changes',
  oppose: 'oppose',
  undecided: 'undecided',
};

function list(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)!}`;
}

/** Names for the ids entries hold, as the board has them now. */
export interface HistoryNames {
  stakeholder(id: string): string;
  category(id: string): string;
}

/**
 * The entry in one sentence, e.g. "Body changed by amendment #12 by Ukraine, endorsed by
 * European partners, signed off by United States and Ukraine, accepted by Ann".
 */
export function describeHistoryEntry(
  entry: HistoryDetail & {
    readonly actor: { readonly name: string } | null;
    readonly actorStakeholderId: string | null;
  },
  names: HistoryNames,
): string {
  const name = (id: string) => names.stakeholder(id);
  const who = entry.actor?.name ?? 'the server';
  const whoFor = entry.actorStakeholderId ? `${who} for ${name(entry.actorStakeholderId)}` : who;
  switch (entry.kind) {
    case 'text': {
      const field = entry.field === 'title' ? 'Title' : 'Body';
      const c = entry.cause;
      if (c.kind === 'direct') return `${field} edited directly by ${who}`;
      if (c.kind === 'version') return `${field} restored from the version "${c.versionName}" by ${who}`;
      const parts = [`${field} changed by amendment #${c.number} by ${name(c.stakeholderId)}`];
      const endorsed = c.endorsedBy.filter((s) => s !== c.stakeholderId);
      if (endorsed.length > 0) parts.push(`endorsed by ${list(endorsed.map(name))}`);
      if (c.signedOffBy.length > 0) parts.push(`signed off by ${list(c.signedOffBy.map(name))}`);
      parts.push(`accepted by ${who}`);
      return parts.join(', ');
    }
    case 'position': {
      const d = name(entry.stakeholderId);
      if (!entry.to) return `${d}'s position cleared by ${who}`;
      const to = STANCE_WORD[entry.to.stance];
      if (!entry.from) return `${d} took the position "${to}" (${who})`;
      if (entry.from.stance === entry.to.stance) return `${d} revised its rationale for "${to}" (${who})`;
      return `${d} moved from "${STANCE_WORD[entry.from.stance]}" to "${to}" (${who})`;
    }
    case 'amendment': {
      const a = `amendment #${entry.number}`;
      switch (entry.action) {
        case 'proposed':
          return `${name(entry.stakeholderId)} proposed ${a} to the ${entry.field} (${who})`;
        case 'withdrawn':
          return `${name(entry.stakeholderId)} withdrew ${a} (${who})`;
        case 'rebased':
          return `${name(entry.stakeholderId)} rebased ${a} on the current text (${who})`;
        case 'accepted':
        case 'rejected':
          return `${a} ${entry.action} by ${who}`;
        case 'retracted':
          return `${whoFor} retracted an answer to ${a}`;
        default:
          return `${whoFor} ${entry.action} ${a}`;
      }
    }
    case 'thread':
      return `Thread ${entry.action} by ${who}`;
    case 'comment':
      return entry.action === 'posted' ? `Reply posted by ${who}` : `Comment edited by ${who} to mention more people`;
    case 'version':
      return `Version "${entry.name}" published by ${who}`;
    case 'point':
      if (entry.action === 'moved') {
        const from = entry.fromCategory ? names.category(entry.fromCategory) : '?';
        const to = entry.toCategory ? names.category(entry.toCategory) : '?';
        return `Point moved from "${from}" to "${to}" by ${who}`;
      }
      return `Point ${entry.action} by ${who}`;
  }
}
