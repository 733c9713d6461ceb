/**
 * A binary websocket message as the server puts it on the wire (RFC 6455 §5.2: FIN, opcode
 * 2, unmasked). A broadcast is framed once and the same bytes are written to every socket,
 * instead of `ws` framing it again for each recipient.
 */
export function wsBinaryFrame(payload: Uint8Array): Buffer {
  const length = payload.byteLength;
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x82;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.set(payload, headerLength);
  return frame;
}

/** A message's payload and its framed bytes: built once, sent to many. */
export interface WireFrame {
  readonly payload: Uint8Array;
  readonly framed: Buffer;
}

export function wireFrame(payload: Uint8Array): WireFrame {
  return { payload, framed: wsBinaryFrame(payload) };
}
