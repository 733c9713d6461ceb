/**
 * App events and access changes across instances: two real servers on one PostgreSQL and
 * one Redis. socket.io rooms are shared through the Redis streams adapter, and access
 * changes made through one instance reach the other's connections through Redis pub/sub at
 * once. The store watch is set to a minute, so it cannot be what closes anything here.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE } from '@parley/shared/protocol';
import { newMember, signUp, type Account } from '../helpers/accounts.ts';
import { appSockets, connected, join, sessionEnded, type AppSocket } from '../helpers/appSockets.ts';
import { waitFor } from '../helpers/clients.ts';
import { openRaw, postJson, within, type OpenRaw } from '../helpers/security.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import {
  createDatabase,
  startPostgres,
  startRedis,
  type RunningPostgres,
  type RunningRedis,
} from '../helpers/services.ts';

/** Far under the store watch's minute: a close this soon came through Redis or the route itself. */
const AT_ONCE_MS = 1_000;

/** Resolves with every result once all have, or fails naming those still pending after `ms`. */
async function allWithin<T extends Record<string, Promise<unknown>>>(
  promises: T,
  ms: number,
): Promise<{ [K in keyof T]: Awaited<T[K]> }> {
  const pending = new Set(Object.keys(promises));
  const entries = Object.entries(promises).map(([name, p]) =>
    p.then((v) => (pending.delete(name), [name, v] as const)),
  );
  const all = Promise.all(entries).then((done) => Object.fromEntries(done) as { [K in keyof T]: Awaited<T[K]> });
  return within(all, ms, '…').catch(() => {
    throw new Error(`still waiting after ${ms} ms for: ${[...pending].join(', ')}`);
  });
}

/**
 * A TCP load balancer in front of the instances, for a client that reconnects elsewhere:
 * `switchTo` cuts every connection and sends new ones to another instance; `refuse`
 * closes new ones at once, like a balancer with no instance to offer.
 */
