/**
 * Revocation while connected, across processes: the admin CLI writes the same store as
 * the running server, which must notice (PARLEY_REVOCATION_POLL_MS, 1 s by default) and
 * close every socket of the user, and refuse every access token minted for them before.
 * In-process changes (member removal over REST) act at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { listPoints, listPositions, setPosition, type StakeholderId } from '@parley/shared/model';
import { CLOSE, SYNC } from '@parley/shared/protocol';
import { PASSWORD, newMember as newAccount } from '../helpers/accounts.ts';
import { appSockets, connected, sessionEnded as ended } from '../helpers/appSockets.ts';
import { runCli } from '../helpers/cli.ts';
import { rawSession, waitFor, type StockClient } from '../helpers/clients.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { actorOf, mintToken, type TestIdentity } from '../helpers/tokens.ts';
import {
  connectRecorded,
  demoCookie,
  openRaw,
  postJson,
  sessionCookie,
  step1Frame,
  stubbornSocket,
  syncFrame,
  updateFrame,
  updateOf,
  watchBoard,
  within,
  type BoardWatch,
  type RecordedClient,
} from '../helpers/security.ts';

/** Well under the 30 s heartbeat: a close this soon came from the revocation watch. */
const NOTICED_WITHIN_MS = 5_000;

interface Member {
  readonly userId: string;
  readonly email: string;
  readonly cookie: string;
  /** The identity a token for this member carries (delegate of Ukraine on demo). */
  readonly who: TestIdentity;
}

