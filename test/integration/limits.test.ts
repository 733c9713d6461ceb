/**
 * Per-IP connection caps, per-connection message rates and the pre-auth byte budget, on a
 * server started with small limits. (The auth timeout is not tested: authentication and
 * joining finish in milliseconds, so a test could not tell the timer from any other close.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CLOSE, MESSAGE, SYNC } from '@parley/shared/protocol';
import { connectClient, waitFor, type StockClient } from '../helpers/clients.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import {
  awarenessFrame,
  awarenessUpdate,
  openRaw,
  queryAwarenessFrame,
  step1Frame,
  stubbornSocket,
  tokenFor,
  within,
  type OpenRaw,
} from '../helpers/security.ts';

const MAX_PER_IP = 5;
const RATE = 5;
const BURST = 10;
const MAX_QUEUED = 1024;

describe('limits', () => {
  let server: RunningServer;
  let token = '';
  const raws: OpenRaw[] = [];
  const clients: StockClient[] = [];

  const open = () => {
    const r = openRaw(`${server.wsUrl}/yjs/demo?token=${token}`);
    raws.push(r);
    return r;
  };
  /** Open and joined: the server's sync step 1 arrived. */
  const joined = async () => {
    const r = open();
    await r.opened;
    await waitFor(() => r.frames.length > 0, 'the join');
    return r;
  };
  const step2Answers = (r: OpenRaw) => r.frames.filter((f) => f[0] === MESSAGE.sync && f[1] === SYNC.step2).length;
  const serverConnections = async () =>
    ((await (await fetch(`${server.url}/healthz`)).json()) as { connections: number }).connections;
  /** Closes every socket this file opened and waits until the server has let go of them. */
  const releaseAll = async () => {
    for (const r of raws.splice(0)) r.ws.close();
    for (const c of clients.splice(0)) c.destroy();
    let count = -1;
    const deadline = Date.now() + 10_000;
    while ((count = await serverConnections()) !== 0) {
      if (Date.now() > deadline) throw new Error(`the server still counts ${count} connections`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  beforeAll(async () => {
    server = await startServer({
      env: {
        PARLEY_MAX_CONNECTIONS_PER_IP: String(MAX_PER_IP),
        PARLEY_MESSAGES_PER_SECOND: String(RATE),
        PARLEY_MESSAGE_BURST: String(BURST),
        PARLEY_MAX_QUEUED_BYTES: String(MAX_QUEUED),
        // LIMIT2's polite traffic is sync requests, which have a smaller budget of their own (LIMIT7).
        PARLEY_SYNC_REQUEST_BURST: '100',
      },
    });
    token = (await tokenFor(server, 'observer', null)).token;
  });

  afterAll(async () => {
    for (const r of raws) r.ws.terminate();
    for (const c of clients) c.destroy();
    await server?.stop();
  });

  it(`LIMIT1: with ${MAX_PER_IP} connections per address, the next socket is closed with 4429 and the first ones stay open`, async () => {
    const first: OpenRaw[] = [];
    for (let i = 0; i < MAX_PER_IP; i++) first.push(await joined());
    const sixth = open();
    expect((await within(sixth.closed, 10_000, 'the sixth socket to be refused')).code).toBe(CLOSE.rateLimited);
    expect(sixth.frames).toHaveLength(0);
    // The first five are still open and still answered.
    for (const r of first) {
      expect(r.ws.readyState).toBe(r.ws.OPEN);
      r.ws.send(step1Frame(new Y.Doc()));
    }
    await waitFor(() => first.every((r) => step2Answers(r) === 1), 'every open socket to be answered');
    // The cap counts open connections: once one closes, a new one is let in.
    first[0]!.ws.close();
    await waitFor(() => first[0]!.ws.readyState === first[0]!.ws.CLOSED, 'the client side close');
    let n = -1;
    const deadline = Date.now() + 10_000;
    while ((n = await serverConnections()) !== MAX_PER_IP - 1) {
      if (Date.now() > deadline) throw new Error(`the server still counts ${n} connections`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const replacement = await joined();
    expect(replacement.ws.readyState).toBe(replacement.ws.OPEN);
    await releaseAll();
  });

  it(`LIMIT2: at ${RATE} messages/s with a burst of ${BURST}, a flood of awareness or query-awareness frames is closed with 4429`, async () => {
    // Within the burst: answered, not closed.
    const polite = await joined();
    for (let i = 0; i < BURST - 1; i++) polite.ws.send(step1Frame(new Y.Doc()));
    await waitFor(() => step2Answers(polite) === BURST - 1, 'the burst to be answered');
    expect(polite.ws.readyState).toBe(polite.ws.OPEN);

    const awarenessFlood = await joined();
    for (let i = 1; i <= 100; i++) {
      awarenessFlood.ws.send(awarenessFrame(awarenessUpdate([{ clientId: 4242, clock: i, state: { i } }])));
    }
    expect((await within(awarenessFlood.closed, 10_000, 'the awareness flood to be closed')).code).toBe(
      CLOSE.rateLimited,
    );

    const queryFlood = await joined();
    for (let i = 0; i < 100; i++) queryFlood.ws.send(queryAwarenessFrame());
    expect((await within(queryFlood.closed, 10_000, 'the query flood to be closed')).code).toBe(CLOSE.rateLimited);
    // The query flood was cut off: far fewer than 100 answers came back.
    expect(queryFlood.frames.filter((f) => f[0] === MESSAGE.awareness).length).toBeLessThanOrEqual(BURST + 2);

    // The polite socket, on the same board, was not affected.
    polite.ws.send(step1Frame(new Y.Doc()));
    await waitFor(() => step2Answers(polite) === BURST, 'the polite socket to be answered again');
    expect(polite.ws.readyState).toBe(polite.ws.OPEN);
    await releaseAll();
  });

  it(`LIMIT3: more than ${MAX_QUEUED} bytes sent before the board is ready close the socket with 4413, before any data`, async () => {
    // Frames written in the same TCP packet as the upgrade request arrive while the token is
    // still being verified, so they are queued. Each is a valid awareness update the room
    // would accept: only the queue limit can close this socket.
    const state = { focus: { pointId: null }, note: 'x'.repeat(400) };
    const frames = [1, 2, 3].map((clock) => awarenessFrame(awarenessUpdate([{ clientId: 777, clock, state }])));
    expect(frames.reduce((n, f) => n + f.length, 0)).toBeGreaterThan(MAX_QUEUED);
    const sock = stubbornSocket(server.port, `/yjs/demo?token=${token}`, {}, frames);
    try {
      await sock.opened;
      expect(await within(sock.closeFrame, 10_000, 'the queue-limit close')).toBe(CLOSE.tooLarge);
      expect(sock.frames).toHaveLength(0);
    } finally {
      sock.destroy();
    }
    // Control: the same frames sent after the join are accepted.
    const late = await joined();
    for (const f of frames) late.ws.send(f);
    late.ws.send(step1Frame(new Y.Doc()));
    await waitFor(() => step2Answers(late) === 1, 'the control socket to be answered');
    expect(late.ws.readyState).toBe(late.ws.OPEN);
    await releaseAll();
  });

  it(`LIMIT4: one client's awareness updates, within its own rate, do not get a stock client closed for rate`, async () => {
    // A stock y-websocket provider sends every awareness change it receives back to the
    // server (its awareness 'update' handler does not look at the origin). If those echoes
    // count against the receiver's budget, one client's presence traffic within its own
    // limit gets every other stock client closed with 4429, which y-websocket treats as
    // permanent (it stops reconnecting).
    const bystander = connectClient(server.wsUrl, 'demo', { token });
    clients.push(bystander);
    await bystander.synced;
    const closes: number[] = [];
    bystander.provider.on('connection-close', (e: CloseEvent | null) => e && closes.push(e.code));

    const talker = await joined();
    for (let i = 1; i < BURST; i++) {
      talker.ws.send(awarenessFrame(awarenessUpdate([{ clientId: 5151, clock: i, state: { i } }])));
    }
    const stateOf = () => bystander.provider.awareness.getStates().get(5151) as { i?: number } | undefined;
    await waitFor(() => stateOf()?.i === BURST - 1 || closes.length > 0, 'the talker updates to arrive');
    if (closes.length === 0) {
      // A round trip after the echoes: the bystander's own presence must reach the talker.
      bystander.provider.awareness.setLocalStateField('ping', 1);
      const sawPing = () =>
        talker.frames.some((f) => f[0] === MESSAGE.awareness && Buffer.from(f).includes(Buffer.from('"ping":1')));
      await waitFor(() => sawPing() || closes.length > 0, "the bystander's ping");
    }
    expect(talker.ws.readyState, 'the talker stayed within its own rate').toBe(talker.ws.OPEN);
    expect(closes, 'the bystander was closed').toEqual([]);
    await releaseAll();
  });
});
