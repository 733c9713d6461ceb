import { randomBytes } from 'node:crypto';
import type { NotificationItem, NotificationKind, NotificationSubject } from '@parley/shared/protocol';
import { NOTIFICATION_ITEMS_MAX, type ReadTarget, type StoredNotification } from './Storage.ts';

/** Shared by the stores that keep notifications in SQL (SQLite, PostgreSQL). */

export const newNotificationId = (): string => `n_${randomBytes(12).toString('base64url')}`;

/** The boards a read mark may touch: all the reader may see, or the one it names. */
export function boardsToRead(boardIds: readonly string[], target: ReadTarget): readonly string[] {
  if ('ids' in target || target.boardId === undefined) return boardIds;
  return boardIds.filter((b) => b === target.boardId);
}

/** A notification's items after one more happening: the newest NOTIFICATION_ITEMS_MAX. */
export function grownItems(items: readonly NotificationItem[], item: NotificationItem): NotificationItem[] {
  return [...items, item].slice(-NOTIFICATION_ITEMS_MAX);
}

/** A notification row as both SQL stores select it (NOTIFICATION_COLUMNS' aliases), JSON still text. */
export interface NotificationDbRow {
  readonly id: string;
  readonly userId: string;
  readonly boardId: string;
  readonly kind: string;
  readonly subjectKey: string;
  readonly subject: string;
  readonly items: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly readAt: number | null;
  readonly seq: number;
}

export const toStoredNotification = (r: NotificationDbRow): StoredNotification => ({
  ...r,
  kind: r.kind as NotificationKind,
  subject: JSON.parse(r.subject) as NotificationSubject,
  items: JSON.parse(r.items) as NotificationItem[],
  readAt: r.readAt ?? null,
});
