import type { RoomSocket } from '../../server/src/collab/endpoint/RoomSocket.ts';
import type { WireFrame } from '../../server/src/collab/endpoint/wsFrame.ts';

/**
 * A connection's socket in memory, for room tests that need no network: it keeps what the
 * server sent, in order, and how it was closed.
 */
export class MemorySocket implements RoomSocket {
  isOpen = true;
  isClosed = false;
  readonly bufferedAmount = 0;
  /** Every message the server sent, in order (a pre-framed one as its payload). */
  readonly sent: Uint8Array[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private resolveClosed!: (close: { code: number; reason: string }) => void;

  constructor() {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
  }

  send(message: Uint8Array): void {
    this.sent.push(message);
  }

  sendFrames(frames: readonly WireFrame[]): void {
    for (const frame of frames) this.sent.push(frame.payload);
  }

  close(code: number, reason: string): void {
    if (this.isClosed) return;
    this.isOpen = false;
    this.isClosed = true;
    this.resolveClosed({ code, reason });
  }

  terminate(): void {
    this.close(1006, '');
  }

  ping(): void {}

  onPong(): void {}
}
