/**
 * socket.io app events (not document state), typed once for server and client:
 * `new Server<ClientToServerEvents, ServerToClientEvents>()` and
 * `io(): Socket<ServerToClientEvents, ClientToServerEvents>`.
 */
export type JoinResult = { ok: true; role: string; stakeholderId: string | null } | { ok: false; error: string };

export interface ClientToServerEvents {
  /** Subscribe to a board's app events; answered with the caller's role there. */
  'board:join': (boardId: string, ack: (result: JoinResult) => void) => void;
  'board:leave': (boardId: string) => void;
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
}

export const SOCKET_IO_PATH = '/socket.io';
