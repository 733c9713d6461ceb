import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import { CLOSE, MESSAGE, SYNC } from '@parley/shared/protocol';
import { listPoints, pointText, toBoardJson } from '@parley/shared/model';
import { connectClient, rawSession, stateEquals, waitFor } from '../helpers/clients.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { identity, mintToken } from '../helpers/tokens.ts';

function frame(...parts: (number | Uint8Array)[]): Uint8Array {
  const e = encoding.createEncoder();
  for (const p of parts) {
    if (typeof p === 'number') encoding.writeVarUint(e, p);
    else encoding.writeVarUint8Array(e, p);
  }
  return encoding.toUint8Array(e);
}

describe('malformed frames', () => {
  let server: RunningServer;
  let url = '';
  let token = '';
  beforeAll(async () => {
    server = await startServer();
    token = await mintToken(server, identity('owner', 'us'));
    url = `${server.wsUrl}/yjs/demo?token=${token}`;
  });
  afterAll(async () => {
    await server.stop();
  });

  const cases: [string, Uint8Array][] = [
    ['an empty frame', new Uint8Array(0)],
    ['a truncated varint', new Uint8Array([0x80])],
    ['an unknown message type', frame(77)],
    ['an unknown sync type', frame(MESSAGE.sync, 9, new Uint8Array([0]))],
    ['a truncated update length', new Uint8Array([MESSAGE.sync, SYNC.update, 0x20, 1, 2])],
    ['trailing bytes', new Uint8Array([...frame(MESSAGE.queryAwareness), 1, 2, 3])],
    ['a state vector claiming more entries than it holds', frame(MESSAGE.sync, SYNC.step1, new Uint8Array([5, 1, 1]))],
    ['trailing bytes after a state vector', frame(MESSAGE.sync, SYNC.step1, new Uint8Array([1, 1, 1, 7]))],
    ['garbage in an update', frame(MESSAGE.sync, SYNC.update, new Uint8Array([0xff, 0xff, 0xff, 0x0f, 9, 9, 9, 9]))],
  ];

  it.each(cases)('PROTO1: %s closes the connection with the malformed close code', async (_label, bad) => {
    const result = await rawSession(url, [bad]);
    expect(result.closeCode).toBe(CLOSE.malformed);
  });

  it('PROTO2: a text frame is malformed', async () => {
    const result = await new Promise<number>((resolve) => {
      void import('ws').then(({ default: WebSocket }) => {
        const ws = new WebSocket(url);
        ws.on('open', () => ws.send('hello'));
        ws.on('close', (code) => resolve(code));
      });
    });
    expect(result).toBe(CLOSE.malformed);
  });

  it('PROTO3: after bad frames the board is unchanged and other clients keep working', async () => {
    const a = connectClient(server.wsUrl, 'demo', { token });
    const b = connectClient(server.wsUrl, 'demo', { token });
    await Promise.all([a.synced, b.synced]);
    const before = toBoardJson(a.doc);
    for (const [, bad] of cases) await rawSession(url, [bad]);
    const c = connectClient(server.wsUrl, 'demo', { token });
    await c.synced;
    expect(toBoardJson(c.doc)).toEqual(before);
    const [p] = listPoints(a.doc);
    pointText(a.doc, p!.id, 'body')!.insert(0, 'still live ');
    await waitFor(() => stateEquals(a.doc, b.doc) && stateEquals(a.doc, c.doc), 'edits to keep flowing');
    a.destroy();
    b.destroy();
    c.destroy();
  });

  it('PROTO4: a frame larger than the configured maximum is refused', async () => {
    const small = await startServer({ env: { PARLEY_MAX_PAYLOAD: '4096' } });
    try {
      const smallToken = await mintToken(small, identity('owner', 'us'));
      const result = await rawSession(`${small.wsUrl}/yjs/demo?token=${smallToken}`, [
        frame(MESSAGE.sync, SYNC.update, new Uint8Array(10_000)),
      ]);
      expect(result.closeCode).toBe(1009);
    } finally {
      await small.stop();
    }
  });
});
