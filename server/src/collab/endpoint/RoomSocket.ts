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
 */
export function wsRoomSocket(ws: WebSocket, tcp?: Socket): RoomSocket {
  return {
    get isOpen() {
      return ws.readyState === WebSocket.OPEN;
    },
    get isClosed() {
      return ws.readyState === WebSocket.CLOSED || ws.readyState === WebSocket.CLOSING;
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    send: (message) => ws.send(message, { binary: true }),
    sendFrames(frames) {
      if (!tcp) {
        for (const frame of frames) ws.send(frame.payload, { binary: true });
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
    },
    close: (code, reason) => ws.close(code, reason),
    terminate: () => ws.terminate(),
    ping: () => ws.ping(),
    onPong: (listener) => void ws.on('pong', listener),
  };
}
