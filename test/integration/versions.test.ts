/**
 * Rounds through the real server: editors publish named versions over HTTP (session cookie
 * or the CLI's bearer token) and with the CLI; any member lists, reads and compares them,
 * with each other or with the live board. The server compacts early and is restarted once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  listPoints,
  pointText,
  setPosition,
  type BoardComparison,
  type BoardJson,
  type HistoryPageJson,
  type StakeholderId,
} from '@parley/shared/model';
import type { Role } from '@parley/shared/permissions';
import { signUp } from '../helpers/accounts.ts';
import { runCli } from '../helpers/cli.ts';
import type { StockClient } from '../helpers/clients.ts';
import { demoCookie, postJson, tokenFor } from '../helpers/security.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { actorOf, mintToken } from '../helpers/tokens.ts';
import { bearer, connectWriter, type Writer } from '../helpers/writers.ts';

const UA = 'ukraine' as StakeholderId;

interface Listed {
  id: string;
  name: string;
  note: string;
  createdBy: string | null;
  createdByName: string;
  createdAt: number;
}
type Compared = BoardComparison & { from: Listed; to: Listed | { id: 'live' } };

describe('published versions and comparisons (integration: server/src/http/versionRoutes.ts, the CLI)', () => {
  let server: RunningServer;
  let clients: StockClient[] = [];
  let editor: Writer;
  let v1 = '';
  let v2 = '';
  let before: BoardJson;

  async function writer(role: Role, stakeholderId: string | null): Promise<Writer> {
    const w = await connectWriter(server, role, stakeholderId);
    clients.push(w.client);
    return w;
  }
  async function get<T>(path: string, headers: Record<string, string>): Promise<{ status: number; body: T }> {
    const res = await fetch(`${server.url}${path}`, { headers });
    return { status: res.status, body: (await res.json()) as T };
  }
  const publish = (body: unknown, headers: Record<string, string>) =>
    postJson(server, '/api/boards/demo/versions', body, headers);

  beforeAll(async () => {
    server = await startServer({ env: { PARLEY_COMPACT_THRESHOLD: '5' } });
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server?.stop();
  });

  it('ROUND4 only editors and owners publish (201 { id }); a delegate or observer 403, signed out 401, a non-member or another board’s token 404, a bad body 400; members list versions newest first with name, note, author and time', async () => {
    editor = await writer('editor', 'us');
    before = (await get<BoardJson>('/api/boards/demo/export?format=json', bearer(editor))).body;
    const created = await publish({ name: '  Round 1   draft ', note: 'First circulation.' }, bearer(editor));
    expect(created.status).toBe(201);
    v1 = ((await created.json()) as { id: string }).id;
    expect(v1).toMatch(/^v_[a-z0-9]{12}$/);

    for (const role of ['delegate', 'observer'] as const) {
      const { token } = await tokenFor(server, role, role === 'delegate' ? UA : null);
      const r = await publish({ name: 'x' }, { authorization: `Bearer ${token}` });
      expect(r.status, role).toBe(403);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    }
    expect((await publish({ name: 'x' }, {})).status).toBe(401);
    const stranger = await signUp(server, 'Stranger');
    expect((await publish({ name: 'x' }, { cookie: stranger.cookie })).status).toBe(404);
    const elsewhere = await mintToken(server, editor.who, 'another-board');
    expect((await publish({ name: 'x' }, { authorization: `Bearer ${elsewhere}` })).status).toBe(404);
    for (const body of [
      {},
      { name: '' },
      { name: '   ' },
      { name: 'x'.repeat(201) },
      { name: 'x', extra: 1 },
      { name: 'x', note: 'n'.repeat(2_001) },
    ]) {
      const r = await publish(body, bearer(editor));
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('invalid_body');
    }

    const cookie = await demoCookie(server, 'owner', 'us');
    const second = await publish({ name: 'Round 2 draft' }, { cookie });
    expect(second.status).toBe(201);
    const { token: observer } = await tokenFor(server, 'observer', null);
    const { body } = await get<{ versions: Listed[] }>('/api/boards/demo/versions', {
      authorization: `Bearer ${observer}`,
    });
    expect(body.versions.map((v) => v.name)).toEqual(['Round 2 draft', 'Round 1 draft']);
    expect(body.versions[1]).toMatchObject({
      id: v1,
      note: 'First circulation.',
      createdBy: editor.who.userId,
      createdByName: editor.who.name,
    });
    expect(body.versions[0]!.createdAt).toBeGreaterThanOrEqual(body.versions[1]!.createdAt);
  });

  it('ROUND5 a version reads as the board’s JSON as it was when published, whatever changed since; compare lists exactly the points that changed, between two versions and against the live board', async () => {
    const [p1, p2] = listPoints(editor.client.doc);
    pointText(editor.client.doc, p1!.id, 'body')!.insert(0, 'Amended: ');
    await editor.allSaved();
    const ukraine = await writer('delegate', UA);
    setPosition(ukraine.client.doc, actorOf(ukraine.who), {
      pointId: p2!.id,
      stakeholderId: UA,
      stance: 'oppose',
      rationale: 'Not yet.',
    });
    await ukraine.allSaved();

    const old = await get<BoardJson>(`/api/boards/demo/versions/${v1}`, bearer(ukraine));
    expect(old.status).toBe(200);
    expect(old.body).toEqual(before);

    const live = await get<Compared>(`/api/boards/demo/compare?from=${v1}&to=live`, bearer(ukraine));
    expect(live.status).toBe(200);
    expect(live.body.from.id).toBe(v1);
    expect(live.body.to).toEqual({ id: 'live' });
    expect(live.body.points.map((p) => [p.id, p.changes])).toEqual([
      [p1!.id, ['body']],
      [p2!.id, ['positions']],
    ]);
    expect(live.body.points[0]!.body).toEqual({ from: p1!.body, to: `Amended: ${p1!.body}` });

    const r = await publish({ name: 'Round 3' }, bearer(editor));
    v2 = ((await r.json()) as { id: string }).id;
    const between = await get<Compared>(`/api/boards/demo/compare?from=${v1}&to=${v2}`, bearer(ukraine));
    expect(between.body.points).toEqual(live.body.points);
    expect((await get<Compared>(`/api/boards/demo/compare?from=${v2}&to=live`, bearer(ukraine))).body.points).toEqual(
      [],
    );
  });

  it('ROUND6 bad and unknown version ids are JSON errors: 400 invalid_version_id, 404 unknown_version; another board’s version is unknown here; no credential 401', async () => {
    const h = bearer(editor);
    expect((await get<{ error: { code: string } }>('/api/boards/demo/versions/nope', h)).body.error.code).toBe(
      'invalid_version_id',
    );
    const unknown = await get<{ error: { code: string } }>('/api/boards/demo/versions/v_000000000000', h);
    expect(unknown).toEqual({ status: 404, body: { error: { code: 'unknown_version', message: expect.any(String) } } });
    for (const q of ['', '?from=live', `?from=${v1}&to=bad`, '?from=x']) {
      const r = await get<{ error: { code: string } }>(`/api/boards/demo/compare${q}`, h);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code).toBe('invalid_version_id');
    }
    expect((await get(`/api/boards/demo/compare?from=${v1}&to=v_000000000000`, h)).status).toBe(404);
    expect((await get(`/api/boards/demo/versions`, {})).status).toBe(401);
  });

  it('ROUND7 the CLI publishes (the id alone on the last line), lists and compares (JSON and Markdown); bad arguments exit 1 with a message', async () => {
    const published = await runCli(server, ['version', 'publish', '--board', 'demo', '--name', 'Round 4 (CLI)']);
    expect(published.code).toBe(0);
    const id = published.stdout.trim().split('\n').at(-1)!;
    expect(id).toMatch(/^v_[a-z0-9]{12}$/);
    const list = await runCli(server, ['version', 'list', '--board', 'demo']);
    expect(list.stdout.split('\n')[0]).toMatch(new RegExp(`^${id}\\t\\S+\\tRound 4 \\(CLI\\)$`));
    expect(list.stdout).toContain(v1);
    const json = await runCli(server, ['version', 'compare', '--board', 'demo', '--from', v1, '--to', id]);
    expect((JSON.parse(json.stdout) as BoardComparison).points.map((p) => p.changes)).toEqual([
      ['body'],
      ['positions'],
    ]);
    const md = await runCli(server, [
      'version',
      'compare',
      '--board',
      'demo',
      '--from',
      v1,
      '--to',
      'live',
      '--format',
      'md',
    ]);
    expect(md.stdout).toContain('# Changes from Round 1 draft to the live board');
    expect(md.stdout).toContain('**Amended:**');
    for (const args of [
      ['version', 'publish', '--board', 'demo', '--name', ' '],
      ['version', 'publish', '--board', 'nosuch', '--name', 'x'],
      ['version', 'compare', '--board', 'demo', '--from', 'v_000000000000', '--to', 'live'],
    ]) {
      const r = await runCli(server, args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/^parley: /);
    }
  });

  it('ROUND9 an editor restores a point’s text from a version as a forward edit, which the point’s history names as its cause; others get 403, a point not in the version 404, a bad body 400', async () => {
    const [p1] = listPoints(editor.client.doc);
    const restore = (body: unknown, headers: Record<string, string>) =>
      postJson(server, `/api/boards/demo/points/${p1!.id}/restore`, body, headers);
    const { token } = await tokenFor(server, 'delegate', UA);
    expect((await restore({ versionId: v1, field: 'body' }, { authorization: `Bearer ${token}` })).status).toBe(403);
    for (const body of [{ versionId: v1 }, { versionId: v1, field: 'other' }, { versionId: 'x', field: 'body' }]) {
      expect((await restore(body, bearer(editor))).status, JSON.stringify(body)).toBe(400);
    }
    const missing = await postJson(
      server,
      '/api/boards/demo/points/p_notthere/restore',
      { versionId: v1, field: 'body' },
      bearer(editor),
    );
    expect(missing.status).toBe(404);

    const done = await restore({ versionId: v1, field: 'body' }, bearer(editor));
    expect(done.status).toBe(200);
    const was = before.points.find((p) => p.id === p1!.id)!.body;
    const now = await get<BoardJson>('/api/boards/demo/export?format=json', bearer(editor));
    expect(now.body.points.find((p) => p.id === p1!.id)!.body).toBe(was);
    const history = await get<HistoryPageJson>(`/api/boards/demo/points/${p1!.id}/history`, bearer(editor));
    expect(history.body.entries[0]).toMatchObject({
      kind: 'text',
      cause: { kind: 'version', versionId: v1, versionName: 'Round 1 draft' },
      summary: `Body restored from the version "Round 1 draft" by ${editor.who.name}`,
      before: `Amended: ${was}`,
      after: was,
      deleted: 'Amended: '.length,
    });
  });

  it('ROUND8 versions survive a restart on the compacted log: listed and compared as before', async () => {
    const listedBefore = (await get<{ versions: Listed[] }>('/api/boards/demo/versions', bearer(editor))).body;
    const compared = (await get<Compared>(`/api/boards/demo/compare?from=${v1}&to=${v2}`, bearer(editor))).body;
    for (const c of clients) c.destroy();
    clients = [];
    await server.stop();
    server = await startServer({ dataDir: server.dataDir, env: { PARLEY_COMPACT_THRESHOLD: '5' } });
    const { token } = await tokenFor(server, 'editor', 'us');
    const h = { authorization: `Bearer ${token}` };
    expect((await get('/api/boards/demo/versions', h)).body).toEqual(listedBefore);
    expect((await get(`/api/boards/demo/compare?from=${v1}&to=${v2}`, h)).body).toEqual(compared);
    expect((await get<BoardJson>(`/api/boards/demo/versions/${v1}`, h)).body).toEqual(before);
  });
});
