/**
 * Search across every board a person belongs to (`GET /api/search?q=`) against a real
 * server: boards made through the HTTP API and the CLI, written to by stock y-websocket
 * clients, found through the FTS5 index the server keeps in its worker as updates commit.
 * One server for the file; the crash and restart cases reuse its data dir at the end.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addCategory,
  addPoint,
  deleteComment,
  openThread,
  pointNotes,
  pointText,
  restorePoint,
  setPosition,
  toBoardJson,
  trashPoint,
  type CrossBoardHit,
  type PointId,
  type StakeholderId,
} from '@parley/shared/model';
import { privateDocName } from '@parley/shared/protocol';
import { newMember, signUp, type Account } from '../helpers/accounts.ts';
import { runCli } from '../helpers/cli.ts';
import { connectClient, waitFor, type StockClient } from '../helpers/clients.ts';
import { trackSaved } from '../helpers/savedAcks.ts';
import { demoCookie, postJson, within } from '../helpers/security.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { actorOf, mintToken, type TestIdentity } from '../helpers/tokens.ts';
import { SEARCH_INDEX_FILE } from '../../server/src/search/IndexTables.ts';

/** A stock client that knows when the server has stored everything it sent. */
interface Writer {
  who: TestIdentity;
  readonly client: StockClient;
  /** Resolves once every update sent so far is confirmed saved. */
  allSaved(): Promise<void>;
}

interface Answer {
  readonly status: number;
  readonly body: { query?: string; hits?: CrossBoardHit[]; error?: { code: string; message: string } };
}

