import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createLogger } from '../../server/src/logger.ts';
import { PersistQueue } from '../../server/src/persistence/PersistQueue.ts';
import { FlakyStorage } from '../helpers/flakyStorage.ts';
import { MemoryStorage } from '../helpers/memoryStorage.ts';

function anUpdate(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('t').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

describe('persist queue (unit: server/src/persistence/PersistQueue.ts)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('STORE7 while the store fails, work before a commit still runs at once, nothing is confirmed and nothing is dropped; when it recovers, the retry stores each update exactly once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-flaky-'));
    dirs.push(dir);
    const storage = new FlakyStorage(dir);
    await storage.createBoard('b', 'Board', anUpdate('seed'));
    const failures: number[] = [];
    const queue = new PersistQueue(storage, createLogger({ logLevel: 'silent', logFormat: 'json' }), 0, {
      committed: () => undefined,
      failed: () => failures.push(1),
    });
    let confirmed = 0;
    queue.enqueue({ docName: 'b', update: anUpdate('first') }).then(() => confirmed++);
    await new Promise((r) => setTimeout(r, 30));
    expect(storage.failures).toBeGreaterThan(0);

    // A turn's edits arrive during the outage: they are applied now, not at the next retry.
    let ranAt = -1;
    const asked = performance.now();
    queue.runBeforeCommit(() => {
      ranAt = performance.now();
      queue.enqueue({ docName: 'b', update: anUpdate('second') }).then(() => confirmed++);
    });
    await new Promise((r) => setImmediate(r));
    expect(ranAt - asked).toBeGreaterThanOrEqual(0);
    expect(ranAt - asked).toBeLessThan(40);
    await new Promise((r) => setTimeout(r, 100));
    expect(confirmed).toBe(0);
    expect(failures.length).toBeGreaterThan(0);

    storage.failing = false;
    const deadline = Date.now() + 10_000;
    while (confirmed < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(confirmed).toBe(2);
    expect((await storage.loadLog('b')).updates).toHaveLength(3);
    await queue.close();
    await storage.close();
  });

  it("SCALE1 a batch the store fences off (another instance claimed one of its boards) drops that board's updates unconfirmed, tells the observer, and commits and confirms the other boards' updates at once", async () => {
    const storage = new MemoryStorage();
    await storage.createBoard('taken', 'Taken', anUpdate('seed'));
    await storage.createBoard('kept', 'Kept', anUpdate('seed'));
    const oldEpoch = await storage.claimBoard('taken');
    const keptEpoch = await storage.claimBoard('kept');
    // Another instance claims `taken` after this one did.
    await storage.claimBoard('taken');
    const fenced: string[][] = [];
    const queue = new PersistQueue(storage, createLogger({ logLevel: 'silent', logFormat: 'json' }), 0, {
      committed: () => undefined,
      failed: () => undefined,
      fenced: (boardIds) => fenced.push([...boardIds]),
    });
    const confirmed: string[] = [];
    queue.runBeforeCommit(() => {
      for (const [docName, epoch] of [
        ['taken', oldEpoch],
        ['kept', keptEpoch],
        ['taken~ua', oldEpoch],
        ['kept', keptEpoch],
      ] as const) {
        void queue
          .enqueue({ docName, update: anUpdate(`${docName}-${confirmed.length}`), epoch })
          .then(() => confirmed.push(docName));
      }
    });
    const deadline = Date.now() + 5_000;
    while (confirmed.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    expect(confirmed).toEqual(['kept', 'kept']);
    expect(fenced).toEqual([['taken']]);
    expect((await storage.loadLog('kept')).updates).toHaveLength(3);
    expect((await storage.loadLog('taken')).updates).toHaveLength(1);
    expect((await storage.loadLog('taken~ua')).updates).toHaveLength(0);
    expect(queue.size).toBe(0);
    await queue.close();
  });
});
