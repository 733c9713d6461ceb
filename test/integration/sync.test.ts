import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  listPoints,
  openThread,
  pointText,
  replyToThread,
  setPosition,
  toBoardJson,
  type Actor,
  type StakeholderId,
  type UserId,
} from '@parley/shared/model';
import { connectClient, stateEquals, waitFor, type StockClient } from '../helpers/clients.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { mintToken, type TestIdentity } from '../helpers/tokens.ts';

const alice: Actor = { userId: 'u-alice' as UserId, name: 'Alice', stakeholderId: 'us' as StakeholderId };
const bogdan: Actor = { userId: 'u-bogdan' as UserId, name: 'Bogdan', stakeholderId: 'ukraine' as StakeholderId };
// Owners may write everything, so these tests exercise sync, not permissions.
const asOwner = (a: Actor): TestIdentity => ({ ...a, role: 'owner' });

describe('live sync through the real server', () => {
  let server: RunningServer;
  const clients: StockClient[] = [];
  const client = async (who: Actor = alice) => {
    const c = connectClient(server.wsUrl, 'demo', { token: await mintToken(server, asOwner(who)) });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server.stop();
  });

  it('SYNC1: a client receives the whole stored board in its first sync', async () => {
    const a = await client();
    await a.synced;
    const board = toBoardJson(a.doc);
    expect(board.meta.isDemo).toBe(true);
    expect(board.points).toHaveLength(28);
    expect(board.categories.map((c) => c.title)).toEqual([
      'Peace in Ukraine',
      'Security guarantees',
      'Security across Europe',
      'Future US relations with Russia and Ukraine',
    ]);
    expect(board.stakeholders.map((s) => s.name)).toEqual(['United States', 'Russia', 'Ukraine', 'European partners']);
  });

  it('SYNC2: two clients editing concurrently converge to the same board', async () => {
    const a = await client();
    const b = await client(bogdan);
    await Promise.all([a.synced, b.synced]);
    const [p1, p2] = listPoints(a.doc);
    // Both type into the same body and comment at once, without waiting for each other.
    for (let i = 0; i < 20; i++) {
      pointText(a.doc, p1!.id, 'body')!.insert(0, `a${i} `);
      pointText(b.doc, p1!.id, 'body')!.insert(0, `b${i} `);
    }
    const ta = openThread(a.doc, alice, { pointId: p2!.id, body: 'Alice opens' });
    openThread(b.doc, bogdan, { pointId: p2!.id, body: 'Bogdan opens' });
    setPosition(a.doc, alice, { pointId: p1!.id, stakeholderId: alice.stakeholderId, stance: 'support' });
    setPosition(b.doc, bogdan, {
      pointId: p1!.id,
      stakeholderId: bogdan.stakeholderId,
      stance: 'oppose',
      rationale: 'Too vague',
    });
    await waitFor(() => stateEquals(a.doc, b.doc) && a.doc.getMap('threads').size === 2, 'convergence');
    replyToThread(b.doc, bogdan, ta, 'Reply from Bogdan');
    await waitFor(() => stateEquals(a.doc, b.doc), 'convergence after reply');

    expect(toBoardJson(a.doc)).toEqual(toBoardJson(b.doc));
    const body = pointText(a.doc, p1!.id, 'body')!.toString();
    for (let i = 0; i < 20; i++) {
      expect(body).toContain(`a${i} `);
      expect(body).toContain(`b${i} `);
    }
    const threads = toBoardJson(a.doc).threads.filter((t) => t.pointId === p2!.id);
    expect(threads.flatMap((t) => t.comments.map((c) => c.body)).sort()).toEqual(
      ['Alice opens', 'Bogdan opens', 'Reply from Bogdan'].sort(),
    );
  });

  it('SYNC3: a late joiner receives every edit made before it joined', async () => {
    const a = await client();
    await a.synced;
    const [p] = listPoints(a.doc);
    pointText(a.doc, p!.id, 'title')!.insert(0, 'Late-joiner check: ');
    openThread(a.doc, alice, { pointId: p!.id, body: 'Before the late joiner' });
    const late = await client();
    await late.synced;
    await waitFor(() => stateEquals(a.doc, late.doc), 'late joiner to catch up');
    expect(toBoardJson(late.doc)).toEqual(toBoardJson(a.doc));
    expect(listPoints(late.doc)[0]!.title.startsWith('Late-joiner check: ')).toBe(true);
  });

  it('RELAY3: joiners with empty docs, before and after an edit, are each served the board as it was when they joined', async () => {
    const a = await client();
    const first = await client(bogdan);
    await Promise.all([a.synced, first.synced]);
    const [, p] = listPoints(a.doc);
    expect(pointText(first.doc, p!.id, 'title')!.toString()).not.toContain('RELAY3');
    pointText(a.doc, p!.id, 'title')!.insert(0, 'RELAY3 ');
    // Once the first joiner has the edit, it is stored: the next joiner's reply must hold it.
    await waitFor(
      () => pointText(first.doc, p!.id, 'title')!.toString().startsWith('RELAY3 '),
      'the edit to be relayed',
    );
    const second = await client(bogdan);
    await second.synced;
    // Checked at the moment of sync: the sync reply alone, not a later relay, carries it.
    expect(pointText(second.doc, p!.id, 'title')!.toString().startsWith('RELAY3 ')).toBe(true);
    expect(stateEquals(second.doc, a.doc)).toBe(true);
  });

  it('SYNC4: the server forwards awareness so clients see who is here', async () => {
    const a = await client();
    const b = await client(bogdan);
    await Promise.all([a.synced, b.synced]);
    a.provider.awareness.setLocalStateField('user', { id: 'u-alice', name: 'Alice' });
    await waitFor(
      () =>
        [...b.provider.awareness.getStates().values()].some(
          (s) => (s['user'] as { name?: string } | undefined)?.name === 'Alice',
        ),
      'B to see Alice in awareness',
    );
    a.destroy();
    await waitFor(
      () =>
        ![...b.provider.awareness.getStates().values()].some(
          (s) => (s['user'] as { name?: string } | undefined)?.name === 'Alice',
        ),
      "Alice to leave B's awareness when she disconnects",
    );
  });
});
