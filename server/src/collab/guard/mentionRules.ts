import { LIMITS, isMentionList } from '@parley/shared/model';
import type { InsertedValue } from './content.ts';

/** Whether a user id is a member of the board now (BoardMembers): only members may be @mentioned. */
export type IsMember = (userId: string) => boolean;

/**
 * Why a comment's new mention list is refused, or null when it is fine: a plain array of
 * distinct user ids (LIMITS.mentionsPerComment at most), each of a current member of the
 * board. Any writer may mention any member; an id the board does not know (a token's
 * principal, a guessed id) would notify, or reveal, someone who is not there.
 */
export function mentionsRefusal(value: InsertedValue | undefined, isMember: IsMember): string | null {
  if (value?.kind !== 'value' || !isMentionList(value.value)) {
    return `A comment's mentions are distinct user ids, at most ${LIMITS.mentionsPerComment} of them.`;
  }
  for (const id of value.value) if (!isMember(id)) return 'Only members of the board can be mentioned.';
  return null;
}
