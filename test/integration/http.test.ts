import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poll } from '../helpers/people.ts';
import { REPO_ROOT, startServer, type RunningServer } from '../helpers/server.ts';
import { demoLinks, identity, mintToken } from '../helpers/tokens.ts';

const run = promisify(execFile);

describe('HTTP and CLI', () => {
  let server: RunningServer;
  let auth: { authorization: string };
  beforeAll(async () => {
    server = await startServer();
    auth = { authorization: `Bearer ${await mintToken(server, identity('observer', null))}` };
  });
  afterAll(async () => {
    await server.stop();
  });

  it('HTTP7: with its logs as JSON (not a terminal), the server also prints each demo sign-in link on a plain line, as in the structured log', async () => {
    const links = server.logs.find((l) => l['msg'] === 'demo sign-in links')?.['links'] as {
      label: string;
      url: string;
    }[];
    expect(links.length).toBeGreaterThan(0);
    await poll(() => server.plainOutput.join('\n')).toContain(links.at(-1)!.url);
    const output = server.plainOutput.join('\n');
    expect(output).toContain(`Parley is running at`);
    for (const link of links) {
      const line = server.plainOutput.find((l) => l.includes(link.url));
      expect(line, link.label).toContain(link.label);
    }
  });

  it('HTTP1: GET /healthz answers 200 with JSON', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });

  it('HTTP2: REST errors are JSON { error: { code, message } } with the right status', async () => {
    const missing = await fetch(`${server.url}/api/nothing-here`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    const unknown = await fetch(`${server.url}/api/boards/no-such-board/export`, { headers: auth });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'unknown_board' } });
    const badFormat = await fetch(`${server.url}/api/boards/demo/export?format=docx`, { headers: auth });
    expect(badFormat.status).toBe(400);
    expect(await badFormat.json()).toMatchObject({ error: { code: 'invalid_format' } });
    const badId = await fetch(`${server.url}/api/boards/..%2fetc/export`);
    expect(badId.status).toBe(400);
  });

  it("HTTP3: the board list names the signed-in user's boards with their role, and needs a session", async () => {
    expect((await fetch(`${server.url}/api/boards`)).status).toBe(401);
    const ukraine = demoLinks(server).find((l) => l.stakeholderId === 'ukraine')!;
    const signIn = await fetch(ukraine.url.replace(/^http:\/\/localhost:\d+/, server.url), { redirect: 'manual' });
    expect(signIn.status).toBe(303);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const res = await fetch(`${server.url}/api/boards`, { headers: { cookie } });
    expect(await res.json()).toEqual({
      boards: [
        {
          id: 'demo',
          title: expect.stringMatching(/demo/i),
          role: 'delegate',
          stakeholderId: 'ukraine',
          stakeholderName: 'Ukraine',
          archived: false,
          online: [],
        },
      ],
    });
  });

  it('HTTP4: the demo board exports as Markdown and JSON to a member (here by bearer token)', async () => {
    expect((await fetch(`${server.url}/api/boards/demo/export?format=md`)).status).toBe(401);
    const md = await (await fetch(`${server.url}/api/boards/demo/export?format=md`, { headers: auth })).text();
    expect(md).toMatch(/^# .*demo/im);
    expect(md).toContain('## Peace in Ukraine');
    expect(md).toMatch(/^28\. \*\*/m);
    const json = (await (
      await fetch(`${server.url}/api/boards/demo/export?format=json`, { headers: auth })
    ).json()) as {
      points: unknown[];
    };
    expect(json.points).toHaveLength(28);
  });

  it('HTTP5: a board-scoped route answers the same for a board that does not exist and one the caller may not see (401 signed out, 404 signed in)', async () => {
    const stranger = await fetch(`${server.url}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: `stranger-${Date.now()}@example.test`,
        name: 'Stranger',
        password: 'correct horse battery staple',
      }),
    });
    expect(stranger.status).toBe(201);
    const strangerCookie = stranger.headers.get('set-cookie')!.split(';')[0]!;
    // A valid token for a board other than the one asked for (here one that does not exist).
    const elsewhere = await mintToken(server, identity('owner', 'us'), 'ghost-board');
    const callers: [string, Record<string, string>, number][] = [
      ['signed out', {}, 401],
      ['a signed-in non-member', { cookie: strangerCookie }, 404],
      ["another board's token", { authorization: `Bearer ${elsewhere}` }, 404],
    ];
    const routes: [string, (board: string) => string, string?][] = [
      ['GET', (b) => `/api/boards/${b}/export?format=md`],
      ['GET', (b) => `/api/boards/${b}/export?format=json`],
      ['GET', (b) => `/api/boards/${b}/members`],
      ['POST', (b) => `/api/boards/${b}/invites`, JSON.stringify({ role: 'observer', stakeholderId: null })],
      ['PATCH', (b) => `/api/boards/${b}/members/u_someone`, JSON.stringify({ role: 'observer', stakeholderId: null })],
      ['DELETE', (b) => `/api/boards/${b}/members/u_someone`],
      ['DELETE', (b) => `/api/boards/${b}/invites/i_something`],
    ];
    for (const [who, headers, status] of callers) {
      for (const [method, path, body] of routes) {
        const answer = async (board: string) => {
          const res = await fetch(`${server.url}${path(board)}`, {
            method,
            headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
            ...(body ? { body } : {}),
          });
          return { status: res.status, body: await res.text() };
        };
        const [existing, missing] = [await answer('demo'), await answer('no-such-board')];
        const label = `${who}: ${method} ${path('…')}`;
        expect(existing.status, label).toBe(status);
        expect(missing, label).toEqual(existing);
      }
    }
    // The control: a member's token reads the board, and gets 404 for one that does not exist.
    expect((await fetch(`${server.url}/api/boards/demo/export?format=json`, { headers: auth })).status).toBe(200);
    const missing = await fetch(`${server.url}/api/boards/no-such-board/export?format=json`, { headers: auth });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'unknown_board' } });
  });

  it('CLI1: `parley export` prints the stored board as JSON or Markdown; bad arguments fail clearly', async () => {
    const cli = (args: string[]) =>
      run('npm', ['run', '--silent', 'parley', '--', ...args], {
        cwd: REPO_ROOT,
        env: { ...process.env, PARLEY_DATA_DIR: server.dataDir },
      });
    const json = await cli(['export', '--board', 'demo', '--format', 'json']);
    expect((JSON.parse(json.stdout) as { points: unknown[] }).points).toHaveLength(28);
    const md = await cli(['export', '--board', 'demo', '--format', 'md']);
    expect(md.stdout).toContain('## Security guarantees');
    const help = await cli(['--help']);
    expect(help.stdout).toMatch(/export/);
    await expect(cli(['export', '--board', 'demo', '--format', 'pdf'])).rejects.toMatchObject({
      stderr: expect.stringMatching(/format/i),
    });
    await expect(cli(['export', '--board', 'nope', '--format', 'json'])).rejects.toMatchObject({
      stderr: expect.stringMatching(/no board "nope"/i),
    });
  });
});

describe('HTTP behind proxies', () => {
  let plain: RunningServer;
  let proxied: RunningServer;
  beforeAll(async () => {
    [plain, proxied] = await Promise.all([startServer(), startServer({ env: { PARLEY_TRUST_PROXY: 'loopback' } })]);
  });
  afterAll(async () => {
    await Promise.all([plain?.stop(), proxied?.stop()]);
  });

  /** Statuses of `n` sign-in attempts from loopback, each claiming another client address. */
  async function rotatingSignIns(server: RunningServer, n: number): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < n; i++) {
      // An empty body is refused (400) after the rate limit counted it, without an scrypt.
      const res = await fetch(`${server.url}/api/auth/signin`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `203.0.113.${i + 1}` },
        body: '{}',
      });
      statuses.push(res.status);
    }
    return statuses;
  }

  it('HTTP6: X-Forwarded-For is not trusted unless PARLEY_TRUST_PROXY says so: a rotating one does not escape the sign-in rate limit', async () => {
    const limited = await rotatingSignIns(plain, 32);
    expect(limited.slice(0, 30).every((s) => s === 400)).toBe(true);
    expect(limited.slice(30)).toEqual([429, 429]);
    // The control: with the proxy trusted, each claimed address has a budget of its own.
    const trusted = await rotatingSignIns(proxied, 32);
    expect(trusted.every((s) => s === 400)).toBe(true);
  });
});
