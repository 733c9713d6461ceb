/**
 * Several instances on one PostgreSQL and one Redis (issue 18; docs/ARCHITECTURE.md,
 * "Several instances"): each board is served by the one instance holding its Redis lease,
 * the others pass its websockets and board requests on to that instance, and the store's
 * fencing epoch refuses whatever a deposed owner still tries to write.
 *
 * One PostgreSQL and one Redis for the file (private throwaway servers); each group of tests
 * has a database and instances (real server processes) of its own. Faults come from
 * test/helpers/tcpProxy.ts: a proxy between an instance and Redis that can be cut, and a
 * small load balancer in front of the instances that skips a dead one. Randomness (edit
 * timing and places) comes from one seed, printed on failure: PARLEY_CLUSTER_SEED=<seed>.
 */
import * as decoding from 'lib0/decoding';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import {
  STANCES,
  addCategory,
  listPoints,
  openThread,
  pointText,
  positionKey,
  replyToThread,
  setPosition,
  toBoardJson,
  type PointId,
  type StakeholderId,
  type Stance,
  type ThreadId,
} from '@parley/shared/model';
import type { Role } from '@parley/shared/permissions';
import { CLOSE, MESSAGE, SYNC, subscribeSavedFrame } from '@parley/shared/protocol';
import { PostgresAccountStore } from '../../server/src/persistence/postgres/PostgresAccountStore.ts';
import { PostgresStorage } from '../../server/src/persistence/postgres/PostgresStorage.ts';
import { ensureDemoBoard } from '../../server/src/seed/createDemoBoard.ts';
import { demoSignInLinks } from '../../server/src/seed/demoAccounts.ts';
import { connectClient, waitFor, type StockClient } from '../helpers/clients.ts';
import {
  clusterEnv,
  clusterToken,
  health,
  leaseHolder,
  restartInstance,
  sleep,
  startInstance,
  storedDoc,
  type Instance,
} from '../helpers/cluster.ts';
import { fetchMetric } from '../helpers/metrics.ts';
import { prng } from '../helpers/prng.ts';
import { encodeRaw, mapEntry } from '../helpers/rawUpdates.ts';
import {
  attachProvider,
  describeStateVector,
  insertedStrings,
  sameState,
  savedLedger,
  synced,
  type SavedLedger,
  type TerminalClose,
} from '../helpers/replicas.ts';
import { openRaw, step1Frame, updateFrame, within } from '../helpers/security.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import {
  createDatabase,
  startPostgres,
  startRedis,
  type RunningPostgres,
  type RunningRedis,
} from '../helpers/services.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcpProxy.ts';
import { actorOf, type TestIdentity } from '../helpers/tokens.ts';

const SEED = process.env['PARLEY_CLUSTER_SEED']
  ? Number(process.env['PARLEY_CLUSTER_SEED'])
  : (Math.random() * 2 ** 31) | 0;

/** Short leases, so that failovers take a second or two (the default is 5 s). */
const LEASE_MS = 1_500;

/** The fresh instance on the database alone never compacts: loading must not write to the store. */
const READ_ONLY_LOAD = { PARLEY_COMPACT_THRESHOLD: '10000000' };
/**
 * A board nobody is connected to is unloaded soon, and its lease given up: a test can then
 * choose which instance owns it next (the one its first client reaches).
 */
const IDLE = { PARLEY_ROOM_IDLE_MS: '300' };

let pg: RunningPostgres;
let redis: RunningRedis;

