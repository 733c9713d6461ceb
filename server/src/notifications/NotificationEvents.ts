import type { ActivityEntryJson, NotificationJson } from '@parley/shared/protocol';
import type { AppIo } from '../appEvents/AppEventsServer.ts';
import { boardRoom, userBoardRoom, userRoom } from '../appEvents/rooms.ts';
import type { ReadOutcome } from './NotificationInbox.ts';
import type { NotifierOutput } from './Notifier.ts';

/**
 * Notifications, reads and activity as socket.io events. Always sent to rooms (never to a
 * socket): across instances the adapter carries them, and connection-state recovery
 * replays what a briefly disconnected socket missed, each once.
 */
export class NotificationEvents implements NotifierOutput {
  /**
   * @param roomsShared whether other instances share the rooms (the Redis adapter): then
   *   this one cannot know who is in a board's room elsewhere.
   */
  constructor(
    private readonly io: AppIo,
    private readonly roomsShared: boolean,
  ) {}

  /**
   * Activity is live only (a client re-reads the feed after any reconnect), so a board
   * nobody has joined here, on one instance, gets none: a busy board's entries would
   * otherwise be encoded, and kept for recovery, for nobody.
   */
  hearsActivity(boardId: string): boolean {
    return this.roomsShared || this.io.of('/').adapter.rooms.has(boardRoom(boardId));
  }

  notification(userId: string, notification: NotificationJson): void {
    // A socket in both rooms hears it once (socket.io unites the rooms).
    this.io.to([userRoom(userId), userBoardRoom(userId, notification.boardId)]).emit('notification', notification);
  }

  activity(boardId: string, entry: ActivityEntryJson): void {
    this.io.to(boardRoom(boardId)).emit('activity', { boardId, entry });
  }

  /** A read on one device, told to all of the user's: every board's to sessions, each board's to its tokens. */
  read(userId: string, outcome: ReadOutcome): void {
    if (outcome.toUser) this.io.to(userRoom(userId)).emit('notifications:read', outcome.toUser);
    for (const [boardId, event] of outcome.toBoards) {
      this.io.to(userBoardRoom(userId, boardId)).emit('notifications:read', event);
    }
  }
}
