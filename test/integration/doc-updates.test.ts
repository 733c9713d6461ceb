/**
 * The client's update hub (client/src/lib/sync/doc-updates.ts) against the real server and a
 * stock y-websocket provider: Yjs encodes only this tab's own changes; the server's arrive
 * at the local copy as sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { listPoints, pointText } from '@parley/shared/model';
import { YJS_PATH_PREFIX } from '@parley/shared/protocol';
import { DocUpdates } from '../../client/src/lib/sync/doc-updates.ts';
import { connectClient, waitFor, type StockClient } from '../helpers/clients.ts';
import { tokenFor } from '../helpers/security.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

describe('the client update hub on the real server', () => {
  let server: RunningServer;
  const cleanups: (() => void)[] = [];

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) c();
    await server?.stop();
  });

  it("OPEN1 a page's doc is encoded only for its own changes: the server's sync step 2 and others' edits reach the local copy as the bytes sent, no update listener stays registered after them, and the page's own edits are sent once each", async () => {
    const { token } = await tokenFor(server, 'editor', 'us', 'Hub editor');
    const doc = new Y.Doc();
    const updates = new DocUpdates(doc);
    const received: Uint8Array[] = [];
    const local: Uint8Array[] = [];
    updates.onRemote((u) => received.push(u.slice()));
    updates.onLocal((u) => local.push(u));
    const provider = new WebsocketProvider(`${server.wsUrl}${YJS_PATH_PREFIX}`, 'demo', doc, {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      params: { token },
      disableBc: true,
      connect: false,
    });
    updates.attachProvider(provider);
    provider.connect();
    cleanups.push(() => {
      provider.destroy();
      updates.destroy();
      doc.destroy();
    });
    const other: StockClient = connectClient(server.wsUrl, 'demo', {
      token: (await tokenFor(server, 'editor', 'us')).token,
    });
    cleanups.push(() => other.destroy());
    await Promise.all([new Promise<void>((r) => provider.once('sync', () => r())), other.synced]);
    await waitFor(() => listPoints(doc).length === 28, 'the board to arrive');

    // The copy of what was received alone rebuilds the board: the step 2 came as sent.
    const copy = new Y.Doc();
    for (const u of received) Y.applyUpdate(copy, u);
    expect(Y.encodeStateVector(copy)).toEqual(Y.encodeStateVector(doc));
    copy.destroy();
    // Nothing stays registered that would make Yjs encode the next remote transaction.
    expect(doc._observers.has('update')).toBe(false);
    expect(local).toEqual([]);

    // Another person's edit: received as sent, still nothing encoded.
    const pid = listPoints(other.doc)[0]!.id;
    const before = received.length;
    pointText(other.doc, pid, 'body')!.insert(0, 'theirs ');
    await waitFor(() => pointText(doc, pid, 'body')!.toString().startsWith('theirs '), 'their edit');
    expect(received.length).toBe(before + 1);
    expect(doc._observers.has('update')).toBe(false);

    // This page's edits: each encoded once and sent, so the other client sees them.
    pointText(doc, pid, 'body')!.insert(0, 'mine ');
    pointText(doc, pid, 'title')!.insert(0, 'T ');
    expect(local).toHaveLength(2);
    await waitFor(() => pointText(other.doc, pid, 'body')!.toString().startsWith('mine theirs '), 'my edit to arrive');
    await waitFor(() => pointText(other.doc, pid, 'title')!.toString().startsWith('T '), 'my title edit to arrive');
    expect(received.length).toBe(before + 1);
  });
});
