/**
 * Search across boards with two instances on one PostgreSQL and one Redis: each board is
 * served by one owner, whose rooms alone commit its updates, yet a search answered by
 * either instance finds every word confirmed saved, whichever instance the writer used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCategory, addPoint, type CrossBoardHit } from '@parley/shared/model';
import type { Role } from '@parley/shared/permissions';
import { signAccessToken } from '../../server/src/accounts/accessTokens.ts';
import { signUp } from '../helpers/accounts.ts';
import { connectClient, waitFor, type StockClient } from '../helpers/clients.ts';
import { trackSaved } from '../helpers/savedAcks.ts';
import { postJson, within } from '../helpers/security.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import {
  createDatabase,
  startPostgres,
  startRedis,
  type RunningPostgres,
  type RunningRedis,
} from '../helpers/services.ts';
import { actorOf, type TestIdentity } from '../helpers/tokens.ts';

const SECRET = 'x'.repeat(40);

describe('search across boards on several instances', () => {
  let postgres: RunningPostgres;
  let redis: RunningRedis;
  let a: RunningServer;
  let b: RunningServer;
  const clients: StockClient[] = [];

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
    const env = {
      PARLEY_DATABASE_URL: await createDatabase(postgres.url),
      PARLEY_REDIS_URL: redis.url,
      PARLEY_SECRET: SECRET,
      PARLEY_LEASE_MS: '2000',
    };
    // One after the other: the first makes the demo board.
    a = await startServer({ env });
    b = await startServer({ env });
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.destroy();
    await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all([redis?.stop(), postgres?.stop()]);
  });

  const token = (who: TestIdentity, boardId: string) =>
    signAccessToken(new TextEncoder().encode(SECRET), { ...who, boardId });

  /** A stock client on `boardId` through `server`, which knows when everything it sent is saved. */
  async function writer(server: RunningServer, boardId: string, role: Role = 'owner') {
    const who: TestIdentity = { userId: `u-${boardId}-${server.port}`, name: 'Writer', role, stakeholderId: 'north' };
    const client = connectClient(server.wsUrl, boardId, { token: await token(who, boardId) });
    clients.push(client);
    const saved = trackSaved(client);
    // The sync step 2 sent on connect, then one per local transaction.
    let sent = 1;
    client.doc.on('update', (_u: Uint8Array, origin: unknown) => {
      if (origin !== client.provider) sent++;
    });
    await within(client.synced, 15_000, `${boardId} to sync through ${server.port}`);
    return {
      /** A new point titled `title` in a new category, confirmed saved. */
      async save(title: string) {
        const categoryId = addCategory(client.doc, actorOf(who), `About ${title}`);
        addPoint(client.doc, actorOf(who), { categoryId, title, body: 'Its text.' });
        await waitFor(() => saved.count() >= sent, `${sent} updates to be saved`, 15_000);
      },
    };
  }

  /** `GET /api/search?q=` on `server` with an access token for `boardId`: the hits' titles. */
  async function search(server: RunningServer, boardId: string, q: string): Promise<string[]> {
    const who: TestIdentity = { userId: 'u-searcher', name: 'Searcher', role: 'observer', stakeholderId: null };
    const res = await fetch(`${server.url}/api/search?q=${encodeURIComponent(q)}`, {
      headers: { authorization: `Bearer ${await token(who, boardId)}` },
    });
    const body = (await res.json()) as { hits?: CrossBoardHit[] };
    expect(res.status, `searching "${q}" on ${server.port}: ${JSON.stringify(body)}`).toBe(200);
    return body.hits!.map((h) => `${h.boardId}:${h.pointTitle}`);
  }

  const owned = async (server: RunningServer) =>
    ((await (await fetch(`${server.url}/healthz`)).json()) as { boardsOwned: number }).boardsOwned;

  it('XSEARCH11: a word confirmed saved through one instance is found at once by a search on the other, whichever instance owns the board and whichever the writer reached', async () => {
    // A serves the demo board (its first client came to A); B has never heard of its commits.
    const throughA = await writer(a, 'demo');
    expect([await owned(a), await owned(b)]).toEqual([1, 0]);
    // Both indexes hold the board before the word is written, so neither replays it whole.
    expect(await search(b, 'demo', 'quillfeather')).toEqual([]);
    expect(await search(a, 'demo', 'quillfeather')).toEqual([]);
    await throughA.save('Quillfeather moorings');
    expect(await search(b, 'demo', 'quillfeather')).toEqual(['demo:Quillfeather moorings']);
    expect(await search(a, 'demo', 'quillfeather')).toEqual(['demo:Quillfeather moorings']);

    // The other way round: a board B serves, written through B, found on A.
    const account = await signUp(b, 'Owner');
    const created = await postJson(
      b,
      '/api/boards',
      { title: 'Second plan', stakeholders: [{ name: 'North' }, { name: 'South' }], ownStakeholder: 'North' },
      { cookie: account.cookie },
    );
    expect(created.status).toBe(201);
    const second = ((await created.json()) as { id: string }).id;
    const throughB = await writer(b, second);
    expect([await owned(a), await owned(b)]).toEqual([1, 1]);
    expect(await search(a, second, 'marrowlight')).toEqual([]);
    await throughB.save('Marrowlight tolls');
    expect(await search(a, second, 'marrowlight')).toEqual([`${second}:Marrowlight tolls`]);
    expect(await search(b, second, 'marrowlight')).toEqual([`${second}:Marrowlight tolls`]);

    // Through the instance that does not own the board (B forwards it to A); found on both.
    const forwarded = await writer(b, 'demo');
    await forwarded.save('Tallowmere sluices');
    expect(await search(b, 'demo', 'tallowmere')).toEqual(['demo:Tallowmere sluices']);
    expect(await search(a, 'demo', 'tallowmere')).toEqual(['demo:Tallowmere sluices']);
    // And again, on a board B's index has already caught up with: only what is new is read.
    await throughA.save('Wickerhold quays');
    expect(await search(b, 'demo', 'wickerhold')).toEqual(['demo:Wickerhold quays']);
    expect(await search(b, 'demo', 'quillfeather tallowmere')).toEqual([]);
    expect(await search(b, 'demo', 'quillfeather')).toEqual(['demo:Quillfeather moorings']);
  });
});