async function balancer(first: RunningServer) {
  let target: number | null = first.port;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (target === null) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target, '127.0.0.1');
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    open.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    for (const s of [client, upstream]) s.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const cut = () => open.forEach((s) => s.destroy());
  return {
    url: `http://127.0.0.1:${port}`,
    refuse() {
      target = null;
      cut();
    },
    switchTo(next: RunningServer) {
      target = next.port;
      cut();
    },
    close: () => {
      cut();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('app events and access changes across instances', () => {
  let pg: RunningPostgres;
  let redis: RunningRedis;
  let a: RunningServer;
  let b: RunningServer;
  const instances = () => ({ a, b });
  const sockets = { a: appSockets(() => a), b: appSockets(() => b) };
  const docs: OpenRaw[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    pg = await startPostgres();
    redis = await startRedis();
    const env = {
      PARLEY_DATABASE_URL: await createDatabase(pg.url),
      PARLEY_REDIS_URL: redis.url,
      // One signing secret for both instances (tokens, and the forwarding header).
      PARLEY_SECRET: 'cluster-app-events-test-secret-0123456789',
      // Long leases: no board changes hands here, even on a loaded machine that renews late.
      PARLEY_LEASE_MS: '30000',
      PARLEY_REVOCATION_POLL_MS: '60000',
      PARLEY_SEED_DEMO: 'false',
    };
    a = await startServer({ env });
    b = await startServer({ env });
  });

  afterAll(async () => {
    sockets.a.closeAll();
    sockets.b.closeAll();
    for (const d of docs) d.ws.terminate();
    for (const c of cleanups) await c();
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
    await pg?.stop();
  });

  const boardsOwned = async (s: RunningServer) =>
    ((await (await fetch(`${s.url}/healthz`)).json()) as { boardsOwned: number }).boardsOwned;

  /** A document websocket on `s` with `cookie`, once the board answered its first frame. */
  async function openDoc(s: RunningServer, boardId: string, cookie: string): Promise<OpenRaw> {
    const doc = openRaw(`${s.wsUrl}/yjs/${boardId}`, { cookie });
    docs.push(doc);
    await doc.opened;
    await waitFor(() => doc.frames.length > 0, `the board's first frame through ${s.url}`);
    return doc;
  }

  /**
   * A new board made through A, served by `owner`: the owner of the board (a person) opens
   * it there first, so that instance takes its lease and keeps it while the socket is open.
   */
  async function boardServedBy(owner: RunningServer): Promise<{ id: string; owner: Account }> {
    const account = await signUp(a, 'Board owner');
    const created = await postJson(
      a,
      '/api/boards',
      { title: 'Cluster board', stakeholders: [{ name: 'Alpha' }], ownStakeholder: 'Alpha' },
      { cookie: account.cookie },
    );
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const before = await boardsOwned(owner);
    await openDoc(owner, id, account.cookie);
    expect(await boardsOwned(owner), 'the chosen instance serves the board').toBe(before + 1);
    return { id, owner: account };
  }

  /** A socket.io client on `s` in the board's room, counting the events it gets. */
  async function joined(s: 'a' | 'b', cookie: string, boardId: string) {
    const socket = sockets[s].connect({ cookie });
    await connected(socket);
    expect(await join(socket, boardId)).toMatchObject({ ok: true });
    const seen = { membersChanged: 0, accessChanged: 0 };
    socket.on('members:changed', (e) => e.boardId === boardId && seen.membersChanged++);
    socket.on('access:changed', (e) => e.boardId === boardId && seen.accessChanged++);
    return { socket, seen };
  }

  const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));

  it('SCALE5 an app event caused through one instance reaches the room on every instance, once', async () => {
    const board = await boardServedBy(a);
    const onA = await joined('a', board.owner.cookie, board.id);
    const onB = await joined('b', board.owner.cookie, board.id);

    // An invite made through A, which serves the board and handles the route itself.
    const invite = await postJson(
      a,
      `/api/boards/${board.id}/invites`,
      { role: 'observer', stakeholderId: null },
      { cookie: board.owner.cookie },
    );
    expect(invite.status).toBe(201);
    await waitFor(() => onA.seen.membersChanged === 1 && onB.seen.membersChanged === 1, 'members:changed on A and B');

    // An invite accepted through B (not a board route: B handles it, not the board's instance).
    const token = /\/invite\/([A-Za-z0-9_-]+)$/.exec(
      ((await invite.json()) as { invite: { url: string } }).invite.url,
    )![1]!;
    const joiner = await signUp(b, 'Joiner');
    expect((await postJson(b, `/api/invites/${token}/accept`, {}, { cookie: joiner.cookie })).status).toBe(200);
    await waitFor(() => onA.seen.membersChanged === 2 && onB.seen.membersChanged === 2, 'the second members:changed');

    // Each change was told once on each instance: the relay of the change does not repeat it.
    await settle();
    expect([onA.seen.membersChanged, onB.seen.membersChanged]).toEqual([2, 2]);
  });

  describe.each(['a', 'b'] as const)('with the board served by %s', (served) => {
    it(`SCALE6 removing a member through A takes, at once, every socket.io connection of theirs out of the board's room (told access:changed) and closes every document websocket of theirs, on both instances (board served by ${served.toUpperCase()})`, async () => {
      const board = await boardServedBy(instances()[served]);
      const member = await newMember(a, board.owner.cookie, 'SCALE6', 'observer', null, board.id);
      const ioA = await joined('a', member.cookie, board.id);
      const ioB = await joined('b', member.cookie, board.id);
      const docA = await openDoc(a, board.id, member.cookie);
      const docB = await openDoc(b, board.id, member.cookie);

      const removed = await fetch(`${a.url}/api/boards/${board.id}/members/${member.userId}`, {
        method: 'DELETE',
        headers: { cookie: board.owner.cookie },
      });
      expect(removed.status).toBe(204);
      const told = (io: typeof ioA) => waitFor(() => io.seen.accessChanged === 1, 'access:changed', AT_ONCE_MS);
      const ends = await allWithin(
        { docOnA: docA.closed, docOnB: docB.closed, socketOnA: told(ioA), socketOnB: told(ioB) },
        AT_ONCE_MS,
      );
      expect([ends.docOnA.code, ends.docOnB.code]).toEqual([CLOSE.accessChanged, CLOSE.accessChanged]);

      // Out of the room on both instances: the next board event reaches a member on each, not them.
      const before = [ioA.seen.membersChanged, ioB.seen.membersChanged];
      const ownerA = await joined('a', board.owner.cookie, board.id);
      const ownerB = await joined('b', board.owner.cookie, board.id);
      const invite = await postJson(
        b,
        `/api/boards/${board.id}/invites`,
        { role: 'observer', stakeholderId: null },
        { cookie: board.owner.cookie },
      );
      expect(invite.status).toBe(201);
      await waitFor(() => ownerA.seen.membersChanged === 1 && ownerB.seen.membersChanged === 1, "the members' event");
      await settle();
      expect([ioA.seen.membersChanged, ioB.seen.membersChanged]).toEqual(before);
      // The sockets stay up (they serve the person's other boards), as on one instance.
      expect([ioA.socket.connected, ioB.socket.connected]).toEqual([true, true]);
    });

    it(`SCALE7 signing out through A ends, at once, that session's socket.io connections (session:ended) and document websockets (4401) on both instances (board served by ${served.toUpperCase()})`, async () => {
      const board = await boardServedBy(instances()[served]);
      const member = await newMember(a, board.owner.cookie, 'SCALE7', 'observer', null, board.id);
      const ioA = await joined('a', member.cookie, board.id);
      const ioB = await joined('b', member.cookie, board.id);
      const endedA = sessionEnded(ioA.socket);
      const endedB = sessionEnded(ioB.socket);
      const docA = await openDoc(a, board.id, member.cookie);
      const docB = await openDoc(b, board.id, member.cookie);

      const out = await fetch(`${a.url}/api/auth/signout`, { method: 'POST', headers: { cookie: member.cookie } });
      expect(out.status).toBe(204);
      const ends = await allWithin(
        { docOnA: docA.closed, docOnB: docB.closed, socketOnA: endedA, socketOnB: endedB },
        AT_ONCE_MS,
      );
      expect([ends.docOnA.code, ends.docOnB.code]).toEqual([CLOSE.unauthorized, CLOSE.unauthorized]);
    });
  });

  it('SCALE8 a socket.io client that reconnects to the other instance re-joins, re-reads what changed while it was away, and gets the events after', async () => {
    const board = await boardServedBy(a);
    const lb = await balancer(a);
    cleanups.push(lb.close);
    const members = async () => {
      const res = await fetch(`${lb.url}/api/boards/${board.id}/members`, { headers: { cookie: board.owner.cookie } });
      expect(res.status).toBe(200);
      return ((await res.json()) as { invites: { id: string }[] }).invites.map((i) => i.id);
    };
    const newInvite = async () => {
      const res = await postJson(
        a,
        `/api/boards/${board.id}/invites`,
        { role: 'observer', stakeholderId: null },
        { cookie: board.owner.cookie },
      );
      expect(res.status).toBe(201);
      return ((await res.json()) as { invite: { id: string } }).invite.id;
    };

    // As the client's app socket does (client/src/lib/sync/appEvents.ts): after every
    // reconnect, join the board again, then re-read the state its events keep current.
    const viaLb = appSockets(() => lb);
    cleanups.push(async () => viaLb.closeAll());
    const socket: AppSocket = viaLb.connect(
      { cookie: board.owner.cookie },
      { reconnection: true, reconnectionDelay: 50, reconnectionDelayMax: 200, randomizationFactor: 0 },
    );
    let reread: string[] | null = null;
    let connects = 0;
    let joins = 0;
    socket.on('connect', () => {
      const reconnect = connects++ > 0;
      void join(socket, board.id).then(async (result) => {
        if (result.ok) joins++;
        if (reconnect) reread = await members();
      });
    });
    let events = 0;
    socket.on('members:changed', (e) => e.boardId === board.id && events++);
    await waitFor(() => joins === 1, 'the socket through the balancer, to A, in the room');
    await newInvite();
    await waitFor(() => events === 1, 'an event through A');

    // The balancer loses A; meanwhile a change is made through A, which the socket misses.
    lb.refuse();
    await waitFor(() => !socket.connected, 'the socket to notice');
    reread = null;
    const missed = await newInvite();
    await settle();
    lb.switchTo(b);
    await waitFor(() => reread !== null, 'the reconnect and the re-read through B', 10_000);
    expect(joins).toBe(2);
    expect(reread).toContain(missed);

    // Events caused through A reach the socket, now on B.
    const eventsBefore = events;
    await newInvite();
    await waitFor(() => events === eventsBefore + 1, 'an event through A, on B');
  });
});
