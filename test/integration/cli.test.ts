/**
 * The admin CLI (`npm run parley -- …`) against a running server's data dir: tokens,
 * invites, users and session revocation. Each call spawns npm + tsx (~1 s), so calls are few.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listPoints, listPositions, setPosition, type StakeholderId, type UserId } from '@parley/shared/model';
import { CLOSE, type AwarenessUser } from '@parley/shared/protocol';
import { connectClient, waitFor, type StockClient } from '../helpers/clients.ts';
import { runCli, type CliResult } from '../helpers/cli.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import {
  connectRecorded,
  postJson,
  sessionCookie,
  tokenFor,
  within,
  type RecordedClient,
} from '../helpers/security.ts';

describe('admin CLI', () => {
  let server: RunningServer;
  let viewer: StockClient;
  const clients: (StockClient | RecordedClient)[] = [];

  const cli = (args: string[], env: Record<string, string> = {}): Promise<CliResult> => runCli(server, args, env);

  beforeAll(async () => {
    server = await startServer();
    viewer = connectClient(server.wsUrl, 'demo', { token: (await tokenFor(server, 'observer', null)).token });
    clients.push(viewer);
    await viewer.synced;
  });

  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server?.stop();
  });

  it('CLI2: `token` prints exactly one line, a JWT that opens the board with the requested role and stakeholder', async () => {
    const result = await cli([
      'token',
      '--board',
      'demo',
      '--role',
      'delegate',
      '--stakeholder',
      'ukraine',
      '--name',
      'X',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/);
    const token = result.stdout.trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ board: 'demo', role: 'delegate', sid: 'ukraine', name: 'X' });

    const holder = connectRecorded(server.wsUrl, 'demo', { token });
    clients.push(holder);
    await within(holder.synced, 10_000, 'the token holder to sync');
    // The server shows the token's identity in presence: name, role and stakeholder.
    holder.provider.awareness.setLocalStateField('focus', { pointId: null });
    const presence = () =>
      (viewer.provider.awareness.getStates().get(holder.doc.clientID) as { user?: AwarenessUser } | undefined)?.user;
    await waitFor(() => presence() !== undefined, "the token holder's presence");
    expect(presence()).toMatchObject({ id: claims['sub'], name: 'X', role: 'delegate', stakeholderId: 'ukraine' });
    // And it may write exactly what a Ukraine delegate may.
    const actor = { userId: claims['sub'] as UserId, name: 'X', stakeholderId: 'ukraine' as StakeholderId };
    const pointId = listPoints(holder.doc)[0]!.id;
    setPosition(holder.doc, actor, {
      pointId,
      stakeholderId: 'ukraine' as StakeholderId,
      stance: 'support',
      rationale: 'cli-ua',
    });
    await waitFor(() => listPositions(viewer.doc).some((p) => p.rationale === 'cli-ua'), 'the Ukraine position');
    setPosition(holder.doc, actor, {
      pointId,
      stakeholderId: 'russia' as StakeholderId,
      stance: 'oppose',
      rationale: 'cli-ru',
    });
    expect(await within(holder.closed, 10_000, 'the forbidden-update close')).toBe(CLOSE.forbiddenUpdate);
  });

  it('CLI3: `token` refuses a delegate without a stakeholder and an unknown board: clear stderr, exit 1, no stdout', async () => {
    const [noStakeholder, unknownBoard] = await Promise.all([
      cli(['token', '--board', 'demo', '--role', 'delegate', '--name', 'X']),
      cli(['token', '--board', 'no-such-board', '--role', 'observer']),
    ]);
    expect(noStakeholder).toEqual({
      code: 1,
      stdout: '',
      stderr: expect.stringMatching(/^parley: a delegate belongs to a stakeholder; pass --stakeholder <sid>\n$/),
    });
    expect(unknownBoard).toEqual({ code: 1, stdout: '', stderr: expect.stringMatching(/no board "no-such-board"/) });
  });

  it('CLI4: `invite` prints one invite URL whose token the REST API accepts with the granted role', async () => {
    const result = await cli(['invite', '--board', 'demo', '--role', 'delegate', '--stakeholder', 'europe']);
    expect(result.code).toBe(0);
    const match = /^(https?:\/\/[^\s/]+)\/invite\/([A-Za-z0-9_-]+)\n$/.exec(result.stdout);
    expect(match, result.stdout).not.toBeNull();
    const res = await fetch(`${server.url}/api/invites/${match![2]}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      invite: { boardId: 'demo', role: 'delegate', stakeholderId: 'europe', stakeholderName: 'European partners' },
    });
    expect((await fetch(`${server.url}/api/invites/${match![2]}x`)).status).toBe(404);
  });

  it("CLI5: `user add` creates a user who can sign in; `user revoke-sessions` ends that user's sessions", async () => {
    const email = `cli-${Date.now()}@example.test`;
    const password = 'a long enough password';
    const added = await cli(['user', 'add', '--email', email, '--name', 'CLI Person'], {
      PARLEY_NEW_PASSWORD: password,
    });
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/^\S+\n$/);
    const signIn = await postJson(server, '/api/auth/signin', { email, password });
    expect(signIn.status).toBe(200);
    expect(await signIn.json()).toMatchObject({ user: { id: added.stdout.trim(), email, name: 'CLI Person' } });
    const cookie = sessionCookie(signIn)!;
    expect((await fetch(`${server.url}/api/auth/me`, { headers: { cookie } })).status).toBe(200);

    const revoked = await cli(['user', 'revoke-sessions', '--email', email]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toBe('1 sessions revoked\n');
    const after = await fetch(`${server.url}/api/auth/me`, { headers: { cookie } });
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });
});
