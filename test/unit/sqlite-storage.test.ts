import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { SqliteStorage, type SqliteStorageOptions } from '../../server/src/persistence/sqlite/SqliteStorage.ts';
import { WalCheckpointer } from '../../server/src/persistence/sqlite/WalCheckpointer.ts';

function edit(clientId: number, text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = clientId;
  doc.getText('t').insert(0, text);
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}

describe('SQLite store (unit: server/src/persistence/sqlite/SqliteStorage.ts)', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-store-'));
    dirs.push(dir);
    return dir;
  };
  const open = (options?: SqliteStorageOptions) => new SqliteStorage(tempDir(), options);
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('STORE8 the WAL is checkpointed by a worker, not inside commits, and every entry is still there after reopening', async () => {
    const dir = tempDir();
    const store = new SqliteStorage(dir, { checkpointIntervalMs: 20 });
    // SQLite's own checkpoint (copy and fsync inside a commit) is off on the server's connection.
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    await store.createBoard('b', 'Board', edit(1, 'seed'));
    for (let batch = 0; batch < 30; batch++) {
      await store.appendUpdates(
        Array.from({ length: 50 }, (_, i) => ({ docName: 'b', update: edit(100 + batch * 50 + i, 'x'.repeat(200)) })),
      );
    }
    const deadline = Date.now() + 10_000;
    while (store.checkpointer.checkpointedFrames === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(store.checkpointer.checkpointedFrames).toBeGreaterThan(0);
    await store.close();
    const reopened = new SqliteStorage(dir);
    expect((await reopened.loadLog('b')).updates).toHaveLength(1 + 30 * 50);
    await reopened.close();
  });

  it('NOTIFY15 a data dir from before notifications opens with each board drained up to its history: what happened before them notifies nobody', async () => {
    const dir = tempDir();
    const old = new SqliteStorage(dir);
    await old.createBoard('b', 'Board', edit(1, 'seed'));
    await old.appendUpdates([
      {
        docName: 'b',
        update: edit(2, 'x'),
        history: [
          {
            groupKey: null,
            boardId: 'b',
            pointId: 'p',
            at: 1,
            until: 1,
            actorId: 'u-1',
            actorName: 'Ann',
            actorStakeholderId: null,
            detail: { kind: 'thread', action: 'opened', threadId: 't', excerpt: 'old' },
          },
        ],
      },
    ]);
    // As the store was before notifications: no cursors, no notifications.
    old.db.exec('DROP TABLE notification_cursors; DROP TABLE notifications; DROP TABLE notification_counter');
    await old.close();

    const upgraded = new SqliteStorage(dir);
    const [row] = await upgraded.readBoardActivity('b', null, 1, ['thread']);
    expect(await upgraded.notificationCursor('b')).toBe(row!.seq);
    expect(await upgraded.undrainedBoards(['thread'])).toEqual([]);
    await upgraded.close();
    // Opening again changes nothing.
    const again = new SqliteStorage(dir);
    expect(await again.notificationCursor('b')).toBe(row!.seq);
    await again.close();
  });

  it('STORE8 a checkpoint worker that cannot run reports why, so its owner can hand checkpoints back to SQLite', async () => {
    let failed: (reason: string) => void = () => undefined;
    const reported = new Promise<string>((resolve) => (failed = resolve));
    const checkpointer = new WalCheckpointer(path.join(os.tmpdir(), 'parley-no-such-dir', 'db.sqlite'), failed);
    expect(await reported).toMatch(/open|directory|database/i);
    await checkpointer.close();
  });

  it('STORE8 a checkpoint worker that stops hands checkpoints back to SQLite: the store turns its automatic checkpoint on again and keeps storing', async () => {
    const store = open({ checkpointIntervalMs: 20 });
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    await store.createBoard('b', 'Board', edit(1, 'seed'));
    // Fault injection: the worker thread goes away without an error (killed, out of memory).
    await (store.checkpointer as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    const deadline = Date.now() + 10_000;
    while (store.db.pragma('wal_autocheckpoint', { simple: true }) === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    await store.appendUpdates([{ docName: 'b', update: edit(2, 'after') }]);
    expect((await store.loadLog('b')).updates).toHaveLength(2);
    await store.close();
  });
});
