import { CLOSE, CLOSE_REASON, type CloseCode } from '@parley/shared/protocol';
import type { BoardAccess } from '../../accounts/AccessControl.ts';
import { TokenBucket } from './TokenBucket.ts';
import type { RoomSocket } from './RoomSocket.ts';
import type { WireFrame } from './wsFrame.ts';

/** Updates held back (sent before the client's first sync step 2) per connection, by count and bytes. */
const MAX_HELD_UPDATES = 256;
const MAX_HELD_BYTES = 1024 * 1024;

export interface ConnectionLimits {
  readonly messagesPerSecond: number;
  readonly messageBurst: number;
  /** Sync step 1 requests: a bucket of `burst`, refilled at `perSecond`. */
  readonly syncRequests?: { readonly perSecond: number; readonly burst: number };
  readonly maxBufferedBytes?: number;
}

/**
 * One client's socket, as the room sees it. Transport details (ws readiness, close
 * reasons) stay here so DocRoom deals only in messages.
 */
export class Connection {
  /** Awareness client ids this connection has published, removed when it leaves. */
  readonly awarenessClientIds = new Set<number>();
  private alive = true;
  /** Whether the client's first sync step 2 (its offline work) has been applied. */
  initialSyncDone = false;
  private held: { update: Uint8Array; stored: (p: Promise<void>) => void }[] = [];
  private heldBytes = 0;
  /** Whether the client asked for durable-save acknowledgements (SavedAcks sends them). */
  wantsSavedAcks = false;

  /** Who this is on the board, as the server established it; null until authenticated. */
  access: BoardAccess | null = null;
  /** The board the connection's document belongs to (set with `access`). */
  boardId: string | null = null;
  private readonly messageBudget: TokenBucket;

  /** Bytes that may wait in this socket's send buffer before the client counts as gone. */
  private readonly maxBufferedBytes: number;
  /** Told (once) when the client fell too far behind and is being closed. */
  onFellBehind: (bufferedBytes: number) => void = () => undefined;

  /** Sync requests (step 1) this connection may still make; each costs the server an encode. */
  private readonly syncBudget: TokenBucket | null;

  constructor(
    readonly id: string,
    private readonly socket: RoomSocket,
    readonly remoteAddress: string,
    limits: ConnectionLimits,
    /** Shared by every connection from the same address. */
    private readonly addressBudget?: TokenBucket,
  ) {
    this.messageBudget = new TokenBucket(limits.messagesPerSecond, limits.messageBurst);
    this.syncBudget = limits.syncRequests
      ? new TokenBucket(limits.syncRequests.perSecond, limits.syncRequests.burst)
      : null;
    this.maxBufferedBytes = limits.maxBufferedBytes ?? Infinity;
    socket.onPong(() => {
      this.alive = true;
    });
  }

  get isOpen(): boolean {
    return this.socket.isOpen;
  }

  send(data: Uint8Array): void {
    if (!this.isOpen || this.fellBehind()) return;
    this.socket.send(data);
  }

  /**
   * Sends messages framed beforehand (`wireFrame`), back to back in one write. A broadcast
   * is framed once for all its recipients, and `ws` would otherwise frame it again per
   * socket and write every message on its own: on a busy server those writes (one system
   * call each) are most of the cost of a message.
   */
  sendFrames(frames: readonly WireFrame[]): void {
    if (!this.isOpen || this.fellBehind()) return;
    this.socket.sendFrames(frames);
  }

  /**
   * A client that stops reading (a frozen tab, a dead link the kernel has not noticed yet)
   * would make the server buffer every update of the board for it without bound. Once
   * more than the limit waits for it, it is closed instead of sent more. When it comes
   * back it resyncs from its state vector, so it loses nothing. The check comes before a
   * send, so one large message (a big board's state for a joiner) always goes out.
   * `bufferedAmount` counts what the kernel has not taken yet, including the frames
   * written straight to the socket.
   */
  private fellBehind(): boolean {
    const buffered = this.socket.bufferedAmount;
    if (buffered <= this.maxBufferedBytes) return false;
    this.onFellBehind(buffered);
    this.close(CLOSE.tooSlow);
    return true;
  }

  close(code: CloseCode, detail?: string): void {
    if (this.socket.isClosed) return;
    this.socket.close(code, truncateUtf8(detail ? `${CLOSE_REASON[code]}: ${detail}` : CLOSE_REASON[code], 123));
  }

  /**
   * Holds an update that depends on the client's not-yet-sent sync step 2. Returns when it
   * will be stored (for its ack, which must wait in line), or null when the hold is full
   * (the caller then refuses the update).
   */
  holdUpdate(update: Uint8Array): Promise<void> | null {
    if (this.held.length >= MAX_HELD_UPDATES || this.heldBytes + update.byteLength > MAX_HELD_BYTES) return null;
    let stored: (p: Promise<void>) => void = () => undefined;
    const whenStored = new Promise<void>((resolve) => {
      stored = (p) => void p.then(resolve);
    });
    this.held.push({ update, stored });
    this.heldBytes += update.byteLength;
    return whenStored;
  }

  takeHeldUpdates(): { update: Uint8Array; stored: (p: Promise<void>) => void }[] {
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    return held;
  }

  /** Takes one message from this connection's budget and its address's. */
  takeMessage(): boolean {
    return this.messageBudget.take() && (this.addressBudget?.take() ?? true);
  }

  /**
   * Takes one sync request (a sync step 1) from this connection's budget. A client sends
   * one per connection; answering one costs an encode that grows with the board, so a
   * flood of them is refused long before the message budget would be. (Not per address:
   * a meeting behind one NAT joins all at once, each with its own request.)
   */
  takeSyncRequest(): boolean {
    return this.syncBudget?.take() ?? true;
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

/** Close reasons are limited to 123 bytes (RFC 6455); cut on a character boundary, marking the cut. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let out = '';
  for (const ch of text) {
    if (Buffer.byteLength(out + ch + '…') > maxBytes) break;
    out += ch;
  }
  return `${out}…`;
}
