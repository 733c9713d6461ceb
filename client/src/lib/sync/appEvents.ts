import type { Socket } from 'socket.io-client';
import { SOCKET_IO_PATH, type ClientToServerEvents, type ServerToClientEvents } from '@parley/shared/protocol';

type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let socket: Promise<AppSocket> | null = null;
const joined = new Map<string, number>();
/** Per board, what re-reads the state its events keep current. */
const rereads = new Map<string, Set<() => void>>();

/**
 * The one socket.io connection for app events (not document state). It authenticates
 * with the session cookie, like the document websocket, and re-joins its board rooms
 * after every reconnect, then re-reads what their events keep current: events sent while
 * it was away may be lost (the server restarted, the load balancer chose another
 * instance, the recovery window passed), so connection-state recovery is not trusted.
 * Websocket only, no long-polling: with several instances behind a load balancer a
 * websocket needs no sticky sessions. socket.io's client is a chunk of its own, loaded by
 * the first subscriber: the board's first screen does not wait for it.
 */
function appSocket(): Promise<AppSocket> {
  socket ??= import('socket.io-client').then(({ io }) => {
    const s: AppSocket = io({ path: SOCKET_IO_PATH, transports: ['websocket'], withCredentials: true });
    let reconnect = false;
    s.on('connect', () => {
      for (const boardId of joined.keys()) {
        s.emit('board:join', boardId, () => {
          // Re-read once in the room, so no change falls between the read and the events.
          if (reconnect) rereads.get(boardId)?.forEach((reread) => reread());
        });
      }
      reconnect = true;
    });
    return s;
  });
  return socket;
}

/**
 * Calls `onChange` whenever the board's members or invites change, and after every
 * reconnect (they may have changed meanwhile); returns an unsubscribe.
 */
export function onMembersChanged(boardId: string, onChange: () => void): () => void {
  joined.set(boardId, (joined.get(boardId) ?? 0) + 1);
  const reread = () => onChange();
  rereads.set(boardId, (rereads.get(boardId) ?? new Set()).add(reread));
  const handler = (payload: { boardId: string }) => {
    if (payload.boardId === boardId) onChange();
  };
  let unsubscribed = false;
  const ready = appSocket().then((s) => {
    if (unsubscribed) return s;
    if (s.connected) s.emit('board:join', boardId, () => undefined);
    s.on('members:changed', handler);
    return s;
  });
  ready.catch((err: unknown) => console.warn('Parley: app events are unavailable', err));
  return () => {
    unsubscribed = true;
    rereads.get(boardId)?.delete(reread);
    if (rereads.get(boardId)?.size === 0) rereads.delete(boardId);
    const left = (joined.get(boardId) ?? 1) - 1;
    if (left > 0) joined.set(boardId, left);
    else joined.delete(boardId);
    void ready
      .then((s) => {
        s.off('members:changed', handler);
        if (!joined.has(boardId)) s.emit('board:leave', boardId);
      })
      .catch(() => undefined);
  };
}
