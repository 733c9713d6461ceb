/**
 * A client that stops reading must not make the server buffer the board for it without
 * bound (RELIABILITY: "slow readers … bounded buffers"). Real server, a raw socket that
 * pauses its reads, and stock y-websocket providers for the people still working.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { listPoints, pointText, type StakeholderId, type UserId } from '@parley/shared/model';
import { CLOSE } from '@parley/shared/protocol';
import { connectClient, waitFor, type StockClient } from '../helpers/clients.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { openRaw, step1Frame, within, type OpenRaw } from '../helpers/security.ts';
import { mintToken } from '../helpers/tokens.ts';

const MAX_BUFFERED = 256 * 1024;
/** Each edit inserts this much text: a few of them fill any socket buffer the kernel has. */
const EDIT_CHARS = 64 * 1024;

describe('slow readers', () => {
  let server: RunningServer;
  const clients: StockClient[] = [];
  const raws: OpenRaw[] = [];

  const editorToken = (n: number) =>
    mintToken(server, {
      userId: `u-slow-${n}` as UserId,
      name: `Slow ${n}`,
      stakeholderId: 'us' as StakeholderId,
      role: 'editor',
    });

  beforeAll(async () => {
    server = await startServer({ env: { PARLEY_MAX_BUFFERED_BYTES: String(MAX_BUFFERED) } });
  });

  afterAll(async () => {
    for (const r of raws) r.ws.terminate();
    for (const c of clients) c.destroy();
    await server?.stop();
  });

  it(`LIMIT6: a client that stops reading is closed with 4408 once over ${MAX_BUFFERED} bytes wait for it; the others get every edit, and it resyncs on return`, async () => {
    const writer = connectClient(server.wsUrl, 'demo', { token: await editorToken(1) });
    const reader = connectClient(server.wsUrl, 'demo', { token: await editorToken(2) });
    clients.push(writer, reader);
    await Promise.all([writer.synced, reader.synced]);

    const slow = openRaw(`${server.wsUrl}/yjs/demo?token=${await editorToken(3)}`);
    raws.push(slow);
    await slow.opened;
    slow.ws.send(step1Frame(new Y.Doc()));
    await waitFor(() => slow.frames.length >= 2, "the slow client's sync");
    // From here on it reads nothing: the kernel's buffers fill, then the server's.
    slow.ws.pause();

    const [point] = listPoints(writer.doc);
    const body = (doc: Y.Doc) => pointText(doc, point!.id, 'body')!;
    const edits = 200;
    for (let i = 0; i < edits; i++) {
      body(writer.doc).insert(0, `<${i}>${'x'.repeat(EDIT_CHARS)}`);
      await new Promise((r) => setTimeout(r, 2));
    }
    await waitFor(
      () =>
        body(reader.doc)
          .toString()
          .startsWith(`<${edits - 1}>`),
      'the last edit at the reader',
      30_000,
    );
    for (let i = 0; i < edits; i++) expect(body(reader.doc).toString()).toContain(`<${i}>`);

    // Reading again, the slow client finds its backlog cut short by the close frame: far
    // less than the 12 MiB the board sent everyone else.
    const framesBefore = slow.frames.length;
    slow.ws.resume();
    const closed = await within(slow.closed, 35_000, 'the slow client to be closed');
    expect(closed.code).toBe(CLOSE.tooSlow);
    const received = slow.frames.slice(framesBefore).reduce((n, f) => n + f.byteLength, 0);
    expect(received).toBeLessThan((edits * EDIT_CHARS) / 2);

    // The same person comes back with a stock client and has everything.
    const back = connectClient(server.wsUrl, 'demo', { token: await editorToken(3) });
    clients.push(back);
    await back.synced;
    expect(body(back.doc).toString()).toBe(body(writer.doc).toString());
    expect(writer.provider.wsconnected && reader.provider.wsconnected).toBe(true);
  });
});
