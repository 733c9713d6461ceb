/**
 * socket.io app events (not document state), typed once for server and client:
 * `new Server<ClientToServerEvents, ServerToClientEvents>()` and
 * `io(): Socket<ServerToClientEvents, ClientToServerEvents>`.
 */
import type {
  ActivityEntryJson,
  BoardListChange,
  NotificationJson,
  NotificationsPageJson,
  NotificationsReadEvent,
} from './notifications.ts';

export type JoinResult = { ok: true; role: string; stakeholderId: string | null } | { ok: false; error: string };

export interface ClientToServerEvents {
  /** Subscribe to a board's app events; answered with the caller's role there. */
  'board:join': (boardId: string, ack: (result: JoinResult) => void) => void;
  'board:leave': (boardId: string) => void;
  /**
   * Every notification of the caller changed after `cursor` (0: all, newest first, at most
   * a page). Asked after a connect that was not a recovery (`socket.recovered` false):
   * a recovered socket is replayed the events it missed instead.
   */
  'notifications:since': (
    cursor: number,
    ack: (result: ({ ok: true } & NotificationsPageJson) | { ok: false; error: string }) => void,
  ) => void;
}

export interface ServerToClientEvents {
  /** The board's member list or invites changed (refresh the members panel). */
  'members:changed': (payload: { boardId: string }) => void;
  /**
   * This user's role or membership on a board this socket joined changed; re-read
   * /api/auth/me. Without access any more, the socket has left the board's room.
   */
  'access:changed': (payload: { boardId: string }) => void;
  /** This session was signed out or revoked; the socket is closed right after. */
  'session:ended': () => void;
  /** A notification of this user was created or grew (replace any held with the same id). */
  notification: (notification: NotificationJson) => void;
  /** Notifications of this user were read, on any of their devices. */
  'notifications:read': (event: NotificationsReadEvent) => void;
  /** A new entry of the activity feed of a board this socket joined. */
  activity: (payload: { boardId: string; entry: ActivityEntryJson }) => void;
  /** Something on this user's board list changed: re-read it, or update who is online. */
  'boards:changed': (change: BoardListChange) => void;
}

export const SOCKET_IO_PATH = '/socket.io';
