import WebSocket from 'ws';
import { CLOSE_REASON, type CloseCode } from '@parley/shared/protocol';

/**
 * One client's socket, as the room sees it. Transport details (ws readiness, close
 * reasons) stay here so BoardRoom deals only in messages.
 */
export class Connection {
  /** Awareness client ids this connection has published, removed when it leaves. */
  readonly awarenessClientIds = new Set<number>();
  private alive = true;

  constructor(
    readonly id: string,
    private readonly socket: WebSocket,
    readonly remoteAddress: string,
  ) {
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
