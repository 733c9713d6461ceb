import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { listPoints, pointText, type StakeholderId, type UserId } from '@parley/shared/model';
import { RoomRegistry } from '../../server/src/collab/room/RoomRegistry.ts';
import { buildDemoState } from '../../server/src/seed/createDemoBoard.ts';
import { encodeUpdate } from '../../server/src/collab/codec/messageCodec.ts';
import { PersistQueue } from '../../server/src/persistence/PersistQueue.ts';
import { FlakyMemoryStorage } from '../helpers/memoryStorage.ts';
import { memoryConnection, silentLog } from '../helpers/room.ts';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * STORE10: an edit the store could not take yet is never dropped with its room, neither
 * when the room idles out nor on shutdown (SIGTERM closes the registry the same way).
 */
describe('unloading and shutdown while the store fails (unit: RoomRegistry with a failing store)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setUp() {
    const storage = new FlakyMemoryStorage();
    storage.failing = false;
    await storage.createBoard('demo', 'Demo', buildDemoState());
    const persist = new PersistQueue(storage, silentLog, 0);
    const registry = new RoomRegistry({
      storage,
      persist,
      log: silentLog,
      idleMs: 20,
      compactThreshold: 500,
      relayFramesPerSecond: 0,
    });
    cleanups.push(() => storage.close());
    const { conn } = memoryConnection({
      userId: 'u-e' as UserId,
      name: 'E',
      role: 'editor',
      stakeholderId: 'us' as StakeholderId,
    });
    const room = await registry.join('demo', conn);
    const replica = new Y.Doc();
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(room.doc));
    const [p] = listPoints(replica);
    const before = Y.encodeStateVector(replica);
    pointText(replica, p!.id, 'body')!.insert(0, 'kept-through-the-outage ');
    storage.failing = true;
    room.handleMessage(conn, encodeUpdate(Y.encodeStateAsUpdate(replica, before)));
    room.settle();
    const storedText = async () => {
      const doc = new Y.Doc();
      for (const u of (await storage.loadLog('demo')).updates) Y.applyUpdate(doc, u);
      return pointText(doc, p!.id, 'body')!.toString();
    };
    return { storage, registry, persist, room, conn, storedText };
  }

  it('STORE10: a room whose edits the store cannot take yet stays loaded past its idle time, then stores them and unloads when the store recovers', async () => {
    const t = await setUp();
    t.registry.leave(t.room, t.conn);
    await wait(300);
    expect(t.storage.failures).toBeGreaterThan(0);
    expect(t.registry.loadedCount).toBe(1);
    expect(t.room.isDestroyed).toBe(false);
    expect(pointText(t.room.doc, listPoints(t.room.doc)[0]!.id, 'body')!.toString()).toContain(
      'kept-through-the-outage',
    );
    t.storage.failing = false;
    await expect.poll(() => t.registry.loadedCount, { timeout: 10_000 }).toBe(0);
    expect(await t.storedText()).toContain('kept-through-the-outage');
    await t.registry.closeAll();
  });

  it('STORE10: shutting down while the store keeps failing reports the unstored updates instead of claiming success, and confirms none of them', async () => {
    const t = await setUp();
    let confirmed = false;
    void t.persist.flush().then(
      () => (confirmed = true),
      () => undefined,
    );
    await expect(t.registry.closeAll()).rejects.toThrow(/could not store 1 updates on shutdown/);
    expect(confirmed).toBe(false);
    t.storage.failing = false;
    expect(await t.storedText()).not.toContain('kept-through-the-outage');
  }, 20_000);
});
