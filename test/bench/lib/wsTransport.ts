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
  onMessage: (payload: Uint8Array) => void = () => undefined;
  onClose: () => void = () => undefined;
  private socket: Socket | null = null;
  private pending: Buffer = Buffer.alloc(0);
  /** Bytes of a frame payload still to skip (counting mode). */
  private skipping = 0;
  private closed = false;

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
    let offset = 0;
    if (this.skipping > 0) {
      const skip = Math.min(this.skipping, chunk.length);
      this.skipping -= skip;
      offset = skip;
      if (offset === chunk.length) return;
    }
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk.subarray(offset)]) : chunk.subarray(offset);
    this.pending = Buffer.alloc(0);
    while (buf.length >= 2) {
      const opcode = buf[0]! & 0x0f;
      let len = buf[1]! & 0x7f;
      let header = 2;
      if (len === 126) {
        if (buf.length < 4) break;
        len = buf.readUInt16BE(2);
        header = 4;
      } else if (len === 127) {
        if (buf.length < 10) break;
        len = Number(buf.readBigUInt64BE(2));
        header = 10;
      }
      const isData = opcode === 0x2 || opcode === 0x0;
      if (isData) this.framesReceived++;
      if (isData && !this.wantPayloads) {
        // Counting mode: skip the payload without buffering it.
        if (buf.length < header + len) {
          this.skipping = header + len - buf.length;
          return;
        }
        buf = buf.subarray(header + len);
        continue;
      }
      if (buf.length < header + len) break;
      // The read buffer is reused by the next read: hand out a copy.
      const payload = Uint8Array.prototype.slice.call(buf, header, header + len);
      buf = buf.subarray(header + len);
      if (isData) this.onMessage(payload);
      else if (opcode === 0x9) this.send(payload, 0xa);
      else if (opcode === 0x8) this.destroy();
    }
    if (buf.length > 0) this.pending = Buffer.from(buf);
  }
}