describe('revocation of live access', () => {
  let server: RunningServer;
  let watch: BoardWatch;
  let watcher: StockClient;
  let ownerCookie = '';
  const clients: (StockClient | RecordedClient)[] = [];
  const sockets = appSockets(() => server);
  const socketIo = sockets.connect;
  const track = <C extends StockClient | RecordedClient>(c: C): C => {
    clients.push(c);
    return c;
  };
  const demoUrl = () => `${server.wsUrl}/yjs/demo`;

  /** Runs the admin CLI; it must succeed. */
  async function cli(...args: string[]): Promise<string> {
    const result = await runCli(server, args);
    expect(result.code, result.stderr).toBe(0);
    return result.stdout;
  }

  /** A fresh account made a Ukraine delegate of the demo board through an owner's invite. */
  async function newMember(name: string): Promise<Member> {
    const { userId, email, cookie } = await newAccount(server, ownerCookie, name, 'delegate', 'ukraine');
    return { userId, email, cookie, who: { userId, name, role: 'delegate', stakeholderId: 'ukraine' } };
  }

  /** A Ukraine position written by `who`, as an update against the watcher's state. */
  function positionUpdate(who: TestIdentity, rationale: string): Uint8Array {
    const pointId = listPoints(watcher.doc)[5]!.id;
    return updateOf(watcher.doc, (d) =>
      setPosition(d, actorOf(who), { pointId, stakeholderId: 'ukraine' as StakeholderId, stance: 'oppose', rationale }),
    );
  }
  const hasRationale = (doc: Y.Doc, rationale: string) => listPositions(doc).some((p) => p.rationale === rationale);

  const barrier = () => watch.barrier();

  /** The board as a fresh owner reads it over REST (the room's state, what gets stored). */
  async function exportedRationales(): Promise<string[]> {
    const res = await fetch(`${server.url}/api/boards/demo/export?format=json`, { headers: { cookie: ownerCookie } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { positions: { rationale: string }[] }).positions.map((p) => p.rationale);
  }

  /** Whether a token opens the demo websocket (a sync frame) or is refused (4401, no frame). */
  async function wsRefuses(token: string): Promise<boolean> {
    const result = await rawSession(`${demoUrl()}?token=${encodeURIComponent(token)}`, [step1Frame(new Y.Doc())]);
    return result.closeCode === CLOSE.unauthorized && result.frames.length === 0;
  }
  /** Whether a token opens the demo websocket: the server sends its first sync frame. */
  async function wsOpens(token: string): Promise<boolean> {
    const raw = openRaw(`${demoUrl()}?token=${encodeURIComponent(token)}`);
    await raw.opened;
    const first = await Promise.race([
      new Promise<'frame'>((resolve) => raw.ws.once('message', () => resolve('frame'))),
      raw.closed.then(() => 'closed' as const),
    ]);
    raw.ws.close();
    return first === 'frame';
  }
  const bearerExport = (token: string) =>
    fetch(`${server.url}/api/boards/demo/export?format=json`, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    server = await startServer();
    ownerCookie = await demoCookie(server, 'owner', 'us');
    watch = await watchBoard(server);
    watcher = watch.watcher;
  });

  afterAll(async () => {
    sockets.closeAll();
    for (const c of clients) c.destroy();
    watch?.destroy();
    await server?.stop();
  });

  it('AUTH16: `user disable` closes all the user’s sockets within the poll, and refuses every token minted before; re-enabling resurrects none', async () => {
    const member = await newMember('To be disabled');
    const before = await mintToken(server, member.who);

    // Every kind of socket the user can hold: y-websocket by token and by cookie, socket.io
    // by token and by cookie, and a hostile raw socket that will ignore the close frame.
    const byToken = track(connectRecorded(server.wsUrl, 'demo', { token: before }));
    const byCookie = track(connectRecorded(server.wsUrl, 'demo', {}, { cookie: member.cookie }));
    const ioToken = socketIo({ token: before });
    const ioCookie = socketIo({ cookie: member.cookie });
    const stubborn = stubbornSocket(server.port, `/yjs/demo?token=${before}`);
    await Promise.all([
      within(byToken.synced, 10_000, 'the token client to sync'),
      within(byCookie.synced, 10_000, 'the cookie client to sync'),
      connected(ioToken),
      connected(ioCookie),
      stubborn.opened,
    ]);
    await waitFor(() => stubborn.frames.length > 0, 'the stubborn socket to join the room');
    // Positive control: the stubborn socket may write before the revocation (once it has
    // sent its sync step 2, as every client does first).
    stubborn.send(syncFrame(SYNC.step2, Y.encodeStateAsUpdate(new Y.Doc())));
    stubborn.send(updateFrame(positionUpdate(member.who, 'before-disable')));
    await waitFor(() => hasRationale(watcher.doc, 'before-disable'), 'the write before the disable');

    const ioTokenEnded = ended(ioToken);
    const ioCookieEnded = ended(ioCookie);
    await cli('user', 'disable', '--email', member.email);
    expect(await within(byToken.closed, NOTICED_WITHIN_MS, 'the token websocket to close')).toBe(CLOSE.unauthorized);
    expect(await within(byCookie.closed, NOTICED_WITHIN_MS, 'the cookie websocket to close')).toBe(CLOSE.unauthorized);
    expect(await within(stubborn.closeFrame, NOTICED_WITHIN_MS, 'the stubborn close frame')).toBe(CLOSE.unauthorized);
    await within(ioTokenEnded, NOTICED_WITHIN_MS, 'the token socket.io socket to end');
    await within(ioCookieEnded, NOTICED_WITHIN_MS, 'the cookie socket.io socket to end');

    // The hostile client keeps writing on its half-closed socket: nothing is applied or stored.
    stubborn.send(updateFrame(positionUpdate(member.who, 'after-disable')));
    await barrier();
    stubborn.destroy();
    expect(hasRationale(watcher.doc, 'after-disable'), 'a disabled user wrote to the board').toBe(false);
    expect(await exportedRationales()).not.toContain('after-disable');

    // The old token, and one minted while disabled, are refused everywhere at connect.
    const whileDisabled = await mintToken(server, member.who);
    for (const token of [before, whileDisabled]) {
      expect(await wsRefuses(token)).toBe(true);
      await expect(connected(socketIo({ token }))).rejects.toThrow(/access revoked/);
      expect((await bearerExport(token)).status).toBe(401);
    }

    // Re-enabled: old tokens stay dead, the old session stays signed out; a new token works.
    await cli('user', 'enable', '--email', member.email);
    for (const token of [before, whileDisabled]) {
      expect(await wsRefuses(token)).toBe(true);
      await expect(connected(socketIo({ token }))).rejects.toThrow(/access revoked/);
      expect((await bearerExport(token)).status).toBe(401);
    }
    await expect(connected(socketIo({ cookie: member.cookie }))).rejects.toThrow(/sign in/);
    const fresh = (
      await cli(
        'token',
        '--board',
        'demo',
        '--role',
        'delegate',
        '--stakeholder',
        'ukraine',
        '--user',
        member.userId,
        '--name',
        'Re-enabled',
      )
    ).trim();
    const again = track(connectRecorded(server.wsUrl, 'demo', { token: fresh }));
    await within(again.synced, 10_000, 'the fresh token to open the board');
    await connected(socketIo({ token: fresh }));
    expect((await bearerExport(fresh)).status).toBe(200);
    again.destroy();
  });

  it('AUTH17: `user revoke-sessions` closes the user’s websockets and socket.io sockets within the poll and refuses tokens minted before', async () => {
    const member = await newMember('Signed out everywhere');
    const before = await mintToken(server, member.who);
    const byToken = track(connectRecorded(server.wsUrl, 'demo', { token: before }));
    const byCookie = track(connectRecorded(server.wsUrl, 'demo', {}, { cookie: member.cookie }));
    const ioToken = socketIo({ token: before });
    const ioCookie = socketIo({ cookie: member.cookie });
    await Promise.all([
      within(byToken.synced, 10_000, 'the token client to sync'),
      within(byCookie.synced, 10_000, 'the cookie client to sync'),
      connected(ioToken),
      connected(ioCookie),
    ]);
    const ioTokenEnded = ended(ioToken);
    const ioCookieEnded = ended(ioCookie);

    expect(await cli('user', 'revoke-sessions', '--email', member.email)).toBe('1 sessions revoked\n');
    await within(ioCookieEnded, NOTICED_WITHIN_MS, 'the cookie socket.io socket to end');
    await within(ioTokenEnded, NOTICED_WITHIN_MS, 'the token socket.io socket to end');
    expect(await within(byToken.closed, NOTICED_WITHIN_MS, 'the token websocket to close')).toBe(CLOSE.unauthorized);
    expect(await within(byCookie.closed, NOTICED_WITHIN_MS, 'the cookie websocket to close')).toBe(CLOSE.unauthorized);

    expect(await wsRefuses(before)).toBe(true);
    await expect(connected(socketIo({ token: before }))).rejects.toThrow(/access revoked/);
    expect((await bearerExport(before)).status).toBe(401);
    // The account itself is not disabled: a token minted now works.
    const after = await mintToken(server, member.who);
    expect(await wsOpens(after)).toBe(true);
    await connected(socketIo({ token: after }));
    expect((await bearerExport(after)).status).toBe(200);
  });

  it("AUTH18: removing a member closes their token websocket (4410) and token socket.io socket at once, and refuses that board's tokens minted before", async () => {
    const member = await newMember('Removed by token');
    const before = await mintToken(server, member.who);
    const byToken = track(connectRecorded(server.wsUrl, 'demo', { token: before }));
    const ioToken = socketIo({ token: before });
    await Promise.all([within(byToken.synced, 10_000, 'the token client to sync'), connected(ioToken)]);
    const ioTokenEnded = ended(ioToken);

    const removed = await fetch(`${server.url}/api/boards/demo/members/${member.userId}`, {
      method: 'DELETE',
      headers: { cookie: ownerCookie },
    });
    expect(removed.status).toBe(204);
    // In-process: announced by the route itself, well before the store watch would see it.
    expect(await within(byToken.closed, 500, 'the token websocket to close')).toBe(CLOSE.accessChanged);
    await within(ioTokenEnded, 500, 'the token socket.io socket to end');

    expect(await wsRefuses(before)).toBe(true);
    await expect(connected(socketIo({ token: before }))).rejects.toThrow(/access to this board changed/);
    expect((await bearerExport(before)).status).toBe(401);
  });

  it('AUTH19: a membership change made by the CLI closes the member’s socket within the poll; the echo of a REST change spares a connection made since with the new rights', async () => {
    const member = await newMember('Regranted');
    const byCookie = track(connectRecorded(server.wsUrl, 'demo', {}, { cookie: member.cookie }));
    await within(byCookie.synced, 10_000, 'the cookie client to sync');
    await cli('user', 'grant', '--email', member.email, '--board', 'demo', '--role', 'observer');
    expect(await within(byCookie.closed, NOTICED_WITHIN_MS, 'the access-changed close')).toBe(CLOSE.accessChanged);

    // The REST route announces at once; the store watch sees the same change a moment
    // later. A connection made in between, with the new rights, must not be closed by it.
    const reconnected = track(connectRecorded(server.wsUrl, 'demo', {}, { cookie: member.cookie }));
    await within(reconnected.synced, 10_000, 'the observer to sync');
    const patch = await postJson(
      server,
      `/api/boards/demo/members/${member.userId}`,
      { role: 'delegate', stakeholderId: 'ukraine' },
      { cookie: ownerCookie },
      'PATCH',
    );
    expect(patch.status).toBe(200);
    expect(await within(reconnected.closed, 500, 'the access-changed close')).toBe(CLOSE.accessChanged);
    const fresh = openRaw(demoUrl(), { cookie: member.cookie });
    await fresh.opened;
    // Several poll intervals (1 s each) pass: the echo is seen and changes nothing.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(fresh.ws.readyState).toBe(fresh.ws.OPEN);
    expect(fresh.frames.length).toBeGreaterThan(0);
    fresh.ws.close();
  });

  it('AUTH22: "sign out everywhere" over REST closes every websocket and socket.io socket of the user at once, on every device, and refuses their tokens minted before', async () => {
    const member = await newMember('Signs out everywhere');
    // A second device: another session of the same account.
    const signin = await postJson(server, '/api/auth/signin', { email: member.email, password: PASSWORD });
    expect(signin.status).toBe(200);
    const otherDevice = sessionCookie(signin)!;
    const token = await mintToken(server, member.who);
    const wsHere = track(connectRecorded(server.wsUrl, 'demo', {}, { cookie: member.cookie }));
    const wsThere = track(connectRecorded(server.wsUrl, 'demo', {}, { cookie: otherDevice }));
    const wsToken = track(connectRecorded(server.wsUrl, 'demo', { token }));
    const ioHere = socketIo({ cookie: member.cookie });
    const ioThere = socketIo({ cookie: otherDevice });
    const ioToken = socketIo({ token });
    await Promise.all([
      within(wsHere.synced, 10_000, 'this device to sync'),
      within(wsThere.synced, 10_000, 'the other device to sync'),
      within(wsToken.synced, 10_000, 'the token client to sync'),
      connected(ioHere),
      connected(ioThere),
      connected(ioToken),
    ]);
    const ioEnded = [ended(ioHere), ended(ioThere), ended(ioToken)];

    const res = await postJson(server, '/api/auth/signout-everywhere', {}, { cookie: member.cookie });
    expect(res.status).toBe(204);
    // In-process: announced by the route itself, not left to the store watch.
    for (const ws of [wsHere, wsThere, wsToken]) {
      expect(await within(ws.closed, 500, 'a websocket to close')).toBe(CLOSE.unauthorized);
    }
    await within(Promise.all(ioEnded), 500, 'every socket.io socket to end');
    expect((await fetch(`${server.url}/api/auth/me`, { headers: { cookie: otherDevice } })).status).toBe(401);
    expect(await wsRefuses(token)).toBe(true);
    await expect(connected(socketIo({ cookie: otherDevice }))).rejects.toThrow();
  });
});
