/**
 * Owners rename, archive and delete their boards: `PATCH /api/boards/:id` and
 * `DELETE /api/boards/:id` against a real server, seen by stock y-websocket clients, across
 * a restart on the same data dir, and in the data dir's SQLite file itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { META, ROOT, pointNotes, updateMeta, type PointId } from '@parley/shared/model';
import { privateDocName } from '@parley/shared/protocol';
import { inviteToken, signUp as signUpAccount, type Account } from '../helpers/accounts.ts';
import { runCli } from '../helpers/cli.ts';
import { waitFor } from '../helpers/clients.ts';
import { connectRecorded, postJson, within, type RecordedClient } from '../helpers/security.ts';
import { startServer, tempDataDir, type RunningServer } from '../helpers/server.ts';
import { mintToken } from '../helpers/tokens.ts';
import { SqliteStorage } from '../../server/src/persistence/sqlite/SqliteStorage.ts';

let counter = 0;
/** Updates wait up to 200 ms in the persist queue, so a delete finds one still queued (BOARD11). */
const ENV = { PARLEY_SEED_DEMO: 'false', PARLEY_PERSIST_BATCH_MS: '200' };

describe('owners rename, archive and delete boards', () => {
  let server: RunningServer;
  const clients: RecordedClient[] = [];
  let owner: Account;
  let editor: Account;
  let delegate: Account;
  let stranger: Account;
  let boardId: string;

  const signUp = () => signUpAccount(server, `Person ${++counter}`);

  async function call(method: string, urlPath: string, body?: unknown, cookie?: string) {
    const res = await fetch(`${server.url}${urlPath}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(cookie ? { cookie } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> | null };
  }

  async function invite(role: string, stakeholderId: string | null, who: Account): Promise<void> {
    const made = await call('POST', `/api/boards/${boardId}/invites`, { role, stakeholderId }, owner.cookie);
    expect(made.status).toBe(201);
    const token = inviteToken((made.body!['invite'] as { url: string }).url);
    expect((await call('POST', `/api/invites/${token}/accept`, undefined, who.cookie)).status).toBe(200);
  }

  async function listed(cookie: string) {
    return (await call('GET', '/api/boards', undefined, cookie)).body!['boards'] as Record<string, unknown>[];
  }

  /** A stock y-websocket client with a person's session cookie, with every close reason it got. */
  function connect(docName: string, who: Account) {
    const client = connectRecorded(server.wsUrl, docName, {}, { cookie: who.cookie });
    clients.push(client);
    const reasons: string[] = [];
    client.provider.on('connection-close', (event: CloseEvent | null) => {
      if (event) reasons.push(event.reason);
    });
    return Object.assign(client, { reasons });
  }

  const titleOf = (doc: Y.Doc) => doc.getMap(ROOT.meta).get(META.title);
  const descriptionOf = (doc: Y.Doc) => doc.getMap(ROOT.meta).get(META.description);
  const actor = (who: Account, stakeholderId: string) =>
    ({ userId: who.userId, name: 'Owner', stakeholderId }) as Parameters<typeof updateMeta>[1];

  async function exported(cookie: string) {
    return call('GET', `/api/boards/${boardId}/export`, undefined, cookie);
  }

  beforeAll(async () => {
    server = await startServer({ env: ENV });
    [owner, editor, delegate, stranger] = [await signUp(), await signUp(), await signUp(), await signUp()];
    const made = await postJson(
      server,
      '/api/boards',
      {
        title: 'Lifecycle plan',
        description: 'Round 1',
        stakeholders: [{ name: 'Drafting team' }, { name: 'Ukraine' }],
        ownStakeholder: 'Drafting team',
      },
      { cookie: owner.cookie },
    );
    expect(made.status).toBe(201);
    boardId = ((await made.json()) as { id: string }).id;
    await invite('editor', 'drafting-team', editor);
    await invite('delegate', 'ukraine', delegate);
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server?.stop();
  });

  it("BOARD7: an owner's PATCH /api/boards/:id { title } renames the board live: a connected stock client sees the new title, and every member's board list has it", async () => {
    const reader = connect(boardId, editor);
    await within(reader.synced, 10_000, 'the board to sync');
    expect(titleOf(reader.doc)).toBe('Lifecycle plan');

    const res = await call('PATCH', `/api/boards/${boardId}`, { title: '  Lifecycle   plan v2 ' }, owner.cookie);
    expect(res).toEqual({ status: 200, body: { id: boardId, title: 'Lifecycle plan v2', archived: false } });
    await waitFor(() => titleOf(reader.doc) === 'Lifecycle plan v2', 'the rename to reach the stock client');
    for (const who of [owner, editor]) {
      expect(await listed(who.cookie)).toContainEqual(
        expect.objectContaining({ id: boardId, title: 'Lifecycle plan v2', archived: false }),
      );
    }
    // The rename is a stored edit like any other: the export says so too.
    expect((await exported(editor.cookie)).body).toMatchObject({ meta: { title: 'Lifecycle plan v2' } });

    // A bad body changes nothing.
    for (const bad of [{}, { title: '   ' }, { title: 'x'.repeat(301) }, { archived: 'yes' }, { colour: 'red' }]) {
      const refused = await call('PATCH', `/api/boards/${boardId}`, bad, owner.cookie);
      expect(refused.status, JSON.stringify(bad)).toBe(400);
      expect(refused.body).toMatchObject({ error: { code: 'invalid_body' } });
    }
    expect(titleOf(reader.doc)).toBe('Lifecycle plan v2');
    reader.destroy();
  });

  it('BOARD8: an archived board is read-only for everyone: a stock client’s edit of the board or its private notes is refused with 4403 "this board is archived" and never stored (not even after a restart); reading, sync and export still work; unarchiving restores writing', async () => {
    const archived = await call('PATCH', `/api/boards/${boardId}`, { archived: true }, owner.cookie);
    expect(archived).toEqual({ status: 200, body: { id: boardId, title: 'Lifecycle plan v2', archived: true } });
    expect(await listed(editor.cookie)).toContainEqual(expect.objectContaining({ id: boardId, archived: true }));
    // Read-only means the title too (unless the same request unarchives).
    expect(await call('PATCH', `/api/boards/${boardId}`, { title: 'Renamed' }, owner.cookie)).toMatchObject({
      status: 409,
      body: { error: { code: 'board_archived' } },
    });

    // The owner's edit of the board doc (a room already loaded when it was archived).
    const writer = connect(boardId, owner);
    await within(writer.synced, 10_000, 'the archived board to sync');
    updateMeta(writer.doc, actor(owner, 'drafting-team'), { description: 'Written while archived' });
    expect(await within(writer.closed, 10_000, 'the edit to be refused')).toBe(4403);
    expect(writer.reasons[0]).toMatch(/this board is archived/);
    writer.destroy();

    // The delegate's own private notes are read-only too.
    const notes = connect(privateDocName(boardId, 'ukraine'), delegate);
    await within(notes.synced, 10_000, 'the private notes to sync');
    pointNotes(notes.doc, 'p-archived' as PointId).insert(0, 'secret written while archived');
    expect(await within(notes.closed, 10_000, 'the note to be refused')).toBe(4403);
    expect(notes.reasons[0]).toMatch(/this board is archived/);
    notes.destroy();

    // Reading goes on: a fresh reader syncs (its empty sync step 2 is no write), REST export works.
    const reader = connect(boardId, editor);
    await within(reader.synced, 10_000, 'a reader to sync the archived board');
    expect(descriptionOf(reader.doc)).toBe('Round 1');
    expect((await exported(editor.cookie)).body).toMatchObject({ meta: { description: 'Round 1' } });
    await new Promise((r) => setTimeout(r, 300));
    expect(reader.closes).toEqual([]);
    reader.destroy();

    // Nothing was stored: a restart on the same data dir loads the board without either edit.
    await server.stop();
    server = await startServer({ dataDir: server.dataDir, env: ENV });
    expect((await exported(owner.cookie)).body).toMatchObject({
      meta: { title: 'Lifecycle plan v2', description: 'Round 1' },
    });
    const notesReader = connect(privateDocName(boardId, 'ukraine'), delegate);
    await within(notesReader.synced, 10_000, 'the private notes to sync after the restart');
    expect([...notesReader.doc.getMap('notes').keys()]).toEqual([]);
    notesReader.destroy();
    // Still archived after the restart (the flag is stored), so still refused.
    expect(await listed(owner.cookie)).toContainEqual(expect.objectContaining({ id: boardId, archived: true }));
    const again = connect(boardId, owner);
    await within(again.synced, 10_000, 'the board to sync after the restart');
    updateMeta(again.doc, actor(owner, 'drafting-team'), { description: 'Written while archived' });
    expect(await within(again.closed, 10_000, 'the edit to be refused after the restart')).toBe(4403);
    again.destroy();

    // Unarchived (with a rename in the same request), edits are accepted and relayed again.
    const watcher = connect(boardId, editor);
    await within(watcher.synced, 10_000, 'a watcher to sync');
    const unarchived = await call(
      'PATCH',
      `/api/boards/${boardId}`,
      { archived: false, title: 'Lifecycle plan v3' },
      owner.cookie,
    );
    expect(unarchived).toEqual({ status: 200, body: { id: boardId, title: 'Lifecycle plan v3', archived: false } });
    const editorAgain = connect(boardId, owner);
    await within(editorAgain.synced, 10_000, 'the unarchived board to sync');
    updateMeta(editorAgain.doc, actor(owner, 'drafting-team'), { description: 'Round 2' });
    await waitFor(() => descriptionOf(watcher.doc) === 'Round 2', 'the edit to be relayed after unarchiving');
    expect(titleOf(watcher.doc)).toBe('Lifecycle plan v3');
    expect(editorAgain.closes).toEqual([]);
    expect(await listed(owner.cookie)).toContainEqual(expect.objectContaining({ id: boardId, archived: false }));
    editorAgain.destroy();
    watcher.destroy();
  });

  it('BOARD9: PATCH and DELETE /api/boards/:id are the owner’s: editors and delegates get 403 forbidden, non-members 404 unknown_board exactly as for a missing board, signed out 401; nothing changes', async () => {
    const requests = [
      ['PATCH', { title: 'Taken over' }],
      ['PATCH', { archived: true }],
      ['DELETE', { confirm: 'Lifecycle plan v3' }],
    ] as const;
    for (const [method, body] of requests) {
      for (const member of [editor, delegate]) {
        expect(await call(method, `/api/boards/${boardId}`, body, member.cookie)).toEqual({
          status: 403,
          body: { error: { code: 'forbidden', message: expect.any(String) } },
        });
      }
      const missing = await call(method, `/api/boards/nosuchboard0`, body, stranger.cookie);
      expect(missing.status).toBe(404);
      expect(await call(method, `/api/boards/${boardId}`, body, stranger.cookie)).toEqual(missing);
      expect(missing.body).toMatchObject({ error: { code: 'unknown_board' } });
      expect(await call(method, `/api/boards/${boardId}`, body)).toMatchObject({
        status: 401,
        body: { error: { code: 'unauthorized' } },
      });
      expect(await call(method, `/api/boards/nosuchboard0`, body)).toMatchObject({ status: 401 });
    }
    expect(await listed(owner.cookie)).toContainEqual(
      expect.objectContaining({ id: boardId, title: 'Lifecycle plan v3', archived: false }),
    );
  });

  it("BOARD10: DELETE /api/boards/:id without the board's current title as confirm is a 400 (confirmation_required, confirmation_mismatch) and deletes nothing", async () => {
    const reader = connect(boardId, editor);
    await within(reader.synced, 10_000, 'the board to sync');
    for (const [body, code] of [
      [{}, 'confirmation_required'],
      [{ confirm: '' }, 'confirmation_required'],
      [{ confirm: 42 }, 'confirmation_required'],
      [{ confirm: 'Lifecycle plan v2' }, 'confirmation_mismatch'],
      [{ confirm: 'lifecycle plan v3' }, 'confirmation_mismatch'],
    ] as const) {
      expect(await call('DELETE', `/api/boards/${boardId}`, body, owner.cookie), JSON.stringify(body)).toMatchObject({
        status: 400,
        body: { error: { code, message: expect.any(String) } },
      });
    }
    expect(await listed(owner.cookie)).toContainEqual(expect.objectContaining({ id: boardId }));
    expect((await exported(editor.cookie)).status).toBe(200);
    expect((await call('GET', `/api/boards/${boardId}/members`, undefined, editor.cookie)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(reader.closes).toEqual([]);
    reader.destroy();
  });

  it('BOARD11: an owner’s DELETE with the title closes every socket on the board and its notes (4404), then the board is unknown to every route, websocket (4404) and the CLI, and the data dir holds no row for it', async () => {
    // Rows of every kind exist for the board before: notes, an invite, a revocation, a sign-in link.
    const notes = connect(privateDocName(boardId, 'ukraine'), delegate);
    await within(notes.synced, 10_000, 'the private notes to sync');
    pointNotes(notes.doc, 'p-1' as PointId).insert(0, 'our fallback');
    const board = connect(boardId, editor);
    await within(board.synced, 10_000, 'the board to sync');
    const observer = await signUp();
    await invite('observer', null, observer);
    expect(
      (await call('DELETE', `/api/boards/${boardId}/members/${observer.userId}`, undefined, owner.cookie)).status,
    ).toBe(204);
    expect(
      (await call('POST', `/api/boards/${boardId}/invites`, { role: 'observer', stakeholderId: null }, owner.cookie))
        .status,
    ).toBe(201);
    const file = path.join(server.dataDir, 'parley.sqlite');
    const writer = new Database(file);
    writer
      .prepare('INSERT INTO sign_in_links (token_hash, user_id, board_id, expires_at) VALUES (?, ?, ?, ?)')
      .run(`test-${boardId}`, owner.userId, boardId, Date.now() + 60_000);
    writer.close();
    const token = await mintToken(
      server,
      { userId: 'u-lifecycle-token', name: 'Token', role: 'owner', stakeholderId: 'drafting-team' },
      boardId,
    );

    const rowsFor = () => {
      const db = new Database(file, { readonly: true, fileMustExist: true });
      try {
        const count = (sql: string) =>
          db
            .prepare(sql)
            .pluck()
            .get({ id: boardId, notes: `${boardId}~%` }) as number;
        return {
          boards: count('SELECT COUNT(*) FROM boards WHERE id = @id'),
          updates: count('SELECT COUNT(*) FROM updates WHERE doc = @id OR doc LIKE @notes'),
          clientOwners: count('SELECT COUNT(*) FROM client_owners WHERE doc = @id OR doc LIKE @notes'),
          notesUpdates: count('SELECT COUNT(*) FROM updates WHERE doc LIKE @notes'),
          memberships: count('SELECT COUNT(*) FROM memberships WHERE board_id = @id'),
          invites: count('SELECT COUNT(*) FROM invites WHERE board_id = @id'),
          signInLinks: count('SELECT COUNT(*) FROM sign_in_links WHERE board_id = @id'),
          revocations: count('SELECT COUNT(*) FROM access_revocations WHERE board_id = @id'),
        };
      } finally {
        db.close();
      }
    };
    await waitFor(() => rowsFor().notesUpdates > 0, 'the note to be stored');
    for (const [table, n] of Object.entries(rowsFor())) expect(n, table).toBeGreaterThan(0);

    // An edit still queued for the store when the delete comes must not be written back after it.
    pointNotes(notes.doc, 'p-1' as PointId).insert(0, 'late ');
    await new Promise((r) => setTimeout(r, 50));
    const deleted = await call('DELETE', `/api/boards/${boardId}`, { confirm: ' Lifecycle plan v3 ' }, owner.cookie);
    expect(deleted).toEqual({ status: 204, body: null });
    expect(await within(board.closed, 10_000, 'the board socket to be closed')).toBe(4404);
    expect(await within(notes.closed, 10_000, 'the notes socket to be closed')).toBe(4404);
    expect(board.reasons[0]).toMatch(/deleted/);

    expect(await listed(owner.cookie)).not.toContainEqual(expect.objectContaining({ id: boardId }));
    const missing = await call('GET', `/api/boards/nosuchboard0/export`, undefined, owner.cookie);
    for (const who of [owner, editor, delegate]) {
      expect(await exported(who.cookie)).toEqual(missing);
      expect(await call('GET', `/api/boards/${boardId}/members`, undefined, who.cookie)).toEqual(missing);
      expect(await call('PATCH', `/api/boards/${boardId}`, { archived: true }, who.cookie)).toEqual(
        await call('PATCH', `/api/boards/nosuchboard0`, { archived: true }, who.cookie),
      );
    }
    expect(missing.body).toMatchObject({ error: { code: 'unknown_board' } });
    expect((await exported('')).status).toBe(401);
    // A token minted before the delete outlives the board but opens nothing.
    const bearer = { authorization: `Bearer ${token}` };
    for (const sub of ['export', 'members']) {
      const res = await fetch(`${server.url}/api/boards/${boardId}/${sub}`, { headers: bearer });
      expect(res.status, sub).toBe(404);
    }
    const late = connectRecorded(server.wsUrl, boardId, { token });
    clients.push(late);
    expect(await within(late.closed, 10_000, 'a websocket to the deleted board')).toBe(4404);
    late.destroy();
    const lateNotes = connect(privateDocName(boardId, 'ukraine'), delegate);
    expect(await within(lateNotes.closed, 10_000, 'a websocket to the deleted notes')).toBeGreaterThanOrEqual(4401);
    lateNotes.destroy();

    // Give anything that might still be written back (a late flush, a compaction) its chance.
    await new Promise((r) => setTimeout(r, 500));
    expect(rowsFor()).toEqual({
      boards: 0,
      updates: 0,
      clientOwners: 0,
      notesUpdates: 0,
      memberships: 0,
      invites: 0,
      signInLinks: 0,
      revocations: 0,
    });

    const cli = await runCli(server, ['export', '--board', boardId]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(new RegExp(`no board "${boardId}"`));
  });

  it('BOARD12: a data dir from before archiving opens with its boards unarchived (the archived column is added), and reopening it keeps the flag as it was set', async () => {
    const dir = tempDataDir('parley-old-schema-');
    try {
      const old = new Database(path.join(dir, 'parley.sqlite'));
      old.exec(
        'CREATE TABLE boards (id TEXT PRIMARY KEY, title TEXT NOT NULL, created_at INTEGER NOT NULL) STRICT;' +
          "INSERT INTO boards VALUES ('old-board', 'Old board', 1)",
      );
      old.close();
      for (let open = 0; open < 2; open++) {
        const store = new SqliteStorage(dir);
        try {
          expect(await store.listBoards()).toEqual([
            // No stakeholder names catalogued yet: the first room that loads it stores them.
            { id: 'old-board', title: 'Old board', createdAt: 1, archived: open === 1, stakeholderNames: null },
          ]);
          if (open === 0) expect(await store.setBoardArchived('old-board', true)).toBe(true);
          expect(await store.setBoardArchived('missing', true)).toBe(false);
        } finally {
          await store.close();
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
