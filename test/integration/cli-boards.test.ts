/**
 * `parley board create` and `parley import` against a running server's data dir: the id
 * alone on the last line, then `token` for the new board and a stock client opening it.
 * Each call spawns npm + tsx (~1 s), so calls are few.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listCategories, listPoints, listPositions, listStakeholders } from '@parley/shared/model';
import { connectClient, type StockClient } from '../helpers/clients.ts';
import { runCli } from '../helpers/cli.ts';
import { startServer, tempDataDir, type RunningServer } from '../helpers/server.ts';
import { within } from '../helpers/security.ts';

describe('admin CLI: creating boards', () => {
  let server: RunningServer;
  const clients: StockClient[] = [];
  const files = tempDataDir('parley-cli-files-');

  const cli = (args: string[], env: Record<string, string> = {}) => runCli(server, args, env);
  const lastLine = (stdout: string) => stdout.trimEnd().split('\n').at(-1)!;

  async function openWithToken(boardId: string, stakeholder: string) {
    const token = await cli(['token', '--board', boardId, '--role', 'editor', '--stakeholder', stakeholder]);
    expect(token.code, token.stderr).toBe(0);
    const client = connectClient(server.wsUrl, boardId, { token: token.stdout.trim() });
    clients.push(client);
    await within(client.synced, 10_000, 'the new board to sync');
    return client;
  }

  beforeAll(async () => {
    server = await startServer({ env: { PARLEY_SEED_DEMO: 'false' } });
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server?.stop();
    fs.rmSync(files, { recursive: true, force: true });
  });

  it('BOARD5: `board create` prints the new id alone on the last line; without --owner the board has no members, and `token` opens it for a stock client', async () => {
    const made = await cli([
      'board',
      'create',
      '--title',
      'CLI board',
      '--stakeholder',
      'United States',
      'Ukraine',
      '--description',
      'From the CLI',
    ]);
    expect(made.code, made.stderr).toBe(0);
    const id = lastLine(made.stdout);
    expect(id).toMatch(/^[a-z0-9]{12}$/);
    const client = await openWithToken(id, 'ukraine');
    expect(listStakeholders(client.doc).map((s) => [s.id, s.name, s.short])).toEqual([
      ['united-states', 'United States', 'US'],
      ['ukraine', 'Ukraine', 'UKR'],
    ]);
    // No members: a signed-up person sees no boards, and the CLI grant works on it.
    const invite = await cli(['invite', '--board', id, '--role', 'delegate', '--stakeholder', 'ukraine']);
    expect(invite.code, invite.stderr).toBe(0);
    expect(invite.stdout).toMatch(/\/invite\/[A-Za-z0-9_-]+\n$/);
  });

  it('BOARD6: `board create` with --owner makes that account the owner as the first stakeholder; bad arguments exit non-zero with a clear message', async () => {
    const email = `owner-${Date.now()}@example.test`;
    expect((await cli(['user', 'add', '--email', email, '--name', 'Owner'])).code).toBe(0);
    const made = await cli(['board', 'create', '--title', 'Owned', '--stakeholder', 'Drafting team', '--owner', email]);
    expect(made.code, made.stderr).toBe(0);
    const users = await cli(['user', 'list']);
    const userId = users.stdout
      .split('\n')
      .find((l) => l.includes(email))!
      .split('\t')[0];
    const db = new Database(path.join(server.dataDir, 'parley.sqlite'), { readonly: true });
    try {
      expect(
        db
          .prepare('SELECT user_id, role, stakeholder_id FROM memberships WHERE board_id = ?')
          .all(lastLine(made.stdout)),
      ).toEqual([{ user_id: userId, role: 'owner', stakeholder_id: 'drafting-team' }]);
    } finally {
      db.close();
    }
    const [noStakeholder, unknownOwner, longTitle] = await Promise.all([
      cli(['board', 'create', '--title', 'T']),
      cli(['board', 'create', '--title', 'T', '--stakeholder', 'A', '--owner', 'nobody@example.test']),
      cli(['board', 'create', '--title', 'x'.repeat(301), '--stakeholder', 'A']),
    ]);
    expect(noStakeholder).toMatchObject({ code: 1, stdout: '', stderr: expect.stringMatching(/--stakeholder/) });
    expect(unknownOwner).toMatchObject({
      code: 1,
      stdout: '',
      stderr: expect.stringMatching(/no user with email nobody@example.test/),
    });
    expect(longTitle).toMatchObject({ code: 1, stdout: '', stderr: expect.stringMatching(/title.*300/) });
  });

  it('IMPORT13: `import <file.md>` and `import <file.json>` create boards and print the id last; a bad file exits 1 naming the file and line, creating nothing', async () => {
    const md = path.join(files, 'plan.md');
    fs.writeFileSync(
      md,
      '# Plan\n\n## Peace\n1. **Ceasefire**\n   Body.\n   - *Russia*: Oppose — no\n## Other\n1) Second\n',
    );
    const fromMd = await cli(['import', md, '--title', 'Imported by CLI']);
    expect(fromMd.code, fromMd.stderr).toBe(0);
    const mdId = lastLine(fromMd.stdout);
    expect(mdId).toMatch(/^[a-z0-9]{12}$/);
    const client = await openWithToken(mdId, 'russia');
    expect(listCategories(client.doc).map((c) => c.title)).toEqual(['Peace', 'Other']);
    expect(listPoints(client.doc).map((p) => [p.number, p.title, p.body])).toEqual([
      [1, 'Ceasefire', 'Body.'],
      [2, 'Second', ''],
    ]);
    expect(listPositions(client.doc).map((p) => [p.stakeholderId, p.stance, p.rationale])).toEqual([
      ['russia', 'oppose', 'no'],
    ]);

    const exported = await cli(['export', '--board', mdId, '--format', 'json']);
    const json = path.join(files, 'board.json');
    fs.writeFileSync(json, exported.stdout);
    const fromJson = await cli(['import', json]);
    expect(fromJson.code, fromJson.stderr).toBe(0);
    const again = await cli(['export', '--board', lastLine(fromJson.stdout), '--format', 'md']);
    const original = await cli(['export', '--board', mdId, '--format', 'md']);
    expect(again.stdout).toBe(original.stdout);

    const bad = path.join(files, 'bad.md');
    fs.writeFileSync(bad, '# Plan\n1. A\n   - *Russia*: Maybe\n');
    const refused = await cli(['import', bad]);
    expect(refused).toMatchObject({
      code: 1,
      stdout: '',
      stderr: expect.stringMatching(/bad\.md:3: line 3: unknown stance "Maybe"/),
    });
    const missing = await cli(['import', path.join(files, 'nope.md')]);
    expect(missing).toMatchObject({ code: 1, stdout: '', stderr: expect.stringMatching(/cannot read .*nope\.md/) });
  });
});
