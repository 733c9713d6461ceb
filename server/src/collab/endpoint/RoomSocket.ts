import type { Socket } from 'node:net';
import WebSocket from 'ws';
import type { WireFrame } from './wsFrame.ts';

/**
 * What a connection needs of its socket (after tldraw's `TLRoomSocket`). The server's
 * sockets are `ws` ones (`wsRoomSocket`); room tests use an in-memory one, so they run
 * without a network.
 */
export interface RoomSocket {
  readonly isOpen: boolean;
  /** Closed, or closing: nothing more will go out. */
  readonly isClosed: boolean;
  /** Bytes sent but not yet taken by the network. */
  readonly bufferedAmount: number;
  send(message: Uint8Array): void;
  /** Messages framed beforehand (`wireFrame`), back to back in one write where possible. */
  sendFrames(frames: readonly WireFrame[]): void;
  close(code: number, reason: string): void;
  /** Drops the socket without a close handshake (a dead peer). */
  terminate(): void;
  /** Heartbeat: `onPong` hears the answer. */
  ping(): void;
  onPong(listener: () => void): void;
}

/**
 * A `ws` socket as a RoomSocket. `tcp` is the socket the HTTP upgrade handed over
 * (`req.socket`): `ws` writes each message to it whole and at once (no compression, no
 * Blobs here), so whole frames framed once for every recipient can go in between its own,
 * in one write, where `ws` would frame each again and write each on its own (one system
 * call per message: most of a busy server's cost of a message).
 *
 * A class, not an object literal of closures: a relay flush asks every recipient
 * `isOpen`, and accessors on one prototype stay monomorphic where a closure per socket made
 * that call site megamorphic (P1/300: 54 ms of a run's CPU in that getter alone).
 */
class WsRoomSocket implements RoomSocket {
  constructor(
    private readonly ws: WebSocket,
    private readonly tcp: Socket | undefined,
  ) {}

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  get isClosed(): boolean {
    return this.ws.readyState === WebSocket.CLOSED || this.ws.readyState === WebSocket.CLOSING;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  send(message: Uint8Array): void {
    this.ws.send(message, { binary: true });
  }

  sendFrames(frames: readonly WireFrame[]): void {
    const tcp = this.tcp;
    if (!tcp) {
      for (const frame of frames) this.ws.send(frame.payload, { binary: true });
    } else if (frames.length === 1) {
      tcp.write(frames[0]!.framed);
    } else {
      tcp.cork();
      try {
        for (const frame of frames) tcp.write(frame.framed);
      } finally {
        tcp.uncork();
      }
    }
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  terminate(): void {
    this.ws.terminate();
  }

  ping(): void {
    this.ws.ping();
  }

  onPong(listener: () => void): void {
    this.ws.on('pong', listener);
  }
}

export function wsRoomSocket(ws: WebSocket, tcp?: Socket): RoomSocket {
  return new WsRoomSocket(ws, tcp);
}
