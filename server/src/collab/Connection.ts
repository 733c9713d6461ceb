import WebSocket from 'ws';
import { CLOSE_REASON, type CloseCode } from '@parley/shared/protocol';
import type { BoardAccess } from '../auth/AccessControl.ts';
import { TokenBucket } from './RateLimiter.ts';

/**
 * One client's socket, as the room sees it. Transport details (ws readiness, close
 * reasons) stay here so BoardRoom deals only in messages.
 */
export class Connection {
  /** Awareness client ids this connection has published, removed when it leaves. */
  readonly awarenessClientIds = new Set<number>();
  private alive = true;

  /** Who this is on the board, as the server established it; null until authenticated. */
  access: BoardAccess | null = null;
  /** The board the connection's document belongs to (set with `access`). */
  boardId: string | null = null;
  readonly messageBudget: TokenBucket;

  constructor(
    readonly id: string,
    private readonly socket: WebSocket,
    readonly remoteAddress: string,
    limits: { messagesPerSecond: number; messageBurst: number },
  ) {
    this.messageBudget = new TokenBucket(limits.messagesPerSecond, limits.messageBurst);
    socket.on('pong', () => {
      this.alive = true;
    });
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  send(data: Uint8Array): void {
    if (this.isOpen) this.socket.send(data, { binary: true });
  }

  close(code: CloseCode, detail?: string): void {
    if (this.socket.readyState === WebSocket.CLOSED || this.socket.readyState === WebSocket.CLOSING) return;
    // Close reasons are limited to 123 bytes by RFC 6455.
    const reason = (detail ? `${CLOSE_REASON[code]}: ${detail}` : CLOSE_REASON[code]).slice(0, 120);
    this.socket.close(code, reason);
  }

  /** Heartbeat: returns false when the previous ping went unanswered. */
  ping(): boolean {
    if (!this.alive) {
      this.socket.terminate();
      return false;
    }
    this.alive = false;
    this.socket.ping();
    return true;
  }
}
