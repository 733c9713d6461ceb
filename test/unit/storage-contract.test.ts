import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { PostgresStorage } from '../../server/src/persistence/postgres/PostgresStorage.ts';
import { createPool } from '../../server/src/persistence/postgres/pgPool.ts';
import { SqliteStorage } from '../../server/src/persistence/sqlite/SqliteStorage.ts';
import {
  FencedError,
  SYSTEM_OWNER,
  type Storage,
  type StoredNotification,
} from '../../server/src/persistence/Storage.ts';
import { MemoryStorage } from '../helpers/memoryStorage.ts';
import { createDatabase, startPostgres, type RunningPostgres } from '../helpers/services.ts';

function edit(clientId: number, text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = clientId;
  doc.getText('t').insert(0, text);
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}

/** The text a log holds, all its entries applied. */
function textOf(updates: readonly Uint8Array[]): string {
  const doc = new Y.Doc();
  for (const u of updates) Y.applyUpdate(doc, u);
  return doc.getText('t').toString();
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** One private PostgreSQL cluster for this file; each store opened on it gets a database of its own. */
let postgres: Promise<RunningPostgres> | undefined;
const cluster = () => (postgres ??= startPostgres());
const postgresDatabase = async () => createDatabase((await cluster()).url);
/** initdb and a first start take a few seconds on a small machine. */
const POSTGRES_START_MS = 60_000;

/**
 * Every store the server or the tests use: the room unit tests run on MemoryStorage, so it
 * must answer as SQLite does wherever a room depends on the answer.
 */
const stores: { name: string; setUp?: () => Promise<void>; open: () => Promise<Storage> }[] = [
  {
    name: 'SQLite',
    open: async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-store-'));
      dirs.push(dir);
      return new SqliteStorage(dir);
    },
  },
  { name: 'in-memory', open: async () => new MemoryStorage() },
  {
    name: 'PostgreSQL',
    setUp: async () => void (await cluster()),
    open: async () => PostgresStorage.open(await postgresDatabase()),
  },
];

afterAll(async () => {
  await (await postgres?.catch(() => undefined))?.stop();
});

