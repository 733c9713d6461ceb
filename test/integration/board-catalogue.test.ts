/**
 * The board list reads titles and delegation names from the store's catalogue, kept in step
 * with each board doc, so listing boards loads none of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateStakeholder, type StakeholderId } from '@parley/shared/model';
import { signUp } from '../helpers/accounts.ts';
import { connectClient, type StockClient } from '../helpers/clients.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { mintToken } from '../helpers/tokens.ts';
import { postJson, within } from '../helpers/security.ts';

interface Listed {
  id: string;
  title: string;
  stakeholderName: string | null;
}

describe('the board catalogue', () => {
  let server: RunningServer;
  let cookie = '';
  let userId = '';
  const clients: StockClient[] = [];

  beforeAll(async () => {
    server = await startServer({ env: { PARLEY_SEED_DEMO: 'false', PARLEY_ROOM_IDLE_MS: '100' } });
    ({ cookie, userId } = await signUp(server, 'Cat Owner', 'catalogue@example.test'));
  });

  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server?.stop();
  });

  const listed = async (): Promise<Listed[]> =>
    ((await (await fetch(`${server.url}/api/boards`, { headers: { cookie } })).json()) as { boards: Listed[] }).boards;
  const loadedRooms = async () => ((await (await fetch(`${server.url}/healthz`)).json()) as { rooms: number }).rooms;

  it('BOARD13: the board list names my delegation from the catalogue without loading boards, and follows a live rename', async () => {
    const created = await postJson(
      server,
      '/api/boards',
      {
        title: 'Catalogued plan',
        stakeholders: [{ name: 'United States' }, { name: 'Ukraine' }],
        ownStakeholder: 'Ukraine',
      },
      { cookie },
    );
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect((await listed()).find((b) => b.id === id)?.stakeholderName).toBe('Ukraine');

    // Once every room has idled out, listing loads none of them.
    await waitForAsync(async () => (await loadedRooms()) === 0, 'the rooms to idle out');
    expect((await listed()).find((b) => b.id === id)?.stakeholderName).toBe('Ukraine');
    expect(await loadedRooms()).toBe(0);

    // The owner renames the delegation live; the list follows.
    const token = await mintToken(server, { userId, name: 'Cat Owner', role: 'owner', stakeholderId: 'ukraine' }, id);
    const owner = connectClient(server.wsUrl, id, { token });
    clients.push(owner);
    await within(owner.synced, 10_000, 'the owner to sync');
    updateStakeholder(owner.doc, null, 'ukraine' as StakeholderId, { name: 'Ukraine (MFA)' });
    await waitForAsync(
      async () => (await listed()).find((b) => b.id === id)?.stakeholderName === 'Ukraine (MFA)',
      'the new name in the list',
    );
  });
});

async function waitForAsync(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
