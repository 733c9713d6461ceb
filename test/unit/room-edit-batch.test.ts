import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import * as Y from 'yjs';
import { listPoints, pointText, type StakeholderId, type UserId } from '@parley/shared/model';
import type { Principal } from '@parley/shared/permissions';
import { CLOSE, MESSAGE, parseDocName } from '@parley/shared/protocol';
import { createLogger } from '../../server/src/logger.ts';
import { DocRoom } from '../../server/src/collab/room/DocRoom.ts';
import { Connection } from '../../server/src/collab/endpoint/Connection.ts';
import { wsRoomSocket } from '../../server/src/collab/endpoint/RoomSocket.ts';
import { buildDemoState } from '../../server/src/seed/createDemoBoard.ts';
import { encodeUpdate } from '../../server/src/collab/codec/messageCodec.ts';
import { PersistQueue } from '../../server/src/persistence/PersistQueue.ts';
import { SqliteStorage } from '../../server/src/persistence/sqlite/SqliteStorage.ts';

/** The update one local edit on `doc` produces. */
function editOf(doc: Y.Doc, edit: () => void): Uint8Array {
  let out: Uint8Array | null = null;
  const take = (u: Uint8Array) => (out = u);
  doc.on('update', take);
  edit();
  doc.off('update', take);
  return out!;
}

/**
 * The room on its own, fed frames directly so that several connections' edits land in one
 * event-loop turn for certain (over the network they may or may not). Real sockets, a real
 * store: only the timing is taken out of the network's hands.
 */
describe('a turn of edits (unit: server/src/collab/room/DocRoom.ts)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("EDIT2 edits from several connections in one turn share one transaction but are guarded alone: an observer's update between an editor's edits is refused (4403) and the editor's are all applied, stored and acknowledged", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-batch-'));
    const storage = new SqliteStorage(dataDir);
    await storage.createBoard('demo', 'Demo', buildDemoState());
    const log = createLogger({ logLevel: 'silent', logFormat: 'json' });
    const persist = new PersistQueue(storage, log, 0);
    const room = await DocRoom.load('demo', parseDocName('demo')!, {
      storage,
      persist,
      log,
      compactThreshold: 500,
      relayFramesPerSecond: 0,
    });
    const wss = new WebSocketServer({ port: 0 });
    cleanups.push(async () => {
      room.destroy();
      await persist.close();
      await storage.close();
      wss.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    const accepted: WebSocket[] = [];
    wss.on('connection', (s) => accepted.push(s));
    const port = (wss.address() as AddressInfo).port;

    /** A connection as the endpoint makes one, and the client end of its socket. */
    const connect = async (principal: Principal) => {
      const client = new WebSocket(`ws://127.0.0.1:${port}`);
      await new Promise((resolve) => client.once('open', resolve));
      while (accepted.length === 0) await new Promise((r) => setTimeout(r, 5));
      const conn = new Connection(principal.userId, wsRoomSocket(accepted.shift()!), '127.0.0.1', {
        messagesPerSecond: 1000,
        messageBurst: 1000,
      });
      conn.access = { principal, sessionId: null };
      conn.initialSyncDone = true;
      room.addConnection(conn);
      cleanups.push(() => client.terminate());
      const closed = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)));
      return { conn, client, closed };
    };
    const person = (role: Principal['role'], stakeholderId: string | null): Principal => ({
      userId: `u-${role}` as UserId,
      name: role,
      role,
      stakeholderId: stakeholderId as StakeholderId | null,
    });
    const editor = await connect(person('editor', 'us'));
    const observer = await connect(person('observer', null));
    const saved: number[] = [];
    editor.client.on('message', (data: Buffer) => {
      if (data[0] === MESSAGE.saved) saved.push(data[1]!);
    });
    editor.conn.wantsSavedAcks = true;

    // The editor's and observer's replicas, as synced clients would hold them.
    const replica = () => {
      const d = new Y.Doc();
      Y.applyUpdate(d, Y.encodeStateAsUpdate(room.doc));
      return d;
    };
    const editorDoc = replica();
    const observerDoc = replica();
    const [p] = listPoints(editorDoc);
    const type = (doc: Y.Doc, text: string) =>
      encodeUpdate(editOf(doc, () => pointText(doc, p!.id, 'body')!.insert(0, text)));
    const e1 = type(editorDoc, '[e1] ');
    const forbidden = type(observerDoc, '[forbidden] ');
    const e2 = type(editorDoc, '[e2] ');
    const e3 = type(editorDoc, '[e3] ');

    // All in one turn.
    room.handleMessage(editor.conn, e1);
    room.handleMessage(observer.conn, forbidden);
    room.handleMessage(editor.conn, e2);
    room.handleMessage(editor.conn, e3);
    const body = () => pointText(room.doc, p!.id, 'body')!.toString();
    expect(body(), 'nothing is applied before the turn ends').not.toContain('[e1]');

    await persist.flush();
    expect(body().startsWith('[e3] [e2] [e1] ')).toBe(true);
    expect(body()).not.toContain('[forbidden]');
    expect(await observer.closed).toBe(CLOSE.forbiddenUpdate);
    // Stored: a fresh load of the log has the editor's edits and not the observer's.
    const stored = new Y.Doc();
    for (const u of (await storage.loadLog('demo')).updates) Y.applyUpdate(stored, u);
    expect(pointText(stored, p!.id, 'body')!.toString().startsWith('[e3] [e2] [e1] ')).toBe(true);
    // Acknowledged: all three of the editor's messages, counted in the order sent.
    await expect.poll(() => saved.at(-1)).toBe(3);
  });
});
