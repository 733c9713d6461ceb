/**
 * A point's history through the real server: stock y-websocket clients edit, propose and
 * answer; an editor decides over HTTP; `GET /api/boards/:id/points/:pointId/history` returns
 * what the server derived from the committed updates, newest first, in pages. The server
 * compacts the log early (PARLEY_COMPACT_THRESHOLD) and is restarted once, on the same data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  listAmendments,
  listPoints,
  pointText,
  proposeAmendment,
  respondToAmendment,
  setPosition,
  setSignOffRule,
  type HistoryEntryJson,
  type HistoryPageJson,
  type PointId,
  type StakeholderId,
} from '@parley/shared/model';
import type { Role } from '@parley/shared/permissions';
import { signUp } from '../helpers/accounts.ts';
import { waitFor, type StockClient } from '../helpers/clients.ts';
import { demoCookie, postJson } from '../helpers/security.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { actorOf, mintToken } from '../helpers/tokens.ts';
import { bearer, connectWriter, type Writer } from '../helpers/writers.ts';

const UA = 'ukraine' as StakeholderId;
const US = 'us' as StakeholderId;
const EU = 'europe' as StakeholderId;
const COMPACT_THRESHOLD = '5';

describe('point history through the real server (integration: server/src/history, server/src/http/historyRoutes.ts)', () => {
  let server: RunningServer;
  let clients: StockClient[] = [];
  let pointId: PointId;

  async function writer(role: Role, stakeholderId: string | null): Promise<Writer> {
    const w = await connectWriter(server, role, stakeholderId);
    clients.push(w.client);
    return w;
  }

  async function history(
    point: string,
    headers: Record<string, string>,
    query = '',
  ): Promise<{ status: number; body: HistoryPageJson & { error?: { code: string } } }> {
    const res = await fetch(`${server.url}/api/boards/demo/points/${point}/history${query}`, { headers });
    return { status: res.status, body: (await res.json()) as never };
  }

  beforeAll(async () => {
    server = await startServer({ env: { PARLEY_COMPACT_THRESHOLD: COMPACT_THRESHOLD } });
  });

  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server?.stop();
  });

  it('HIST5 the history route takes a session cookie or a bearer token: signed out 401, a non-member or another board’s token 404, a malformed point id, `before` or `limit` 400, all as JSON errors; a point with no history is an empty page', async () => {
    const observer = await writer('observer', null);
    pointId = listPoints(observer.client.doc)[0]!.id;
    expect((await history(pointId, {})).status).toBe(401);
    const stranger = await signUp(server, 'Stranger');
    expect((await history(pointId, { cookie: stranger.cookie })).status).toBe(404);
    const elsewhere = await mintToken(server, { ...observer.who }, 'another-board');
    expect((await history(pointId, { authorization: `Bearer ${elsewhere}` })).status).toBe(404);
    for (const [point, query, code] of [
      ['Not A Point!', '', 'invalid_point_id'],
      [pointId, '?before=0', 'invalid_query'],
      [pointId, '?before=abc', 'invalid_query'],
      [pointId, '?limit=201', 'invalid_query'],
      [pointId, '?limit=-1', 'invalid_query'],
    ] as const) {
      const r = await history(point, bearer(observer), query);
      expect(r.status, `${point}${query}`).toBe(400);
      expect(r.body.error?.code).toBe(code);
    }
    expect((await history('p_nohistory', bearer(observer))).body).toEqual({ entries: [], next: null });
    const cookie = await demoCookie(server, 'editor', 'us');
    expect((await history(pointId, { cookie })).status).toBe(200);
  });

  it('HIST6 the accepted wording’s entry names its cause: "amendment #n by Ukraine, endorsed by European partners and United States, signed off by United States and Ukraine, accepted by" the editor, with the text before and after; direct edits say "edited directly by"; proposals and answers are entries under their delegations', async () => {
    const owner = await writer('owner', US);
    const ukraine = await writer('delegate', UA);
    const europe = await writer('delegate', EU);
    const usDelegate = await writer('delegate', US);
    const editor = await writer('editor', US);
    setSignOffRule(owner.client.doc, actorOf(owner.who), { kind: 'named', stakeholderIds: [US, UA] });
    await owner.allSaved();

    const body = pointText(editor.client.doc, pointId, 'body')!;
    const original = body.toString();
    body.insert(0, 'Draft: ');
    await editor.allSaved();
    await waitFor(() => pointText(ukraine.client.doc, pointId, 'body')!.toString().startsWith('Draft: '), 'the edit');

    const wording = `${original} Both sides report weekly.`;
    const id = proposeAmendment(ukraine.client.doc, actorOf(ukraine.who), {
      pointId,
      field: 'body',
      wording,
      rationale: 'Reporting.',
    });
    await ukraine.allSaved();
    for (const w of [europe, usDelegate]) {
      await waitFor(() => listAmendments(w.client.doc).some((a) => a.id === id), 'the proposal');
      respondToAmendment(w.client.doc, actorOf(w.who), id, { stance: 'endorse', note: 'Agreed.' });
      await w.allSaved();
    }
    const number = listAmendments(owner.client.doc).find((a) => a.id === id)!.number;
    const decided = await postJson(
      server,
      `/api/boards/demo/amendments/${id}/decision`,
      { decision: 'accept', note: 'Signed off.' },
      bearer(editor),
    );
    expect(decided.status).toBe(200);

    const { status, body: page } = await history(pointId, bearer(europe));
    expect(status).toBe(200);
    const entries = page.entries;
    expect(entries.map((e) => e.id)).toEqual([...entries.map((e) => e.id)].sort((a, b) => b - a));
    const accepted = entries.find((e) => e.kind === 'text' && e.cause.kind === 'amendment') as Extract<
      HistoryEntryJson,
      { kind: 'text' }
    >;
    expect(accepted.summary).toBe(
      `Body changed by amendment #${number} by Ukraine, endorsed by European partners and United States, ` +
        `signed off by United States and Ukraine, accepted by ${editor.who.name}`,
    );
    expect(accepted).toMatchObject({ before: `Draft: ${original}`, after: wording, actorStakeholderId: 'us' });
    expect(accepted.actor).toEqual({ userId: editor.who.userId, name: editor.who.name });
    const direct = entries.find((e) => e.kind === 'text' && e.cause.kind === 'direct') as Extract<
      HistoryEntryJson,
      { kind: 'text' }
    >;
    expect(direct).toMatchObject({ before: original, after: `Draft: ${original}`, inserted: 7 });
    expect(direct.summary).toBe(`Body edited directly by ${editor.who.name}`);
    expect(entries.filter((e) => e.kind === 'amendment').map((e) => e.summary)).toEqual([
      `amendment #${number} accepted by ${editor.who.name}`,
      `${usDelegate.who.name} for United States endorsed amendment #${number}`,
      `${europe.who.name} for European partners endorsed amendment #${number}`,
      `Ukraine proposed amendment #${number} to the body (${ukraine.who.name})`,
    ]);
  });

  it('HIST7 pages go newest first without gaps or repeats: each `next` is passed as `before` until it is null', async () => {
    const ukraine = await writer('delegate', UA);
    for (const [i, stance] of (['oppose', 'undecided', 'support', 'oppose', 'support'] as const).entries()) {
      setPosition(ukraine.client.doc, actorOf(ukraine.who), { pointId, stakeholderId: UA, stance, rationale: `r${i}` });
    }
    await ukraine.allSaved();
    const all = (await history(pointId, bearer(ukraine), '?limit=200')).body.entries;
    const paged: HistoryEntryJson[] = [];
    let query = '?limit=3';
    for (;;) {
      const { body } = await history(pointId, bearer(ukraine), query);
      expect(body.entries.length).toBeLessThanOrEqual(3);
      paged.push(...body.entries);
      if (body.next === null) break;
      query = `?limit=3&before=${body.next}`;
    }
    expect(paged).toEqual(all);
    const positions = all.filter((e) => e.kind === 'position');
    expect(positions.slice(0, 2).map((e) => e.summary)).toEqual([
      `Ukraine moved from "oppose" to "support" (${ukraine.who.name})`,
      `Ukraine moved from "support" to "oppose" (${ukraine.who.name})`,
    ]);
  });

  it('HIST11 work done offline is recorded when it arrives (its sync step 2, applied alone), under its author, with nothing else to commit after it', async () => {
    const offline = await writer('editor', 'us');
    offline.client.provider.disconnect();
    const point = listPoints(offline.client.doc)[5]!.id;
    pointText(offline.client.doc, point, 'title')!.insert(0, 'Offline: ');
    offline.client.provider.connect();
    // The reconnect's sync step 2 carries the edit; its entry is stored with it.
    let latest: HistoryEntryJson | undefined;
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      latest = (await history(point, bearer(offline))).body.entries[0];
      if (latest) break;
    }
    expect(latest).toMatchObject({
      kind: 'text',
      field: 'title',
      inserted: 'Offline: '.length,
      actor: { userId: offline.who.userId, name: offline.who.name },
      cause: { kind: 'direct' },
    });
  });

  it('HIST8 after a restart on the compacted log the history is all there, and a new position change still knows what it changed from', async () => {
    const ukraine = await writer('delegate', UA);
    const before = (await history(pointId, bearer(ukraine), '?limit=200')).body.entries;
    for (const c of clients) c.destroy();
    clients = [];
    await server.stop();
    server = await startServer({ dataDir: server.dataDir, env: { PARLEY_COMPACT_THRESHOLD: COMPACT_THRESHOLD } });

    const again = await writer('delegate', UA);
    await waitFor(
      () => server.logs.some((l) => l['msg'] === 'compacted update log' && l['docName'] === 'demo'),
      'the log to be compacted on load',
    );
    const after = await history(pointId, bearer(again), '?limit=200');
    expect(after.body.entries).toEqual(before);
    setPosition(again.client.doc, actorOf(again.who), {
      pointId,
      stakeholderId: UA,
      stance: 'undecided',
      rationale: 'later',
    });
    await again.allSaved();
    const [latest] = (await history(pointId, bearer(again))).body.entries;
    expect(latest).toMatchObject({
      kind: 'position',
      stakeholderId: 'ukraine',
      from: { stance: 'support', rationale: 'r4' },
      to: { stance: 'undecided', rationale: 'later' },
    });
  });
});
