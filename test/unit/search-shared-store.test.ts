/**
 * The search index when several instances share one store (SearchIndex `sharedStore`):
 * two indexes on one SQLite store, as two instances on one PostgreSQL. One is fed by its
 * rooms' commits; the other hears of none of them and catches up from the store's log
 * when it is searched. Each index runs its real worker thread.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { pointText } from '@parley/shared/model';
import { createLogger } from '../../server/src/logger.ts';
import { SqliteStorage } from '../../server/src/persistence/sqlite/SqliteStorage.ts';
import type { Storage, StoredLog } from '../../server/src/persistence/Storage.ts';
import { SEARCH_INDEX_FILE } from '../../server/src/search/IndexTables.ts';
import { SearchIndex } from '../../server/src/search/SearchIndex.ts';
import { seededBoard } from './helpers.ts';

const log = createLogger({ logLevel: 'silent', logFormat: 'json' });
const dirs: string[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-shared-index-'));
  dirs.push(dir);
  return dir;
}

function openStore(): SqliteStorage {
  const store = new SqliteStorage(tempDir());
  cleanups.push(() => store.close());
  return store;
}

/** The store as one instance's index sees it, counting what that index reads of it (entries, whole logs). */
function counting(store: Storage) {
  const reads = { entries: 0, wholeLogs: 0 };
  const counted = Object.create(store) as Storage;
  counted.loadLog = async (doc: string) => {
    reads.wholeLogs++;
    return store.loadLog(doc);
  };
  counted.readLog = async function* (doc: string, pageSize: number, afterSeq?: number): AsyncIterable<StoredLog> {
    for await (const page of store.readLog(doc, pageSize, afterSeq)) {
      reads.entries += page.updates.length;
      yield page;
    }
  };
  return { store: counted, reads };
}

async function startIndex(store: Storage, dataDir = tempDir(), sharedStore = true): Promise<SearchIndex> {
  const index = new SearchIndex(store, log, dataDir, { sharedStore });
  await index.start();
  cleanups.push(() => index.close());
  return index;
}

/** A board whose first point's body the tests type into, committed to the store like a room does. */
async function boardIn(store: Storage, id: string) {
  const { doc, points } = seededBoard();
  await store.createBoard(id, `Board ${id}`, Y.encodeStateAsUpdate(doc));
  const body = pointText(doc, points[0]![0]!, 'body')!;
  return {
    doc,
    /** Appends words to the body, stores the update and tells `via` (the committing instance's index). */
    async type(words: string, via?: SearchIndex) {
      const before = Y.encodeStateVector(doc);
      body.insert(body.length, ` ${words}`);
      const update = Y.encodeStateAsUpdate(doc, before);
      await store.appendUpdates([{ docName: id, update }]);
      via?.committed(id, update);
    },
    /** Replaces the body's text (its old words are gone). */
    async replace(words: string, via?: SearchIndex) {
      const before = Y.encodeStateVector(doc);
      doc.transact(() => {
        body.delete(0, body.length);
        body.insert(0, words);
      });
      const update = Y.encodeStateAsUpdate(doc, before);
      await store.appendUpdates([{ docName: id, update }]);
      via?.committed(id, update);
    },
  };
}

const found = async (index: SearchIndex, boardIds: string[], q: string) =>
  (await index.search(boardIds, q, 10)).map((h) => `${h.boardId}:${h.field}`);

function rowsIn(dataDir: string, boardId: string): number {
  const db = new Database(path.join(dataDir, SEARCH_INDEX_FILE), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM search_entries WHERE board_id = ?').get(boardId) as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('the search index on a store other instances share', () => {
  it('XSEARCH9: an index whose instance commits nothing of a board finds what another instance committed at once, by reading only the entries after those it holds, across a compaction, and the other way round; without sharedStore it would not', async () => {
    const store = openStore();
    const { store: seenByB, reads } = counting(store);
    const board = await boardIn(store, 'b');
    const a = await startIndex(store);
    const b = await startIndex(seenByB);
    const single = await startIndex(store, tempDir(), false);
    // Each indexes the board from its whole log first.
    for (const index of [a, b, single]) expect(await found(index, ['b'], 'S1')).toEqual(['b:title']);

    await board.type('amberline', a);
    expect(await found(b, ['b'], 'amberline')).toEqual(['b:body']);
    expect(await found(a, ['b'], 'amberline')).toEqual(['b:body']);
    // The problem this solves: an index told of no commit never finds the word.
    expect(await found(single, ['b'], 'amberline')).toEqual([]);

    await board.type('cobaltreef', b);
    expect(await found(a, ['b'], 'cobaltreef')).toEqual(['b:body']);

    // Only what is new is read, then nothing when nothing changed. (Its own commit is read
    // again: the store does not say which instance wrote an entry.)
    let before = { ...reads };
    await board.type('duskmoor', a);
    expect(await found(b, ['b'], 'duskmoor')).toEqual(['b:body']);
    expect(reads).toEqual({ entries: before.entries + 2, wholeLogs: before.wholeLogs });
    before = { ...reads };
    expect(await found(b, ['b'], 'duskmoor amberline cobaltreef')).toEqual(['b:body']);
    expect(reads).toEqual(before);

    // A compaction replaces the entries b had read and those it had not with one state,
    // after them all: reading after what b held reads the state, which holds everything.
    await board.type('emberglow', a);
    const full = await store.loadLog('b');
    await store.compact('b', Y.encodeStateAsUpdate(board.doc), full.lastSeq);
    await board.replace('frostvale only', a);
    expect(await found(b, ['b'], 'emberglow')).toEqual([]);
    expect(await found(b, ['b'], 'frostvale')).toEqual(['b:body']);
    expect(await found(b, ['b'], 'amberline')).toEqual([]);
    expect(await found(a, ['b'], 'frostvale')).toEqual(['b:body']);
  }, 60_000);

  it('XSEARCH10: a board deleted by another instance is not found and its rows leave the index; an index started again reads only the entries committed while it was stopped', async () => {
    const store = openStore();
    const { store: seenByB, reads } = counting(store);
    const kept = await boardIn(store, 'k');
    const gone = await boardIn(store, 'g');
    const a = await startIndex(store);
    const bDir = tempDir();
    let b = await startIndex(seenByB, bDir);
    await gone.type('glasswing', a);
    expect(await found(b, ['k', 'g'], 'glasswing')).toEqual(['g:body']);
    expect(rowsIn(bDir, 'g')).toBeGreaterThan(0);

    // Instance A deletes the board; B hears nothing of it but that it has no entries left.
    await store.deleteBoard('g');
    a.removed('g');
    expect(await found(b, ['k', 'g'], 'glasswing')).toEqual([]);
    expect(await found(b, ['k'], 'S1')).toEqual(['k:title']);
    expect(rowsIn(bDir, 'g')).toBe(0);

    // B stops; A's instance commits meanwhile; B starts on its index again.
    await kept.type('harrowgate', a);
    expect(await found(b, ['k'], 'harrowgate')).toEqual(['k:body']);
    await b.close();
    await kept.type('ironbark', a);
    await kept.replace('junipero lanternfish', a);
    const before = { ...reads };
    b = await startIndex(seenByB, bDir);
    expect(await found(b, ['k'], 'junipero lanternfish')).toEqual(['k:body']);
    expect(await found(b, ['k'], 'harrowgate')).toEqual([]);
    expect(await found(b, ['k'], 'ironbark')).toEqual([]);
    expect(reads, 'the two entries, not the whole log').toEqual({
      entries: before.entries + 2,
      wholeLogs: before.wholeLogs,
    });
  }, 60_000);
});