beforeAll(async () => {
  [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
}, 60_000);

afterAll(async () => {
  await Promise.all([redis?.stop(), pg?.stop()]);
});

/** Polls an async condition (an HTTP or Redis look-up) until it holds. */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (seed ${SEED})`);
    await sleep(50);
  }
}

/** A few points that every writer edits, so that edits meet. */
const hotPoints = (doc: Y.Doc): PointId[] =>
  listPoints(doc)
    .map((p) => p.id)
    .sort()
    .slice(0, 6);

const metric = async (server: RunningServer, name: string) => (await fetchMetric(server.url, name)) ?? 0;

/** A stock provider straight from `connectClient` or `attachProvider`, closed without throwing. */
function destroyQuietly(provider: WebsocketProvider, doc?: Y.Doc): void {
  try {
    provider.destroy();
  } catch {
    // y-websocket throws here if Yjs changed the doc's client id meanwhile; the socket is closed.
  }
  doc?.destroy();
}

/** The server's state from the sync step 2 frames a raw socket received, or null before one came. */
function stateFromFrames(frames: readonly Buffer[]): Y.Doc | null {
  for (const frame of frames) {
    const d = decoding.createDecoder(new Uint8Array(frame));
    if (decoding.readVarUint(d) !== MESSAGE.sync || decoding.readVarUint(d) !== SYNC.step2) continue;
    const doc = new Y.Doc();
    Y.applyUpdate(doc, decoding.readVarUint8Array(d));
    return doc;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Two instances, one board: concurrent edits, forbidden ones, routes, presence, health
// ---------------------------------------------------------------------------------------------

describe('several instances on one PostgreSQL and one Redis', () => {
  let db: string;
  /**
   * A and B, each behind a balancer that prefers it and falls back to the other, each
   * reaching Redis through a proxy that can be cut. A seeds the demo board and commits at
   * once; B waits up to a second before it commits (so that, frozen, it still holds updates).
   */
  const nodes: { instance: Instance; redisProxy: TcpProxy; balancer: TcpProxy }[] = [];
  /** A and B as first started (CLUSTER2 restarts one of them; later tests use `nodes`). */
  let a: RunningServer;
  let b: RunningServer;
  /** On the database alone (no Redis): it loads the board from PostgreSQL, nothing else. */
  let c: RunningServer;
  const providers: { provider: WebsocketProvider; doc: Y.Doc }[] = [];
  const clients: StockClient[] = [];

  interface Honest {
    readonly label: string;
    readonly server: RunningServer;
    readonly who: TestIdentity;
    readonly doc: Y.Doc;
    readonly provider: WebsocketProvider;
    readonly ledger: SavedLedger;
    readonly terminal: TerminalClose[];
    /** Every update the server relayed to it. */
    readonly received: Uint8Array[];
  }
  const honest: Honest[] = [];

  async function honestClient(label: string, server: RunningServer, role: Role, sid: string): Promise<Honest> {
    const { who, token } = await clusterToken(role, sid, `${label} ${role}`);
    const doc = new Y.Doc();
    const terminal: TerminalClose[] = [];
    const provider = attachProvider(server.wsUrl, 'demo', doc, { token }, terminal);
    providers.push({ provider, doc });
    const ledger = savedLedger(provider, () => []);
    const received: Uint8Array[] = [];
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === provider) received.push(update);
    });
    await synced(provider);
    const h = { label, server, who, doc, provider, ledger, terminal, received };
    honest.push(h);
    return h;
  }

  beforeAll(async () => {
    db = await createDatabase(pg.url);
    const proxies = await Promise.all([startTcpProxy([redis.port]), startTcpProxy([redis.port])]);
    const env = (proxy: TcpProxy, extra: Record<string, string>) =>
      clusterEnv({ databaseUrl: db, redisUrl: proxy.url('redis'), leaseMs: LEASE_MS, extra: { ...IDLE, ...extra } });
    const [ia, ib, fresh] = await Promise.all([
      startInstance('A', env(proxies[0]!, {})),
      startInstance('B', env(proxies[1]!, { PARLEY_PERSIST_BATCH_MS: '1000' })),
      startServer({ env: clusterEnv({ databaseUrl: db, extra: { ...IDLE, ...READ_ONLY_LOAD } }) }),
    ]);
    [a, b, c] = [ia.server, ib.server, fresh];
    // Each balancer prefers its own instance and falls back to the other one.
    const balancers = await Promise.all([
      startTcpProxy([ia.server.port, ib.server.port]),
      startTcpProxy([ib.server.port, ia.server.port]),
    ]);
    nodes.push(
      { instance: ia, redisProxy: proxies[0]!, balancer: balancers[0]! },
      { instance: ib, redisProxy: proxies[1]!, balancer: balancers[1]! },
    );
  }, 60_000);

  // On a failure, what the instances said (warnings and errors, and the ownership changes).
  afterEach(({ task }) => {
    if (task.result?.state !== 'fail') return;
    for (const [name, server] of [
      ...nodes.map((n) => [n.instance.name, n.instance.server] as const),
      ['C', c] as const,
    ]) {
      const said = server.logs.filter(
        (l) => Number(l['level']) >= 40 || /lease|serving board|owner|fenced|dropped/i.test(String(l['msg'])),
      );
      console.error(
        `${name} logged:\n${said
          .slice(-40)
          .map((l) => JSON.stringify(l))
          .join('\n')}`,
      );
    }
  });

  afterAll(async () => {
    for (const p of providers) destroyQuietly(p.provider, p.doc);
    for (const client of clients) destroyQuietly(client.provider, client.doc);
    for (const n of nodes) n.instance.server.process.kill('SIGCONT');
    await Promise.all([...nodes.map((n) => n.instance.server.stop('SIGKILL')), c?.stop('SIGKILL')]);
    await Promise.all(nodes.flatMap((n) => [n.redisProxy.close(), n.balancer.close()]));
  });

  it('CLUSTER1: stock clients on two instances edit one board concurrently (500 edits per instance, forbidden ones among them); every client and a fresh instance loading from PostgreSQL alone converge on exactly the allowed edits, and no forbidden update is applied, relayed or stored anywhere', async () => {
    const rnd = prng(SEED);
    /** The oracle: what the allowed edits leave on the board. */
    const expected = {
      words: new Set<string>(),
      categories: new Set<string>(),
      comments: new Set<string>(),
      positions: new Map<string, { stance: Stance; rationale: string }>(),
    };
    const forbidden = {
      markers: [] as string[],
      /** Client ids that forbidden updates were written under. */
      clientIds: new Set<number>(),
      outcomes: [] as { marker: string; how: string; code: number; acks: number }[],
    };
    const WORD = /\[[ab]\.\d+\]/g;

    // A's clients first: A loads the board and owns it; B forwards its clients to A.
    const edA = await honestClient('A', a, 'editor', 'us');
    const dlA = await honestClient('A', a, 'delegate', 'ukraine');
    const edB = await honestClient('B', b, 'editor', 'us');
    const dlB = await honestClient('B', b, 'delegate', 'russia');
    expect((await leaseHolder(redis.port))?.url).toBe(a.url);
    const hot = hotPoints(edA.doc);

    const editorLoop = async (h: Honest, tag: string, n: number) => {
      const actor = actorOf(h.who);
      for (let i = 0; i < n; i++) {
        if (i % 30 === 29) {
          const title = `cat-${tag}-${i}`;
          addCategory(h.doc, actor, title);
          expected.categories.add(title);
        } else {
          const word = `[${tag}.${i}]`;
          const text = pointText(h.doc, rnd.pick(hot), 'body')!;
          if (rnd.next() < 0.5) text.insert(0, `${word} `);
          else text.insert(text.length, ` ${word}`);
          expected.words.add(word);
        }
        await sleep(rnd.between(2, 6));
      }
    };
    const delegateLoop = async (h: Honest, tag: string, n: number) => {
      const actor = actorOf(h.who);
      const sid = h.who.stakeholderId as StakeholderId;
      const mine: ThreadId[] = [];
      for (let i = 0; i < n; i++) {
        if (i % 12 === 0) {
          const body = `thr-${tag}-${i}`;
          mine.push(openThread(h.doc, actor, { pointId: rnd.pick(hot), body }));
          expected.comments.add(body);
        } else if (i % 12 === 6) {
          const body = `re-${tag}-${i}`;
          replyToThread(h.doc, actor, rnd.pick(mine), body);
          expected.comments.add(body);
        } else {
          const pointId = hot[i % hot.length]!;
          const stance = STANCES[i % STANCES.length]!;
          const rationale = `pos-${tag}-${i}`;
          setPosition(h.doc, actor, { pointId, stakeholderId: sid, stance, rationale });
          expected.positions.set(positionKey(pointId, sid), { stance, rationale });
        }
        await sleep(rnd.between(2, 6));
      }
    };

    /** A forbidden edit by a stock client: a delegate writes another delegation's position. */
    const stockForbidden = async (server: RunningServer, attacker: string, victim: string, marker: string) => {
      const { who, token } = await clusterToken('delegate', attacker, `Hostile ${attacker}`);
      const client = connectClient(server.wsUrl, 'demo', { token });
      clients.push(client);
      const closes: number[] = [];
      client.provider.on('connection-close', (event: { code: number } | null) => closes.push(event?.code ?? 0));
      await within(client.synced, 10_000, 'a hostile stock client to sync');
      forbidden.clientIds.add(client.doc.clientID);
      setPosition(client.doc, actorOf(who), {
        pointId: rnd.pick(hot),
        stakeholderId: victim as StakeholderId,
        stance: 'oppose',
        rationale: marker,
      });
      await waitFor(() => closes.length > 0, `the server to refuse ${marker}`);
      destroyQuietly(client.provider);
      return { code: closes[0]!, acks: 0 };
    };

    /** A forbidden update sent by a raw socket, crafted on the server's own state (no missing dependency). */
    const rawForbidden = async (
      server: RunningServer,
      role: Role,
      sid: string | null,
      craft: (base: Y.Doc, who: TestIdentity) => Uint8Array,
    ) => {
      const { who, token } = await clusterToken(role, sid, `Raw ${role}`);
      const r = openRaw(`${server.wsUrl}/yjs/demo?token=${token}`);
      try {
        await within(r.opened, 10_000, 'a raw socket to open');
        await waitFor(() => r.frames.length > 0, 'the raw client to join');
        r.ws.send(subscribeSavedFrame());
        r.ws.send(step1Frame(new Y.Doc()));
        const base: { doc: Y.Doc | null } = { doc: null };
        await waitFor(() => (base.doc = stateFromFrames(r.frames)) !== null, "the server's state");
        const update = craft(base.doc!, who);
        for (const s of Y.decodeUpdate(update).structs) forbidden.clientIds.add(s.id.client);
        r.ws.send(updateFrame(update));
        const { code } = await within(r.closed, 10_000, 'the refusal');
        return { code, acks: r.frames.filter((f) => f[0] === MESSAGE.saved).length };
      } finally {
        r.ws.terminate();
      }
    };

    const updateOn = (base: Y.Doc, edit: (doc: Y.Doc) => void): Uint8Array => {
      const updates: Uint8Array[] = [];
      base.on('update', (u: Uint8Array) => updates.push(u));
      edit(base);
      return Y.mergeUpdates(updates);
    };

    let rawClient = 0x7e000000 + rnd.int(0x10000) * 16;
    const hostileLoop = async (server: RunningServer, tag: string, attacker: string, victim: string, n: number) => {
      for (let i = 0; i < n; i++) {
        const marker = `forbidden-${tag}-${i}`;
        forbidden.markers.push(marker);
        const pointId = rnd.pick(hot);
        let how: string;
        let outcome: { code: number; acks: number };
        switch (i % 5) {
          case 0:
            how = "a delegate's stock client sets another delegation's position";
            outcome = await stockForbidden(server, attacker, victim, marker);
            break;
          case 1:
            how = 'a delegate edits the plan text';
            outcome = await rawForbidden(server, 'delegate', attacker, (base) =>
              updateOn(base, (d) => pointText(d, pointId, 'body')!.insert(0, `${marker} `)),
            );
            break;
          case 2:
            how = 'a delegate opens a thread for another delegation';
            outcome = await rawForbidden(server, 'delegate', attacker, (base, who) =>
              updateOn(base, (d) =>
                openThread(d, actorOf(who), { pointId, body: marker, stakeholderId: victim as StakeholderId }),
              ),
            );
            break;
          case 3:
            how = 'an observer sets a position';
            outcome = await rawForbidden(server, 'observer', null, (base, who) =>
              updateOn(base, (d) =>
                setPosition(d, actorOf(who), {
                  pointId,
                  stakeholderId: victim as StakeholderId,
                  stance: 'support',
                  rationale: marker,
                }),
              ),
            );
            break;
          default:
            how = "crafted bytes: another delegation's position replaced under a fresh client id";
            outcome = await rawForbidden(server, 'delegate', attacker, (base, who) => {
              const key = positionKey(pointId, victim);
              const positions = base.getMap('positions') as unknown as { _map: Map<string, Y.Item> };
              const current = positions._map.get(key);
              const value = { stance: 'oppose', rationale: marker, by: who.userId, byName: who.name, at: Date.now() };
              const item = mapEntry(
                Y.createID(rawClient++, 0),
                'positions',
                key,
                new Y.ContentAny([value]),
                current ? current.lastId : null,
              );
              return encodeRaw([item]);
            });
        }
        forbidden.outcomes.push({ marker, how, ...outcome });
        await sleep(rnd.between(5, 30));
      }
    };

    const started = performance.now();
    try {
      await Promise.all([
        editorLoop(edA, 'a', 300),
        delegateLoop(dlA, 'a', 175),
        // Two lanes of forbidden updates per instance, 25 in all on each.
        hostileLoop(a, 'a0', 'russia', 'ukraine', 13),
        hostileLoop(a, 'a1', 'russia', 'ukraine', 12),
        editorLoop(edB, 'b', 300),
        delegateLoop(dlB, 'b', 175),
        hostileLoop(b, 'b0', 'ukraine', 'russia', 13),
        hostileLoop(b, 'b1', 'ukraine', 'russia', 12),
      ]);
      const edited = performance.now() - started;

      // Every forbidden update was refused with 4403 and never acknowledged.
      expect(forbidden.outcomes.filter((o) => o.code !== CLOSE.forbiddenUpdate || o.acks > 0)).toEqual([]);
      expect(forbidden.outcomes).toHaveLength(50);

      // Every allowed edit is acknowledged as saved, and the clients converge.
      await waitFor(
        () => honest.every((h) => h.ledger.allAcked()),
        `every allowed edit to be acknowledged (seed ${SEED})`,
        30_000,
      );
      try {
        await waitFor(() => honest.every((h) => sameState(h.doc, edA.doc)), 'the clients to converge', 20_000);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${honest.map((h) => describeStateVector(h.doc)).join('\n')}`);
      }
      for (const h of honest) {
        expect(h.terminal, `${h.label} ${h.who.role}: refused`).toEqual([]);
        expect(h.ledger.violations, `${h.label} ${h.who.role}: ack protocol`).toEqual([]);
      }

      // A fresh instance that loads the board from PostgreSQL alone, and the stored log itself.
      const { token } = await clusterToken('observer', null, 'Fresh observer');
      const fresh = new Y.Doc();
      const freshProvider = attachProvider(c.wsUrl, 'demo', fresh, { token }, []);
      providers.push({ provider: freshProvider, doc: fresh });
      await synced(freshProvider);
      const stored = await storedDoc(db);

      const checkAgainstOracle = (doc: Y.Doc, label: string) => {
        const json = toBoardJson(doc);
        const words = new Set(json.points.flatMap((p) => p.body.match(WORD) ?? []));
        expect(
          [...expected.words].filter((w) => !words.has(w)),
          `${label}: allowed words missing`,
        ).toEqual([]);
        expect(words.size, `${label}: words on the board`).toBe(expected.words.size);
        const titles = new Set(json.categories.map((cat) => cat.title));
        expect(
          [...expected.categories].filter((t) => !titles.has(t)),
          `${label}: categories missing`,
        ).toEqual([]);
        const comments = new Set(json.threads.flatMap((t) => t.comments.map((cm) => cm.body)));
        expect(
          [...expected.comments].filter((cm) => !comments.has(cm)),
          `${label}: comments missing`,
        ).toEqual([]);
        const positions = new Map(
          json.positions.map((p) => [
            positionKey(p.pointId, p.stakeholderId),
            { stance: p.stance, rationale: p.rationale },
          ]),
        );
        for (const [key, value] of expected.positions) expect(positions.get(key), `${label}: ${key}`).toEqual(value);
        // Nothing forbidden, visible or not: no marker in the view or in the encoded state,
        // and no client id a forbidden update was written under.
        const text = JSON.stringify(json);
        const bytes = Buffer.from(Y.encodeStateAsUpdate(doc));
        expect(
          forbidden.markers.filter((m) => text.includes(m) || bytes.includes(m)),
          `${label}: forbidden`,
        ).toEqual([]);
        const ids = [...Y.decodeStateVector(Y.encodeStateVector(doc)).keys()];
        expect(
          ids.filter((id) => forbidden.clientIds.has(id)),
          `${label}: forbidden client ids`,
        ).toEqual([]);
      };

      expect(sameState(fresh, edA.doc), 'the fresh instance holds what the clients hold').toBe(true);
      expect(sameState(stored.doc, edA.doc), 'the stored log holds what the clients hold').toBe(true);
      const board = toBoardJson(fresh);
      for (const h of honest) {
        expect(toBoardJson(h.doc)).toEqual(board);
        checkAgainstOracle(h.doc, `${h.label} ${h.who.role}`);
        // Never relayed: no update any client received carries a forbidden marker.
        const relayed = h.received.map((u) => Buffer.from(u));
        expect(forbidden.markers.filter((m) => relayed.some((u) => u.includes(m)))).toEqual([]);
      }
      checkAgainstOracle(fresh, 'fresh instance C');
      checkAgainstOracle(stored.doc, 'the stored log');
      // Never stored, not even in a log entry that a later one overrides.
      const entries = stored.entries.map((u) => Buffer.from(u));
      expect(forbidden.markers.filter((m) => entries.some((u) => u.includes(m)))).toEqual([]);

      // B really passed its clients on: the honest ones and B's hostile ones.
      expect(await metric(b, 'parley_forwarded_connections_total')).toBeGreaterThanOrEqual(2 + 25);
      expect(await metric(a, 'parley_forwarded_connections_total')).toBe(0);
      expect((await health(b)).rooms, 'B never loaded the board').toBe(0);
      console.log(
        `CLUSTER1 seed ${SEED}: ${expected.words.size} words, ${expected.positions.size} positions, ` +
          `${expected.comments.size} comments, ${expected.categories.size} categories and ` +
          `${forbidden.outcomes.length} refused updates in ${Math.round(edited)} ms`,
      );
    } catch (err) {
      console.error(`CLUSTER1 failed; reproduce with PARLEY_CLUSTER_SEED=${SEED}`);
      throw err;
    }
  }, 90_000);

  it("CLUSTER3: board routes sent to the instance that does not own the board are answered by the owner (live export, publishing a version with a JSON body, reading it back, the owner's 403)", async () => {
    const owner = (await leaseHolder(redis.port))?.url === a.url ? a : b;
    const other = owner === a ? b : a;
    const writer = honest.find((h) => h.who.role === 'editor')!;
    const word = '[route-check]';
    pointText(writer.doc, hotPoints(writer.doc)[0]!, 'body')!.insert(0, `${word} `);
    await waitFor(() => writer.ledger.allAcked(), 'the word to be saved');
    const { token } = await clusterToken('editor', 'us', 'Route editor');
    const bearer = { authorization: `Bearer ${token}` };
    const forwardedBefore = await metric(other, 'parley_forwarded_requests_total');

    const exported = await fetch(`${other.url}/api/boards/demo/export?format=json`, { headers: bearer });
    expect(exported.status).toBe(200);
    expect(JSON.stringify(await exported.json())).toContain(word);

    const created = await fetch(`${other.url}/api/boards/demo/versions`, {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Cluster round', note: 'Published through the other instance.' }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const listed = (await (await fetch(`${owner.url}/api/boards/demo/versions`, { headers: bearer })).json()) as {
      versions: { id: string; name: string; note: string }[];
    };
    expect(listed.versions.find((v) => v.id === id)).toMatchObject({
      name: 'Cluster round',
      note: 'Published through the other instance.',
    });
    const version = await fetch(`${other.url}/api/boards/demo/versions/${id}`, { headers: bearer });
    expect(version.status).toBe(200);
    expect(JSON.stringify(await version.json())).toContain(word);

    const delegate = await clusterToken('delegate', 'ukraine', 'Route delegate');
    const refused = await fetch(`${other.url}/api/boards/demo/versions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${delegate.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Not mine to publish' }),
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('forbidden');

    expect(await metric(other, 'parley_forwarded_requests_total')).toBe(forwardedBefore + 4);
    expect(await metric(owner, 'parley_forwarded_requests_total')).toBe(0);
    expect((await health(other)).rooms, 'the other instance never loaded the board').toBe(0);
  });

  it('CLUSTER4: presence crosses instances: a client on A sees the awareness state of a client on B (with the identity its token gives) and B sees A’s; a client that leaves is removed on the other instance', async () => {
    const join = async (server: RunningServer, name: string) => {
      const { who, token } = await clusterToken('delegate', 'europe', name);
      const client = connectClient(server.wsUrl, 'demo', { token });
      clients.push(client);
      await within(client.synced, 10_000, `${name} to sync`);
      return { client, who };
    };
    const onA = await join(a, 'Presence on A');
    const onB = await join(b, 'Presence on B');
    const stateOf = (viewer: StockClient, of: StockClient) =>
      viewer.provider.awareness.getStates().get(of.doc.clientID) as
        { user?: { id: string; name: string }; focus?: { pointId: string } } | undefined;
    onA.client.provider.awareness.setLocalState({ focus: { pointId: 'p-seen-from-b' } });
    onB.client.provider.awareness.setLocalState({ focus: { pointId: 'p-seen-from-a' } });
    await waitFor(() => stateOf(onB.client, onA.client)?.focus?.pointId === 'p-seen-from-b', "A's presence on B");
    await waitFor(() => stateOf(onA.client, onB.client)?.focus?.pointId === 'p-seen-from-a', "B's presence on A");
    expect(stateOf(onB.client, onA.client)!.user).toMatchObject({ id: onA.who.userId, name: 'Presence on A' });
    expect(stateOf(onA.client, onB.client)!.user).toMatchObject({ id: onB.who.userId, name: 'Presence on B' });
    destroyQuietly(onA.client.provider);
    await waitFor(() => stateOf(onB.client, onA.client) === undefined, 'the departed client to leave B’s presence');
  });

  it('CLUSTER5: /healthz says store postgres and redis ready on every instance, each with its own instance id, and exactly one owns the board; /metrics agrees (leases held, acquired, forwarded connections open)', async () => {
    const [ha, hb] = await Promise.all([health(a), health(b)]);
    for (const h of [ha, hb]) expect(h).toMatchObject({ status: 'ok', store: 'postgres', redis: 'ready' });
    expect(ha.instance).toMatch(/^[0-9a-f-]{36}$/);
    expect(hb.instance).toMatch(/^[0-9a-f-]{36}$/);
    expect(ha.instance).not.toBe(hb.instance);
    expect((await leaseHolder(redis.port))?.id).toBe(ha.instance);
    expect([ha.boardsOwned, hb.boardsOwned]).toEqual([1, 0]);
    expect(await health(c)).toMatchObject({ status: 'ok', store: 'postgres', redis: 'off' });
    expect(await metric(a, 'parley_board_leases_held')).toBe(1);
    expect(await metric(b, 'parley_board_leases_held')).toBe(0);
    expect(await metric(a, 'parley_board_leases_acquired_total')).toBe(1);
    expect(await metric(a, 'parley_board_leases_lost_total')).toBe(0);
    // B serves no socket itself: its two honest clients and its presence client are piped to A.
    expect(hb.connections).toBe(0);
    expect(await metric(b, 'parley_forwarded_connections_open')).toBe(3);
    expect(await metric(b, 'parley_forward_failures_total')).toBe(0);
  });

  // ---------------------------------------------------------------------------------------------
  // Failover under load: the owner is killed, then the next owner is cut off from Redis
  // ---------------------------------------------------------------------------------------------

  it('CLUSTER2: with writers behind a load balancer, SIGKILL of the owner and then a Redis partition of the next owner lose no acknowledged write: PostgreSQL alone holds every acknowledged word right after the kill, the survivors take over, and at the end a fresh instance loading from PostgreSQL holds every word and equals every client', async () => {
    const rnd = prng(SEED ^ 0xc1);
    const WORD = /\[k\d+\.\d+\]/g;
    const labelsOf = (update: Uint8Array) => insertedStrings(update).flatMap((s) => s.match(WORD) ?? []);
    interface Typist {
      readonly index: number;
      readonly node: (typeof nodes)[number];
      readonly doc: Y.Doc;
      readonly provider: WebsocketProvider;
      readonly ledger: SavedLedger;
      readonly terminal: TerminalClose[];
      /** Close codes of every connection the server or the network ended. */
      readonly closes: number[];
      readonly written: string[];
    }
    // The clients of the tests before leave; the typists are the board's only clients.
    for (const p of providers.splice(0)) destroyQuietly(p.provider, p.doc);
    for (const client of clients.splice(0)) destroyQuietly(client.provider, client.doc);
    const typists: Typist[] = [];
    for (let index = 0; index < 4; index++) {
      const node = nodes[index % 2]!;
      const { token } = await clusterToken('editor', 'us', `Typist ${index}`);
      const doc = new Y.Doc();
      const terminal: TerminalClose[] = [];
      const provider = attachProvider(node.balancer.url('ws'), 'demo', doc, { token }, terminal);
      const closes: number[] = [];
      provider.on('connection-close', (event: { code: number } | null) => closes.push(event?.code ?? 0));
      typists.push({
        index,
        node,
        doc,
        provider,
        ledger: savedLedger(provider, labelsOf),
        terminal,
        closes,
        written: [],
      });
      // The first client picks the owner: A, through its balancer.
      if (index === 0) await synced(provider);
    }
    let loading = true;
    const allSynced = (what: string) =>
      Promise.all(typists.map((t) => synced(t.provider, 30_000))).catch((err: Error) => {
        throw new Error(`${what}: ${err.message} (terminal: ${JSON.stringify(typists.map((t) => t.terminal))})`);
      });
    await allSynced('at the start');
    const hot = hotPoints(typists[0]!.doc);
    const loops = typists.map(async (t) => {
      // Typing goes on whatever the connection does (offline edits merge on reconnect).
      while (loading) {
        const word = `[k${t.index}.${t.written.length}]`;
        const text = pointText(t.doc, rnd.pick(hot), 'body')!;
        if (rnd.next() < 0.5) text.insert(0, `${word} `);
        else text.insert(text.length, ` ${word}`);
        t.written.push(word);
        await sleep(rnd.between(5, 12));
      }
    });
    const acknowledged = () => new Set(typists.flatMap((t) => [...t.ledger.acknowledged()]));
    const holderNode = async () => {
      const url = (await leaseHolder(redis.port))?.url;
      return nodes.find((n) => n.instance.server.url === url);
    };
    /** How long each phase took, for the log line at the end. */
    const phases: string[] = [];
    let phaseStart = performance.now();
    const phase = (name: string) => {
      const now = performance.now();
      phases.push(`${name} ${Math.round(now - phaseStart)} ms`);
      phaseStart = now;
    };
    /** The owners in turn: the first (killed), the second (cut off from Redis), the third. */
    const owners: (typeof nodes)[number][] = [];

    try {
      await sleep(1_200);
      phase('load');

      // 1. SIGKILL of the owner. The balancers take no new connection meanwhile, so that
      //    nothing is resent before the store is read.
      const first = await holderNode();
      expect(first, 'A owns the board (its balancer brought the first client)').toBe(nodes[0]);
      owners.push(first!);
      for (const n of nodes) n.balancer.refuse();
      expect(await first!.instance.server.stop('SIGKILL')).toBe('SIGKILL');
      await waitFor(() => typists.every((t) => !t.provider.wsconnected), 'every client to lose the killed owner');
      const sentAtKill = new Set(typists.flatMap((t) => [...t.ledger.sentLabels()]));
      const ackedAtKill = acknowledged();
      const storedAtKill = await storedDoc(db);
      const storedWords = new Set(toBoardJson(storedAtKill.doc).points.flatMap((p) => p.body.match(WORD) ?? []));
      expect(
        [...ackedAtKill].filter((w) => !storedWords.has(w)),
        `acknowledged before the kill, missing from PostgreSQL (seed ${SEED})`,
      ).toEqual([]);
      // Not vacuous: most of what was sent before the kill had been acknowledged.
      expect(ackedAtKill.size).toBeGreaterThanOrEqual(Math.max(20, Math.ceil(0.5 * sentAtKill.size)));

      // The killed instance comes back on its port; meanwhile its clients reach the other
      // one, which takes the lease once it lapses and loads the board from PostgreSQL.
      const restarting = restartInstance(first!.instance);
      await Promise.all(nodes.map((n) => n.balancer.restore()));
      phase('kill and store check');
      await allSynced('after the kill');
      phase('failover');
      await restarting;
      const second = await holderNode();
      expect(second, 'an instance owns the board again').toBeDefined();
      owners.push(second!);
      const third = nodes.find((n) => n !== second)!;
      await sleep(800);

      // 2. The second owner is cut off from Redis for longer than its lease: it gives the
      //    board up (1012 to every client), the clients it cannot serve meanwhile are refused
      //    with 1013, and the other instance takes the lease once it lapses.
      const closesBefore = typists.map((t) => t.closes.length);
      phase('restart');
      const cut = second!.redisProxy.cutFor(LEASE_MS * 2.5);
      await waitFor(
        () => typists.every((t) => t.closes.slice(closesBefore[t.index]).includes(CLOSE.ownerMoved)),
        'every client to be told the board moved (1012)',
        LEASE_MS * 3,
      );
      await until(async () => (await health(second!.instance.server)).redis === 'down', 'healthz to say Redis is down');
      expect(await health(second!.instance.server)).toMatchObject({ status: 'degraded', boardsOwned: 0 });
      await cut;
      await until(async () => (await health(second!.instance.server)).redis === 'ready', 'Redis to be back');
      await allSynced('after the Redis partition');
      phase('Redis partition');
      expect(await holderNode(), 'the other instance owns the board').toBe(third);
      owners.push(third);
      // Clients whose balancer kept them on the cut-off instance were refused with 1013.
      for (const t of typists.filter((t) => t.node === second)) {
        expect(t.closes.slice(closesBefore[t.index]), `typist ${t.index}`).toContain(CLOSE.tryAgainLater);
      }
      expect(await metric(second!.instance.server, 'parley_board_leases_lost_total')).toBe(1);
      await sleep(800);
    } finally {
      loading = false;
      await Promise.all(loops);
    }

    phase('more load');
    // 3. Everyone online: all acknowledged, all converged, and PostgreSQL alone holds it all.
    await waitFor(
      () => typists.every((t) => t.ledger.allAcked()),
      `every word to be acknowledged at the end (seed ${SEED})`,
      30_000,
    );
    await waitFor(() => typists.every((t) => sameState(t.doc, typists[0]!.doc)), 'the clients to converge', 20_000);
    const { token } = await clusterToken('observer', null, 'Fresh observer');
    await until(async () => (await health(c)).rooms === 0, 'the fresh instance to hold nothing loaded');
    const fresh = new Y.Doc();
    const freshProvider = attachProvider(c.wsUrl, 'demo', fresh, { token }, []);
    try {
      await synced(freshProvider);
      for (const t of typists) {
        expect(sameState(t.doc, fresh), `typist ${t.index} equals the fresh instance`).toBe(true);
        expect(t.terminal, `typist ${t.index}: refused`).toEqual([]);
        expect(t.ledger.violations, `typist ${t.index}: ack protocol`).toEqual([]);
      }
      const words = new Set(toBoardJson(fresh).points.flatMap((p) => p.body.match(WORD) ?? []));
      expect(
        [...acknowledged()].filter((w) => !words.has(w)),
        'acknowledged, missing at the end',
      ).toEqual([]);
      const written = typists.flatMap((t) => t.written);
      expect(
        written.filter((w) => !words.has(w)),
        'written, missing at the end',
      ).toEqual([]);
      expect(words.size).toBe(written.length);
      const lossReasons = await Promise.all(
        nodes.map(async (n) => {
          const reasons = n.instance.server.logs
            .filter((l) => typeof l['reason'] === 'string' && String(l['msg']).startsWith('lost the lease'))
            .map((l) => l['reason']);
          const lag = await metric(n.instance.server, 'nodejs_eventloop_lag_max_seconds');
          return `${n.instance.name}: ${JSON.stringify(reasons)}, event loop lag max ${Math.round(lag * 1000)} ms`;
        }),
      );
      console.log(
        `CLUSTER2 seed ${SEED}: owners ${owners.map((o) => o.instance.name).join(' → ')}; ` +
          `${written.length} words written, ${acknowledged().size} acknowledged; ` +
          `close codes per client ${JSON.stringify(typists.map((t) => t.closes))}; ` +
          `leases lost (since each process started) ${lossReasons.join('; ')}; ` +
          `phases: ${phases.join(', ')}, final checks ${Math.round(performance.now() - phaseStart)} ms`,
      );
    } finally {
      destroyQuietly(freshProvider, fresh);
      for (const t of typists) destroyQuietly(t.provider, t.doc);
    }
  }, 120_000);

  // ---------------------------------------------------------------------------------------------
  // A deposed owner: lease lost to a Redis partition, or frozen past its lease
  // ---------------------------------------------------------------------------------------------

  /** Words of the deposed-owner tests (CLUSTER6, CLUSTER7): `[d.3]`, `[f.12]`, `[e.0]`, `[l1.4]`. */
  const DEPOSED_WORD = /\[[dfel]\d*\.\d+\]/g;
  const wordsOf = (doc: Y.Doc) => new Set(toBoardJson(doc).points.flatMap((p) => p.body.match(DEPOSED_WORD) ?? []));

  /**
   * A stock client that does not reconnect: whatever it typed is not resent elsewhere, so
   * the store shows exactly what the server it spoke to stored.
   */
  async function oneShot(server: RunningServer, name: string) {
    const { token } = await clusterToken('editor', 'us', name);
    const doc = new Y.Doc();
    const provider = attachProvider(server.wsUrl, 'demo', doc, { token }, []);
    providers.push({ provider, doc });
    const closes: number[] = [];
    provider.on('connection-close', (event: { code: number } | null) => {
      closes.push(event?.code ?? 0);
      provider.shouldConnect = false;
    });
    const ledger = savedLedger(provider, (u) => insertedStrings(u).flatMap((s) => s.match(DEPOSED_WORD) ?? []));
    await synced(provider);
    return { doc, provider, closes, ledger };
  }

  it('CLUSTER6: an owner cut off from Redis for longer than its lease closes its clients’ sockets with 1012 (direct and forwarded ones) before another instance can take over, and every word it acknowledged is in PostgreSQL when the next owner loads the board', async () => {
    const [na, nb] = nodes as [(typeof nodes)[number], (typeof nodes)[number]];
    // Once CLUSTER2's clients are gone, the board is unloaded and its lease free: A takes it.
    await until(async () => (await leaseHolder(redis.port)) === null, 'the board to be given up');
    const lostBefore = await metric(na.instance.server, 'parley_board_leases_lost_total');
    const direct = await oneShot(na.instance.server, 'Direct writer');
    expect((await leaseHolder(redis.port))?.url).toBe(na.instance.server.url);
    const forwarded = await oneShot(nb.instance.server, 'Forwarded writer');
    const hot = hotPoints(direct.doc);
    let typing = true;
    const loops = [
      { w: direct, tag: 'd' },
      { w: forwarded, tag: 'f' },
    ].map(async ({ w, tag }) => {
      for (let n = 0; typing && w.provider.wsconnected; n++) {
        pointText(w.doc, hot[n % hot.length]!, 'body')!.insert(0, `[${tag}.${n}] `);
        await sleep(20);
      }
    });
    try {
      await waitFor(
        () => direct.ledger.acknowledged().size > 0 && forwarded.ledger.acknowledged().size > 0,
        'both writers to have words acknowledged',
        5_000,
      );
      const cutAt = performance.now();
      const cut = na.redisProxy.cutFor(LEASE_MS * 2.5);
      await waitFor(
        () => direct.closes.length > 0 && forwarded.closes.length > 0,
        'the cut-off owner to close its sockets',
        LEASE_MS * 3,
      );
      const closedAfter = performance.now() - cutAt;
      typing = false;
      await Promise.all(loops);
      expect(direct.closes[0], 'the direct client').toBe(CLOSE.ownerMoved);
      expect(forwarded.closes[0], 'the forwarded client').toBe(CLOSE.ownerMoved);
      // It gives up with a fifth of its lease to spare; the clients see it a little later.
      expect(closedAfter).toBeLessThan(LEASE_MS * 2);
      const h = await health(na.instance.server);
      expect(h).toMatchObject({ status: 'degraded', redis: 'down', boardsOwned: 0, rooms: 0 });

      // Nothing acknowledged that PostgreSQL does not hold: read the store alone, and as the
      // instance that takes the board over (once the lease lapses) loads it.
      const acked = new Set([...direct.ledger.acknowledged(), ...forwarded.ledger.acknowledged()]);
      const stored = wordsOf((await storedDoc(db)).doc);
      expect(
        [...acked].filter((w) => !stored.has(w)),
        `acknowledged, not stored (seed ${SEED})`,
      ).toEqual([]);
      await until(async () => (await leaseHolder(redis.port)) === null, 'the lost lease to lapse', LEASE_MS * 3);
      const next = await oneShot(nb.instance.server, 'Next owner observer');
      expect((await leaseHolder(redis.port))?.url).toBe(nb.instance.server.url);
      const loaded = wordsOf(next.doc);
      expect(
        [...acked].filter((w) => !loaded.has(w)),
        'acknowledged, missing on the next owner',
      ).toEqual([]);
      expect(direct.ledger.violations).toEqual([]);
      expect(forwarded.ledger.violations).toEqual([]);
      await cut;
      await until(async () => (await health(na.instance.server)).redis === 'ready', 'Redis to be back');
      expect(await metric(na.instance.server, 'parley_board_leases_lost_total')).toBe(lostBefore + 1);
      expect((await health(na.instance.server)).boardsOwned).toBe(0);
      console.log(
        `CLUSTER6: sockets closed ${Math.round(closedAfter)} ms after the cut; ${acked.size} acknowledged words stored`,
      );
    } finally {
      typing = false;
      await Promise.all(loops);
    }
  });

  it("CLUSTER7: an owner frozen past its lease is fenced off: another instance claims the board, and when the old owner resumes, the updates it had accepted but not stored are refused by PostgreSQL (never acknowledged, never stored, never seen by the new owner's clients) and its sockets are closed with 1012", async () => {
    // B is the owner (it commits only once a second): it took the board over in CLUSTER6,
    // or its writer's connection makes it the owner now.
    const [other, owner] = nodes.map((n) => n.instance.server) as [RunningServer, RunningServer];
    await until(
      async () => (await Promise.all([owner, other].map(health))).every((h) => h.redis === 'ready'),
      'both instances to reach Redis',
    );
    await until(async () => [undefined, owner.url].includes((await leaseHolder(redis.port))?.url), 'A to let go');
    const writer = await oneShot(owner, 'Writer on the owner');
    expect((await leaseHolder(redis.port))?.url).toBe(owner.url);
    const hot = hotPoints(writer.doc);
    /** Words typed in one transaction: one update message, one entry in the owner's queue. */
    const type = (tag: string, n: number) => {
      const words: string[] = [];
      writer.doc.transact(() => {
        for (let i = 0; i < n; i++) {
          const word = `[${tag}.${i}]`;
          pointText(writer.doc, hot[i % hot.length]!, 'body')!.insert(0, `${word} `);
          words.push(word);
        }
      });
      return words;
    };
    const early = type('e', 3);
    await waitFor(() => writer.ledger.allAcked(), 'the early words to be saved', 5_000);

    // Late words: applied and queued by the owner (its batch waits a second), then it freezes
    // before committing them. If the machine was too slow to freeze it in time, they were
    // committed: let them through and try again.
    let late: string[] = [];
    for (let attempt = 1; ; attempt++) {
      const queuedBefore = await metric(owner, 'parley_persist_queued_updates');
      const typedAt = performance.now();
      late = type(`l${attempt}`, 5);
      await until(
        async () => (await metric(owner, 'parley_persist_queued_updates')) > queuedBefore,
        'the owner to queue the late words',
        2_000,
      );
      owner.process.kill('SIGSTOP');
      if (performance.now() - typedAt < 700) break;
      owner.process.kill('SIGCONT');
      await waitFor(() => writer.ledger.allAcked(), 'the late words of a slow attempt to be saved', 5_000);
      if (attempt === 3) throw new Error('could not freeze the owner within its batch window three times');
    }

    let observer: Awaited<ReturnType<typeof oneShot>> | null = null;
    try {
      await until(
        async () => (await leaseHolder(redis.port)) === null,
        'the frozen owner’s lease to lapse',
        LEASE_MS * 3,
      );
      // A client of the other instance: it takes the lease, claims a new epoch, loads the board.
      observer = await oneShot(other, 'Observer on the new owner');
      expect((await leaseHolder(redis.port))?.url).toBe(other.url);
    } finally {
      owner.process.kill('SIGCONT');
    }
    await waitFor(() => writer.closes.length > 0, 'the old owner to close its socket', 10_000);
    expect(writer.closes[0]).toBe(CLOSE.ownerMoved);
    await until(async () => (await metric(owner, 'parley_persist_queued_updates')) === 0, 'its queue to empty');

    const acked = writer.ledger.acknowledged();
    expect(
      late.filter((w) => acked.has(w)),
      'late words acknowledged',
    ).toEqual([]);
    expect(
      early.filter((w) => !acked.has(w)),
      'early words not acknowledged',
    ).toEqual([]);
    const stored = wordsOf((await storedDoc(db)).doc);
    expect(
      late.filter((w) => stored.has(w)),
      `late words stored (seed ${SEED})`,
    ).toEqual([]);
    expect(
      early.filter((w) => !stored.has(w)),
      'early words not stored',
    ).toEqual([]);
    const seen = wordsOf(observer!.doc);
    expect(
      late.filter((w) => seen.has(w)),
      "late words on the new owner's client",
    ).toEqual([]);
    expect(early.filter((w) => !seen.has(w))).toEqual([]);
    expect(await metric(owner, 'parley_board_leases_lost_total')).toBeGreaterThanOrEqual(1);
    expect(writer.ledger.violations).toEqual([]);
    // The store refused the old owner's queued writes (FencedError), and it dropped them.
    await waitFor(
      () =>
        owner.logs.some(
          (l) => typeof l['dropped'] === 'number' && l['dropped'] > 0 && JSON.stringify(l['boardIds']) === '["demo"]',
        ),
      'the old owner to log its fenced, dropped updates',
      5_000,
    );
  });

  // Found here: DocRoom.load set the room's guard only after an awaited query, and a long
  // log's compaction, scheduled while replaying it, could run first (it reads the guard).
  it('CLUSTER9: an instance that takes a board over loads its long log from PostgreSQL and compacts it without error: no instance logged an error through all the faults above', () => {
    const errors = nodes.flatMap((n) =>
      n.instance.server.logs
        .filter((l) => Number(l['level']) >= 50)
        .map((l) => `${n.instance.name}: ${String(l['msg'])}: ${JSON.stringify(l['err'])}`),
    );
    expect(errors).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Instances starting together on a fresh database
// ---------------------------------------------------------------------------------------------

describe('instances starting together', () => {
  it('CLUSTER8: instances that start at the same moment on a fresh database all come up: the demo board and the demo people are seeded once, whichever instance gets there first', async () => {
    const db = await createDatabase(pg.url);
    // What every instance runs on start (server/src/app.ts, main.ts), by two at once, each
    // with its own connection pool as two processes would have.
    const stores = await Promise.all([PostgresStorage.open(db), PostgresStorage.open(db)]);
    try {
      await Promise.all(stores.map((storage) => ensureDemoBoard(storage)));
      // Both reach the demo people at the same moment (as two instances started together may).
      const started = await Promise.allSettled(
        stores.map((storage, i) =>
          demoSignInLinks(new PostgresAccountStore(storage.pool), `http://instance-${i}.test`),
        ),
      );
      expect(started.map((r) => (r.status === 'rejected' ? String(r.reason) : 'started'))).toEqual([
        'started',
        'started',
      ]);
      const { rows } = await stores[0]!.pool.query<{ n: string }>(
        "SELECT count(*) AS n FROM users WHERE email LIKE '%@demo.parley'",
      );
      expect(Number(rows[0]!.n)).toBe(7);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
