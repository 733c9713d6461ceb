import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { MESSAGE } from '@parley/shared/protocol';
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
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, MESSAGE.subscribeSaved);
    provider.ws?.send(encoding.toUint8Array(e));
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
