import { randomBytes } from 'node:crypto';
import net, { type Socket } from 'node:net';

/**
 * A bare websocket client for the load generator. `ws` costs about 6 µs of generator CPU
 * per received frame (measured here), so 500 clients receiving 500k frames/s would
 * saturate the generator long before any server. This client parses frame headers only
 * and hands out payloads only while `wantPayloads` is true; otherwise it just counts.
 * Client frames are masked with a zero key (RFC 6455 requires the mask bit, not entropy,
 * for a non-browser client).
 */
export class WsTransport {
  framesReceived = 0;
  bytesReceived = 0;
  /** Whether binary payloads are delivered to `onMessage` (false: counted only). */
  wantPayloads = true;
  /**
   * While `wantPayloads` is false, frames whose first payload byte is in this set are still
   * delivered (a P4 client needs its saved acks, not the fan-out it counts).
   */
  keepFirstBytes: ReadonlySet<number> | null = null;
  private handler: ((payload: Uint8Array) => void) | null = null;
  /** Frames that arrived with the 101 response, before anyone listened. */
  private early: Uint8Array[] = [];
  private partial: { frame: Buffer; filled: number } | null = null;
  /** The start of a frame header split across reads. */
  private head: Buffer = Buffer.alloc(0);
  onClose: () => void = () => undefined;
  private socket: Socket | null = null;
  /** Bytes of a frame payload still to skip (counting mode). */
  private skipping = 0;
  private closed = false;

  /** Receives binary payloads (including any that arrived before it was set). */
  set onMessage(handler: (payload: Uint8Array) => void) {
    this.handler = handler;
    for (const payload of this.early.splice(0)) handler(payload);
  }