async function searchAll(server: RunningServer, q: string | null, headers: Record<string, string>): Promise<Answer> {
  const qs = q === null ? '' : `?q=${encodeURIComponent(q)}`;
  const res = await fetch(`${server.url}/api/search${qs}`, { headers });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

async function hitsFor(server: RunningServer, q: string, headers: Record<string, string>): Promise<CrossBoardHit[]> {
  const answer = await searchAll(server, q, headers);
  expect(answer.status, `searching "${q}": ${JSON.stringify(answer.body)}`).toBe(200);
  return answer.body.hits!;
}

/** A board of `account`'s own, through `POST /api/boards`; its owner sits with the first delegation. */
async function createBoard(server: RunningServer, account: Account, title: string): Promise<string> {
  const res = await postJson(
    server,
    '/api/boards',
    { title, stakeholders: [{ name: 'North' }, { name: 'South' }], ownStakeholder: 'North' },
    { cookie: account.cookie },
  );
  expect(res.status, `creating "${title}"`).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** Rows the index file holds for a board (read beside the running server; WAL allows it). */
function indexRows(dataDir: string, boardId: string): number {
  const db = new Database(path.join(dataDir, SEARCH_INDEX_FILE), { readonly: true });
  try {
    const row = db.prepare('SELECT count(*) AS n FROM search_entries WHERE board_id = ?').get(boardId) as {
      n: number;
    };
    return row.n;
  } finally {
    db.close();
  }
}

describe('searching across boards', () => {
  let server: RunningServer;
  const clients: StockClient[] = [];
  let owner: Account;
  let stranger: Account;
  let mine: string;
  let theirs: string;
  let writer: Writer;
  let pointId: PointId;

  /** A stock client on `docName` of `boardId` as that board's owner (a token the CLI would mint). */
  async function connect(boardId: string, userId: string, docName = boardId) {
    const who: TestIdentity = {
      userId: userId as TestIdentity['userId'],
      name: 'Owner',
      role: 'owner',
      stakeholderId: 'north' as StakeholderId,
    };
    const token = await mintToken(server, who, boardId);
    const client = connectClient(server.wsUrl, docName, { token });
    clients.push(client);
    const tracked = trackSaved(client);
    // The sync step 2 sent on connect counts as one update-bearing message, then one per
    // local transaction (each shared mutation is one).
    let sent = 1;
    client.doc.on('update', (_u: Uint8Array, origin: unknown) => {
      if (origin !== client.provider) sent++;
    });
    await within(client.synced, 10_000, `the owner to sync ${docName}`);
    const writer: Writer = {
      who,
      client,
      allSaved: () => waitFor(() => tracked.count() >= sent, `${sent} updates to be saved`, 10_000),
    };
    return writer;
  }

  beforeAll(async () => {
    server = await startServer();
    owner = await signUp(server, 'Owner');
    stranger = await signUp(server, 'Stranger');
    mine = await createBoard(server, owner, 'Harbour accord');
    theirs = await createBoard(server, stranger, 'Stranger plan');
    writer = await connect(mine, owner.userId);
    const north = toBoardJson(writer.client.doc).stakeholders.find((s) => s.name === 'North')!.id;
    writer.who = { ...writer.who, stakeholderId: north };
  });

  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server?.stop();
  });

  it('XSEARCH1: GET /api/search?q= answers 200 { query, hits } over every board the person belongs to: each hit names its board (boardId, boardTitle, archived), its point (pointId, pointNumber, pointTitle), the field, and a snippet with the words marked; an update is found as soon as the server has said "saved"', async () => {
    const categoryId = addCategory(writer.client.doc, actorOf(writer.who), 'Port');
    pointId = addPoint(writer.client.doc, actorOf(writer.who), {
      categoryId,
      title: 'Quaywardine pilots',
      body: 'Tugs follow the brambleclause at dawn.',
    });
    setPosition(writer.client.doc, actorOf(writer.who), {
      pointId,
      stakeholderId: writer.who.stakeholderId! as StakeholderId,
      stance: 'support',
      rationale: 'Only with the saffronmoor locks.',
    });
    const threadId = openThread(writer.client.doc, actorOf(writer.who), { pointId, body: 'Who pays the tidewicket?' });
    await writer.allSaved();

    const title = await hitsFor(server, 'QUAYWARDINE', { cookie: owner.cookie });
    expect(title).toHaveLength(1);
    expect(title[0]).toMatchObject({
      boardId: mine,
      boardTitle: 'Harbour accord',
      archived: false,
      pointId,
      pointTitle: 'Quaywardine pilots',
      field: 'title',
    });
    expect(title[0]!.pointNumber).toBe(toBoardJson(writer.client.doc).points.find((p) => p.id === pointId)!.number);
    const [start, end] = title[0]!.matches[0]!;
    expect(title[0]!.snippet.slice(start, end)).toBe('Quaywardine');

    expect(await hitsFor(server, 'brambleclause', { cookie: owner.cookie })).toMatchObject([
      { boardId: mine, pointId, field: 'body' },
    ]);
    expect(await hitsFor(server, 'saffronmoor', { cookie: owner.cookie })).toMatchObject([
      { boardId: mine, pointId, field: 'rationale', stakeholderId: writer.who.stakeholderId },
    ]);
    expect(await hitsFor(server, 'tidewicket', { cookie: owner.cookie })).toMatchObject([
      { boardId: mine, pointId, field: 'comment', threadId },
    ]);
    // Every word in one field, accents ignored; words of fewer than three letters too.
    expect(await hitsFor(server, 'tugs dawn', { cookie: owner.cookie })).toHaveLength(1);
    expect(await hitsFor(server, 'tugs tidewicket', { cookie: owner.cookie })).toEqual([]);
    expect(await hitsFor(server, 'at', { cookie: owner.cookie })).toEqual(
      expect.arrayContaining([expect.objectContaining({ boardId: mine, field: 'body' })]),
    );

    // The demo board's owner belongs to the demo board and finds its words, not these.
    const demoOwner = await demoCookie(server, 'owner', 'us');
    expect(await hitsFor(server, 'quaywardine', { cookie: demoOwner })).toEqual([]);
    const demoHits = await hitsFor(server, 'ceasefire', { cookie: demoOwner });
    expect(demoHits.length).toBeGreaterThan(0);
    expect(new Set(demoHits.map((h) => h.boardId))).toEqual(new Set(['demo']));
  });

  it('XSEARCH2: the index follows every committed change: an edited text is found by its new words and not its old, a deleted comment and a trashed point are not found, a restored point is found again', async () => {
    const body = pointText(writer.client.doc, pointId, 'body')!;
    body.delete(0, body.length);
    body.insert(0, 'Barges wait for the marigoldtide.');
    const threadId = toBoardJson(writer.client.doc).threads.find((t) => t.pointId === pointId)!.id;
    const commentId = toBoardJson(writer.client.doc).threads.find((t) => t.id === threadId)!.comments[0]!.id;
    deleteComment(writer.client.doc, actorOf(writer.who), threadId, commentId);
    await writer.allSaved();
    expect(await hitsFor(server, 'marigoldtide', { cookie: owner.cookie })).toHaveLength(1);
    expect(await hitsFor(server, 'brambleclause', { cookie: owner.cookie })).toEqual([]);
    expect(await hitsFor(server, 'tidewicket', { cookie: owner.cookie })).toEqual([]);

    trashPoint(writer.client.doc, actorOf(writer.who), pointId);
    await writer.allSaved();
    expect(await hitsFor(server, 'quaywardine', { cookie: owner.cookie })).toEqual([]);
    expect(await hitsFor(server, 'saffronmoor', { cookie: owner.cookie })).toEqual([]);
    restorePoint(writer.client.doc, actorOf(writer.who), pointId);
    await writer.allSaved();
    expect(await hitsFor(server, 'saffronmoor', { cookie: owner.cookie })).toHaveLength(1);
    expect(await hitsFor(server, 'quaywardine', { cookie: owner.cookie })).toHaveLength(1);
  });

  it('XSEARCH3: nobody finds what is on boards they do not belong to, nor private notes, even their own; a removed member stops finding a board’s words at once; an access token reaches only its board; signed out is 401 and a bad q 400', async () => {
    const strangerClient = await connect(theirs, stranger.userId);
    const categoryId = addCategory(strangerClient.client.doc, actorOf(strangerClient.who), 'Rival');
    addPoint(strangerClient.client.doc, actorOf(strangerClient.who), {
      categoryId,
      title: 'Quaywardine rival',
      body: 'The stranger writes the same word.',
    });
    await strangerClient.allSaved();
    expect((await hitsFor(server, 'quaywardine', { cookie: stranger.cookie })).map((h) => h.boardId)).toEqual([theirs]);
    expect((await hitsFor(server, 'quaywardine', { cookie: owner.cookie })).map((h) => h.boardId)).toEqual([mine]);

    // A member finds the board's words until removed, and not a moment after.
    const guest = await newMember(server, owner.cookie, 'Guest', 'observer', null, mine);
    expect((await hitsFor(server, 'quaywardine', { cookie: guest.cookie })).map((h) => h.boardId)).toEqual([mine]);
    const removed = await postJson(
      server,
      `/api/boards/${mine}/members/${guest.userId}`,
      {},
      { cookie: owner.cookie },
      'DELETE',
    );
    expect(removed.status).toBe(204);
    expect(await hitsFor(server, 'quaywardine', { cookie: guest.cookie })).toEqual([]);

    // Private notes live in a doc of their own and never reach the index.
    const notes = await connect(mine, owner.userId, privateDocName(mine, writer.who.stakeholderId!));
    pointNotes(notes.client.doc, pointId).insert(0, 'Private: vermilionquill fallback.');
    await notes.allSaved();
    expect(await hitsFor(server, 'vermilionquill', { cookie: owner.cookie })).toEqual([]);

    // A token made for one board searches that board only.
    const token = await mintToken(server, { ...writer.who }, mine);
    expect((await hitsFor(server, 'quaywardine', { authorization: `Bearer ${token}` })).map((h) => h.boardId)).toEqual([
      mine,
    ]);

    expect((await searchAll(server, 'quaywardine', {})).status).toBe(401);
    expect((await searchAll(server, 'quaywardine', { cookie: 'parley_session=forged' })).status).toBe(401);
    for (const q of [null, '', '   ', 'x'.repeat(201)]) {
      const answer = await searchAll(server, q, { cookie: owner.cookie });
      expect(answer.status, `q=${JSON.stringify(q)}`).toBe(400);
      expect(answer.body.error?.code).toBe('invalid_query');
    }
  });

  it('XSEARCH4: a board imported by the CLI while the server runs is searchable at once; a deleted board leaves no row in the index', async () => {
    const file = path.join(server.dataDir, 'plan.md');
    await import('node:fs').then((fs) =>
      fs.promises.writeFile(
        file,
        '# Lighthouse compact\n\n## Coast\n1. **Gleamwarden rota**\n   Keepers rotate weekly.\n',
      ),
    );
    const imported = await runCli(server, ['import', file, '--owner', owner.email]);
    expect(imported.code, imported.stderr).toBe(0);
    const boardId = imported.stdout.trim().split('\n').at(-1)!;
    expect(await hitsFor(server, 'gleamwarden', { cookie: owner.cookie })).toMatchObject([
      { boardId, boardTitle: 'Lighthouse compact', field: 'title', pointNumber: 1 },
    ]);
    expect(indexRows(server.dataDir, boardId)).toBeGreaterThan(0);

    const res = await postJson(
      server,
      `/api/boards/${boardId}`,
      { confirm: 'Lighthouse compact' },
      { cookie: owner.cookie },
      'DELETE',
    );
    expect(res.status).toBe(204);
    await waitFor(() => indexRows(server.dataDir, boardId) === 0, 'the deleted board’s rows to go', 10_000);
    expect(await hitsFor(server, 'gleamwarden', { cookie: owner.cookie })).toEqual([]);
  });

  it('XSEARCH5: after a crash (SIGKILL right after "saved") the restarted server finds what was committed; with PARLEY_SEARCH_INDEX=off the route answers 503 search_unavailable', async () => {
    const title = pointText(writer.client.doc, pointId, 'title')!;
    title.insert(title.length, ' amberwhistle');
    await writer.allSaved();
    for (const c of clients.splice(0)) c.destroy();
    await server.stop('SIGKILL');
    server = await startServer({ dataDir: server.dataDir });
    expect(await hitsFor(server, 'amberwhistle', { cookie: owner.cookie })).toMatchObject([
      { boardId: mine, pointId, field: 'title', pointTitle: 'Quaywardine pilots amberwhistle' },
    ]);
    await server.stop();

    server = await startServer({ dataDir: server.dataDir, env: { PARLEY_SEARCH_INDEX: 'off' } });
    const off = await searchAll(server, 'amberwhistle', { cookie: owner.cookie });
    expect(off.status).toBe(503);
    expect(off.body.error?.code).toBe('search_unavailable');
  });
});
