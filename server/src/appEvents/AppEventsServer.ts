import type http from 'node:http';
import { Server, type Socket } from 'socket.io';
import {
  isValidBoardId,
  SOCKET_IO_PATH,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '@parley/shared/protocol';
import {
  AuthError,
  type AccessChange,
  type AccessControl,
  type ChangeOrigin,
  type Identity,
} from '../accounts/AccessControl.ts';
import type { OriginPolicy } from '../http/originPolicy.ts';
import type { Logger } from '../logger.ts';
import { NOTIFICATIONS_PAGE, type NotificationInbox } from '../notifications/NotificationInbox.ts';
import { boardRoom, userBoardRoom, userRoom } from './rooms.ts';

interface SocketData {
  /** Who connected, established by the connection middleware (and again on recovery). */
  identity: Identity;
  /** Credentials kept to re-check board access on join and after recovery. */
  cookieHeader: string | undefined;
  token: string | null;
  /** The rights each joined board was joined with, to tell a real change from an echo. */
  joined: Record<string, { role: string; stakeholderId: string | null }>;
}

type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type AppIo = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** The room a socket hears its user's notifications in: a token's are those of its one board. */
export function notificationRoom(identity: Identity): string {
  return identity.kind === 'session'
    ? userRoom(identity.userId)
    : userBoardRoom(identity.userId, identity.token.boardId);
}

/**
 * socket.io for app events. It authenticates exactly like the websocket endpoint (session
 * cookie or `auth: { token }`) in its connection middleware, so bad credentials never get
 * a socket, and closes sockets whose credentials are revoked.
 *
 * Connection-state recovery is off, on purpose: socket.io sends a recovered socket the
 * packets it missed before its middlewares run, and gives it back its old rooms, so a
 * socket revoked while away (removed from a board, signed out everywhere) would still be
 * sent what happened meanwhile, and a tab where another person signed in would keep the
 * first person's notification room. Every reconnect is a new, authenticated socket that
 * catches up from the store instead (`notifications:since`, and the client re-reads its
 * boards).
 */
export class AppEventsServer {
  readonly io: AppIo;
  private readonly unsubscribe: () => void;

  constructor(
    httpServer: http.Server,
    private readonly access: AccessControl,
    origins: OriginPolicy,
    private readonly log: Logger,
    private readonly inbox?: NotificationInbox,
  ) {
    this.io = new Server(httpServer, {
      path: SOCKET_IO_PATH,
      serveClient: false,
      allowRequest: (req, callback) => callback(null, origins.allows(req.headers.origin, req.headers.host)),
    });
    this.io.use((socket, next) => {
      void this.authenticate(socket).then(
        () => next(),
        (err: unknown) => next(err instanceof AuthError ? err : new Error('internal error')),
      );
    });
    this.io.on('connection', (socket) => void this.onConnection(socket));
    this.unsubscribe = access.onChange((change, origin) => this.onAccessChange(change, origin));
  }

  close(): Promise<void> {
    this.unsubscribe();
    return this.io.close();
  }

  private async authenticate(socket: AppSocket): Promise<void> {
    const auth = socket.handshake.auth as { token?: unknown };
    const token = typeof auth.token === 'string' && auth.token.length > 0 ? auth.token : null;
    const cookieHeader = socket.handshake.headers.cookie;
    // Garbage, expired, forged or revoked tokens and unknown or ended sessions fail here.
    const identity = await this.access.identify({ cookieHeader, token });
    socket.data = { identity, cookieHeader, token, joined: {} };
  }

  private async onConnection(socket: AppSocket): Promise<void> {
    void socket.join(notificationRoom(socket.data.identity));
    socket.on('notifications:since', (cursor, ack) => {
      if (typeof ack !== 'function') return;
      if (!this.inbox) {
        ack({ ok: false, error: 'notifications are off' });
        return;
      }
      if (typeof cursor !== 'number' || !Number.isSafeInteger(cursor) || cursor < 0) {
        ack({ ok: false, error: 'the cursor must be a whole number from 0' });
        return;
      }
      this.inbox.page(socket.data.identity, cursor, NOTIFICATIONS_PAGE.max).then(
        (page) => ack({ ok: true, ...page }),
        (err: unknown) => {
          this.log.warn({ err, socket: socket.id }, 'could not read notifications');
          ack({ ok: false, error: 'internal error' });
        },
      );
    });
    socket.on('board:join', (boardId, ack) => {
      if (typeof ack !== 'function') return;
      if (typeof boardId !== 'string' || !isValidBoardId(boardId)) {
        ack({ ok: false, error: 'invalid board id' });
        return;
      }
      void this.access.boardAccess(boardId, { cookieHeader: socket.data.cookieHeader, token: socket.data.token }).then(
        async ({ principal }) => {
          socket.data.joined[boardId] = { role: principal.role, stakeholderId: principal.stakeholderId };
          await socket.join(boardRoom(boardId));
          ack({ ok: true, role: principal.role, stakeholderId: principal.stakeholderId });
        },
        (err: unknown) => ack({ ok: false, error: err instanceof AuthError ? err.message : 'internal error' }),
      );
    });
    socket.on('board:leave', (boardId) => {
      if (typeof boardId !== 'string') return;
      delete socket.data.joined[boardId];
      void socket.leave(boardRoom(boardId));
    });
  }

  /** The caller's rights on a board now, or null without access. */
  private async boardPrincipal(
    socket: AppSocket,
    boardId: string,
  ): Promise<{ role: string; stakeholderId: string | null } | null> {
    try {
      const { principal } = await this.access.boardAccess(boardId, {
        cookieHeader: socket.data.cookieHeader,
        token: socket.data.token,
      });
      return { role: principal.role, stakeholderId: principal.stakeholderId };
    } catch (err) {
      if (err instanceof AuthError) return null;
      throw err;
    }
  }

  private onAccessChange(change: AccessChange, origin: ChangeOrigin): void {
    for (const socket of this.io.of('/').sockets.values()) {
      const { identity } = socket.data;
      const affected =
        (change.kind === 'session-revoked' && identity.kind === 'session' && identity.sessionId === change.sessionId) ||
        ((change.kind === 'user-revoked' || change.kind === 'membership-changed') && identity.userId === change.userId);
      if (affected) void this.recheck(socket, change);
    }
    if (change.kind === 'membership-changed' || change.kind === 'invites-changed') {
      // The instance where the change was made tells the board's room on every instance
      // (through the Redis adapter when there are several, scale/appEventsAdapter.ts); one
      // relayed from another instance was told there. The store watch runs on every
      // instance, so each tells its own sockets.
      const event = { boardId: change.boardId };
      if (origin === 'here') this.io.to(boardRoom(change.boardId)).emit('members:changed', event);
      else if (origin === 'store') this.io.local.to(boardRoom(change.boardId)).emit('members:changed', event);
    }
    this.log.debug({ change }, 'access change propagated to socket.io');
  }

  /**
   * Re-checks a socket against the store rather than acting on the change blindly: the
   * same change may arrive twice (from the REST route, then from the store watch).
   */
  private async recheck(socket: AppSocket, change: AccessChange): Promise<void> {
    try {
      if (!(await this.access.identityStillValid(socket.data.identity))) {
        // Sent to this socket directly: with connection-state recovery, `socket.emit` goes
        // through the adapter (a Redis round trip with several instances) and would arrive
        // after the disconnect, that is never.
        this.io.local.to(socket.id).emit('session:ended');
        socket.disconnect(true);
        return;
      }
      if (change.kind !== 'membership-changed') return;
      const was = socket.data.joined[change.boardId];
      if (!was) return;
      const now = await this.boardPrincipal(socket, change.boardId);
      if (now && now.role === was.role && now.stakeholderId === was.stakeholderId) return;
      socket.emit('access:changed', { boardId: change.boardId });
      if (now) {
        socket.data.joined[change.boardId] = now;
      } else {
        delete socket.data.joined[change.boardId];
        void socket.leave(boardRoom(change.boardId));
      }
    } catch (err) {
      this.log.warn({ err, socket: socket.id }, 'could not re-check socket.io access');
    }
  }
}
