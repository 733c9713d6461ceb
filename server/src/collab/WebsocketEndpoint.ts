import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { CLOSE, YJS_PATH_PREFIX, parseDocName } from '@parley/shared/protocol';
import type { Logger } from '../logger.ts';
import type { BoardRoom } from './BoardRoom.ts';
import { Connection } from './Connection.ts';
import { UnknownDocError, type RoomRegistry } from './RoomRegistry.ts';

export interface EndpointOptions {
  readonly registry: RoomRegistry;
  readonly log: Logger;
  readonly maxPayload: number;
  /** Bytes a client may send while its room is still loading. */
  readonly maxQueuedBytes?: number;
  readonly heartbeatMs?: number;
}

/**
 * The `/yjs/<docName>` websocket endpoint. Every check (name, board existence) happens
 * before the socket is attached to a room, so a refused client never receives doc data.
 */
export class WebsocketEndpoint {
  private readonly wss: WebSocketServer;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly connections = new Set<Connection>();
  private nextId = 1;

  constructor(private readonly opts: EndpointOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: opts.maxPayload,
      // Yjs frames are small and already compact; deflate costs CPU for little gain.
      perMessageDeflate: false,
    });
    this.heartbeat = setInterval(() => {
      for (const conn of this.connections) conn.ping();
    }, opts.heartbeatMs ?? 30_000);
    this.heartbeat.unref();
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Returns false if the request is not for this endpoint, so other handlers may take it. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    // The raw path, not a normalised URL: `/yjs/../x` must reach the name check as `../x`
    // and be refused, not be silently rewritten to another path.
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
    if (rawPath !== YJS_PATH_PREFIX && !rawPath.startsWith(`${YJS_PATH_PREFIX}/`)) return false;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws, req, rawPath));
    return true;
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const conn of this.connections) conn.close(CLOSE.goingAway);
    this.wss.close();
  }

  private onSocket(ws: WebSocket, req: IncomingMessage, rawPath: string): void {
    const conn = new Connection(`c${this.nextId++}`, ws, req.socket.remoteAddress ?? 'unknown');
    const docName = rawPath.slice(YJS_PATH_PREFIX.length + 1);
    const log = this.opts.log.child({ conn: conn.id, docName: docName.slice(0, 80) });
    this.connections.add(conn);
    ws.on('error', (err) => log.warn({ err: err.message }, 'socket error'));

    if (!parseDocName(docName)) {
      log.info('refused: invalid document name');
      conn.close(CLOSE.invalidDocName);
      ws.on('close', () => this.connections.delete(conn));
      return;
    }

    // Frames that arrive while the room loads wait here, bounded, and are handled in order.
    const queued: Uint8Array[] = [];
    let queuedBytes = 0;
    const maxQueued = this.opts.maxQueuedBytes ?? this.opts.maxPayload;
    let room: BoardRoom | null = null;
    let closed = false;

    ws.on('message', (data: RawData, isBinary: boolean) => {
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
      if (queuedBytes > maxQueued) {
        conn.close(CLOSE.tooLarge, 'too much data before the board was ready');
        return;
      }
      queued.push(bytes);
    });

    ws.on('close', () => {
      closed = true;
      this.connections.delete(conn);
      if (room) this.opts.registry.leave(room, conn);
    });

    this.opts.registry.join(docName, conn).then(
      (joined) => {
        if (closed) {
          this.opts.registry.leave(joined, conn);
          return;
        }
        room = joined;
        for (const bytes of queued.splice(0)) joined.handleMessage(conn, bytes);
      },
      (err: unknown) => {
        if (err instanceof UnknownDocError) {
          log.info({ reason: err.message }, 'refused: unknown board');
          conn.close(CLOSE.unknownBoard);
        } else {
          log.error({ err }, 'could not open room');
          conn.close(CLOSE.internalError);
        }
      },
    );
  }
}

function toUint8Array(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
