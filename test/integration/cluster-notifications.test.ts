/**
 * Notifications with two instances on one PostgreSQL and one Redis: the board's owner
 * instance drains its history (a compare-and-set on the shared cursor) and the events reach
 * the person's sockets on every instance through the Redis adapter, once each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { addCategory, addPoint, openThread, replyToThread, type Actor, type UserId } from '@parley/shared/model';
import { YJS_PATH_PREFIX, type NotificationJson, type NotificationsPageJson } from '@parley/shared/protocol';
import { newMember, signUp, type Account } from '../helpers/accounts.ts';
import { appSockets, connected } from '../helpers/appSockets.ts';
import { waitFor } from '../helpers/clients.ts';
import { postJson } from '../helpers/security.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import {
  createDatabase,
  startPostgres,
  startRedis,
  type RunningPostgres,
  type RunningRedis,
} from '../helpers/services.ts';

/** A stock provider signed in with a session cookie, as the browser is. */
function cookieClient(server: RunningServer, boardId: string, cookie: string) {
  class WithCookie extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers: { cookie } });
    }
  }
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${server.wsUrl}${YJS_PATH_PREFIX}`, boardId, doc, {
    WebSocketPolyfill: WithCookie as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  return { doc, provider };
}

describe('notifications across instances (integration: server/src/notifications with PostgreSQL and Redis)', () => {
  let pg: RunningPostgres;
  let redis: RunningRedis;
  let a: RunningServer;
  let b: RunningServer;
  const sockets = { a: appSockets(() => a), b: appSockets(() => b) };
  const providers: WebsocketProvider[] = [];

  beforeAll(async () => {
    pg = await startPostgres();
    redis = await startRedis();
    const env = {
      PARLEY_DATABASE_URL: await createDatabase(pg.url),
      PARLEY_REDIS_URL: redis.url,
      PARLEY_SECRET: 'cluster-notifications-test-secret-0123456789',
      PARLEY_LEASE_MS: '30000',
      PARLEY_SEED_DEMO: 'false',
    };
    a = await startServer({ env });
    b = await startServer({ env });
  });

  afterAll(async () => {
    sockets.a.closeAll();
    sockets.b.closeAll();
    for (const p of providers) p.destroy();
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
    await pg?.stop();
  });

  it('NOTIFY14 a reply stored through the instance that serves the board reaches the thread’s opener on every instance, once per socket, and both instances list it', async () => {
    const owner: Account = await signUp(a, 'Olga');
    const created = await postJson(
      a,
      '/api/boards',
      { title: 'Cluster board', stakeholders: [{ name: 'Alpha' }], ownStakeholder: 'Alpha' },
      { cookie: owner.cookie },
    );
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const ownerClient = cookieClient(a, id, owner.cookie);
    providers.push(ownerClient.provider);
    await waitFor(() => ownerClient.provider.synced, 'Olga to sync', 15_000);
    const sid = (
      (await (await fetch(`${a.url}/api/boards/${id}`, { headers: { cookie: owner.cookie } })).json()) as {
        board: { stakeholderId: string };
      }
    ).board.stakeholderId;
    const bob = await newMember(a, owner.cookie, 'Bob', 'delegate', sid, id);

    const onA = sockets.a.connect({ cookie: owner.cookie });
    const onB = sockets.b.connect({ cookie: owner.cookie });
    await Promise.all([connected(onA), connected(onB)]);
    const gotA: NotificationJson[] = [];
    const gotB: NotificationJson[] = [];
    onA.on('notification', (n) => gotA.push(n));
    onB.on('notification', (n) => gotB.push(n));

    // The board starts empty: Olga adds a point and opens a thread on it, through A.
    const actor = (userId: string, name: string): Actor => ({
      userId: userId as UserId,
      name,
      stakeholderId: sid as never,
    });
    const category = addCategory(ownerClient.doc, actor(owner.userId, 'Olga'), 'Topics');
    const pointId = addPoint(ownerClient.doc, actor(owner.userId, 'Olga'), { categoryId: category, title: 'P' });
    const thread = openThread(ownerClient.doc, actor(owner.userId, 'Olga'), { pointId, body: 'Who?' });

    // Bob replies through B, which passes his edits on to A.
    const bobClient = cookieClient(b, id, bob.cookie);
    providers.push(bobClient.provider);
    await waitFor(() => bobClient.doc.getMap('threads').has(thread), 'the thread to reach Bob on B', 15_000);
    replyToThread(bobClient.doc, actor(bob.userId, 'Bob'), thread, 'Me');

    await waitFor(() => gotA.length >= 1 && gotB.length >= 1, 'the reply on both instances', 15_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(gotA).toHaveLength(1);
    expect(gotB).toHaveLength(1);
    expect(gotB[0]).toEqual(gotA[0]);
    expect(gotA[0]).toMatchObject({
      kind: 'reply',
      boardId: id,
      boardTitle: 'Cluster board',
      items: [{ excerpt: 'Me' }],
    });
    for (const s of [a, b]) {
      const page = (await (
        await fetch(`${s.url}/api/notifications`, { headers: { cookie: owner.cookie } })
      ).json()) as NotificationsPageJson;
      expect(page.notifications.map((n) => n.id)).toEqual([gotA[0]!.id]);
    }
  });
});
