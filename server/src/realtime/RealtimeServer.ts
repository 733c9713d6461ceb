import type http from 'node:http';
import { Server, type Socket } from 'socket.io';
import {
  isValidBoardId,
  SOCKET_IO_PATH,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '@parley/shared/protocol';
import { AuthError, type AccessChange, type AccessControl } from '../auth/AccessControl.ts';
import type { OriginPolicy } from '../http/originPolicy.ts';
import type { Logger } from '../logger.ts';

interface SocketData {
  /** Set for cookie sessions. */
  sessionId: string | null;
  userId: string | null;
  /** Credentials kept to re-check board access on join and after recovery. */
  cookieHeader: string | undefined;
  token: string | null;
}

type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

const boardRoom = (boardId: string) => `board:${boardId}`;

/**
 * socket.io for app events. It authenticates exactly like the websocket endpoint (session
 * cookie or `auth: { token }`), re-runs that check on connection-state recovery (the
 * default would skip middlewares), and closes sockets whose session is revoked.
 */
export class RealtimeServer {
  readonly io: Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
  private readonly unsubscribe: () => void;

  constructor(
    httpServer: http.Server,
    private readonly access: AccessControl,
    origins: OriginPolicy,
    private readonly log: Logger,
  ) {
    this.io = new Server(httpServer, {
      path: SOCKET_IO_PATH,
      serveClient: false,
      connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: false },
      allowRequest: (req, callback) => callback(null, origins.allows(req.headers.origin, req.headers.host)),
    });
    this.io.use((socket, next) => {
      void this.authenticate(socket).then(
        () => next(),
        (err: unknown) => next(err instanceof AuthError ? err : new Error('internal error')),
      );
    });
    this.io.on('connection', (socket) => void this.onConnection(socket));
    this.unsubscribe = access.onChange((change) => this.onAccessChange(change));
  }

  close(): Promise<void> {
    this.unsubscribe();
    return this.io.close();
  }

  private async authenticate(socket: AppSocket): Promise<void> {
    const auth = socket.handshake.auth as { token?: unknown };
    const token = typeof auth.token === 'string' && auth.token.length > 0 ? auth.token : null;
    const cookieHeader = socket.handshake.headers.cookie;
    let sessionId: string | null = null;
    let userId: string | null = null;
    if (!token) {
      const session = await this.access.session(cookieHeader);
      if (!session) throw new AuthError('sign in first');
      sessionId = session.sessionId;
      userId = session.user.id;
    }
    socket.data = { sessionId, userId, cookieHeader, token };
  }

  private async onConnection(socket: AppSocket): Promise<void> {
    if (socket.recovered) {
      // Rooms come back with a recovered socket; membership may have changed meanwhile.
      for (const room of socket.rooms) {
        if (!room.startsWith('board:')) continue;
        const boardId = room.slice('board:'.length);
        if (!(await this.canJoin(socket, boardId))) void socket.leave(room);
      }
    }
    socket.on('board:join', (boardId, ack) => {
      if (typeof ack !== 'function') return;
      if (typeof boardId !== 'string' || !isValidBoardId(boardId)) {
        ack({ ok: false, error: 'invalid board id' });
        return;
      }
      void this.access.boardAccess(boardId, { cookieHeader: socket.data.cookieHeader, token: socket.data.token }).then(
        async ({ principal }) => {
          socket.data.userId = principal.userId;
          await socket.join(boardRoom(boardId));
          ack({ ok: true, role: principal.role, stakeholderId: principal.stakeholderId });
        },
        (err: unknown) => ack({ ok: false, error: err instanceof AuthError ? err.message : 'internal error' }),
      );
    });
    socket.on('board:leave', (boardId) => {
      if (typeof boardId === 'string') void socket.leave(boardRoom(boardId));
    });
  }

  private async canJoin(socket: AppSocket, boardId: string): Promise<boolean> {
    try {
      await this.access.boardAccess(boardId, { cookieHeader: socket.data.cookieHeader, token: socket.data.token });
      return true;
    } catch {
      return false;
    }
  }

  private onAccessChange(change: AccessChange): void {
    for (const socket of this.io.of('/').sockets.values()) {
      const data = socket.data;
      const ended =
        (change.kind === 'session-revoked' && data.sessionId === change.sessionId) ||
        (change.kind === 'user-revoked' && data.userId === change.userId);
      if (ended) {
        socket.emit('session:ended');
        socket.disconnect(true);
        continue;
      }
      if (change.kind === 'membership-changed' && data.userId === change.userId) {
        socket.emit('access:changed', { boardId: change.boardId });
        void socket.leave(boardRoom(change.boardId));
      }
    }
    if (change.kind === 'membership-changed' || change.kind === 'invites-changed') {
      this.io.to(boardRoom(change.boardId)).emit('members:changed', { boardId: change.boardId });
    }
    this.log.debug({ change }, 'access change propagated to socket.io');
  }

  /** Tells a board's subscribers its members or invites changed. */
  membersChanged(boardId: string): void {
    this.io.to(boardRoom(boardId)).emit('members:changed', { boardId });
  }
}
