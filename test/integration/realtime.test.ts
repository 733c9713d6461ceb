import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQLITE_FILE } from '../../server/src/persistence/sqlite/SqliteStorage.ts';
import { newMember } from '../helpers/accounts.ts';
import { appSockets, connected, join } from '../helpers/appSockets.ts';
import { waitFor } from '../helpers/clients.ts';
import { badTokens, demoCookie, postJson } from '../helpers/security.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { identity, mintToken } from '../helpers/tokens.ts';

describe('socket.io app events', () => {
  let server: RunningServer;
  const sockets = appSockets(() => server);
  const connect = sockets.connect;
  /** A demo person's session cookie, from their one-click sign-in link. */
  const signIn = (stakeholderId: string, role: 'delegate' | 'owner' = 'delegate') =>
    demoCookie(server, role, stakeholderId);

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    sockets.closeAll();
    await server.stop();
  });

  it('RT1: a socket without credentials is refused at connect', async () => {
    await expect(connected(connect({}))).rejects.toThrow(/sign in/);
  });

  it('RT2: a token authenticates; joining its board answers the role, another board is refused', async () => {
    const socket = connect({ token: await mintToken(server, identity('delegate', 'ukraine')) });
    await connected(socket);
    expect(await join(socket, 'demo')).toEqual({ ok: true, role: 'delegate', stakeholderId: 'ukraine' });
    expect(await join(socket, 'other-board')).toMatchObject({ ok: false });
    expect(await join(socket, '../etc')).toEqual({ ok: false, error: 'invalid board id' });
  });

  it('RT3: a session cookie authenticates; signing out ends the socket', async () => {
    const cookie = await signIn('ukraine');
    const socket = connect({ cookie });
    await connected(socket);
    expect(await join(socket, 'demo')).toMatchObject({ ok: true, role: 'delegate' });
    let ended = false;
    socket.on('session:ended', () => (ended = true));
    const out = await fetch(`${server.url}/api/auth/signout`, { method: 'POST', headers: { cookie } });
    expect(out.status).toBe(204);
    await waitFor(() => ended && !socket.connected, 'the socket to be told and closed');
  });

  it('RT4: a reconnect re-runs authentication (no connection-state recovery), so an ended session cannot come back', async () => {
    const cookie = await signIn('russia');
    const socket = connect({ cookie }, { reconnection: true, reconnectionDelay: 50, reconnectionDelayMax: 100 });
    await connected(socket);
    expect(await join(socket, 'demo')).toMatchObject({ ok: true });
    // A broadcast gives the client an offset to recover from: the owner creates an invite.
    let told = false;
    socket.on('members:changed', () => (told = true));
    const owner = await signIn('us', 'owner');
    const invite = await fetch(`${server.url}/api/boards/demo/invites`, {
      method: 'POST',
      headers: { cookie: owner, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'observer', stakeholderId: null }),
    });
    expect(invite.status).toBe(201);
    await waitFor(() => told, 'the members:changed broadcast');
    // End the session behind the server's back, as an expiry does (nothing announces it;
    // a revocation would make the server close the socket itself, see AUTH17), then drop
    // the transport: the client tries to recover its session.
    const db = new Database(path.join(server.dataDir, SQLITE_FILE));
    try {
      db.prepare(
        "UPDATE sessions SET expires_at = ? WHERE user_id = (SELECT id FROM users WHERE email = 'russia@demo.parley')",
      ).run(Date.now());
    } finally {
      db.close();
    }
    let refused: Error | null = null;
    socket.on('connect_error', (err) => (refused = err));
    socket.io.engine.close();
    await waitFor(() => refused !== null, 'the recovery attempt to be refused');
    expect(String(refused)).toMatch(/sign in/);
    expect(socket.connected).toBe(false);
  });

  it('RT6: a garbage, expired or forged token and an unknown or signed-out session are refused at connection, with the reason', async () => {
    const who = identity('owner', 'us');
    const { good, flipped, foreignKey, algNone, expired } = await badTokens(server, who);
    const signedOut = await signIn('europe');
    expect(
      (await fetch(`${server.url}/api/auth/signout`, { method: 'POST', headers: { cookie: signedOut } })).status,
    ).toBe(204);

    const cases: [string, { token?: string; cookie?: string }, RegExp][] = [
      ['garbage', { token: 'not.a.jwt' }, /invalid token/],
      ['a flipped signature byte', { token: flipped }, /invalid token/],
      ['a token signed with another key', { token: foreignKey }, /invalid token/],
      ['an unsigned alg "none" token', { token: algNone }, /invalid token/],
      ['an expired token', { token: expired }, /token expired/],
      ['an unknown session', { cookie: 'parley_session=not-a-session' }, /sign in/],
      ['a signed-out session', { cookie: signedOut }, /sign in/],
    ];
    for (const [label, creds, reason] of cases) {
      const socket = connect(creds);
      let established = false;
      socket.on('connect', () => (established = true));
      await expect(connected(socket), label).rejects.toThrow(reason);
      expect(established, label).toBe(false);
      expect(socket.id, label).toBeUndefined();
    }
    // The control: the untampered token connects.
    await connected(connect({ token: good }));
  });

  it("RT7: removing a member takes their socket out of the board's room at once: told, no more board events, no re-join", async () => {
    const owner = await signIn('us', 'owner');
    const { cookie, userId } = await newMember(server, owner, 'RT7', 'observer', null);

    const socket = connect({ cookie });
    await connected(socket);
    expect(await join(socket, 'demo')).toMatchObject({ ok: true, role: 'observer' });
    let changed = 0;
    let boardEvents = 0;
    socket.on('access:changed', ({ boardId }) => boardId === 'demo' && changed++);
    socket.on('members:changed', () => boardEvents++);

    const removed = await fetch(`${server.url}/api/boards/demo/members/${userId}`, {
      method: 'DELETE',
      headers: { cookie: owner },
    });
    expect(removed.status).toBe(204);
    await waitFor(() => changed === 1, 'the access:changed event', 500);
    // Another board event (an invite) no longer reaches the socket; a member's does.
    const member = connect({ cookie: owner });
    await connected(member);
    expect(await join(member, 'demo')).toMatchObject({ ok: true });
    let memberEvents = 0;
    member.on('members:changed', () => memberEvents++);
    const before = boardEvents;
    await postJson(server, '/api/boards/demo/invites', { role: 'observer', stakeholderId: null }, { cookie: owner });
    await waitFor(() => memberEvents > 0, "the member's members:changed");
    expect(boardEvents).toBe(before);
    expect(await join(socket, 'demo')).toEqual({ ok: false, error: 'you are not a member of this board' });
    // The socket itself stays up: it serves the person's other boards and notifications.
    expect(socket.connected).toBe(true);
    // The store watch sees the removal a moment later; it tells the socket nothing twice.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(changed).toBe(1);
  });

  it('RT5: a socket from another site (Origin header) is refused', async () => {
    const socket = connect(
      { token: await mintToken(server, identity('observer', null)) },
      { extraHeaders: { origin: 'http://evil.example' } },
    );
    await expect(connected(socket)).rejects.toThrow();
  });
});
