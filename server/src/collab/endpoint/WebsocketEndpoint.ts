import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { can, type Principal } from '@parley/shared/permissions';
import { CLOSE, YJS_PATH_PREFIX, parseDocName } from '@parley/shared/protocol';
import { AuthError, type AccessChange, type AccessControl, type BoardAccess } from '../../accounts/AccessControl.ts';
import type { OriginPolicy } from '../../http/originPolicy.ts';
import type { Logger } from '../../logger.ts';
import type { DocRoom } from '../room/DocRoom.ts';
import { Connection } from './Connection.ts';
import { TokenBucket } from './TokenBucket.ts';
import { wsRoomSocket } from './RoomSocket.ts';

/** An address may send this many times one connection's message budget. */
const IP_BUDGET_FACTOR = 10;
import { UnknownDocError, type RoomRegistry } from '../room/RoomRegistry.ts';

export interface EndpointOptions {
  readonly registry: RoomRegistry;
  readonly access: AccessControl;
  readonly origins: OriginPolicy;
  readonly log: Logger;
  readonly maxPayload: number;
  /** Bytes a client may send before it is authenticated and its room is ready. */
  readonly maxQueuedBytes: number;
  /** Time a client has to be authenticated and joined before it is closed. */
  readonly authTimeoutMs: number;
  readonly maxConnectionsPerIp: number;
  readonly messagesPerSecond: number;
  readonly messageBurst: number;
  /** Sync step 1 requests per connection: refill per second and burst. */
  readonly syncRequestsPerSecond: number;
  readonly syncRequestBurst: number;
  /** Bytes that may wait to be sent to one client before it is closed as too slow. */
  readonly maxBufferedBytes: number;
  readonly heartbeatMs?: number;
  /**
   * The client's own address (per-address limits, logs): with several instances, a
   * verified forwarding header names it (scale/peerForwarding); else the socket's.
   */
  readonly addressOf?: (req: IncomingMessage) => string;
  /** Errors meaning "another instance serves this board, or none can be chosen now": closed 1013. */
  readonly isOwnershipError?: (err: unknown) => boolean;
  /** Told when a board doc's connection joins its room and when it leaves (who is online). */
  readonly presence?: {
    joined(boardId: string, principal: Principal): void;
    left(boardId: string, principal: Principal): void;
  };
}

/**
 * The `/yjs/<docName>` websocket endpoint. Every check (origin, per-IP cap, name, board
 * existence, credentials, read access) happens before the socket is attached to a room,
 * so a refused client never receives a byte of the document.
 */
export class WebsocketEndpoint {
  private readonly wss: WebSocketServer;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly connections = new Set<Connection>();
  private readonly perIp = new Map<string, number>();
  /** One message budget per address, shared by its connections (several tabs, a NAT). */
  private readonly ipBudgets = new Map<string, TokenBucket>();
  private readonly unsubscribe: () => void;
  private nextId = 1;

