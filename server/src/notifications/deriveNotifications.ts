import type { NotificationItem, NotificationKind, NotificationSubject } from '@parley/shared/protocol';
import type { NotificationDelivery, StoredHistoryRow } from '../persistence/Storage.ts';

/** History kinds that can notify someone: the drain reads no others. */
export const NOTIFYING_KINDS = ['thread', 'comment', 'amendment', 'version'] as const;

/** Who may be told: a current member of the board, with their delegation. */
export interface Recipient {
  readonly userId: string;
  readonly stakeholderId: string | null;
}

const subject = (s: Partial<NotificationSubject>): NotificationSubject => ({
  pointId: s.pointId ?? null,
  threadId: s.threadId ?? null,
  amendmentId: s.amendmentId ?? null,
  versionId: s.versionId ?? null,
});

/**
 * The notifications some committed history rows make, a pure function of the rows (oldest
 * first) and the board's members now: never for the actor, never for someone who is not a
 * member any more. The store joins mergeable ones to an unread notification of the same
 * kind and subject.
 */
export function deriveNotifications(
  rows: readonly StoredHistoryRow[],
  members: readonly Recipient[],
): NotificationDelivery[] {
  const byId = new Map(members.map((m) => [m.userId, m]));
  const out: NotificationDelivery[] = [];
  for (const row of rows) {
    const d = row.detail;
    const item = (excerpt: string, commentId?: string): NotificationItem => ({
      actorId: row.actorId ?? '',
      actorName: row.actorName ?? 'Parley',
      at: row.until,
      excerpt,
      ...(commentId === undefined ? {} : { commentId }),
    });
    const tell = (
      userIds: Iterable<string>,
      kind: NotificationKind,
      key: string,
      about: NotificationSubject,
      what: NotificationItem,
      merge = true,
    ): Set<string> => {
      const told = new Set<string>();
      for (const userId of userIds) {
        if (userId === row.actorId || !byId.has(userId) || told.has(userId)) continue;
        told.add(userId);
        out.push({ userId, kind, subjectKey: key, subject: about, item: what, merge });
      }
      return told;
    };
    const delegation = (stakeholderIds: readonly string[]) =>
      members.filter((m) => m.stakeholderId !== null && stakeholderIds.includes(m.stakeholderId)).map((m) => m.userId);

    switch (d.kind) {
      case 'thread':
      case 'comment': {
        if (d.kind === 'thread' && d.action !== 'opened') break;
        const about = subject({ pointId: row.pointId, threadId: d.threadId });
        const key = `thread:${d.threadId}`;
        const what = item(d.excerpt, d.commentId);
        const mentioned = tell(d.mentions ?? [], 'mention', key, about, what);
        if (d.kind === 'comment' && d.action === 'posted') {
          // Someone both mentioned and taking part is told once, as mentioned.
          tell(
            d.participants.filter((u) => !mentioned.has(u)),
            'reply',
            key,
            about,
            what,
          );
        }
        break;
      }
      case 'amendment': {
        const about = subject({ pointId: row.pointId, amendmentId: d.amendmentId });
        const key = `amendment:${d.amendmentId}`;
        if (d.action === 'accepted' || d.action === 'rejected') {
          const excerpt = `Amendment #${d.number} ${d.action}${d.note ? `: ${d.note}` : ''}`;
          tell(delegation([d.stakeholderId]), 'decision', key, about, item(excerpt));
        } else if (d.action === 'proposed' && d.signOffFrom && d.signOffFrom.length > 0) {
          const excerpt = `Amendment #${d.number} to the ${d.field} needs your delegation's sign-off`;
          // Always its own notification: a request must not hide inside an older one.
          tell(delegation(d.signOffFrom), 'sign-off', key, about, item(excerpt), false);
        }
        break;
      }
      case 'version':
        tell(
          members.map((m) => m.userId),
          'version',
          `version:${d.versionId}`,
          subject({ versionId: d.versionId }),
          item(d.name),
        );
        break;
      default:
        break;
    }
  }
  return out;
}
