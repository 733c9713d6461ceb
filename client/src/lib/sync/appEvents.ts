import { io, type Socket } from 'socket.io-client';
import { SOCKET_IO_PATH, type ClientToServerEvents, type ServerToClientEvents } from '@parley/shared/protocol';

type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let socket: AppSocket | null = null;
const joined = new Map<string, number>();

/**
 * The one socket.io connection for app events (not document state). It authenticates
 * with the session cookie, like the document websocket, and re-joins its board rooms
 * after every reconnect.
 */
function appSocket(): AppSocket {
  if (socket) return socket;
  socket = io({ path: SOCKET_IO_PATH, transports: ['websocket'], withCredentials: true });
  socket.on('connect', () => {
    if (socket?.recovered) return;
    for (const boardId of joined.keys()) socket?.emit('board:join', boardId, () => undefined);
  });
  return socket;
}

/** Calls `onChange` whenever the board's members or invites change; returns an unsubscribe. */
export function onMembersChanged(boardId: string, onChange: () => void): () => void {
  const s = appSocket();
  joined.set(boardId, (joined.get(boardId) ?? 0) + 1);
  if (s.connected) s.emit('board:join', boardId, () => undefined);
  const handler = (payload: { boardId: string }) => {
    if (payload.boardId === boardId) onChange();
  };
  s.on('members:changed', handler);
  return () => {
    s.off('members:changed', handler);
    const left = (joined.get(boardId) ?? 1) - 1;
    if (left > 0) {
      joined.set(boardId, left);
    } else {
      joined.delete(boardId);
      s.emit('board:leave', boardId);
    }
  };
}
