import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { listPoints, pointText, type StakeholderId, type UserId } from '@parley/shared/model';
import type { Principal } from '@parley/shared/permissions';
import { buildDemoState } from '../../server/src/seed/createDemoBoard.ts';
import { encodeUpdate } from '../../server/src/collab/codec/messageCodec.ts';
import { SYSTEM_OWNER } from '../../server/src/persistence/Storage.ts';
import { roomHarness } from '../helpers/room.ts';

describe('compaction and client-id owners (unit: DocRoom on the in-memory store, and its crash image)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("STORE9: a compaction that stores an edit whose own log entry is still queued also stores its client id's owner, so after a crash its writer may go on writing under that id", async () => {
    const state = buildDemoState();
    // A log longer than the threshold, so the room compacts right after it loads.
    const seed = new Y.Doc();
    Y.applyUpdate(seed, state);
    const [p] = listPoints(seed);
    const log: Uint8Array[] = [];
    for (let i = 0; i < 3; i++) {
      const before = Y.encodeStateVector(seed);
      pointText(seed, p!.id, 'body')!.insert(0, `seed-${i} `);
      log.push(Y.encodeStateAsUpdate(seed, before));
    }
    // A long batch window: the edit below is applied but its log entry is not committed.
    const h = await roomHarness(state, { log, compactThreshold: 1, batchMs: 60_000 });
    cleanups.push(h.close);

    // The compaction waits a timer tick after the load; nothing here yields to the event
    // loop before the edit is applied, so the compacted state holds it.
    const writer: Principal = {
      userId: 'u-writer' as UserId,
      name: 'Writer',
      role: 'editor',
      stakeholderId: 'us' as StakeholderId,
    };
    const { conn } = await h.connect(writer);
    const replica = new Y.Doc();
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(h.room.doc));
    const before = Y.encodeStateVector(replica);
    pointText(replica, p!.id, 'body')!.insert(0, 'queued-edit ');
    h.room.handleMessage(conn, encodeUpdate(Y.encodeStateAsUpdate(replica, before)));
    h.room.settle();
    expect(h.persist.size, 'the edit waits in the queue').toBe(1);

    await h.room.compaction;
    // The process dies here: the queued entry (with the owner claim) never commits.
    const image = h.storage.crashImage();
    const stored = new Y.Doc();
    for (const u of (await image.loadLog('demo')).updates) Y.applyUpdate(stored, u);
    expect(pointText(stored, p!.id, 'body')!.toString(), 'the compaction stored the edit').toContain('queued-edit');
    const owners = await image.loadClientOwners('demo');
    expect(owners.get(replica.clientID)).toBe(writer.userId);
    expect(owners.get(replica.clientID)).not.toBe(SYSTEM_OWNER);
  });
});
