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

  it('STORE4 an update and the client-id owners it claims are stored in one commit, or neither is', async () => {
    const store = open();
    await store.createBoard('b', 'Board', edit(1, 'seed'));
    await store.appendUpdates([{ docName: 'b', update: edit(7, 'mine'), owners: new Map([[7, 'u-7']]) }]);
    expect((await store.loadClientOwners('b')).get(7)).toBe('u-7');
    expect((await store.loadLog('b')).updates).toHaveLength(2);

    // The second entry is not a blob, so the STRICT table refuses it: the whole batch fails.
    const bad = [
      { docName: 'b', update: edit(8, 'lost'), owners: new Map([[8, 'u-8']]) },
      { docName: 'b', update: 'not bytes' as unknown as Uint8Array },
    ];
    await expect(store.appendUpdates(bad)).rejects.toThrow();
    expect((await store.loadClientOwners('b')).has(8)).toBe(false);
    expect((await store.loadLog('b')).updates).toHaveLength(2);
    await store.close();
  });

  it('STORE5 a log reads in pages of at most the page size, in order; compaction replaces the entries up to a sequence number with one state and keeps later ones', async () => {
    const store = open();
    await store.createBoard('b', 'Board', edit(1, 'seed'));
    // One writer typing 12,000 words, one log entry each.
    const writer = new Y.Doc();
    const words: Uint8Array[] = [];
    writer.on('update', (u: Uint8Array) => words.push(u));
    for (let i = 0; i < 12_000; i++) writer.getText('t').insert(writer.getText('t').length, `w${i}`);
    await store.appendUpdates(words.map((update) => ({ docName: 'b', update })));
    const pages: number[] = [];
    let lastSeq = 0;
    const doc = new Y.Doc();
    for await (const page of store.readLog('b', 5_000)) {
      expect(page.lastSeq).toBeGreaterThan(lastSeq);
      lastSeq = page.lastSeq;
      pages.push(page.updates.length);
      for (const u of page.updates) Y.applyUpdate(doc, u);
    }
    expect(pages).toEqual([5_000, 5_000, 2_001]);
    expect(doc.getText('t').length).toBe('seed'.length + words.reduce((n, _, i) => n + `w${i}`.length, 0));

    // An entry appended after the state was taken survives compaction.
    await store.appendUpdates([{ docName: 'b', update: edit(99_999, 'late') }]);
    await store.compact('b', Y.encodeStateAsUpdate(doc), lastSeq);
    const log = await store.loadLog('b');
    expect(log.updates).toHaveLength(2);
    const reloaded = new Y.Doc();
    for (const u of log.updates) Y.applyUpdate(reloaded, u);
    expect(reloaded.getText('t').length).toBe(doc.getText('t').length + 'late'.length);
    await store.close();
  });
});
