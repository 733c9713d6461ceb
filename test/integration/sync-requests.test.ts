/**
 * Sync requests (sync step 1) have a budget of their own per connection: answering one
 * costs the server an encode that grows with the board, so a flood of them must not get
 * the 2,000-message burst every connection has (RELIABILITY: "sync-step-1 floods on a
 * large doc: rate-limited; CPU bounded").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import { CLOSE, MESSAGE, SYNC } from '@parley/shared/protocol';
import { connectClient, waitFor, type StockClient } from '../helpers/clients.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { openRaw, syncFrame, tokenFor, within, type OpenRaw } from '../helpers/security.ts';

const BURST = 3;

/** A state vector claiming clock `clock` for client `client`: each one needs its own encode. */
function stateVector(client: number, clock: number): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint(e, client);
  encoding.writeVarUint(e, clock);
  return encoding.toUint8Array(e);
}

describe('sync request budget', () => {
  let server: RunningServer;
  let token = '';
  const raws: OpenRaw[] = [];
  const clients: StockClient[] = [];

  const joined = async () => {
    const r = openRaw(`${server.wsUrl}/yjs/demo?token=${token}`);
    raws.push(r);
    await r.opened;
    await waitFor(() => r.frames.length > 0, 'the join');
    return r;
  };
  const answers = (r: OpenRaw) => r.frames.filter((f) => f[0] === MESSAGE.sync && f[1] === SYNC.step2).length;

  beforeAll(async () => {
    server = await startServer({
      env: { PARLEY_SYNC_REQUEST_BURST: String(BURST), PARLEY_SYNC_REQUESTS_PER_MINUTE: '60' },
    });
    token = (await tokenFor(server, 'observer', null)).token;
  });

  afterAll(async () => {
    for (const r of raws) r.ws.terminate();
    for (const c of clients) c.destroy();
    await server?.stop();
  });

  it(`LIMIT7: with a burst of ${BURST} sync requests, a flood of 50 is closed with 4429 after at most a burst of answers; other connections, and a stock client reconnecting, are served`, async () => {
    const flood = await joined();
    for (let i = 0; i < 50; i++) flood.ws.send(syncFrame(SYNC.step1, stateVector(1_000 + i, i)));
    const closed = await within(flood.closed, 10_000, 'the flood to be closed');
    expect(closed.code).toBe(CLOSE.rateLimited);
    expect(closed.reason).toContain('too many sync requests');
    expect(answers(flood)).toBeGreaterThan(0);
    expect(answers(flood)).toBeLessThanOrEqual(BURST + 1);

    // The budget is per connection: a second one from the same address is answered.
    const polite = await joined();
    polite.ws.send(syncFrame(SYNC.step1, stateVector(7, 1)));
    await waitFor(() => answers(polite) === 1, 'the polite socket to be answered');
    expect(polite.ws.readyState).toBe(polite.ws.OPEN);

    // A stock provider asks once per connection, so reconnecting again and again is fine.
    const stock = connectClient(server.wsUrl, 'demo', { token });
    clients.push(stock);
    let syncs = 0;
    stock.provider.on('sync', (synced: boolean) => synced && syncs++);
    await stock.synced;
    for (let i = 0; i < 2 * BURST; i++) {
      const before = syncs;
      stock.provider.disconnect();
      await waitFor(() => !stock.provider.wsconnected && !stock.provider.wsconnecting, `disconnect ${i + 1}`);
      stock.provider.connect();
      await waitFor(() => syncs > before, `stock reconnect ${i + 1} to sync`);
    }
    expect(stock.provider.wsconnected).toBe(true);
  });
});
