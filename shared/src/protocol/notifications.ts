/**
 * Notifications and the board activity feed as the server sends them, over socket.io
 * (events.ts) and HTTP (`GET /api/notifications`, `GET /api/boards/:id/activity`). Both
 * are derived by the server from committed changes; no client can write one.
 */
import type { HistoryEntryJson } from '../model/history.ts';

/**
 * Why someone is told: @mentioned; a reply in a thread they opened or took part in; an
 * editor's decision on their delegation's amendment; their delegation's sign-off asked
 * for (an amendment proposed on a board whose rule needs it); a version published.
 */
export const NOTIFICATION_KINDS = ['mention', 'reply', 'decision', 'sign-off', 'version'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** What a notification is about: where a click lands. */
export interface NotificationSubject {
  readonly pointId: string | null;
  readonly threadId: string | null;
  readonly amendmentId: string | null;
  readonly versionId: string | null;
}

/** One happening a notification lists (a reply, a mention, a decision...). */
export interface NotificationItem {
  readonly actorId: string;
  readonly actorName: string;
  readonly at: number;
  /** A short quote or summary: the comment's start, the decision, the version's name. */
  readonly excerpt: string;
  readonly commentId?: string;
}

/**
 * One notification of one person. Happenings of one kind about one subject join the same
 * notification while it is unread (several replies in a thread make one); a sign-off
 * request is never merged. `seq` grows with every change of the notification (a new item,
 * being read), across all of a person's notifications: a client that holds everything up
 * to `seq` N asks for what changed after N.
 */
export interface NotificationJson {
  readonly id: string;
  readonly seq: number;
  readonly kind: NotificationKind;
  readonly boardId: string;
  readonly boardTitle: string;
  readonly subject: NotificationSubject;
  /** Oldest first. */
  readonly items: readonly NotificationItem[];
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly readAt: number | null;
}

/** `GET /api/notifications` and the `notifications:since` ack. */
export interface NotificationsPageJson {
  /** Newest change first. */
  readonly notifications: NotificationJson[];
  /** Unread notifications per board. */
  readonly unread: Readonly<Record<string, number>>;
  /** The highest `seq` the caller now holds (pass back as `after`). */
  readonly cursor: number;
  /**
   * A catch-up (`after` > 0) reads the changes after `after` oldest first, a page at a
   * time: true when more changed after `cursor`, so the caller asks again from there. A
   * first read (`after` 0) is the newest page, and says false.
   */
  readonly more: boolean;
}

/**
 * `POST /api/notifications/read` body: some notifications, or all of them (on one board).
 * `upToSeq`: the highest `seq` the reader holds. A notification that changed after it (a
 * reply joined it since the list was shown) stays unread: nobody saw that reply yet.
 */
export type MarkReadRequest = (
  { readonly ids: readonly string[] } | { readonly all: true; readonly boardId?: string }
) & { readonly upToSeq?: number };

/** Sent to every device of the person when notifications were read on one of them. */
export interface NotificationsReadEvent {
  readonly ids: readonly string[];
  readonly readAt: number;
  /** The seq of the change (each read notification now has this seq). */
  readonly seq: number;
  readonly unread: Readonly<Record<string, number>>;
}

/** The activity feed's kinds of entry (HistoryDetail kinds shown there). */
export const ACTIVITY_KINDS = ['thread', 'comment', 'position', 'amendment', 'version'] as const;

/** One entry of a board's activity feed: a history entry with the point it belongs to. */
export type ActivityEntryJson = HistoryEntryJson & { readonly pointId: string };

/** `GET /api/boards/:id/activity?before=&limit=`. */
export interface ActivityPageJson {
  readonly entries: ActivityEntryJson[];
  /** Pass as `before` for the next (older) page; null when there is none. */
  readonly next: number | null;
}

/** A board as the live board list shows it (`boards:changed`). */
export type BoardListChange =
  | {
      readonly kind: 'created' | 'renamed' | 'archived' | 'unarchived' | 'deleted' | 'members';
      readonly boardId: string;
    }
  | { readonly kind: 'online'; readonly boardId: string; readonly online: readonly OnlineUser[] };

export interface OnlineUser {
  readonly userId: string;
  readonly name: string;
  readonly stakeholderId: string | null;
}