describe.each(stores)(
  'the Storage contract: $name store (unit: server/src/persistence/Storage.ts)',
  ({ setUp, open }) => {
    const opened: Storage[] = [];
    const store = async () => {
      const s = await open();
      opened.push(s);
      return s;
    };
    beforeAll(async () => setUp?.(), POSTGRES_START_MS);
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
    });

    it('STORE4 an update and the client-id owners it claims are stored in one commit, or neither is', async () => {
      const s = await store();
      await s.createBoard('b', 'Board', edit(1, 'seed'));
      await s.appendUpdates([{ docName: 'b', update: edit(7, 'mine'), owners: new Map([[7, 'u-7']]) }]);
      expect((await s.loadClientOwners('b')).get(7)).toBe('u-7');
      expect((await s.loadLog('b')).updates).toHaveLength(2);

      // The second entry is not bytes, so the store refuses it: the whole batch fails.
      const bad = [
        { docName: 'b', update: edit(8, 'lost'), owners: new Map([[8, 'u-8']]) },
        { docName: 'b', update: 'not bytes' as unknown as Uint8Array },
      ];
      await expect(s.appendUpdates(bad)).rejects.toThrow();
      expect((await s.loadClientOwners('b')).has(8)).toBe(false);
      expect((await s.loadLog('b')).updates).toHaveLength(2);
    });

    it('STORE5 a log reads in pages of at most the page size, in order; compaction replaces the entries up to a sequence number with one state and keeps later ones', async () => {
      const s = await store();
      await s.createBoard('b', 'Board', edit(1, 'seed'));
      // One writer typing 12,000 words, one log entry each.
      const writer = new Y.Doc();
      const words: Uint8Array[] = [];
      writer.on('update', (u: Uint8Array) => words.push(u));
      for (let i = 0; i < 12_000; i++) writer.getText('t').insert(writer.getText('t').length, `w${i}`);
      await s.appendUpdates(words.map((update) => ({ docName: 'b', update })));
      const pages: number[] = [];
      let lastSeq = 0;
      const doc = new Y.Doc();
      for await (const page of s.readLog('b', 5_000)) {
        expect(page.lastSeq).toBeGreaterThan(lastSeq);
        lastSeq = page.lastSeq;
        pages.push(page.updates.length);
        for (const u of page.updates) Y.applyUpdate(doc, u);
      }
      expect(pages).toEqual([5_000, 5_000, 2_001]);
      expect(doc.getText('t').length).toBe('seed'.length + words.reduce((n, _, i) => n + `w${i}`.length, 0));

      // An entry appended after the state was taken survives compaction.
      await s.appendUpdates([{ docName: 'b', update: edit(99_999, 'late') }]);
      await s.compact('b', Y.encodeStateAsUpdate(doc), lastSeq);
      const log = await s.loadLog('b');
      expect(log.updates).toHaveLength(2);
      const reloaded = new Y.Doc();
      for (const u of log.updates) Y.applyUpdate(reloaded, u);
      expect(reloaded.getText('t').length).toBe(doc.getText('t').length + 'late'.length);
    });

    it("STORE11 a board is created with its initial state as its log's only entry and that state's client ids owned by no user; creating it again fails and changes nothing", async () => {
      const s = await store();
      expect(await s.boardExists('b')).toBe(false);
      await s.createBoard('b', 'Board', edit(1, 'seed'));
      expect(await s.boardExists('b')).toBe(true);
      expect(textOf((await s.loadLog('b')).updates)).toBe('seed');
      expect(await s.loadClientOwners('b')).toEqual(new Map([[1, SYSTEM_OWNER]]));

      await expect(s.createBoard('b', 'Again', edit(2, 'again'))).rejects.toThrow();
      expect((await s.getBoard('b'))?.title).toBe('Board');
      expect((await s.loadLog('b')).updates).toHaveLength(1);
      expect(await s.loadClientOwners('b')).toEqual(new Map([[1, SYSTEM_OWNER]]));
    });

    it('STORE11 the board catalogue: a summary per board, oldest first, with no stakeholder names until they are set; title, archived and names change only the board named; an unknown board reads as null', async () => {
      const s = await store();
      const now = vi.spyOn(Date, 'now');
      try {
        now.mockReturnValue(2_000);
        await s.createBoard('z', 'Zed', edit(1, 'z'));
        now.mockReturnValue(3_000);
        await s.createBoard('b', 'Bee', edit(1, 'b'));
        await s.createBoard('a', 'Ay', edit(1, 'a'));
      } finally {
        now.mockRestore();
      }
      const fresh = { archived: false, stakeholderNames: null };
      expect(await s.listBoards()).toEqual([
        { id: 'z', title: 'Zed', createdAt: 2_000, ...fresh },
        { id: 'a', title: 'Ay', createdAt: 3_000, ...fresh },
        { id: 'b', title: 'Bee', createdAt: 3_000, ...fresh },
      ]);

      await s.setBoardTitle('a', 'Renamed');
      expect(await s.setBoardArchived('a', true)).toBe(true);
      await s.setBoardStakeholderNames('a', { us: 'Us', them: 'Them' });
      expect(await s.getBoard('a')).toEqual({
        id: 'a',
        title: 'Renamed',
        createdAt: 3_000,
        archived: true,
        stakeholderNames: { us: 'Us', them: 'Them' },
      });
      expect(await s.getBoard('b')).toEqual({ id: 'b', title: 'Bee', createdAt: 3_000, ...fresh });
      expect(await s.setBoardArchived('a', false)).toBe(true);
      expect((await s.getBoard('a'))?.archived).toBe(false);
      // A summary is the caller's own: changing it changes nothing stored.
      const names = (await s.getBoard('a'))!.stakeholderNames as Record<string, string>;
      names['us'] = 'Changed';
      expect((await s.getBoard('a'))?.stakeholderNames).toEqual({ us: 'Us', them: 'Them' });

      expect(await s.getBoard('nope')).toBeNull();
      expect(await s.setBoardArchived('nope', true)).toBe(false);
      await s.setBoardTitle('nope', 'x');
      await s.setBoardStakeholderNames('nope', { us: 'Us' });
      expect(await s.boardExists('nope')).toBe(false);
      expect((await s.listBoards()).map((b) => b.id)).toEqual(['z', 'a', 'b']);
    });

    it("STORE11 deleting a board deletes its catalogue entry and the logs and client-id owners of its doc and its notes docs, and nothing of another board's; deleting it again is false", async () => {
      const s = await store();
      await s.createBoard('b', 'Board', edit(1, 'seed'));
      await s.createBoard('bb', 'Other', edit(1, 'bb-seed'));
      const owned = (client: number) => new Map([[client, `u-${client}`]]);
      await s.appendUpdates([
        { docName: 'b', update: edit(2, 'board'), owners: owned(2) },
        { docName: 'b~us', update: edit(3, 'notes'), owners: owned(3) },
        { docName: 'bb', update: edit(4, 'other board'), owners: owned(4) },
        { docName: 'bb~us', update: edit(5, 'other notes'), owners: owned(5) },
      ]);

      expect(await s.deleteBoard('b')).toBe(true);
      expect(await s.boardExists('b')).toBe(false);
      expect(await s.getBoard('b')).toBeNull();
      for (const doc of ['b', 'b~us']) {
        expect(await s.loadLog(doc)).toEqual({ updates: [], lastSeq: 0 });
        expect(await s.lastSeq(doc)).toBe(0);
        expect((await s.loadClientOwners(doc)).size).toBe(0);
      }
      // A board whose id starts with the deleted one's keeps everything.
      expect((await s.listBoards()).map((b) => b.id)).toEqual(['bb']);
      expect(textOf((await s.loadLog('bb')).updates)).toMatch(/^(?=.*bb-seed)(?=.*other board)/);
      expect(textOf((await s.loadLog('bb~us')).updates)).toBe('other notes');
      expect((await s.loadClientOwners('bb~us')).get(5)).toBe('u-5');

      expect(await s.deleteBoard('b')).toBe(false);
    });

    it('STORE11 a client id keeps the user who first claimed it (in an append or on its own), per document', async () => {
      const s = await store();
      await s.createBoard('b', 'Board', edit(1, 'seed'));
      await s.addClientOwners('b', new Map([[7, 'u-first']]));
      await s.addClientOwners(
        'b',
        new Map([
          [7, 'u-second'],
          [8, 'u-8'],
        ]),
      );
      await s.appendUpdates([
        { docName: 'b', update: edit(8, 'x'), owners: new Map([[8, 'u-other']]) },
        { docName: 'b~us', update: edit(7, 'y'), owners: new Map([[7, 'u-notes']]) },
      ]);
      await s.addClientOwners('b', new Map([[1, 'u-squatter']]));
      expect(await s.loadClientOwners('b')).toEqual(
        new Map([
          [1, SYSTEM_OWNER],
          [7, 'u-first'],
          [8, 'u-8'],
        ]),
      );
      expect(await s.loadClientOwners('b~us')).toEqual(new Map([[7, 'u-notes']]));
      expect((await s.loadClientOwners('nothing-here')).size).toBe(0);
    });

    it("STORE11 lastSeq is the log's last entry's sequence number (0 for none) and grows with every append; a compaction's state comes after what it replaces, so compacting again up to lastSeq leaves one entry", async () => {
      const s = await store();
      expect(await s.lastSeq('b')).toBe(0);
      expect(await s.loadLog('b')).toEqual({ updates: [], lastSeq: 0 });
      for await (const page of s.readLog('b', 10)) expect.unreachable(`a page of an empty log: ${page.updates.length}`);

      await s.createBoard('b', 'Board', edit(1, 'seed'));
      const afterCreate = await s.lastSeq('b');
      expect(afterCreate).toBeGreaterThan(0);
      await s.appendUpdates([
        { docName: 'b', update: edit(2, 'a') },
        { docName: 'other', update: edit(3, 'elsewhere') },
        { docName: 'b', update: edit(4, 'b') },
      ]);
      const afterAppend = await s.lastSeq('b');
      expect(afterAppend).toBeGreaterThan(afterCreate);
      expect((await s.loadLog('b')).lastSeq).toBe(afterAppend);
      expect(textOf((await s.loadLog('other')).updates)).toBe('elsewhere');

      const all = await s.loadLog('b');
      await s.compact('b', Y.mergeUpdates(all.updates), afterAppend);
      const compacted = await s.lastSeq('b');
      expect(compacted, 'the state is a new entry, after every entry it replaced').toBeGreaterThan(afterAppend);
      await s.appendUpdates([{ docName: 'b', update: edit(5, 'c') }]);
      const text = textOf((await s.loadLog('b')).updates);
      await s.compact('b', Y.mergeUpdates((await s.loadLog('b')).updates), await s.lastSeq('b'));
      const log = await s.loadLog('b');
      expect(log.updates).toHaveLength(1);
      expect(textOf(log.updates)).toBe(text);
      expect(log.lastSeq).toBe(await s.lastSeq('b'));
    });

    it('STORE11 lastSeqs answers lastSeq for many documents at once: 0 for a document with no entries (never written, or its board deleted), each one its own after appends and a compaction', async () => {
      const s = await store();
      expect(await s.lastSeqs([])).toEqual(new Map());
      expect(await s.lastSeqs(['b', 'c'])).toEqual(
        new Map([
          ['b', 0],
          ['c', 0],
        ]),
      );
      await s.createBoard('b', 'Board', edit(1, 'seed'));
      await s.createBoard('c', 'Other', edit(2, 'other'));
      await s.appendUpdates([
        { docName: 'b', update: edit(3, 'x') },
        { docName: 'b~us', update: edit(4, 'notes') },
      ]);
      const seqsOf = async (docs: string[]) =>
        new Map(await Promise.all(docs.map(async (d) => [d, await s.lastSeq(d)] as const)));
      const docs = ['b', 'c', 'b~us', 'nothing-here'];
      expect(await s.lastSeqs(docs)).toEqual(await seqsOf(docs));
      expect((await s.lastSeqs(['b'])).get('b')).toBeGreaterThan((await s.lastSeqs(['c'])).get('c')!);
      await s.compact('c', Y.mergeUpdates((await s.loadLog('c')).updates), await s.lastSeq('c'));
      expect(await s.lastSeqs(docs)).toEqual(await seqsOf(docs));
      expect((await s.lastSeqs(['c'])).get('c')).toBeGreaterThan((await s.lastSeqs(['b'])).get('b')!);
      await s.deleteBoard('b');
      expect(await s.lastSeqs(docs)).toEqual(
        new Map([
          ['b', 0],
          ['c', await s.lastSeq('c')],
          ['b~us', 0],
          ['nothing-here', 0],
        ]),
      );
    });

    it('STORE11 what is stored is a copy: changing an appended or a loaded byte array afterwards changes nothing stored', async () => {
      const s = await store();
      const seed = edit(1, 'seed');
      await s.createBoard('b', 'Board', seed);
      const update = edit(2, 'kept');
      await s.appendUpdates([{ docName: 'b', update }]);
      const state = Y.mergeUpdates([seed, update]);
      const expected = Array.from(state);
      const text = textOf([state]);
      expect(text).toContain('kept');
      seed.fill(0);
      update.fill(0);
      const loaded = await s.loadLog('b');
      expect(textOf(loaded.updates)).toBe(text);
      for (const u of loaded.updates) u.fill(0);
      for await (const page of s.readLog('b', 1)) for (const u of page.updates) u.fill(0);
      expect(textOf((await s.loadLog('b')).updates)).toBe(text);

      await s.compact('b', state, await s.lastSeq('b'));
      state.fill(0);
      expect(Array.from((await s.loadLog('b')).updates[0]!)).toEqual(expected);
    });

    it('STORE12 history entries are stored with their update, all or nothing; a grouped entry written again keeps its place and takes the new end and detail; entries page newest first per point; deleting a board deletes its history', async () => {
      const s = await store();
      await s.createBoard('b', 'Board', edit(1, 'seed'));
      await s.createBoard('bb', 'Other', edit(1, 'other'));
      const row = (pointId: string, groupKey: string | null, until: number, before: string, boardId = 'b') => ({
        groupKey,
        boardId,
        pointId,
        at: 1,
        until,
        actorId: 'u-1',
        actorName: 'Ann',
        actorStakeholderId: 'us',
        detail: {
          kind: 'text' as const,
          field: 'body' as const,
          before,
          inserted: until,
          deleted: 0,
          edits: until,
          cause: { kind: 'direct' as const },
        },
      });
      await s.appendUpdates([{ docName: 'b', update: edit(2, 'a'), history: [row('p1', 'g1', 1, 'zero')] }]);
      await s.appendUpdates([
        { docName: 'b', update: edit(3, 'b'), history: [row('p1', null, 2, 'one'), row('p2', null, 2, 'two')] },
        { docName: 'bb', update: edit(4, 'c'), history: [row('p1', null, 2, 'elsewhere', 'bb')] },
      ]);
      // The group grows: same key, a later end.
      await s.appendUpdates([{ docName: 'b', update: edit(2, 'd'), history: [row('p1', 'g1', 3, 'zero')] }]);
      // All or nothing: a batch that fails stores none of its entries.
      await expect(
        s.appendUpdates([
          { docName: 'b', update: edit(5, 'e'), history: [row('p1', null, 9, 'lost')] },
          { docName: 'b', update: 'not bytes' as unknown as Uint8Array },
        ]),
      ).rejects.toThrow();

      const p1 = await s.readPointHistory('b', 'p1', null, 10);
      expect(p1.map((r) => [r.groupKey, r.until, r.detail.kind === 'text' && r.detail.before])).toEqual([
        [null, 2, 'one'],
        ['g1', 3, 'zero'],
      ]);
      expect(p1[1]!.detail).toMatchObject({ edits: 3 });
      expect(p1[0]!.seq).toBeGreaterThan(p1[1]!.seq);
      expect(await s.readPointHistory('b', 'p1', p1[0]!.seq, 10)).toEqual([p1[1]]);
      expect(await s.readPointHistory('b', 'p1', null, 1)).toEqual([p1[0]]);
      expect(await s.nextTextBefore('b', 'p1', 'body', p1[1]!.seq)).toBe('one');
      expect(await s.nextTextBefore('b', 'p1', 'body', p1[0]!.seq)).toBeNull();
      expect(await s.nextTextBefore('b', 'p1', 'title', 0)).toBeNull();

      await s.deleteBoard('b');
      expect(await s.readPointHistory('b', 'p1', null, 10)).toEqual([]);
      expect(await s.readPointHistory('bb', 'p1', null, 10)).toHaveLength(1);
    });

    it("STORE12 a grouped entry written several times in one batch is one entry with the first write's place and start and the last write's end and detail", async () => {
      const s = await store();
      await s.createBoard('b', 'Board', edit(1, 'seed'));
      const row = (groupKey: string | null, at: number, until: number, before: string) => ({
        groupKey,
        boardId: 'b',
        pointId: 'p',
        at,
        until,
        actorId: 'u-1',
        actorName: 'Ann',
        actorStakeholderId: null,
        detail: {
          kind: 'text' as const,
          field: 'title' as const,
          before,
          inserted: until,
          deleted: 0,
          edits: until,
          cause: { kind: 'direct' as const },
        },
      });
      await s.appendUpdates([
        { docName: 'b', update: edit(2, 'a'), history: [row('g', 1, 1, 'first'), row(null, 2, 2, 'between')] },
        { docName: 'b', update: edit(2, 'b'), history: [row('g', 3, 3, 'second'), row('g', 4, 4, 'last')] },
      ]);
      const rows = await s.readPointHistory('b', 'p', null, 10);
      expect(rows.map((r) => [r.groupKey, r.at, r.until, r.detail.kind === 'text' && r.detail.before])).toEqual([
        [null, 2, 2, 'between'],
        ['g', 1, 4, 'last'],
      ]);
      expect(await s.nextTextBefore('b', 'p', 'title', 0)).toBe('last');
    });

    it('STORE13 a version is stored whole with its state and never twice under one id; versions list newest first per board; deleting a board deletes its versions', async () => {
      const s = await store();
      await s.createBoard('b', 'Board', edit(1, 'seed'));
      await s.createBoard('bb', 'Other', edit(1, 'other'));
      const v = (id: string, boardId: string, createdAt: number) => ({
        id,
        boardId,
        name: `Round ${id}`,
        note: '',
        createdBy: 'u-1',
        createdByName: 'Ann',
        createdAt,
      });
      const state = edit(2, 'state');
      await s.createVersion(v('v1', 'b', 10), state);
      await s.createVersion(v('v2', 'b', 20), edit(3, 'later'));
      await s.createVersion(v('v3', 'bb', 15), edit(4, 'elsewhere'));
      await expect(s.createVersion(v('v1', 'b', 30), state)).rejects.toThrow();
      state.fill(0);
      expect((await s.listVersions('b')).map((x) => x.id)).toEqual(['v2', 'v1']);
      const read = await s.readVersion('b', 'v1');
      expect(read?.summary).toEqual(v('v1', 'b', 10));
      expect(textOf([read!.state])).toBe('state');
      expect(await s.readVersion('b', 'v3')).toBeNull();
      await s.deleteBoard('b');
      expect(await s.listVersions('b')).toEqual([]);
      expect(await s.readVersion('b', 'v2')).toBeNull();
      expect((await s.listVersions('bb')).map((x) => x.id)).toEqual(['v3']);
    });

    it("ACTIVITY1 a board's activity is its entries of the kinds asked for across its points, newest first and paged; comment and version entries stay out of a point's history; a version's entry is stored with the version or not at all", async () => {
      const s = await store();
      await s.createBoard('b', 'Board', edit(1, 'seed'));
      await s.createBoard('bb', 'Other', edit(1, 'other'));
      const base = { groupKey: null, at: 5, until: 5, actorId: 'u-1', actorName: 'Ann', actorStakeholderId: 'us' };
      const thread = (boardId: string, pointId: string) => ({
        ...base,
        boardId,
        pointId,
        detail: { kind: 'thread' as const, action: 'opened' as const, threadId: 't1', excerpt: 'hello' },
      });
      const comment = {
        ...base,
        boardId: 'b',
        pointId: 'p1',
        detail: {
          kind: 'comment' as const,
          action: 'posted' as const,
          threadId: 't1',
          commentId: 'c2',
          excerpt: 'reply',
          mentions: ['u-2'],
          participants: ['u-3'],
        },
      };
      const text = {
        ...base,
        boardId: 'b',
        pointId: 'p2',
        detail: {
          kind: 'text' as const,
          field: 'body' as const,
          before: '',
          inserted: 1,
          deleted: 0,
          edits: 1,
          cause: { kind: 'direct' as const },
        },
      };
      await s.appendUpdates([
        { docName: 'b', update: edit(2, 'a'), history: [thread('b', 'p1'), text] },
        { docName: 'bb', update: edit(3, 'b'), history: [thread('bb', 'p1')] },
        { docName: 'b', update: edit(4, 'c'), history: [comment] },
      ]);
      const version = (id: string) => ({
        id,
        boardId: 'b',
        name: `Round ${id}`,
        note: 'n',
        createdBy: 'u-1',
        createdByName: 'Ann',
        createdAt: 9,
      });
      const versionRow = (id: string) => ({
        ...base,
        boardId: 'b',
        pointId: '',
        detail: { kind: 'version' as const, versionId: id, name: `Round ${id}`, note: 'n' },
      });
      await s.createVersion(version('v1'), edit(5, 'state'), versionRow('v1'));
      // A version that is not stored leaves no entry.
      await expect(s.createVersion(version('v1'), edit(5, 'state'), versionRow('v-dup'))).rejects.toThrow();

      const kinds = ['thread', 'comment', 'version'];
      const all = await s.readBoardActivity('b', null, 10, kinds);
      expect(all.map((r) => [r.pointId, r.detail.kind])).toEqual([
        ['', 'version'],
        ['p1', 'comment'],
        ['p1', 'thread'],
      ]);
      expect(all[1]!.detail).toEqual(comment.detail);
      expect(all[0]!.seq).toBeGreaterThan(all[1]!.seq);
      expect(await s.readBoardActivity('b', null, 2, kinds)).toEqual(all.slice(0, 2));
      expect(await s.readBoardActivity('b', all[1]!.seq, 10, kinds)).toEqual([all[2]]);
      expect((await s.readBoardActivity('b', null, 10, ['text'])).map((r) => r.pointId)).toEqual(['p2']);
      // Oldest first after a seq: what the notification drain reads.
      expect(await s.readHistoryAfter('b', all[2]!.seq, 10, kinds)).toEqual([all[1], all[0]]);
      expect(await s.readHistoryAfter('b', 0, 1, kinds)).toEqual([all[2]]);
      // A point's history shows the thread but not the reply or the version.
      expect((await s.readPointHistory('b', 'p1', null, 10)).map((r) => r.detail.kind)).toEqual(['thread']);
      expect(await s.readPointHistory('b', '', null, 10)).toEqual([]);
    });

    it('NOTIFY1 storing notifications moves the board cursor by compare-and-set, all or nothing; an unread notification of the same kind and subject grows, a read one or a sign-off request does not; every change takes a new store-wide seq', async () => {
      const s = await store();
      await s.createBoard('b', 'Board', edit(1, 'seed'));
      await s.createBoard('bb', 'Other', edit(1, 'other'));
      const item = (excerpt: string) => ({ actorId: 'u-9', actorName: 'Bo', at: 1, excerpt });
      const subject = { pointId: 'p1', threadId: 't1', amendmentId: null, versionId: null };
      const reply = (userId: string, excerpt: string) => ({
        userId,
        kind: 'reply' as const,
        subjectKey: 'thread:t1',
        subject,
        item: item(excerpt),
        merge: true,
      });
      expect(await s.notificationCursor('b')).toBe(0);
      const first = await s.storeNotifications('b', 0, 10, [reply('u-1', 'one'), reply('u-2', 'one')], 100);
      expect(first?.map((n) => [n.userId, n.items.map((i) => i.excerpt), n.readAt])).toEqual([
        ['u-1', ['one'], null],
        ['u-2', ['one'], null],
      ]);
      expect(first![1]!.seq).toBeGreaterThan(first![0]!.seq);
      expect(await s.notificationCursor('b')).toBe(10);
      // Another drain read cursor 0 too: it stores nothing.
      expect(await s.storeNotifications('b', 0, 12, [reply('u-1', 'twice')], 101)).toBeNull();
      expect(await s.notificationCursor('b')).toBe(10);

      // u-1's unread notification grows; u-2 read theirs, so a new one starts.
      const read = await s.markNotificationsRead('u-2', ['b'], { ids: [first![1]!.id, 'n_unknown'] }, 150);
      expect(read.read).toEqual([{ id: first![1]!.id, boardId: 'b' }]);
      expect(read.seq).toBeGreaterThan(first![1]!.seq);
      const second = await s.storeNotifications('b', 10, 20, [reply('u-1', 'two'), reply('u-2', 'two')], 200);
      expect(second?.map((n) => [n.userId, n.id === first![0]!.id, n.items.map((i) => i.excerpt)])).toEqual([
        ['u-1', true, ['one', 'two']],
        ['u-2', false, ['two']],
      ]);
      expect(second![0]!).toMatchObject({ createdAt: 100, updatedAt: 200 });
      expect(second![0]!.seq).toBeGreaterThan(read.seq!);
      // Sign-off requests stand alone, even about one amendment.
      const signOff = {
        userId: 'u-1',
        kind: 'sign-off' as const,
        subjectKey: 'amendment:a1',
        subject: { ...subject, threadId: null, amendmentId: 'a1' },
        item: item('needs you'),
        merge: false,
      };
      const third = await s.storeNotifications('b', 20, 30, [signOff, signOff], 300);
      expect(new Set(third?.map((n) => n.id)).size).toBe(2);
      await s.storeNotifications('bb', 0, 5, [reply('u-1', 'elsewhere')], 400);

      // Newest change first, after a seq, on the boards asked for; unread counts per board.
      const listed = await s.listNotifications('u-1', ['b', 'bb'], 0, 10);
      expect(listed.map((n) => n.seq)).toEqual([...listed.map((n) => n.seq)].sort((a, b) => b - a));
      expect(listed.map((n) => n.boardId)).toEqual(['bb', 'b', 'b', 'b']);
      expect((await s.listNotifications('u-1', ['b'], 0, 2)).map((n) => n.id)).toEqual(
        listed.slice(1, 3).map((n) => n.id),
      );
      expect(await s.listNotifications('u-1', ['b', 'bb'], listed[1]!.seq, 10)).toEqual([listed[0]]);
      expect(await s.unreadCounts('u-1', ['b', 'bb'])).toEqual({ b: 3, bb: 1 });
      expect(await s.unreadCounts('u-1', ['bb'])).toEqual({ bb: 1 });
      expect(await s.unreadCounts('u-2', ['b', 'bb'])).toEqual({ b: 1 });

      // All on one board; then all; nothing left: no seq.
      const onB = await s.markNotificationsRead('u-1', ['b', 'bb'], { all: true, boardId: 'b' }, 500);
      expect(onB.read.map((r) => r.boardId)).toEqual(['b', 'b', 'b']);
      expect(await s.unreadCounts('u-1', ['b', 'bb'])).toEqual({ bb: 1 });
      // Ids on a board outside the caller's scope are left alone.
      expect((await s.markNotificationsRead('u-1', ['b'], { ids: [listed[0]!.id] }, 550)).read).toEqual([]);
      const rest = await s.markNotificationsRead('u-1', ['b', 'bb'], { all: true }, 600);
      expect(rest.read).toEqual([{ id: listed[0]!.id, boardId: 'bb' }]);
      expect(await s.markNotificationsRead('u-1', ['b', 'bb'], { all: true }, 700)).toEqual({ read: [], seq: null });
      const after = await s.listNotifications('u-1', ['b', 'bb'], 0, 10);
      expect(after.every((n) => n.readAt !== null)).toBe(true);
      expect(after[0]).toMatchObject({ id: listed[0]!.id, readAt: 600, seq: rest.seq });

      await s.deleteBoard('b');
      expect(await s.listNotifications('u-1', ['b', 'bb'], 0, 10)).toHaveLength(1);
      expect(await s.notificationCursor('b')).toBe(0);
    });

    it('NOTIFY1 the boards with activity after their notification cursor are the undrained ones', async () => {
      const s = await store();
      await s.createBoard('b', 'Board', edit(1, 'seed'));
      await s.createBoard('bb', 'Other', edit(1, 'other'));
      const row = (boardId: string, kind: 'thread' | 'text') => ({
        groupKey: null,
        boardId,
        pointId: 'p',
        at: 1,
        until: 1,
        actorId: 'u-1',
        actorName: 'Ann',
        actorStakeholderId: null,
        detail:
          kind === 'thread'
            ? { kind, action: 'opened' as const, threadId: 't', excerpt: '' }
            : {
                kind,
                field: 'body' as const,
                before: '',
                inserted: 1,
                deleted: 0,
                edits: 1,
                cause: { kind: 'direct' as const },
              },
      });
      expect(await s.undrainedBoards(['thread'])).toEqual([]);
      await s.appendUpdates([
        { docName: 'b', update: edit(2, 'a'), history: [row('b', 'thread')] },
        { docName: 'bb', update: edit(3, 'b'), history: [row('bb', 'text')] },
      ]);
      expect(await s.undrainedBoards(['thread'])).toEqual(['b']);
      const [drained] = await s.readHistoryAfter('b', 0, 10, ['thread']);
      await s.storeNotifications('b', 0, drained!.seq, [], 1);
      expect(await s.undrainedBoards(['thread'])).toEqual([]);
      // A board that is gone (deleted while a drain ran) gets nothing.
      expect(await s.storeNotifications('gone', 0, 5, [], 1)).toBeNull();
      expect(await s.notificationCursor('gone')).toBe(0);
    });

    it('STORE14 claiming a board raises its owner epoch by one each time; appends and compactions under the current epoch are stored, and entries without an epoch are not checked', async () => {
      const s = await store();
      await s.createBoard('b', 'Board', edit(1, 'seed'));
      expect(await s.claimBoard('b')).toBe(1);
      expect(await s.claimBoard('b')).toBe(2);
      expect(await s.claimBoard('other')).toBe(1);
      const epoch = await s.claimBoard('b');
      expect(epoch).toBe(3);

      await s.appendUpdates([
        { docName: 'b', update: edit(2, 'owner'), epoch },
        { docName: 'b~us', update: edit(3, 'notes'), epoch },
        { docName: 'b', update: edit(4, 'unchecked') },
        { docName: 'never-claimed', update: edit(5, 'free') },
      ]);
      expect(textOf((await s.loadLog('b')).updates)).toMatch(/^(?=.*owner)(?=.*unchecked)/);
      expect(textOf((await s.loadLog('b~us')).updates)).toBe('notes');
      expect(textOf((await s.loadLog('never-claimed')).updates)).toBe('free');

      const log = await s.loadLog('b');
      await s.compact('b', Y.mergeUpdates(log.updates), log.lastSeq, epoch);
      expect((await s.loadLog('b')).updates).toHaveLength(1);
      expect(textOf((await s.loadLog('b')).updates)).toBe(textOf(log.updates));
    });

    it("STORE14 an append carrying an older epoch of a board is refused with FencedError naming every such board, and nothing of its batch is stored, not even the other boards' entries", async () => {
      const s = await store();
      await s.createBoard('b', 'Board', edit(1, 'seed'));
      await s.createBoard('c', 'Other', edit(1, 'other'));
      await s.createBoard('d', 'Third', edit(1, 'third'));
      const old = await s.claimBoard('b');
      const oldC = await s.claimBoard('c');
      const current = await s.claimBoard('b');
      await s.claimBoard('c');
      const fresh = await s.claimBoard('d');
      const before = await Promise.all(
        ['b', 'b~us', 'c', 'd'].map(async (doc) => (await s.loadLog(doc)).updates.length),
      );

      const refused = s.appendUpdates([
        { docName: 'd', update: edit(2, 'innocent'), epoch: fresh, owners: new Map([[2, 'u-2']]) },
        { docName: 'b~us', update: edit(3, 'late notes'), epoch: old },
        { docName: 'b', update: edit(4, 'current'), epoch: current },
        { docName: 'c', update: edit(5, 'late'), epoch: oldC },
        { docName: 'd', update: edit(6, 'no epoch') },
      ]);
      await expect(refused).rejects.toBeInstanceOf(FencedError);
      await expect(refused).rejects.toMatchObject({ boardIds: ['b', 'c'] });
      const after = await Promise.all(
        ['b', 'b~us', 'c', 'd'].map(async (doc) => (await s.loadLog(doc)).updates.length),
      );
      expect(after).toEqual(before);
      expect((await s.loadClientOwners('d')).has(2)).toBe(false);

      // The same entries under the current epochs go through.
      await s.appendUpdates([{ docName: 'b~us', update: edit(3, 'late notes'), epoch: current }]);
      expect(textOf((await s.loadLog('b~us')).updates)).toBe('late notes');
    });

    it('STORE14 a compaction carrying an older epoch is refused and leaves the log as it was; deleting a board forgets its epoch (the next claim is 1 again, and older epochs stay refused)', async () => {
      const s = await store();
      await s.createBoard('b', 'Board', edit(1, 'seed'));
      const old = await s.claimBoard('b');
      await s.appendUpdates([{ docName: 'b', update: edit(2, 'more'), epoch: old }]);
      await s.claimBoard('b');
      const log = await s.loadLog('b');
      await expect(s.compact('b', Y.mergeUpdates(log.updates), log.lastSeq, old)).rejects.toBeInstanceOf(FencedError);
      expect(await s.loadLog('b')).toEqual(log);

      await s.deleteBoard('b');
      await s.createBoard('b', 'Again', edit(1, 'again'));
      await expect(s.appendUpdates([{ docName: 'b', update: edit(3, 'x'), epoch: old }])).rejects.toBeInstanceOf(
        FencedError,
      );
      expect(await s.claimBoard('b')).toBe(1);
      await s.appendUpdates([{ docName: 'b', update: edit(3, 'x'), epoch: 1 }]);
      expect(textOf((await s.loadLog('b')).updates)).toMatch(/x/);
    });
  },
);

