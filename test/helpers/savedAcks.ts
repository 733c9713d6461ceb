import * as decoding from 'lib0/decoding';
import { MESSAGE, subscribeSavedFrame } from '@parley/shared/protocol';
import type { StockClient } from './clients.ts';

/**
 * Subscribes a stock provider to Parley's durable-save acknowledgements (message 100) and
 * records the latest count. Re-subscribes on every (re)connect, as the Parley client does.
 */
export function trackSaved(client: StockClient): { readonly count: () => number } {
  let latest = 0;
  const provider = client.provider;
  provider.messageHandlers[MESSAGE.saved] = (_encoder, decoder) => {
    latest = decoding.readVarUint(decoder);
  };
  const subscribe = () => {
    provider.ws?.send(subscribeSavedFrame());
  };
  provider.on('status', ({ status }: { status: string }) => {
    if (status === 'connected') {
      latest = 0; // counts restart with each connection
      subscribe();
    }
  });
  if (provider.wsconnected) subscribe();
  return { count: () => latest };
}

/** One `saved` frame as a client received it. */
export interface SavedAck {
  /** The cumulative count it carried. */
  readonly count: number;
  /** When it arrived (performance.now()). */
  readonly at: number;
  /** How many update-bearing messages the client had sent on the connection by then. */
  readonly sent: number;
}

/**
 * Every `saved` frame a stock client receives on its first connection, in arrival order,
 * with the number of update-bearing messages (sync step 2 and update) it had sent by then,
 * and when each of those was sent. Call it right after `connectClient`, before the socket
 * opens, so the sync step 2 the provider sends on connect is counted. Subscribes on connect.
 */
export function savedLog(client: StockClient): {
  readonly acks: readonly SavedAck[];
  readonly sentAt: readonly number[];
} {
  const provider = client.provider;
  const ws = provider.ws;
  if (!ws || provider.wsconnected) throw new Error('savedLog must see the connection from its start');
  const acks: SavedAck[] = [];
  const sentAt: number[] = [];
  const send = ws.send.bind(ws) as (data: Uint8Array) => void;
  (ws as unknown as { send: (data: Uint8Array) => void }).send = (data: Uint8Array) => {
    const d = decoding.createDecoder(data instanceof Uint8Array ? data : new Uint8Array(data as ArrayBuffer));
    if (decoding.readVarUint(d) === MESSAGE.sync) {
      const syncType = decoding.readVarUint(d);
      if (syncType === 1 || syncType === 2) sentAt.push(performance.now());
    }
    send(data);
  };
  provider.messageHandlers[MESSAGE.saved] = (_encoder, decoder) => {
    acks.push({ count: decoding.readVarUint(decoder), at: performance.now(), sent: sentAt.length });
  };
  let subscribed = false;
  provider.on('status', ({ status }: { status: string }) => {
    if (status !== 'connected' || subscribed) return;
    subscribed = true;
    send(subscribeSavedFrame());
  });
  return { acks, sentAt };
}