  constructor(private readonly opts: EndpointOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: opts.maxPayload,
      // Yjs frames are small and already compact; deflate costs CPU for little gain.
      perMessageDeflate: false,
    });
    this.heartbeat = setInterval(() => void this.beat(), opts.heartbeatMs ?? 30_000);
    this.heartbeat.unref();
    this.unsubscribe = opts.access.onChange((change) => void this.onAccessChange(change));
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Returns false if the request is not for this endpoint, so other handlers may take it. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    // The raw path, not a normalised URL: `/yjs/../x` must reach the name check as `../x`
    // and be refused, not be silently rewritten to another path.
    const [rawPath = '/', query = ''] = (req.url ?? '/').split('?', 2);
    if (rawPath !== YJS_PATH_PREFIX && !rawPath.startsWith(`${YJS_PATH_PREFIX}/`)) return false;
    if (!this.opts.origins.allows(req.headers.origin, req.headers.host)) {
      // A page on another site must not ride this browser's session cookie.
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return true;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws, req, rawPath, new URLSearchParams(query)));
    return true;
  }

  close(): void {
    clearInterval(this.heartbeat);
    this.unsubscribe();
    for (const conn of this.connections) conn.close(CLOSE.goingAway);
    this.wss.close();
  }

  private onSocket(ws: WebSocket, req: IncomingMessage, rawPath: string, query: URLSearchParams): void {
    const ip = this.opts.addressOf?.(req) ?? req.socket.remoteAddress ?? 'unknown';
    let ipBudget = this.ipBudgets.get(ip);
    if (!ipBudget) {
      ipBudget = new TokenBucket(
        this.opts.messagesPerSecond * IP_BUDGET_FACTOR,
        this.opts.messageBurst * IP_BUDGET_FACTOR,
      );
      this.ipBudgets.set(ip, ipBudget);
    }
    const conn = new Connection(
      `c${this.nextId++}`,
      wsRoomSocket(ws, req.socket),
      ip,
      {
        messagesPerSecond: this.opts.messagesPerSecond,
        messageBurst: this.opts.messageBurst,
        syncRequests: { perSecond: this.opts.syncRequestsPerSecond, burst: this.opts.syncRequestBurst },
        maxBufferedBytes: this.opts.maxBufferedBytes,
      },
      ipBudget,
    );
    const docName = rawPath.slice(YJS_PATH_PREFIX.length + 1);
    const log = this.opts.log.child({ conn: conn.id, docName: docName.slice(0, 80) });
    conn.onFellBehind = (bufferedBytes) => log.warn({ bufferedBytes }, 'client stopped reading; closing');
    ws.on('error', (err) => log.warn({ err: err.message }, 'socket error'));

    const ipCount = (this.perIp.get(ip) ?? 0) + 1;
    if (ipCount > this.opts.maxConnectionsPerIp) {
      log.warn({ ip }, 'refused: too many connections from this address');
      conn.close(CLOSE.rateLimited, 'too many connections from your address');
      return;
    }
    this.perIp.set(ip, ipCount);
    this.connections.add(conn);

    const parsed = parseDocName(docName);
    // Frames that arrive before the client is authenticated and its room is loaded wait
    // here, bounded in bytes and time, and are handled in order once it is.
    const queued: Uint8Array[] = [];
    let queuedBytes = 0;
    let room: DocRoom | null = null;
    /** Who this connection was counted online as (its access may be re-checked later). */
    let onlineAs: Principal | null = null;
    let closed = false;
    const authTimer = setTimeout(() => {
      if (room) return;
      if (conn.access) {
        // Authenticated, but its board is not ready here (a slow load, or ownership changing
        // hands): the client may come back, unlike after a failed sign-in.
        log.warn('closed: the board was not ready within the time limit; client retries');
        conn.close(CLOSE.tryAgainLater, 'the board was not ready in time');
      } else {
        log.warn('refused: not ready within the authentication time limit');
        conn.close(CLOSE.unauthorized, 'authentication timed out');
      }
    }, this.opts.authTimeoutMs);

    ws.on('message', (data: RawData, isBinary: boolean) => {
      // ws still delivers frames while a close handshake is pending; a refused or revoked
      // client must not get anything applied in that window.
      if (!conn.isOpen) return;
      if (!isBinary) {
        conn.close(CLOSE.malformed, 'text frames are not part of the protocol');
        return;
      }
      const bytes = toUint8Array(data);
      if (room) {
        room.handleMessage(conn, bytes);
        return;
      }
      queuedBytes += bytes.byteLength;
      if (queuedBytes > this.opts.maxQueuedBytes) {
        conn.close(CLOSE.tooLarge, 'too much data before the board was ready');
        return;
      }
      queued.push(bytes);
    });

    ws.on('close', () => {
      closed = true;
      clearTimeout(authTimer);
      this.connections.delete(conn);
      const left = (this.perIp.get(ip) ?? 1) - 1;
      if (left <= 0) {
        this.perIp.delete(ip);
        this.ipBudgets.delete(ip);
      } else {
        this.perIp.set(ip, left);
      }
      if (room) {
        this.opts.registry.leave(room, conn);
        if (parsed?.kind === 'board' && onlineAs) this.opts.presence?.left(parsed.boardId, onlineAs);
      }
    });

    if (!parsed) {
      log.info('refused: invalid document name');
      conn.close(CLOSE.invalidDocName);
      return;
    }

    void (async () => {
      try {
        const access = await this.opts.access.boardAccess(parsed.boardId, {
          cookieHeader: req.headers.cookie,
          token: query.get('token'),
        });
        if (parsed.kind === 'private') {
          const action = { kind: 'read-private-notes', stakeholderId: parsed.stakeholderId } as const;
          if (!can(access.principal, action)) throw new AuthError('these notes belong to another stakeholder');
        }
        conn.access = access;
        conn.boardId = parsed.boardId;
        if (closed) return;
        const joined = await this.opts.registry.join(docName, conn);
        if (closed) {
          this.opts.registry.leave(joined, conn);
          return;
        }
        clearTimeout(authTimer);
        room = joined;
        if (parsed.kind === 'board') {
          onlineAs = access.principal;
          this.opts.presence?.joined(parsed.boardId, onlineAs);
        }
        for (const bytes of queued.splice(0)) joined.handleMessage(conn, bytes);
      } catch (err) {
        if (err instanceof AuthError) {
          log.info({ reason: err.message }, 'refused: unauthorized');
          conn.close(CLOSE.unauthorized, err.message);
        } else if (err instanceof UnknownDocError) {
          log.info({ reason: err.message }, 'refused: unknown board');
          conn.close(CLOSE.unknownBoard);
        } else if (this.opts.isOwnershipError?.(err)) {
          log.info({ reason: (err as Error).message }, 'board not served here now; client retries');
          conn.close(CLOSE.tryAgainLater);
        } else {
          log.error({ err }, 'could not open room');
          conn.close(CLOSE.internalError);
        }
      }
    })();
  }

  /**
   * Re-checks the live connections a revocation or membership change may affect and
   * closes those it ended. A re-check, not a blind close: the same change can arrive twice
   * (announced by the REST route, then seen again by the store watch), and a connection
   * made in between with fresh rights must survive the echo.
   */
  private onAccessChange(change: AccessChange): void {
    for (const conn of this.connections) {
      const access = conn.access;
      if (!access || !conn.boardId) continue;
      const affected =
        (change.kind === 'session-revoked' && access.sessionId === change.sessionId) ||
        (change.kind === 'user-revoked' && access.principal.userId === change.userId) ||
        (change.kind === 'membership-changed' &&
          access.principal.userId === change.userId &&
          conn.boardId === change.boardId);
      if (affected) void this.recheck(conn, conn.boardId, access);
    }
  }

  private async recheck(conn: Connection, boardId: string, access: BoardAccess): Promise<void> {
    try {
      const verdict = await this.opts.access.recheck(boardId, access);
      if (!verdict.ok && conn.isOpen) {
        conn.close(verdict.end === 'revoked' ? CLOSE.unauthorized : CLOSE.accessChanged, verdict.reason);
      }
    } catch (err) {
      this.opts.log.warn({ err, conn: conn.id }, 'could not re-check access');
    }
  }

  /** Heartbeat: drops dead sockets and re-checks access (a session expiry, anything missed). */
  private async beat(): Promise<void> {
    for (const conn of this.connections) {
      if (!conn.ping()) continue;
      if (conn.access && conn.boardId) await this.recheck(conn, conn.boardId, conn.access);
    }
  }
}

function toUint8Array(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
