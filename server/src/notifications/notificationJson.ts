import type { NotificationJson } from '@parley/shared/protocol';
import type { StoredNotification } from '../persistence/Storage.ts';

/** A stored notification as clients get it: with its board's title, without store keys. */
export function notificationJson(n: StoredNotification, boardTitle: string): NotificationJson {
  return {
    id: n.id,
    seq: n.seq,
    kind: n.kind,
    boardId: n.boardId,
    boardTitle,
    subject: n.subject,
    items: n.items,
    createdAt: n.createdAt,
    updatedAt: n.updatedAt,
    readAt: n.readAt,
  };
}
