/**
 * Socket.io clients of the app (board events, membership and session notices) for the
 * integration tests, connected to a real server as the browser client connects.
 */
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type { ClientToServerEvents, JoinResult, ServerToClientEvents } from '@parley/shared/protocol';
import type { RunningServer } from './server.ts';

export type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** What a socket presents: an access token, a session cookie, both or neither. */
export interface Credentials {
  token?: string;
  cookie?: string;
}

/**
 * Opens app sockets on the server `server()` returns (websocket transport, no reconnection
 * unless `options` asks for it), remembering each so `closeAll` (in afterAll) closes them.
 */
export function appSockets(server: () => Pick<RunningServer, 'url'>): {
  connect(creds: Credentials, options?: Partial<ManagerOptions & SocketOptions>): AppSocket;
  closeAll(): void;
} {
  const open: AppSocket[] = [];
  return {
    connect: (creds, options = {}) => {
      const extraHeaders = { ...(creds.cookie ? { cookie: creds.cookie } : {}), ...options.extraHeaders };
      const socket: AppSocket = io(server().url, {
        transports: ['websocket'],
        reconnection: false,
        ...(creds.token ? { auth: { token: creds.token } } : {}),
        ...options,
        extraHeaders,
      });
      open.push(socket);
      return socket;
    },
    closeAll: () => {
      for (const socket of open.splice(0)) socket.close();
    },
  };
}

/** Resolves when the socket is connected; rejects with the server's refusal. */
export const connected = (socket: AppSocket) =>
  new Promise<void>((resolve, reject) => {
    if (socket.connected) resolve();
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => reject(err));
  });

/** Joins a board's room; resolves with the server's answer. */
export const join = (socket: AppSocket, boardId: string) =>
  new Promise<JoinResult>((resolve) => socket.emit('board:join', boardId, resolve));

/** Resolves when the server ends the socket, having told it the session ended. */
export const sessionEnded = (socket: AppSocket) =>
  new Promise<void>((resolve) => {
    let told = false;
    socket.once('session:ended', () => (told = true));
    socket.once('disconnect', (reason) => {
      if (told && reason === 'io server disconnect') resolve();
    });
  });
