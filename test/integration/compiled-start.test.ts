/**
 * The server as `npm start` runs it: built once into server/dist/ by `server/build.mjs`
 * (the same `--if-needed` step `npm start` takes), then started with plain `node`, no tsx.
 * Every other test runs the TypeScript sources through tsx; this one checks that the build
 * holds everything the server needs at run time, the import worker included (Piscina
 * loads it from its own file, beside the bundle).
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listPoints } from '@parley/shared/model';
import { connectClient, type StockClient } from '../helpers/clients.ts';
import { REPO_ROOT, startServer, tempDataDir, type RunningServer } from '../helpers/server.ts';
import { sessionCookie, within } from '../helpers/security.ts';
import { mintToken } from '../helpers/tokens.ts';

const DIST = path.join(REPO_ROOT, 'server/dist');

const PLAN = [
  '# Compiled plan',
  '',
  '## Peace',
  '1. **Ceasefire**',
  '   - *Government*: Support',
  '2. Monitoring',
].join('\n');

describe('the compiled server (npm start)', () => {
  let server: RunningServer | undefined;
  let child: ChildProcess;
  let url: string;
  let wsUrl: string;
  const dataDir = tempDataDir('parley-compiled-');
  let logs: Record<string, unknown>[] = [];
  const clients: StockClient[] = [];

  beforeAll(async () => {
    const build = spawnSync(process.execPath, [path.join(REPO_ROOT, 'server/build.mjs'), '--if-needed'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(build.status, `${build.stdout}\n${build.stderr}`).toBe(0);
    server = await startServer({ dataDir, nodeArgs: [path.join(DIST, 'main.js')], env: { PARLEY_SEED_DEMO: 'false' } });
    child = server.process;
    logs = server.logs;
    ({ url, wsUrl } = server);
  });

  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('BUILD1: the server built by server/build.mjs starts with plain node, answers /healthz, serves the built client from the repository root, imports a Markdown plan on its worker thread and serves the new board to a websocket client', async () => {
    for (const file of ['main.js', 'importWorker.js']) expect(fs.existsSync(path.join(DIST, file))).toBe(true);
    // Plain node on the bundle: no tsx (only the tests' lifeline preload, helpers/server.ts).
    expect(child.spawnargs).toEqual([
      process.execPath,
      '--import',
      path.join(REPO_ROOT, 'test/helpers/lifeline.mjs'),
      path.join(DIST, 'main.js'),
    ]);

    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    // The bundle finds the repository root from its own URL (config.ts): an app route
    // gets the built client's page where there is one, else the "not built" answer.
    const built = fs.existsSync(path.join(REPO_ROOT, 'client/dist/index.html'));
    expect((await fetch(`${url}/b/some-board`)).status).toBe(built ? 200 : 503);

    const signup = await fetch(`${url}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: `compiled-${Date.now()}@example.test`,
        name: 'Compiled Person',
        password: 'correct horse battery staple',
      }),
    });
    expect(signup.status).toBe(201);
    const cookie = sessionCookie(signup)!;
    expect(cookie).toBeTruthy();

    const res = await fetch(`${url}/api/boards/import`, {
      method: 'POST',
      headers: { 'content-type': 'text/markdown', cookie },
      body: PLAN,
    });
    const body = (await res.json()) as { id?: string };
    expect(res.status, JSON.stringify(body)).toBe(201);
    const boardId = body.id!;

    const token = await mintToken(
      { dataDir },
      { userId: 'u-compiled-reader', name: 'Reader', role: 'observer', stakeholderId: null },
      boardId,
    );
    const client = connectClient(wsUrl, boardId, { token });
    clients.push(client);
    await within(client.synced, 10_000, 'the imported board to sync');
    expect(listPoints(client.doc).map((p) => p.title)).toEqual(['Ceasefire', 'Monitoring']);
    expect(logs.filter((l) => Number(l['level']) >= 50)).toEqual([]);
  });

  it('BUILD2: npm start builds the server only when the build is missing or older than its sources, then runs plain node on dist/main.js; npm run dev runs the sources through tsx', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'server/package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts['start']).toMatch(/^node build\.mjs --if-needed && node (--[\w-]+=\S+ )*dist\/main\.js$/);
    expect(pkg.scripts['dev']).toMatch(/^tsx /);
    const ifNeeded = () =>
      spawnSync(process.execPath, [path.join(REPO_ROOT, 'server/build.mjs'), '--if-needed'], { encoding: 'utf8' });
    expect(ifNeeded().status).toBe(0);
    expect(ifNeeded().stdout).toContain('up to date');
    // An output older than the sources (here: made to look old) is built again.
    const main = path.join(DIST, 'main.js');
    fs.utimesSync(main, new Date(2000, 0, 1), new Date(2000, 0, 1));
    const rebuilt = ifNeeded();
    expect(rebuilt.status).toBe(0);
    expect(rebuilt.stdout).toContain('rebuilding');
    expect(fs.statSync(main).mtimeMs).toBeGreaterThan(Date.now() - 60_000);
  });
});
