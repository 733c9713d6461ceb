/**
 * The live board list over socket.io (`boards:changed`), with stock socket.io clients
 * signed in with session cookies, as the browser's board list is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoardListChange, OnlineUser } from '@parley/shared/protocol';
import { newMember, signUp, type Account } from '../helpers/accounts.ts';
import { appSockets, connected, type AppSocket } from '../helpers/appSockets.ts';
import { connectRecorded, demoCookie, postJson, within, type RecordedClient } from '../helpers/security.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

/** Collects a socket's `boards:changed` events, and waits for one that matches. */
function listChanges(socket: AppSocket) {
  const seen: BoardListChange[] = [];
  const waiters: { match: (c: BoardListChange) => boolean; resolve: (c: BoardListChange) => void }[] = [];
  socket.on('boards:changed', (change) => {
    seen.push(change);
    for (const w of waiters.splice(0)) {
      if (w.match(change)) w.resolve(change);
      else waiters.push(w);
    }
  });
  return {
    seen,
    next(match: (c: BoardListChange) => boolean, what: string, ms = 5_000): Promise<BoardListChange> {
      const already = seen.find(match);
      if (already) return Promise.resolve(already);
      return within(new Promise<BoardListChange>((resolve) => waiters.push({ match, resolve })), ms, what);
    },
  };
}

const onlineIds = (c: BoardListChange) => (c.kind === 'online' ? c.online.map((u: OnlineUser) => u.userId) : []);

