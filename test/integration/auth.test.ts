/**
 * Authentication and access over the real server: websocket credentials (tokens and
 * session cookies), the REST account flows, invites and membership changes acting on open
 * sockets, the origin policy, security headers and REST body validation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  listPoints,
  listPositions,
  pointText,
  setPosition,
  type Actor,
  type StakeholderId,
  type UserId,
} from '@parley/shared/model';
import { CLOSE } from '@parley/shared/protocol';
import { buildDemoState } from '../../server/src/seed/createDemoBoard.ts';
import { SqliteStorage } from '../../server/src/persistence/sqlite/SqliteStorage.ts';
import { PASSWORD, newEmail, signUp } from '../helpers/accounts.ts';
import { rawSession, waitFor, type StockClient } from '../helpers/clients.ts';
import { startServer, tempDataDir, type RunningServer } from '../helpers/server.ts';
import { identity, mintToken } from '../helpers/tokens.ts';
import {
  badTokens,
  connectRecorded,
  demoCookie,
  openRaw,
  postJson,
  sessionCookie,
  step1Frame,
  stubbornSocket,
  tokenFor,
  updateFrame,
  updateOf,
  watchBoard,
  within,
  type BoardWatch,
  type RecordedClient,
} from '../helpers/security.ts';

const OTHER_BOARD = 'other';

describe('authentication and access', () => {
  let server: RunningServer;
  let watch: BoardWatch;
  let watcher: StockClient;
  const clients: (StockClient | RecordedClient)[] = [];
  const track = <C extends StockClient | RecordedClient>(c: C): C => {
    clients.push(c);
    return c;
  };
  const demoUrl = () => `${server.wsUrl}/yjs/demo`;

  /** A position write for `stakeholderId` by `userId`, as an update against the watcher's state. */
  function positionUpdate(userId: string, stakeholderId: string, rationale: string, pointIndex = 0): Uint8Array {
    const actor: Actor = { userId: userId as UserId, name: 'x', stakeholderId: stakeholderId as StakeholderId };
    const pointId = listPoints(watcher.doc)[pointIndex]!.id;
    return updateOf(watcher.doc, (d) =>
      setPosition(d, actor, { pointId, stakeholderId: stakeholderId as StakeholderId, stance: 'support', rationale }),
    );
  }
  const hasRationale = (rationale: string) => listPositions(watcher.doc).some((p) => p.rationale === rationale);

  const barrier = () => watch.barrier();

  beforeAll(async () => {
    // A second board, so "a member of one board, not of another" can be checked.
    const dataDir = tempDataDir();
    const storage = new SqliteStorage(dataDir);
    await storage.createBoard(OTHER_BOARD, 'Another board', buildDemoState());
    await storage.close();
    server = await startServer({ dataDir });
    watch = await watchBoard(server);
    watcher = watch.watcher;
  });

  afterAll(async () => {
    for (const c of clients) c.destroy();
    watch?.destroy();
    await server?.stop();
  });

  describe('websocket credentials', () => {
    it('AUTH1: a websocket without credentials is closed with 4401 before any frame', async () => {
      const result = await rawSession(demoUrl(), [step1Frame(new Y.Doc())]);
      expect(result.closeCode).toBe(CLOSE.unauthorized);
      expect(result.frames).toHaveLength(0);
      const empty = await rawSession(`${demoUrl()}?token=`, [step1Frame(new Y.Doc())]);
      expect(empty.closeCode).toBe(CLOSE.unauthorized);
      expect(empty.frames).toHaveLength(0);
    });

    it('AUTH2: a valid token opens the board (positive control for AUTH3)', async () => {
      const { token } = await tokenFor(server, 'observer', null);
      const raw = openRaw(`${demoUrl()}?token=${token}`);
      await raw.opened;
      await waitFor(() => raw.frames.length > 0, 'the first sync frame');
      raw.ws.close();
      const other = openRaw(
        `${server.wsUrl}/yjs/${OTHER_BOARD}?token=${await mintToken(server, identity('observer', null), OTHER_BOARD)}`,
      );
      await other.opened;
      await waitFor(() => other.frames.length > 0, 'the first sync frame of the other board');
      other.ws.close();
    });

    it('AUTH3: a bad signature, a foreign key, alg "none", an expired token or another board\'s token → 4401, no frames', async () => {
      const who = identity('owner', 'us');
      const { flipped, foreignKey, algNone, expired } = await badTokens(server, who);
      const otherBoard = await mintToken(server, who, OTHER_BOARD);

      const cases: [string, string][] = [
        ['a flipped signature byte', flipped],
        ['a token signed with another key', foreignKey],
        ['an unsigned alg "none" token', algNone],
        ['an expired token', expired],
        ["another board's token", otherBoard],
        ['garbage', 'not.a.jwt'],
      ];
      for (const [label, token] of cases) {
        const result = await rawSession(`${demoUrl()}?token=${encodeURIComponent(token)}`, [step1Frame(new Y.Doc())]);
        expect(result.closeCode, label).toBe(CLOSE.unauthorized);
        expect(result.frames, label).toHaveLength(0);
      }
    });
  });

  describe('accounts over REST', () => {
    it("AUTH21: the board routes take the CLI's `Authorization: Bearer <token>` as well as a session: GET /api/boards lists the token's one board with its role; the board, its export, search, members and a point's history answer; creating a board needs an account (401)", async () => {
      const who = identity('owner', 'us', 'Token Owner');
      const headers = { authorization: `Bearer ${await mintToken(server, who)}` };
      const get = (path: string) => fetch(`${server.url}${path}`, { headers });
      const list = await get('/api/boards');
      expect(list.status).toBe(200);
      expect(((await list.json()) as { boards: unknown[] }).boards).toEqual([
        expect.objectContaining({ id: 'demo', role: 'owner', stakeholderId: 'us', stakeholderName: 'United States' }),
      ]);
      for (const path of [
        '/api/boards/demo',
        '/api/boards/demo/export?format=json',
        '/api/boards/demo/search?q=ceasefire',
        '/api/boards/demo/members',
        '/api/boards/demo/points/p_any/history',
        '/api/search?q=ceasefire',
      ]) {
        expect((await get(path)).status, path).toBe(200);
      }
      const create = await postJson(
        server,
        '/api/boards',
        { title: 'T', stakeholders: [{ name: 'A' }], ownStakeholder: 'A' },
        headers,
      );
      expect(create.status).toBe(401);
      expect((await fetch(`${server.url}/api/boards`)).status).toBe(401);
    });

    it('AUTH4: sign-up, sign-in, wrong password, weak password, duplicate email and sign-out', async () => {
      const email = newEmail();
      const weak = await postJson(server, '/api/auth/signup', { email, name: 'Weak', password: 'short' });
      expect(weak.status).toBe(400);
      expect(await weak.json()).toEqual({ error: { code: 'weak_password', message: expect.any(String) } });
      expect(sessionCookie(weak)).toBeNull();

      const up = await postJson(server, '/api/auth/signup', { email, name: 'Grace', password: PASSWORD });
      expect(up.status).toBe(201);
      const raw = up.headers.getSetCookie().find((c) => c.startsWith('parley_session='))!;
      expect(raw).toMatch(/HttpOnly/i);
      expect(raw).toMatch(/SameSite=Lax/i);
      const upCookie = sessionCookie(up)!;
      const me = await fetch(`${server.url}/api/auth/me`, { headers: { cookie: upCookie } });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ user: { email, name: 'Grace' }, memberships: [] });

      const dup = await postJson(server, '/api/auth/signup', { email, name: 'Again', password: PASSWORD });
      expect(dup.status).toBe(409);
      expect(await dup.json()).toMatchObject({ error: { code: 'email_taken' } });

      const wrong = await postJson(server, '/api/auth/signin', { email, password: `${PASSWORD}!` });
      expect(wrong.status).toBe(401);
      expect(await wrong.json()).toEqual({ error: { code: 'bad_credentials', message: expect.any(String) } });
      expect(sessionCookie(wrong)).toBeNull();
      const nobody = await postJson(server, '/api/auth/signin', { email: newEmail(), password: PASSWORD });
      expect(nobody.status).toBe(401);
      expect(await nobody.json()).toMatchObject({ error: { code: 'bad_credentials' } });

      const inRes = await postJson(server, '/api/auth/signin', { email, password: PASSWORD });
      expect(inRes.status).toBe(200);
      const cookie = sessionCookie(inRes)!;
      expect(cookie).not.toBe(upCookie);
      expect((await fetch(`${server.url}/api/auth/me`, { headers: { cookie } })).status).toBe(200);

      const out = await postJson(server, '/api/auth/signout', {}, { cookie });
      expect(out.status).toBe(204);
      expect(out.headers.getSetCookie().some((c) => /^parley_session=;/.test(c))).toBe(true);
      const after = await fetch(`${server.url}/api/auth/me`, { headers: { cookie } });
      expect(after.status).toBe(401);
      expect(await after.json()).toMatchObject({ error: { code: 'unauthorized' } });
      // Signing out one session leaves the other alone.
      expect((await fetch(`${server.url}/api/auth/me`, { headers: { cookie: upCookie } })).status).toBe(200);
    });

    it('AUTH5: a session cookie opens the websocket of a board its user is a member of, and no other', async () => {
      const owner = await demoCookie(server, 'owner', 'us');
      const ok = openRaw(demoUrl(), { cookie: owner });
      await ok.opened;
      await waitFor(() => ok.frames.length > 0, 'the first sync frame');
      ok.ws.close();
      const notMember = openRaw(`${server.wsUrl}/yjs/${OTHER_BOARD}`, { cookie: owner });
      expect((await within(notMember.closed, 10_000, 'the refusal')).code).toBe(CLOSE.unauthorized);
      expect(notMember.frames).toHaveLength(0);
      const stranger = await signUp(server, 'Stranger');
      const refused = openRaw(demoUrl(), { cookie: stranger.cookie });
      expect((await within(refused.closed, 10_000, 'the refusal')).code).toBe(CLOSE.unauthorized);
      expect(refused.frames).toHaveLength(0);
      const bogus = openRaw(demoUrl(), { cookie: 'parley_session=not-a-session' });
      expect((await within(bogus.closed, 10_000, 'the refusal')).code).toBe(CLOSE.unauthorized);
      expect(bogus.frames).toHaveLength(0);
    });

    it("AUTH6: signing out closes that session's open websocket with 4401, and the cookie stops working", async () => {
      const cookie = await demoCookie(server, 'delegate', 'ukraine');
      const client = track(connectRecorded(server.wsUrl, 'demo', {}, { cookie }));
      await within(client.synced, 10_000, 'the cookie client to sync');
      const out = await postJson(server, '/api/auth/signout', {}, { cookie });
      expect(out.status).toBe(204);
      expect(await within(client.closed, 10_000, 'the sign-out close')).toBe(CLOSE.unauthorized);
      const again = openRaw(demoUrl(), { cookie });
      expect((await within(again.closed, 10_000, 'the refusal')).code).toBe(CLOSE.unauthorized);
      expect(again.frames).toHaveLength(0);
      expect((await fetch(`${server.url}/api/auth/me`, { headers: { cookie } })).status).toBe(401);
    });

    it('AUTH11: a client that ignores the close frame cannot write after its session was signed out', async () => {
      const cookie = await demoCookie(server, 'delegate', 'ukraine');
      const me = (await (await fetch(`${server.url}/api/auth/me`, { headers: { cookie } })).json()) as {
        user: { id: string };
      };
      const sock = stubbornSocket(server.port, '/yjs/demo', { cookie });
      await sock.opened;
      await waitFor(() => sock.frames.length > 0, 'the server sync step 1 (joined the room)');
      expect((await postJson(server, '/api/auth/signout', {}, { cookie })).status).toBe(204);
      expect(await within(sock.closeFrame, 10_000, 'the close frame')).toBe(CLOSE.unauthorized);
      // The socket is still open at the TCP level; a hostile client keeps talking.
      sock.send(updateFrame(positionUpdate(me.user.id, 'ukraine', 'written-after-sign-out', 2)));
      await barrier();
      sock.destroy();
      expect(hasRationale('written-after-sign-out'), 'a signed-out session wrote to the board').toBe(false);
    });
  });

  describe('invites and membership changes', () => {
    let ownerCookie = '';
    let invitee: { cookie: string; userId: string };
    let inviteToken = '';

    beforeAll(async () => {
      ownerCookie = await demoCookie(server, 'owner', 'us');
    });

    it('AUTH7: only an owner creates invites; an invitee who signs up and accepts gets exactly the granted role', async () => {
      const editorCookie = await demoCookie(server, 'editor', 'us');
      const byEditor = await postJson(
        server,
        '/api/boards/demo/invites',
        { role: 'delegate', stakeholderId: 'ukraine' },
        { cookie: editorCookie },
      );
      expect(byEditor.status).toBe(403);
      expect(await byEditor.json()).toMatchObject({ error: { code: 'forbidden' } });

      const created = await postJson(
        server,
        '/api/boards/demo/invites',
        { role: 'delegate', stakeholderId: 'ukraine' },
        { cookie: ownerCookie },
      );
      expect(created.status).toBe(201);
      const { invite } = (await created.json()) as { invite: { url: string } };
      inviteToken = /\/invite\/([A-Za-z0-9_-]+)$/.exec(invite.url)![1]!;
      const preview = await fetch(`${server.url}/api/invites/${inviteToken}`);
      expect(preview.status).toBe(200);
      expect(await preview.json()).toMatchObject({
        invite: { boardId: 'demo', role: 'delegate', stakeholderId: 'ukraine' },
      });

      invitee = await signUp(server, 'Invited Ukraine delegate');
      const before = openRaw(demoUrl(), { cookie: invitee.cookie });
      expect((await within(before.closed, 10_000, 'the refusal')).code).toBe(CLOSE.unauthorized);
      const accepted = await postJson(server, `/api/invites/${inviteToken}/accept`, {}, { cookie: invitee.cookie });
      expect(accepted.status).toBe(200);
      expect(await accepted.json()).toMatchObject({
        membership: { boardId: 'demo', userId: invitee.userId, role: 'delegate', stakeholderId: 'ukraine' },
      });

      // A Ukraine position is allowed on the invitee's socket...
      const member = track(connectRecorded(server.wsUrl, 'demo', {}, { cookie: invitee.cookie }));
      await within(member.synced, 10_000, 'the invitee to sync');
      const pointId = listPoints(member.doc)[3]!.id;
      const actor: Actor = {
        userId: invitee.userId as UserId,
        // The server pins a position's byName to the writer's account name (GUARD16).
        name: 'Invited Ukraine delegate',
        stakeholderId: 'ukraine' as StakeholderId,
      };
      setPosition(member.doc, actor, {
        pointId,
        stakeholderId: 'ukraine' as StakeholderId,
        stance: 'support',
        rationale: 'invitee-ukraine',
      });
      await waitFor(() => hasRationale('invitee-ukraine'), 'the Ukraine position to reach the watcher');
      expect(member.closes).toEqual([]);
      // ...a Russia position is not.
      setPosition(member.doc, actor, {
        pointId,
        stakeholderId: 'russia' as StakeholderId,
        stance: 'oppose',
        rationale: 'invitee-russia',
      });
      expect(await within(member.closed, 10_000, 'the forbidden-update close')).toBe(CLOSE.forbiddenUpdate);
      await barrier();
      expect(hasRationale('invitee-russia')).toBe(false);
      member.destroy();
    });

    it('AUTH8: a used invite cannot be used again (410), and an unknown one is refused', async () => {
      const second = await signUp(server, 'Latecomer');
      const reuse = await postJson(server, `/api/invites/${inviteToken}/accept`, {}, { cookie: second.cookie });
      expect(reuse.status).toBe(410);
      expect(await reuse.json()).toMatchObject({ error: { code: 'invite_invalid' } });
      expect((await fetch(`${server.url}/api/invites/${inviteToken}`)).status).toBe(404);
      const unknown = await postJson(server, '/api/invites/no-such-invite/accept', {}, { cookie: second.cookie });
      expect(unknown.status).toBe(410);
      const anonymous = await postJson(server, `/api/invites/${inviteToken}/accept`, {});
      expect(anonymous.status).toBe(401);
      const still = openRaw(demoUrl(), { cookie: second.cookie });
      expect((await within(still.closed, 10_000, 'the refusal')).code).toBe(CLOSE.unauthorized);
    });

    it("AUTH9: an owner's role change closes the member's open socket with 4410; the new role applies on reconnect", async () => {
      const member = track(connectRecorded(server.wsUrl, 'demo', {}, { cookie: invitee.cookie }));
      await within(member.synced, 10_000, 'the member to sync');
      const patch = await postJson(
        server,
        `/api/boards/demo/members/${invitee.userId}`,
        { role: 'observer', stakeholderId: null },
        { cookie: ownerCookie },
        'PATCH',
      );
      expect(patch.status).toBe(200);
      expect(await within(member.closed, 10_000, 'the access-changed close')).toBe(CLOSE.accessChanged);
      member.destroy();

      const again = track(connectRecorded(server.wsUrl, 'demo', {}, { cookie: invitee.cookie }));
      await within(again.synced, 10_000, 'the reconnect as observer');
      pointText(again.doc, listPoints(again.doc)[0]!.id, 'body')!.insert(0, 'observer-now ');
      expect(await within(again.closed, 10_000, 'the forbidden-update close')).toBe(CLOSE.forbiddenUpdate);
      await barrier();
      expect(listPoints(watcher.doc)[0]!.body).not.toContain('observer-now');
      again.destroy();
    });

    it('AUTH10: removing a member closes their open socket (4410) and the next connect is refused with 4401', async () => {
      const member = track(connectRecorded(server.wsUrl, 'demo', {}, { cookie: invitee.cookie }));
      await within(member.synced, 10_000, 'the member to sync');
      const removed = await fetch(`${server.url}/api/boards/demo/members/${invitee.userId}`, {
        method: 'DELETE',
        headers: { cookie: ownerCookie },
      });
      expect(removed.status).toBe(204);
      expect(await within(member.closed, 10_000, 'the access-changed close')).toBe(CLOSE.accessChanged);
      member.destroy();
      const next = openRaw(demoUrl(), { cookie: invitee.cookie });
      expect((await within(next.closed, 10_000, 'the refusal')).code).toBe(CLOSE.unauthorized);
      expect(next.frames).toHaveLength(0);
    });
  });

  describe('origins, headers and bodies', () => {
    it('AUTH12: a websocket upgrade from a foreign Origin is refused with HTTP 403 and never opens', async () => {
      const { token } = await tokenFor(server, 'owner', 'us');
      for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${server.port}.evil.example`]) {
        const evil = openRaw(`${demoUrl()}?token=${token}`, { origin });
        await expect(evil.opened, origin).rejects.toThrow(/403/);
        expect(evil.refusedStatus(), origin).toBe(403);
        expect(evil.frames).toHaveLength(0);
      }
      for (const headers of [{}, { origin: `http://127.0.0.1:${server.port}` }] as Record<string, string>[]) {
        const ok = openRaw(`${demoUrl()}?token=${token}`, headers);
        await ok.opened;
        await waitFor(() => ok.frames.length > 0, 'the first frame');
        ok.ws.close();
      }
    });

    it('AUTH13: a state-changing REST request from a foreign Origin is refused with 403 forbidden_origin', async () => {
      const cookie = await demoCookie(server, 'observer', null);
      const res = await postJson(server, '/api/auth/signout', {}, { cookie, origin: 'http://evil.example' });
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(await res.json()).toEqual({ error: { code: 'forbidden_origin', message: expect.any(String) } });
      const crossSite = await postJson(server, '/api/auth/signout', {}, { cookie, 'sec-fetch-site': 'cross-site' });
      expect(crossSite.status).toBe(403);
      // The refused sign-out did nothing: the session still works.
      expect((await fetch(`${server.url}/api/auth/me`, { headers: { cookie } })).status).toBe(200);
      const sameOrigin = await postJson(server, '/api/auth/signout', {}, { cookie, origin: server.url });
      expect(sameOrigin.status).toBe(204);
    });

    it('AUTH14: responses carry a strict CSP and nosniff', async () => {
      for (const path of ['/healthz', '/api/auth/me', '/b/demo']) {
        const res = await fetch(`${server.url}${path}`);
        const csp = res.headers.get('content-security-policy') ?? '';
        expect(csp, path).toContain("script-src 'self'");
        expect(
          csp.split(';').find((d) => d.trim().startsWith('script-src')),
          path,
        ).not.toMatch(/unsafe/);
        expect(csp, path).toContain("frame-ancestors 'none'");
        expect(csp, path).toContain("object-src 'none'");
        expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      }
    });

    it('AUTH15: invalid JSON, wrong types and non-object bodies are 400 { error: { code, message } }', async () => {
      const ownerCookie = await demoCookie(server, 'owner', 'us');
      const cases: [string, string, Record<string, string>][] = [
        ['/api/auth/signin', '{"email": "a@b.c", "password": ', {}],
        ['/api/auth/signup', JSON.stringify({ email: 42, name: ['x'], password: { long: true } }), {}],
        ['/api/auth/signin', JSON.stringify(['a@b.c', PASSWORD]), {}],
        ['/api/auth/signin', '"just a string"', {}],
        ['/api/boards/demo/invites', JSON.stringify({ role: 'emperor', stakeholderId: 7 }), { cookie: ownerCookie }],
        ['/api/boards/demo/invites', '{not json', { cookie: ownerCookie }],
        [
          '/api/boards/demo/invites',
          JSON.stringify({ role: 'delegate', stakeholderId: '../x' }),
          { cookie: ownerCookie },
        ],
      ];
      for (const [path, body, headers] of cases) {
        const res = await postJson(server, path, body, headers);
        expect(res.status, `${path} ${body}`).toBe(400);
        const json = (await res.json()) as { error: { code: unknown; message: unknown } };
        expect(json, `${path} ${body}`).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
      }
    });
  });
});
