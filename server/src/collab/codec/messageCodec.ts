import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { MESSAGE, SYNC } from '@parley/shared/protocol';

/** Encoders for the frames the server sends; each builds one buffer to send to many. */
export function encodeSyncStep1(doc: Y.Doc): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE.sync);
  encoding.writeVarUint(e, SYNC.step1);
  encoding.writeVarUint8Array(e, Y.encodeStateVector(doc));
  return encoding.toUint8Array(e);
}

export function encodeSyncStep2(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE.sync);
  encoding.writeVarUint(e, SYNC.step2);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

export function encodeUpdate(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE.sync);
  encoding.writeVarUint(e, SYNC.update);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

export function encodeAwareness(awareness: awarenessProtocol.Awareness, clients: number[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE.awareness);
  encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(awareness, clients));
  return encoding.toUint8Array(e);
}

export function encodeSaved(count: number): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE.saved);
  encoding.writeVarUint(e, count);
  return encoding.toUint8Array(e);
}

/** A decoded client frame. Decoding is strict: trailing bytes make a frame malformed. */
export type ClientMessage =
  | { type: 'sync-step1'; stateVector: Uint8Array }
  | { type: 'sync-step2'; update: Uint8Array }
  | { type: 'sync-update'; update: Uint8Array }
  | { type: 'awareness'; update: Uint8Array }
  | { type: 'query-awareness' }
  | { type: 'subscribe-saved' };

export class MalformedMessage extends Error {}

export function decodeClientMessage(data: Uint8Array): ClientMessage {
  if (data.byteLength === 0) throw new MalformedMessage('empty frame');
  const d = decoding.createDecoder(data);
  let message: ClientMessage;
  try {
    const type = decoding.readVarUint(d);
    switch (type) {
      case MESSAGE.sync: {
        const sub = decoding.readVarUint(d);
        const payload = decoding.readVarUint8Array(d);
        if (sub === SYNC.step1) message = { type: 'sync-step1', stateVector: checkedStateVector(payload) };
        else if (sub === SYNC.step2) message = { type: 'sync-step2', update: payload };
        else if (sub === SYNC.update) message = { type: 'sync-update', update: payload };
        else throw new MalformedMessage(`unknown sync message type ${sub}`);
        break;
      }
      case MESSAGE.awareness:
        message = { type: 'awareness', update: decoding.readVarUint8Array(d) };
        break;
      case MESSAGE.queryAwareness:
        message = { type: 'query-awareness' };
        break;
      case MESSAGE.subscribeSaved:
        message = { type: 'subscribe-saved' };
        break;
      default:
        throw new MalformedMessage(`unknown message type ${type}`);
    }
  } catch (err) {
    if (err instanceof MalformedMessage) throw err;
    throw new MalformedMessage('truncated frame');
  }
  if (decoding.hasContent(d)) throw new MalformedMessage('trailing bytes after message');
  return message;
}

/**
 * A state vector is a count then that many (client, clock) pairs. Checked here, where a bad
 * one is the sender's error, rather than when the reply is encoded (possibly later).
 */
function checkedStateVector(payload: Uint8Array): Uint8Array {
  const d = decoding.createDecoder(payload);
  const entries = decoding.readVarUint(d);
  for (let i = 0; i < entries; i++) {
    const client = decoding.readVarUint(d);
    const clock = decoding.readVarUint(d);
    if (!Number.isSafeInteger(client) || !Number.isSafeInteger(clock)) {
      throw new MalformedMessage('state vector entry out of range');
    }
  }
  if (decoding.hasContent(d)) throw new MalformedMessage('trailing bytes after state vector');
  return payload;
}
