/**
 * Boards of one's own over HTTP: `POST /api/boards` and `POST /api/boards/import` against a
 * real server, then the new board opened by a stock y-websocket client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boardToMarkdown } from '@parley/shared/export';
import { listCategories, listPoints, listStakeholders, toBoardJson, type BoardJson } from '@parley/shared/model';
import { signUp, type Account } from '../helpers/accounts.ts';
import { connectClient, type StockClient } from '../helpers/clients.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { mintToken } from '../helpers/tokens.ts';
import { postJson, within } from '../helpers/security.ts';

let counter = 0;

async function upload(server: RunningServer, body: string | Uint8Array, type: string, query = '', cookie?: string) {
  const res = await fetch(`${server.url}/api/boards/import${query}`, {
    method: 'POST',
    headers: { 'content-type': type, ...(cookie ? { cookie } : {}) },
    body: typeof body === 'string' ? body : Buffer.from(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const PLAN = [
  '# Recovery framework',
  '',
  'For comment.',
  '',
  '## Peace',
  '1. **Ceasefire**',
  '   Both sides stop.',
  '',
  '   Second paragraph.',
  '   - *Government*: Support — agreed',
  '   - *Civil society*: Oppose',
  '   - Open thread (Civil society): Why now?',
  '2) Monitoring',
  '## Security',
  '1. Guarantees',
].join('\n');

describe('creating and importing boards', () => {
  let server: RunningServer;
  let restricted: RunningServer;
  let alice: Account;
  const clients: StockClient[] = [];

  beforeAll(async () => {
    [server, restricted] = await Promise.all([
      startServer(),
      startServer({ env: { PARLEY_BOARD_CREATION: 'cli', PARLEY_SEED_DEMO: 'false' } }),
    ]);
    alice = await signUp(server, 'Alice');
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await Promise.all([server?.stop(), restricted?.stop()]);
  });

  async function listed(cookie: string) {
    return ((await (await fetch(`${server.url}/api/boards`, { headers: { cookie } })).json()) as { boards: unknown[] })
      .boards;
  }

  async function open(boardId: string, role: 'owner' | 'observer' = 'observer') {
    const token = await mintToken(
      server,
      { userId: `u-open-${++counter}`, name: 'Reader', role, stakeholderId: null },
      boardId,
    );
    const client = connectClient(server.wsUrl, boardId, { token });
    clients.push(client);
    await within(client.synced, 10_000, 'the new board to sync');
    return client;
  }

  it('BOARD1: POST /api/boards creates a board owned by the signed-in creator as their stakeholder, with derived ids, short labels and distinct colours', async () => {
    const res = await postJson(
      server,
      '/api/boards',
      {
        title: '  Our   plan ',
        description: 'Round 1',
        stakeholders: [
          { name: 'United States' },
          { name: 'Ukraine', short: 'UA', color: '#0057B7' },
          { name: 'Drafting team' },
        ],
        ownStakeholder: 'drafting team',
      },
      { cookie: alice.cookie },
    );
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    expect(id).toMatch(/^[a-z0-9][a-z0-9-]{0,62}$/);
    expect(await listed(alice.cookie)).toContainEqual({
      id,
      title: 'Our plan',
      role: 'owner',
      stakeholderId: 'drafting-team',
      stakeholderName: 'Drafting team',
      archived: false,
      online: [],
    });
    const client = await open(id);
    expect(listStakeholders(client.doc).map((s) => [s.id, s.name, s.short, s.color])).toEqual([
      ['united-states', 'United States', 'US', '#1d4ed8'],
      ['ukraine', 'Ukraine', 'UA', '#0057b7'],
      ['drafting-team', 'Drafting team', 'DT', '#047857'],
    ]);
    expect(toBoardJson(client.doc).meta).toMatchObject({ title: 'Our plan', description: 'Round 1', isDemo: false });
    expect(listCategories(client.doc)).toEqual([]);
  });

  it("BOARD2: start 'demo-shape' gives the demo's four categories and four stakeholders with no points", async () => {
    const res = await postJson(
      server,
      '/api/boards',
      { title: 'Shaped', stakeholders: [], ownStakeholder: 'Ukraine', start: 'demo-shape' },
      { cookie: alice.cookie },
    );
    expect(res.status).toBe(201);
    const client = await open(((await res.json()) as { id: string }).id);
    expect(listCategories(client.doc).map((c) => c.title)).toEqual([
      'Peace in Ukraine',
      'Security guarantees',
      'Security across Europe',
      'Future US relations with Russia and Ukraine',
    ]);
    expect(listStakeholders(client.doc).map((s) => s.name)).toEqual([
      'United States',
      'Russia',
      'Ukraine',
      'European partners',
    ]);
    expect(listPoints(client.doc)).toEqual([]);
  });

  it('BOARD3: signed out → 401, a bad body → 400, both as the JSON error; nothing is created', async () => {
    const good = { title: 'T', stakeholders: [{ name: 'A' }], ownStakeholder: 'A' };
    const out = await postJson(server, '/api/boards', good);
    expect(out.status).toBe(401);
    expect(await out.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    const before = (await listed(alice.cookie)).length;
    const bad: unknown[] = [
      {},
      { ...good, title: '   ' },
      { ...good, title: 'x'.repeat(301) },
      { ...good, stakeholders: [] },
      { ...good, stakeholders: [{ name: 'A' }, { name: 'a' }] },
      { ...good, stakeholders: [{ name: 'A', color: 'red' }] },
      { ...good, stakeholders: [{ name: 'A', short: 'TOOLONGLABEL' }] },
      { ...good, ownStakeholder: 'B' },
      { ...good, start: 'template' },
      '{not json',
    ];
    for (const body of bad) {
      const res = await postJson(server, '/api/boards', body, { cookie: alice.cookie });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toMatchObject({
        error: { code: expect.stringMatching(/invalid_body|bad_request/), message: expect.any(String) },
      });
    }
    expect(await listed(alice.cookie)).toHaveLength(before);
  });

  it('BOARD4: with PARLEY_BOARD_CREATION=cli both POST routes answer 403 board_creation_disabled (401 still first when signed out)', async () => {
    const bob = await signUp(restricted, 'Bob');
    const created = await postJson(
      restricted,
      '/api/boards',
      { title: 'T', stakeholders: [{ name: 'A' }], ownStakeholder: 'A' },
      { cookie: bob.cookie },
    );
    expect(created.status).toBe(403);
    expect(await created.json()).toMatchObject({ error: { code: 'board_creation_disabled' } });
    expect(await upload(restricted, PLAN, 'text/markdown', '', bob.cookie)).toMatchObject({
      status: 403,
      body: { error: { code: 'board_creation_disabled' } },
    });
    expect((await upload(restricted, PLAN, 'text/markdown')).status).toBe(401);
  });

  it('IMPORT9: POST /api/boards/import with a Markdown plan creates the board (one stored state) owned by the importer as its first stakeholder; ?dryRun=1 previews the counts and creates nothing', async () => {
    const before = (await listed(alice.cookie)).length;
    const preview = await upload(server, PLAN, 'text/markdown; charset=utf-8', '?dryRun=1', alice.cookie);
    expect(preview).toEqual({
      status: 200,
      body: {
        preview: {
          title: 'Recovery framework',
          categories: 2,
          points: 3,
          stakeholders: 2,
          positions: 2,
          threads: 1,
          comments: 1,
        },
      },
    });
    expect(await listed(alice.cookie)).toHaveLength(before);
    const created = await upload(server, PLAN, 'text/markdown', '?title=Renamed%20on%20import', alice.cookie);
    expect(created.status).toBe(201);
    const id = created.body['id'] as string;
    expect(await listed(alice.cookie)).toContainEqual({
      id,
      title: 'Renamed on import',
      role: 'owner',
      stakeholderId: 'government',
      stakeholderName: 'Government',
      archived: false,
      online: [],
    });
    const md = await (
      await fetch(`${server.url}/api/boards/${id}/export?format=md`, { headers: { cookie: alice.cookie } })
    ).text();
    expect(md).toBe(
      [
        '# Renamed on import',
        '',
        'For comment.',
        '',
        '## Peace',
        '',
        '1. **Ceasefire**',
        '   Both sides stop.',
        '',
        '   Second paragraph.',
        '   - *Government*: Support — agreed',
        '   - *Civil society*: Oppose',
        '   - Open thread (Civil society): Why now?',
        '',
        '2. **Monitoring**',
        '',
        '## Security',
        '',
        '3. **Guarantees**',
        '',
      ].join('\n'),
    );
    // A plan without stakeholders: the importer belongs to a new "Drafting team".
    const bare = await upload(server, '1. Only point\n', 'text/markdown', '', alice.cookie);
    expect(await listed(alice.cookie)).toContainEqual({
      id: bare.body['id'],
      title: 'Imported plan',
      role: 'owner',
      stakeholderId: 'drafting-team',
      stakeholderName: 'Drafting team',
      archived: false,
      online: [],
    });
  });

  it('IMPORT10: a JSON export imports losslessly over HTTP and exports the same Markdown and JSON (apart from category ids and order keys)', async () => {
    const demo = await mintToken(server, { userId: 'u-demo-reader', name: 'R', role: 'observer', stakeholderId: null });
    const source = (await (
      await fetch(`${server.url}/api/boards/demo/export?format=json`, { headers: { authorization: `Bearer ${demo}` } })
    ).json()) as BoardJson;
    const created = await upload(server, JSON.stringify(source, null, 2), 'application/json', '', alice.cookie);
    expect(created.status).toBe(201);
    const copy = (await (
      await fetch(`${server.url}/api/boards/${created.body['id']}/export?format=json`, {
        headers: { cookie: alice.cookie },
      })
    ).json()) as BoardJson;
    const strip = (b: BoardJson) => ({
      ...b,
      meta: { ...b.meta, isDemo: false },
      categories: b.categories.map((c) => c.title),
      points: b.points.map(({ order: _o, categoryId: _c, ...p }) => p),
    });
    expect(strip(copy)).toEqual(strip(source));
    expect(boardToMarkdown(copy)).toBe(boardToMarkdown({ ...source, meta: { ...source.meta } }));
  });

  it('IMPORT11: bad files are refused with 400 invalid_file naming the line (and column for JSON), and nothing is created; other types 415', async () => {
    const before = (await listed(alice.cookie)).length;
    const cases: [string | Uint8Array, string, RegExp][] = [
      ['{\n  "meta": {,\n}', 'application/json', /^line 2, column 12: not readable JSON/],
      [
        new Uint8Array([0x31, 0x2e, 0x20, 0x41, 0x0a, 0x32, 0x2e, 0x20, 0xff, 0x0a]),
        'text/markdown',
        /^line 2: the file is not UTF-8/,
      ],
      ['', 'text/markdown', /^line 1: the file is empty/],
      ['# Title\n\nno points here\n', 'text/markdown', /^line 1: no points/],
      [`# ${'x'.repeat(301)}\n1. A\n`, 'text/markdown', /^line 1: the board title is longer than 300/],
      ['1. A\n   - *US*: Perhaps\n', 'text/markdown', /^line 2: unknown stance "Perhaps"/],
      [
        JSON.stringify(
          {
            meta: { title: 'T', schemaVersion: 1 },
            stakeholders: [],
            categories: [{ id: 'c', title: 'C' }],
            points: [{ id: 'p', categoryId: 'c', title: 'P' }],
            positions: [{ pointId: 'p', stakeholderId: 'us', stance: 'support' }],
            threads: [],
          },
          null,
          2,
        ),
        'application/json',
        /^line 23, column 24: a position for an unknown stakeholder "us"/,
      ],
    ];
    for (const [body, type, message] of cases) {
      for (const query of ['', '?dryRun=1']) {
        const res = await upload(server, body, type, query, alice.cookie);
        expect(res, `${type} ${message}`).toEqual({
          status: 400,
          body: { error: { code: 'invalid_file', message: expect.stringMatching(message) } },
        });
      }
    }
    expect(await upload(server, '1. A', 'text/html', '', alice.cookie)).toMatchObject({
      status: 415,
      body: { error: { code: 'unsupported_media_type' } },
    });
    expect(await upload(server, '1. A\n', 'text/markdown', `?title=${'t'.repeat(301)}`, alice.cookie)).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_title' } },
    });
    expect(await listed(alice.cookie)).toHaveLength(before);
  });

  it('IMPORT12: a file up to 5 MiB is accepted (past the 64 kB JSON limit); a larger one gets 413 file_too_large', async () => {
    const points = Array.from({ length: 2_000 }, (_, i) => `${i + 1}. Point ${i}\n   ${'Body text. '.repeat(20)}`).join(
      '\n',
    );
    expect(points.length).toBeGreaterThan(64 * 1024);
    const ok = await upload(server, points, 'text/markdown', '?dryRun=1', alice.cookie);
    expect(ok).toMatchObject({ status: 200, body: { preview: { points: 2_000 } } });
    const big = await upload(server, 'x'.repeat(5 * 1024 * 1024 + 1), 'text/markdown', '', alice.cookie);
    expect(big).toMatchObject({ status: 413, body: { error: { code: 'file_too_large' } } });
    // The global JSON limit is unchanged elsewhere.
    const large = await postJson(
      server,
      '/api/boards',
      { title: 'T', stakeholders: [{ name: 'A' }], ownStakeholder: 'A', description: 'd'.repeat(70 * 1024) },
      { cookie: alice.cookie },
    );
    expect(large.status).toBe(413);
  });
});