/** What only a networked store can get wrong: several connections (or instances) at once. */
describe('the Storage contract under concurrency: PostgreSQL store (unit: server/src/persistence/postgres)', () => {
  const opened: Storage[] = [];
  const store = async (url?: string) => {
    const s = await PostgresStorage.open(url ?? (await postgresDatabase()));
    opened.push(s);
    return s;
  };
  beforeAll(async () => void (await cluster()), POSTGRES_START_MS);
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });

  /** `count` one-entry updates of client `client`, each a batch of its own, all carrying `epoch`. */
  const batch = (docName: string, client: number, size: number, epoch?: number) =>
    Array.from({ length: size }, (_, i) => ({ docName, update: edit(client * 1_000 + i, `${client}.${i} `), epoch }));

  it('NOTIFY13 on PostgreSQL, drains racing from two instances store a board’s notifications once (one compare-and-set wins), and notification changes commit in seq order: a reader that holds every change up to a seq never misses one committed later', async () => {
    const url = await postgresDatabase();
    const a = await store(url);
    const b = await store(url);
    await a.createBoard('b', 'Board', edit(1, 'seed'));
    const delivery = (userId: string) => ({
      userId,
      kind: 'reply' as const,
      subjectKey: 'thread:t',
      subject: { pointId: 'p', threadId: 't', amendmentId: null, versionId: null },
      item: { actorId: 'u-0', actorName: 'Ann', at: 1, excerpt: 'x' },
      merge: false,
    });
    const users = Array.from({ length: 20 }, (_, i) => `u-${i}`);
    // The first drain inserts the cursor, later ones update it: both race once.
    for (const [from, to] of [
      [0, 3],
      [3, 5],
    ] as const) {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).storeNotifications('b', from, to, users.map(delivery), 1)),
      );
      expect(results.filter((r) => r !== null)).toHaveLength(1);
      expect(await a.notificationCursor('b')).toBe(to);
    }

    // Drains and read marks from both instances at once, while a reader follows one user's
    // changes by seq: a change committed with a seq below one the reader already holds
    // would never reach it, and its view would end stale.
    let cursor = 5;
    let lastSeq = 0;
    let writing = true;
    const view = new Map<string, StoredNotification>();
    const catchUp = async () => {
      for (const n of await b.listNotifications('u-1', ['b'], lastSeq, 1_000)) {
        view.set(n.id, n);
        lastSeq = Math.max(lastSeq, n.seq);
      }
    };
    const reader = (async () => {
      while (writing) await catchUp();
    })();
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 30; i++) {
      const from = cursor;
      cursor += 1;
      writes.push((i % 2 ? a : b).storeNotifications('b', from, cursor, [delivery('u-1')], 2));
      await writes.at(-1);
      writes.push((i % 2 ? b : a).markNotificationsRead('u-1', ['b'], { all: true }, 3));
    }
    await Promise.all(writes);
    writing = false;
    await reader;
    await catchUp();
    const truth = await a.listNotifications('u-1', ['b'], 0, 1_000);
    expect(truth).toHaveLength(32);
    expect(new Map(truth.map((n) => [n.id, n]))).toEqual(view);
  });

  it('STORE15 a claim racing appends: an append either committed before the claim (and the new owner loads it) or is refused with nothing stored; none lands after the new owner has loaded the log', async () => {
    const deposed = await store();
    const url = await postgresDatabase();
    const a = await store(url);
    const b = await store(url);
    let kept = 0;
    let refused = 0;
    for (let round = 0; round < 8; round++) {
      const board = `r${round}`;
      await a.createBoard(board, 'Race', edit(1, 'seed'));
      const epoch = await a.claimBoard(board);
      // The deposed owner keeps writing big batches from its own connections...
      const appends = Array.from({ length: 6 }, (_, i) =>
        a.appendUpdates(batch(board, i + 2, 300, epoch)).then(
          () => 'kept',
          (err: unknown) => err,
        ),
      );
      await appends[0];
      // ...while another instance claims the board and loads its log, as a room does.
      expect(await b.claimBoard(board)).toBe(epoch + 1);
      const loaded = (await b.loadLog(board)).updates.length;
      const outcomes = await Promise.all(appends);
      for (const outcome of outcomes) {
        if (outcome === 'kept') kept++;
        else {
          expect(outcome).toBeInstanceOf(FencedError);
          refused++;
        }
      }
      const stored = 1 + 300 * outcomes.filter((o) => o === 'kept').length;
      expect(loaded, 'every kept append was in the log the new owner loaded').toBe(stored);
      expect((await b.loadLog(board)).updates.length, 'nothing landed after the new owner loaded').toBe(stored);
      // An append under the old epoch after the claim is always refused.
      await expect(deposed.appendUpdates(batch(board, 9, 1, epoch))).rejects.toBeInstanceOf(FencedError);
    }
    expect(kept).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  it('STORE16 instances starting at once on an empty database migrate it once, and each works on the result', async () => {
    const url = await postgresDatabase();
    const started = await Promise.all([store(url), store(url), store(url)]);
    await started[0]!.createBoard('b', 'Board', edit(1, 'seed'));
    for (const s of started) expect(await s.boardExists('b')).toBe(true);
    const again = await store(url);
    expect(textOf((await again.loadLog('b')).updates)).toBe('seed');
    const pool = createPool(url);
    try {
      const { rows } = await pool.query<{ version: number; n: number }>(
        'SELECT version, COUNT(*)::int AS n FROM schema_migrations GROUP BY version ORDER BY version',
      );
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(row.n).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it("STORE17 a reader paging a board's log after the last seq it holds misses no entry while several connections append to the board and its notes doc", async () => {
    const url = await postgresDatabase();
    const writers = await Promise.all([store(url), store(url), store(url), store(url)]);
    const reader = await store(url);
    await writers[0]!.createBoard('b', 'Board', edit(1, 'seed'));
    let writing = true;
    const written = Promise.all(
      writers.map(async (w, i) => {
        for (let n = 0; n < 40; n++) {
          await w.appendUpdates(batch(i % 2 ? 'b' : 'b~us', 10 + i * 100 + n, 1 + (n % 3)));
        }
      }),
    ).finally(() => (writing = false));
    const seen = new Map<string, number>();
    const after = new Map<string, number>();
    const poll = async () => {
      for (const doc of ['b', 'b~us']) {
        for await (const page of reader.readLog(doc, 50, after.get(doc) ?? 0)) {
          seen.set(doc, (seen.get(doc) ?? 0) + page.updates.length);
          after.set(doc, page.lastSeq);
        }
      }
    };
    while (writing) await poll();
    await written;
    await poll();
    for (const doc of ['b', 'b~us']) expect(seen.get(doc)).toBe((await reader.loadLog(doc)).updates.length);
  });
});
