import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { listPoints, pointText, type StakeholderId, type UserId } from '@parley/shared/model';
import type { Principal } from '@parley/shared/permissions';
import { CLOSE } from '@parley/shared/protocol';
import type { DocRoom } from '../../server/src/collab/room/DocRoom.ts';
import { buildDemoState } from '../../server/src/seed/createDemoBoard.ts';
import { encodeSyncStep2, encodeUpdate } from '../../server/src/collab/codec/messageCodec.ts';
import { closeCode, roomHarness, savedAcks } from '../helpers/room.ts';

const editor: Principal = {
  userId: 'u-editor' as UserId,
  name: 'Editor',
  role: 'editor',
  stakeholderId: 'us' as StakeholderId,
};

/**
 * The paths where Yjs itself throws while applying an update the guard allowed: a turn's
 * batch (edits already applied before it, their client ids already claimed) and a sync
 * step 2 applied alone. A throwing `beforeTransaction` listener stands in for a Yjs failure
 * inside `Y.applyUpdate` / `Y.transact`.
 */
describe('a room fails closed when applying throws (unit: DocRoom on the in-memory store)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setUp() {
    const failures: DocRoom[] = [];
    const h = await roomHarness(buildDemoState(), { onFailure: (r) => failures.push(r) });
    cleanups.push(h.close);
    const room = h.room;
    const connect = async () => {
      const connection = await h.connect(editor);
      connection.conn.wantsSavedAcks = true;
      return { ...connection, acks: () => savedAcks(connection) };
    };
    const replica = new Y.Doc();
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(room.doc));
    const [p] = listPoints(replica);
    const edit = (word: string) => {
      const before = Y.encodeStateVector(replica);
      pointText(replica, p!.id, 'body')!.insert(0, `${word} `);
      return Y.encodeStateAsUpdate(replica, before);
    };
    const stored = async () => {
      await h.persist.flush();
      const doc = new Y.Doc();
      for (const u of await h.storedLog()) Y.applyUpdate(doc, u);
      return pointText(doc, p!.id, 'body')!.toString();
    };
    /** Makes the next transaction on the room's doc throw, once. */
    const failNextTransaction = () => {
      const boom = () => {
        room.doc.off('beforeTransaction', boom);
        throw new Error('injected failure inside Yjs');
      };
      room.doc.on('beforeTransaction', boom);
    };
    return { room, connect, edit, stored, failures, failNextTransaction, persist: h.persist };
  }

  it('SAVE5: a sync step 2 whose apply throws is never acknowledged; every connection is closed (1011) and the room asks to be reloaded', async () => {
    const t = await setUp();
    const writer = await t.connect();
    const other = await t.connect();
    writer.conn.initialSyncDone = false;
    t.room.handleMessage(other.conn, encodeUpdate(t.edit('stored-first')));
    await t.persist.flush();
    t.failNextTransaction();
    t.room.handleMessage(writer.conn, encodeSyncStep2(t.edit('never-stored')));
    expect(await closeCode(writer)).toBe(CLOSE.internalError);
    expect(await closeCode(other)).toBe(CLOSE.internalError);
    expect(t.failures).toEqual([t.room]);
    expect(t.room.isDestroyed).toBe(true);
    const text = await t.stored();
    expect(text).toContain('stored-first');
    expect(text).not.toContain('never-stored');
    expect(writer.acks()).toEqual([]);
  });

  it("SAVE5: a turn's batch of two writers' edits whose transaction throws acknowledges none of them and stores none", async () => {
    const t = await setUp();
    const a = await t.connect();
    const b = await t.connect();
    t.room.handleMessage(a.conn, encodeUpdate(t.edit('acked-before')));
    await t.persist.flush();
    await expect.poll(() => a.acks().at(-1)).toBe(1);
    // Two writers' edits in one turn; the batch's transaction throws.
    t.room.handleMessage(a.conn, encodeUpdate(t.edit('batch-a')));
    t.room.handleMessage(b.conn, encodeUpdate(t.edit('batch-b')));
    t.failNextTransaction();
    t.room.settle();
    expect(await closeCode(a)).toBe(CLOSE.internalError);
    expect(await closeCode(b)).toBe(CLOSE.internalError);
    expect(t.failures).toEqual([t.room]);
    const text = await t.stored();
    expect(text).toContain('acked-before');
    expect(text).not.toContain('batch-a');
    expect(text).not.toContain('batch-b');
    expect(a.acks()).toEqual([1]);
    expect(b.acks()).toEqual([]);
  });
});