  static connect(url: string, timeoutMs = 20_000): Promise<WsTransport> {
    const t = new WsTransport();
    const u = new URL(url);
    return new Promise((resolve, reject) => {
      let handshake: Buffer | null = Buffer.alloc(0);
      const timer = setTimeout(() => socket.destroy(new Error('websocket upgrade timed out')), timeoutMs);
      // `onread` reads into one reused buffer, skipping the stream machinery: a 'data'
      // event per frame per socket is what makes a Node load generator saturate.
      const socket = net.connect({
        host: u.hostname,
        port: Number(u.port),
        noDelay: true,
        onread: {
          buffer: Buffer.allocUnsafe(64 * 1024),
          callback: (nread: number, buf: Uint8Array) => {
            const chunk = Buffer.from(buf.buffer, buf.byteOffset, nread);
            if (handshake === null) {
              t.receive(chunk);
              return true;
            }
            handshake = Buffer.concat([handshake, chunk]);
            const end = handshake.indexOf('\r\n\r\n');
            if (end < 0) return true;
            const status = handshake.subarray(0, handshake.indexOf('\r\n')).toString('latin1');
            const rest = Buffer.from(handshake.subarray(end + 4));
            handshake = null;
            clearTimeout(timer);
            if (!/^HTTP\/1\.1 101 /.test(status)) {
              socket.destroy();
              reject(new Error(`websocket upgrade refused: ${status}`));
              return false;
            }
            t.socket = socket;
            resolve(t);
            if (rest.length > 0) t.receive(rest);
            return true;
          },
        },
      });
      socket.on('connect', () => {
        socket.write(
          `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
            `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`,
        );
      });
      socket.on('close', () => t.handleClose());
      socket.on('error', (err) => {
        clearTimeout(timer);
        if (handshake !== null) reject(err);
        t.handleClose();
      });
    });
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  send(payload: Uint8Array, opcode = 0x2): void {
    if (this.closed || !this.socket) return;
    const len = payload.byteLength;
    const headerLength = len < 126 ? 2 : len < 65_536 ? 4 : 10;
    const frame = Buffer.allocUnsafe(headerLength + 4 + len);
    frame[0] = 0x80 | opcode;
    if (len < 126) {
      frame[1] = 0x80 | len;
    } else if (len < 65_536) {
      frame[1] = 0x80 | 126;
      frame.writeUInt16BE(len, 2);
    } else {
      frame[1] = 0x80 | 127;
      frame.writeBigUInt64BE(BigInt(len), 2);
    }
    frame.writeUInt32BE(0, headerLength); // zero mask key: payload bytes go out unchanged
    frame.set(payload, headerLength + 4);
    this.socket.write(frame);
  }

  close(): void {
    if (this.closed) return;
    this.send(new Uint8Array([0x03, 0xe8]), 0x8); // 1000, normal closure
    this.socket?.end();
    this.handleClose();
  }

  /** Drops the TCP connection without a close frame (a network cut). */
  destroy(): void {
    this.socket?.destroy();
    this.handleClose();
  }

  private handleClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }

  private receive(chunk: Buffer): void {
    this.bytesReceived += chunk.length;
    let buf = chunk;
    if (this.skipping > 0) {
      const skip = Math.min(this.skipping, buf.length);
      this.skipping -= skip;
      buf = buf.subarray(skip);
    }
    if (this.partial) {
      // A large frame fills one buffer of its final size: no re-copying per read.
      const { frame } = this.partial;
      const take = Math.min(frame.length - this.partial.filled, buf.length);
      buf.copy(frame, this.partial.filled, 0, take);
      this.partial.filled += take;
      buf = buf.subarray(take);
      if (this.partial.filled < frame.length) return;
      this.partial = null;
      const { opcode, header } = parseHeader(frame)!;
      this.handle(opcode, frame.subarray(header));
    }
    if (this.head.length > 0) {
      buf = Buffer.concat([this.head, buf]);
      this.head = Buffer.alloc(0);
    }
    while (buf.length > 0) {
      const parsed = parseHeader(buf);
      if (!parsed) {
        this.head = Buffer.from(buf); // the read buffer is reused: keep a copy
        return;
      }
      const { opcode, header, length } = parsed;
      const size = header + length;
      const isData = opcode === 0x2 || opcode === 0x0;
      if (isData) this.framesReceived++;
      // A frame whose first payload byte is not read yet is kept; the handler ignores it.
      const kept = this.keepFirstBytes !== null && (buf.length <= header || this.keepFirstBytes.has(buf[header]!));
      if (isData && !this.wantPayloads && !kept) {
        // Counting mode: skip the payload without buffering it.
        if (buf.length < size) {
          this.skipping = size - buf.length;
          return;
        }
        buf = buf.subarray(size);
        continue;
      }
      if (buf.length < size) {
        const frame = Buffer.allocUnsafe(size);
        buf.copy(frame);
        this.partial = { frame, filled: buf.length };
        return;
      }
      // The read buffer is reused by the next read: hand out a copy.
      this.handle(opcode, Uint8Array.prototype.slice.call(buf, header, size));
      buf = buf.subarray(size);
    }
  }

  private handle(opcode: number, payload: Uint8Array): void {
    if (opcode === 0x2 || opcode === 0x0) {
      if (this.handler) this.handler(payload);
      else this.early.push(payload);
    } else if (opcode === 0x9) {
      this.send(payload, 0xa);
    } else if (opcode === 0x8) {
      this.destroy();
    }
  }
}

/** A server frame's header (unmasked), or null while it is incomplete. */
function parseHeader(buf: Buffer): { opcode: number; header: number; length: number } | null {
  if (buf.length < 2) return null;
  const opcode = buf[0]! & 0x0f;
  const short = buf[1]! & 0x7f;
  if (short === 126) return buf.length < 4 ? null : { opcode, header: 4, length: buf.readUInt16BE(2) };
  if (short === 127) return buf.length < 10 ? null : { opcode, header: 10, length: Number(buf.readBigUInt64BE(2)) };
  return { opcode, header: 2, length: short };
}
