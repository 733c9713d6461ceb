import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { listPoints, pointText, type StakeholderId, type UserId } from '@parley/shared/model';
import type { Principal } from '@parley/shared/permissions';
import { CLOSE } from '@parley/shared/protocol';
import { buildDemoState } from '../../server/src/seed/createDemoBoard.ts';
import { encodeUpdate } from '../../server/src/collab/codec/messageCodec.ts';
import { closeCode, roomHarness, savedAcks } from '../helpers/room.ts';

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
 * event-loop turn for certain (over the network they may or may not). In-memory sockets and
 * store (held to SQLite's contract in storage-contract.test.ts): only the network is taken out.
 */
describe('a turn of edits (unit: server/src/collab/room/DocRoom.ts, in-memory sockets and store)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("EDIT2 edits from several connections in one turn share one transaction but are guarded alone: an observer's update between an editor's edits is refused (4403) and the editor's are all applied, stored and acknowledged", async () => {
    const h = await roomHarness(buildDemoState());
    cleanups.push(h.close);
    const room = h.room;
    const person = (role: Principal['role'], stakeholderId: string | null): Principal => ({
      userId: `u-${role}` as UserId,
      name: role,
      role,
      stakeholderId: stakeholderId as StakeholderId | null,
    });
    const editor = await h.connect(person('editor', 'us'));
    const observer = await h.connect(person('observer', null));
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

    await h.persist.flush();
    expect(body().startsWith('[e3] [e2] [e1] ')).toBe(true);
    expect(body()).not.toContain('[forbidden]');
    expect(await closeCode(observer)).toBe(CLOSE.forbiddenUpdate);
    // Stored: a fresh load of the log has the editor's edits and not the observer's.
    const stored = new Y.Doc();
    for (const u of await h.storedLog()) Y.applyUpdate(stored, u);
    expect(pointText(stored, p!.id, 'body')!.toString().startsWith('[e3] [e2] [e1] ')).toBe(true);
    // Acknowledged: all three of the editor's messages, counted in the order sent.
    await expect.poll(() => savedAcks(editor).at(-1)).toBe(3);
  });
});