describe('live board list', () => {
  let server: RunningServer;
  let ownerCookie = '';
  const sockets = appSockets(() => server);
  const clients: RecordedClient[] = [];

  beforeAll(async () => {
    server = await startServer();
    ownerCookie = await demoCookie(server, 'owner', 'us');
  });

  afterAll(async () => {
    sockets.closeAll();
    for (const c of clients) c.destroy();
    await server?.stop();
  });

  async function listening(account: Pick<Account, 'cookie'>) {
    const socket = sockets.connect({ cookie: account.cookie });
    await connected(socket);
    return listChanges(socket);
  }

  async function newBoard(cookie: string, title: string): Promise<string> {
    const res = await postJson(
      server,
      '/api/boards',
      { title, stakeholders: [{ name: 'Ukraine' }, { name: 'United States' }], ownStakeholder: 'Ukraine' },
      { cookie },
    );
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  }

  const patchBoard = (cookie: string, boardId: string, body: unknown) =>
    fetch(`${server.url}/api/boards/${boardId}`, {
      method: 'PATCH',
      headers: { cookie, 'content-type': 'application/json', origin: server.url },
      body: JSON.stringify(body),
    });

  it("BOARDLIST1: a board's members hear it renamed, archived and unarchived; a non-member hears nothing", async () => {
    const owner = await signUp(server, 'List owner');
    const boardId = await newBoard(owner.cookie, 'Ceasefire talks');
    const member = await newMember(server, owner.cookie, 'List member', 'observer', null, boardId);
    const stranger = await signUp(server, 'Stranger');
    const ownersOtherTab = await listening(owner);
    const memberList = await listening(member);
    const strangerList = await listening(stranger);

    expect((await patchBoard(owner.cookie, boardId, { title: 'Ceasefire talks, round 2' })).status).toBe(200);
    await memberList.next((c) => c.kind === 'renamed' && c.boardId === boardId, 'the member to hear the rename');
    await ownersOtherTab.next((c) => c.kind === 'renamed' && c.boardId === boardId, "the owner's other tab");
    expect((await patchBoard(owner.cookie, boardId, { archived: true })).status).toBe(200);
    await memberList.next((c) => c.kind === 'archived' && c.boardId === boardId, 'the member to hear the archiving');
    expect((await patchBoard(owner.cookie, boardId, { archived: false })).status).toBe(200);
    await memberList.next((c) => c.kind === 'unarchived' && c.boardId === boardId, 'the unarchiving');
    // The same board once more, so the stranger would have heard the earlier ones by now.
    expect((await patchBoard(owner.cookie, boardId, { title: 'Ceasefire talks, round 3' })).status).toBe(200);
    await memberList.next(
      (c) => c.kind === 'renamed' && memberList.seen.filter((x) => x.kind === 'renamed').length === 2,
      'the second rename',
    );
    expect(strangerList.seen.filter((c) => c.boardId === boardId)).toEqual([]);
  });

  it('BOARDLIST2: a new board reaches its creator’s other tabs; a member added or removed hears that their list changed', async () => {
    const owner = await signUp(server, 'Creator');
    const ownerTab = await listening(owner);
    const boardId = await newBoard(owner.cookie, 'Prisoner exchange');
    await ownerTab.next((c) => c.kind === 'created' && c.boardId === boardId, 'the creator to hear the new board');

    const joiner = await signUp(server, 'Joiner');
    const joinerTab = await listening(joiner);
    const invite = await postJson(
      server,
      `/api/boards/${boardId}/invites`,
      { role: 'observer', stakeholderId: null },
      { cookie: owner.cookie },
    );
    const token = /\/invite\/([A-Za-z0-9_-]+)$/.exec(
      ((await invite.json()) as { invite: { url: string } }).invite.url,
    )![1]!;
    expect((await postJson(server, `/api/invites/${token}/accept`, {}, { cookie: joiner.cookie })).status).toBe(200);
    await joinerTab.next((c) => c.kind === 'members' && c.boardId === boardId, 'the new member to hear it');
    await ownerTab.next((c) => c.kind === 'members' && c.boardId === boardId, 'the owner to hear the member count');

    const before = joinerTab.seen.length;
    const removed = await fetch(`${server.url}/api/boards/${boardId}/members/${joiner.userId}`, {
      method: 'DELETE',
      headers: { cookie: owner.cookie, origin: server.url },
    });
    expect(removed.status).toBe(204);
    await joinerTab.next(
      (c) => c.kind === 'members' && c.boardId === boardId && joinerTab.seen.length > before,
      'the removed member to hear that their list changed',
    );
  });

  it('BOARDLIST3: members see who has a board open, live, and in GET /api/boards; leaving takes them off', async () => {
    const watcherCookie = await demoCookie(server, 'delegate', 'ukraine');
    const watcher = await listening({ cookie: watcherCookie });
    const visitor = await newMember(server, ownerCookie, 'Visiting delegate', 'delegate', 'russia');

    const open = connectRecorded(server.wsUrl, 'demo', {}, { cookie: visitor.cookie });
    clients.push(open);
    await within(open.synced, 10_000, 'the visitor to open the board');
    await watcher.next(
      (c) => c.kind === 'online' && c.boardId === 'demo' && onlineIds(c).includes(visitor.userId),
      'the watcher to see the visitor online',
    );
    const listed = (await (await fetch(`${server.url}/api/boards`, { headers: { cookie: watcherCookie } })).json()) as {
      boards: { id: string; online: OnlineUser[] }[];
    };
    const demo = listed.boards.find((b) => b.id === 'demo');
    expect(demo?.online.find((u) => u.userId === visitor.userId)).toEqual({
      userId: visitor.userId,
      name: 'Visiting delegate',
      stakeholderId: 'russia',
    });

    const seenBefore = watcher.seen.length;
    open.destroy();
    await watcher.next(
      (c) =>
        c.kind === 'online' &&
        c.boardId === 'demo' &&
        watcher.seen.length > seenBefore &&
        !onlineIds(c).includes(visitor.userId),
      'the watcher to see the visitor leave',
    );
  });

  it('BOARDLIST4: deleting a board tells its former members', async () => {
    const owner = await signUp(server, 'Deleting owner');
    const boardId = await newBoard(owner.cookie, 'Short-lived');
    const member = await newMember(server, owner.cookie, 'Former member', 'observer', null, boardId);
    const memberTab = await listening(member);
    const res = await fetch(`${server.url}/api/boards/${boardId}`, {
      method: 'DELETE',
      headers: { cookie: owner.cookie, 'content-type': 'application/json', origin: server.url },
      body: JSON.stringify({ confirm: 'Short-lived' }),
    });
    expect(res.status).toBe(204);
    await memberTab.next((c) => c.kind === 'deleted' && c.boardId === boardId, 'the former member to hear it');
  });
});
