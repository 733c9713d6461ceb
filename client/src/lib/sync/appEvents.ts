import type { Socket } from 'socket.io-client';
import {
  SOCKET_IO_PATH,
  type ActivityEntryJson,
  type BoardListChange,
  type ClientToServerEvents,
  type NotificationJson,
  type NotificationsReadEvent,
  type ServerToClientEvents,
} from '@parley/shared/protocol';
import type { SinceResult } from '../state/notifications-model.ts';

type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** How long `notifications:since` may take before it counts as failed (and is asked again). */
const SINCE_TIMEOUT_MS = 15_000;

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
 * Notifications are the exception: each change has a seq, so a socket that was not
 * recovered asks for the changes after the last seq it holds (onUserEvents).
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
 * Connects again after the server ended the connection (a sign-out or revoked session
 * closes it, and socket.io does not retry those): called once someone has signed in.
 */
export function resumeAppEvents(): void {
  void socket?.then((s) => {
    if (!s.active) s.connect();
  });
}

/**
 * Joins a board's room while anything subscribes to its events (counted), and calls
 * `reread` once back in the room after a reconnect. Returns the socket once subscribed
 * (null if unsubscribed before it loaded) and the unsubscribe.
 */
function joinBoard(boardId: string, reread: () => void): { ready: Promise<AppSocket | null>; leave: () => void } {
  joined.set(boardId, (joined.get(boardId) ?? 0) + 1);
  rereads.set(boardId, (rereads.get(boardId) ?? new Set()).add(reread));
  let left = false;
  const ready = appSocket().then((s) => {
    if (left) return null;
    if (s.connected) s.emit('board:join', boardId, () => undefined);
    return s;
  });
  ready.catch((err: unknown) => console.warn('Parley: app events are unavailable', err));
  const leave = () => {
    if (left) return;
    left = true;
    rereads.get(boardId)?.delete(reread);
    if (rereads.get(boardId)?.size === 0) rereads.delete(boardId);
    const remaining = (joined.get(boardId) ?? 1) - 1;
    if (remaining > 0) joined.set(boardId, remaining);
    else joined.delete(boardId);
    void appSocket()
      .then((s) => {
        if (!joined.has(boardId)) s.emit('board:leave', boardId);
      })
      .catch(() => undefined);
  };
  return { ready, leave };
}

/**
 * Calls `onChange` whenever the board's members or invites change, and after every
 * reconnect (they may have changed meanwhile); returns an unsubscribe.
 */
export function onMembersChanged(boardId: string, onChange: () => void): () => void {
  const handler = (payload: { boardId: string }) => {
    if (payload.boardId === boardId) onChange();
  };
  const { ready, leave } = joinBoard(boardId, () => onChange());
  void ready.then((s) => s?.on('members:changed', handler)).catch(() => undefined);
  return () => {
    leave();
    void ready.then((s) => s?.off('members:changed', handler)).catch(() => undefined);
  };
}

/**
 * Calls `onEntry` for each new entry of the board's activity feed, and `reread` after every
 * reconnect (entries sent meanwhile may be lost); returns an unsubscribe.
 */
export function onBoardActivity(
  boardId: string,
  onEntry: (entry: ActivityEntryJson) => void,
  reread: () => void,
): () => void {
  const handler = (payload: { boardId: string; entry: ActivityEntryJson }) => {
    if (payload.boardId === boardId) onEntry(payload.entry);
  };
  const { ready, leave } = joinBoard(boardId, reread);
  let left = false;
  void ready
    .then((s) => {
      if (!s) return;
      s.on('activity', handler);
      // Read once more when first in the room (a second join is harmless): an entry made
      // between the caller's first read and the join would otherwise never show.
      const rejoin = () => {
        if (!left) s.emit('board:join', boardId, () => !left && reread());
      };
      if (s.connected) rejoin();
      else s.once('connect', rejoin);
    })
    .catch(() => undefined);
  return () => {
    left = true;
    leave();
    void ready.then((s) => s?.off('activity', handler)).catch(() => undefined);
  };
}

/** What the signed-in person's own events (not a board's) are handed to. */
export interface UserEventHandlers {
  /**
   * On every connect, and at once if the socket is already connected when subscribing
   * (then as not recovered: events before the subscription were not seen). `since` asks
   * for the notifications changed after a cursor.
   */
  connected?: (recovered: boolean, since: (cursor: number) => Promise<SinceResult>) => void;
  notification?: (notification: NotificationJson) => void;
  read?: (event: NotificationsReadEvent) => void;
  boardsChanged?: (change: BoardListChange) => void;
}

/** Subscribes to the signed-in person's notifications and board list; returns an unsubscribe. */
export function onUserEvents(handlers: UserEventHandlers): () => void {
  let unsubscribed = false;
  const ready = appSocket().then((s) => {
    if (unsubscribed) return null;
    const since = async (cursor: number): Promise<SinceResult> => {
      try {
        return await s.timeout(SINCE_TIMEOUT_MS).emitWithAck('notifications:since', cursor);
      } catch (err) {
        return { ok: false, error: err instanceof Error ? err.message : String(err) };
      }
    };
    const onConnect = () => handlers.connected?.(s.recovered, since);
    const onNotification = (n: NotificationJson) => handlers.notification?.(n);
    const onRead = (e: NotificationsReadEvent) => handlers.read?.(e);
    const onBoards = (c: BoardListChange) => handlers.boardsChanged?.(c);
    s.on('connect', onConnect);
    s.on('notification', onNotification);
    s.on('notifications:read', onRead);
    s.on('boards:changed', onBoards);
    if (s.connected) handlers.connected?.(false, since);
    return () => {
      s.off('connect', onConnect);
      s.off('notification', onNotification);
      s.off('notifications:read', onRead);
      s.off('boards:changed', onBoards);
    };
  });
  ready.catch((err: unknown) => console.warn('Parley: app events are unavailable', err));
  return () => {
    unsubscribed = true;
    void ready.then((off) => off?.()).catch(() => undefined);
  };
}
