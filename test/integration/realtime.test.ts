import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, JoinResult, ServerToClientEvents } from '@parley/shared/protocol';
import { waitFor } from '../helpers/clients.ts';
import { REPO_ROOT, startServer, type RunningServer } from '../helpers/server.ts';
import { demoLinks, identity, mintToken } from '../helpers/tokens.ts';

type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
const run = promisify(execFile);

describe('socket.io app events', () => {
  let server: RunningServer;
  const sockets: AppSocket[] = [];
  const connect = (opts: { token?: string; cookie?: string }) => {
    const socket: AppSocket = io(server.url, {
      transports: ['websocket'],
      reconnection: false,
      ...(opts.token ? { auth: { token: opts.token } } : {}),
      ...(opts.cookie ? { extraHeaders: { cookie: opts.cookie } } : {}),
    });
    sockets.push(socket);
    return socket;
  };
  const connected = (socket: AppSocket) =>
    new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (err) => reject(err));
    });
  const join = (socket: AppSocket, boardId: string) =>
    new Promise<JoinResult>((resolve) => socket.emit('board:join', boardId, resolve));
  const signIn = async (stakeholderId: string, role = 'delegate') => {
    const link = demoLinks(server).find((l) => l.stakeholderId === stakeholderId && l.role === role)!;
    const res = await fetch(link.url.replace(/^http:\/\/localhost:\d+/, server.url), { redirect: 'manual' });
    return res.headers.get('set-cookie')!.split(';')[0]!;
  };

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
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

  it('RT4: connection-state recovery re-runs authentication, so a revoked session cannot recover', async () => {
    const cookie = await signIn('russia');
    const socket: AppSocket = io(server.url, {
      transports: ['websocket'],
      extraHeaders: { cookie },
      reconnectionDelay: 50,
      reconnectionDelayMax: 100,
    });
    sockets.push(socket);
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
    // Revoke behind the server's back (the CLI writes the store; no event reaches the
    // server), then drop the transport: the client tries to recover its session.
    await run('npm', ['run', '--silent', 'parley', '--', 'user', 'revoke-sessions', '--email', 'russia@demo.parley'], {
      cwd: REPO_ROOT,
      env: { ...process.env, PARLEY_DATA_DIR: server.dataDir },
    });
    let refused: Error | null = null;
    socket.on('connect_error', (err) => (refused = err));
    socket.io.engine.close();
    await waitFor(() => refused !== null, 'the recovery attempt to be refused');
    expect(String(refused)).toMatch(/sign in/);
    expect(socket.connected).toBe(false);
  });

  it('RT5: a socket from another site (Origin header) is refused', async () => {
    const socket: AppSocket = io(server.url, {
      transports: ['websocket'],
      reconnection: false,
      auth: { token: await mintToken(server, identity('observer', null)) },
      extraHeaders: { origin: 'http://evil.example' },
    });
    sockets.push(socket);
    await expect(connected(socket)).rejects.toThrow();
  });
});
