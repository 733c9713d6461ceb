import type { Socket } from 'node:net';
import * as decoding from 'lib0/decoding';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { listPoints, pointText, type StakeholderId, type UserId } from '@parley/shared/model';
import { MESSAGE, SYNC } from '@parley/shared/protocol';
import { connectClient, waitFor, type StockClient } from '../helpers/clients.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { mintToken } from '../helpers/tokens.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A room of `size` stock clients; the first writes, the second counts the frames it applies. */
async function crowdedRoom(server: RunningServer, size: number) {
  const clients: StockClient[] = [];
  for (let i = 0; i < size; i++) {
    const token = await mintToken(server, {
      userId: `u-relay-${i}` as UserId,
      name: `Relay ${i}`,
      stakeholderId: 'us' as StakeholderId,
      role: 'editor',
    });
    clients.push(connectClient(server.wsUrl, 'demo', { token }));
  }
  await Promise.all(clients.map((c) => c.synced));
  return clients;
}

/** Frames from the server that changed the observer's doc (each is one applied update). */
function countFrames(doc: Y.Doc, provider: unknown): () => number {
  let frames = 0;
  doc.on('update', (_u: Uint8Array, origin: unknown) => {
    if (origin === provider) frames++;
  });
  return () => frames;
}

async function typeWords(writer: StockClient, observer: StockClient, words: number, gapMs: number) {
  const [point] = listPoints(writer.doc);
  const body = () => pointText(observer.doc, point!.id, 'body')!.toString();
  const frames = countFrames(observer.doc, observer.provider);
  const started = performance.now();
  for (let i = 0; i < words; i++) {
    pointText(writer.doc, point!.id, 'body')!.insert(0, `w${i} `);
    await sleep(gapMs);
  }
  const typingMs = performance.now() - started;
  await waitFor(() => body().startsWith(`w${words - 1} `), 'the last word to arrive');
  for (let i = 0; i < words; i++) expect(body()).toContain(`w${i} `);
  return { frames: frames(), typingMs };
}

describe('relay pacing (integration: real server, stock y-websocket providers)', () => {
  let server: RunningServer | null = null;
  let clients: StockClient[] = [];
  afterEach(async () => {
    for (const c of clients) c.destroy();
    clients = [];
    await server?.stop();
    server = null;
  });

  it('RELAY4: in a crowded room, commits are relayed together so fan-out stays within the frame budget, and every edit arrives', async () => {
    // 20 connections at 2,000 frames/s: flushes at least 10 ms apart.
    server = await startServer({ env: { PARLEY_RELAY_FRAMES_PER_SECOND: '2000' } });
    clients = await crowdedRoom(server, 20);
    const { frames, typingMs } = await typeWords(clients[0]!, clients[1]!, 30, 3);
    // At most one flush per 10 ms window while typing, and the last one after it; one frame
    // per word (30) would mean no pacing.
    expect(frames).toBeLessThanOrEqual(Math.ceil(typingMs / 10) + 2);
    expect(frames).toBeLessThan(30);
  });

  it('RELAY4: a room within the budget relays each commit at once', async () => {
    server = await startServer();
    clients = await crowdedRoom(server, 20);
    const { frames } = await typeWords(clients[0]!, clients[1]!, 30, 10);
    expect(frames).toBeGreaterThanOrEqual(20);
  });

  it('RELAY5: a burst of edits from one person, read by the server in one turn, is not echoed back to them; the other connection gets them all in one frame', async () => {
    server = await startServer();
    clients = await crowdedRoom(server, 2);
    const [writer, other] = clients as [StockClient, StockClient];
    const updateFramesTo = (c: StockClient) => {
      const frames: Uint8Array[] = [];
      (c.provider.ws as unknown as WebSocket).addEventListener('message', (event: MessageEvent) => {
        const bytes = new Uint8Array(event.data as ArrayBuffer);
        if (bytes[0] === MESSAGE.sync && bytes[1] === SYNC.update) frames.push(bytes);
      });
      return frames;
    };
    const toWriter = updateFramesTo(writer);
    const toOther = updateFramesTo(other);
    const [point] = listPoints(writer.doc);
    const before = Y.encodeStateAsUpdate(other.doc);
    // One burst of twenty frames, written to the socket in one write (corked), so that the
    // server reads them all in one turn; over the network a burst may be split in two.
    const socket = (writer.provider.ws as unknown as { _socket: Socket })._socket;
    socket.cork();
    for (let i = 0; i < 20; i++) pointText(writer.doc, point!.id, 'body')!.insert(0, `b${i} `);
    socket.uncork();
    await waitFor(() => pointText(other.doc, point!.id, 'body')!.toString().startsWith('b19 '), 'the burst to arrive');
    await sleep(100);
    expect({ toWriter: toWriter.length, toOther: toOther.length }, 'update frames after the burst').toEqual({
      toWriter: 0,
      toOther: 1,
    });
    // That one frame holds every edit of the burst: applied alone to the board as it was
    // before, it gives all twenty words.
    const replica = new Y.Doc();
    Y.applyUpdate(replica, before);
    const d = decoding.createDecoder(toOther[0]!);
    decoding.readVarUint(d);
    decoding.readVarUint(d);
    Y.applyUpdate(replica, decoding.readVarUint8Array(d));
    const words =
      pointText(replica, point!.id, 'body')!
        .toString()
        .match(/\bb\d+ /g) ?? [];
    expect(words).toEqual(Array.from({ length: 20 }, (_, i) => `b${19 - i} `));
    replica.destroy();
  });
});
