/**
 * Search within a board over HTTP (`GET /api/boards/:id/search?q=`) against a real server:
 * what is written through stock y-websocket clients with the shared mutations is found, by
 * every member role, with the cookie or a CLI token; bad queries are 400s; private notes
 * are never searched. One server for the file (the demo board).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LIMITS,
  addPoint,
  deleteComment,
  listCategories,
  notesMap,
  openThread,
  pointNotes,
  replyToThread,
  restorePoint,
  setPosition,
  toBoardJson,
  trashPoint,
  type CommentId,
  type PointId,
  type SearchHit,
  type StakeholderId,
  type ThreadId,
} from '@parley/shared/model';
import { privateDocName } from '@parley/shared/protocol';
import type { Role } from '@parley/shared/permissions';
import { signUp, type Account } from '../helpers/accounts.ts';
import { runCli } from '../helpers/cli.ts';
import { connectClient, waitFor, type StockClient } from '../helpers/clients.ts';
import { demoCookie, tokenFor, within } from '../helpers/security.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { actorOf, mintToken, type TestIdentity } from '../helpers/tokens.ts';
import { SEARCHES_PER_MINUTE } from '../../server/src/http/searchRoutes.ts';

const UA = 'ukraine' as StakeholderId;

interface Answer {
  readonly status: number;
  readonly type: string;
  readonly body: unknown;
}

interface Found {
  readonly query: string;
  readonly hits: SearchHit[];
}

describe('searching a board over HTTP', () => {
  let server: RunningServer;
  const clients: StockClient[] = [];
  /** Demo session cookies by role (delegates of Ukraine and of Russia). */
  const cookies = {} as Record<'owner' | 'editor' | 'ukraine' | 'russia' | 'observer', string>;
  let stranger: Account;

  /** A stock client on a doc with a fresh token for that role. */
  async function connect(role: Role, stakeholderId: string | null, docName = 'demo') {
    const { who, token } = await tokenFor(server, role, stakeholderId);
    const client = connectClient(server.wsUrl, docName, { token });
    clients.push(client);
    await within(client.synced, 10_000, `${role} to sync ${docName}`);
    return { who, client };
  }

  async function search(query: string | null, headers: Record<string, string>, board = 'demo'): Promise<Answer> {
    const qs = query === null ? '' : query;
    const res = await fetch(`${server.url}/api/boards/${board}/search${qs}`, { headers });
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.json() };
  }

  /** `?q=<words>` searched with the owner's cookie (or `headers`), expecting 200. */
  async function found(words: string, headers: Record<string, string> = { cookie: cookies.owner }): Promise<Found> {
    const answer = await search(`?q=${encodeURIComponent(words)}`, headers);
    expect(answer.status, `searching "${words}": ${JSON.stringify(answer.body)}`).toBe(200);
    return answer.body as Found;
  }

  /** Polls until a search for `words` finds something (what a client wrote reached the server). */
  async function eventuallyFound(words: string): Promise<Found> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const result = await found(words);
      if (result.hits.length > 0) return result;
      if (Date.now() > deadline) throw new Error(`timed out waiting for "${words}" to be found`);
      // Not faster: the route allows SEARCHES_PER_MINUTE a person.
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  // What SEARCH2 writes: one made-up word per field, so each hit is unambiguous.
  let owner: { who: TestIdentity; client: StockClient };
  let delegate: { who: TestIdentity; client: StockClient };
  let pointId: PointId;
  let threadId: ThreadId;
  let firstId: CommentId;
  let replyId: CommentId;

  beforeAll(async () => {
    server = await startServer();
    const [o, e, u, r, obs] = await Promise.all([
      demoCookie(server, 'owner', 'us'),
      demoCookie(server, 'editor', 'us'),
      demoCookie(server, 'delegate', 'ukraine'),
      demoCookie(server, 'delegate', 'russia'),
      demoCookie(server, 'observer', null),
    ]);
    Object.assign(cookies, { owner: o, editor: e, ukraine: u, russia: r, observer: obs });
    stranger = await signUp(server, 'Stranger');

    owner = await connect('owner', 'us');
    delegate = await connect('delegate', UA);
    const categoryId = listCategories(owner.client.doc)[0]!.id;
    pointId = addPoint(owner.client.doc, actorOf(owner.who), {
      categoryId,
      title: 'Zéphyrine corridor for grain',
      body: 'Ships pass under the quillonbrook clause, inspected at both ends.',
    });
    await waitFor(
      () => toBoardJson(delegate.client.doc).points.some((p) => p.id === pointId),
      'the new point to reach the delegate',
    );
    setPosition(delegate.client.doc, actorOf(delegate.who), {
      pointId,
      stakeholderId: UA,
      stance: 'support-with-changes',
      rationale: 'Only with Marzipanflux guarantees written in.',
    });
    threadId = openThread(delegate.client.doc, actorOf(delegate.who), {
      pointId,
      body: 'Who runs the Tamberline inspections?',
    });
    firstId = toBoardJson(delegate.client.doc).threads.find((t) => t.id === threadId)!.comments[0]!.id;
    replyId = replyToThread(delegate.client.doc, actorOf(delegate.who), threadId, 'A joint crew — velvetorbit.');
    const gone = replyToThread(delegate.client.doc, actorOf(delegate.who), threadId, 'Draft: obsidianquark wording.');
    await eventuallyFound('obsidianquark');
    deleteComment(delegate.client.doc, actorOf(delegate.who), threadId, gone);
    // Updates of one client arrive in order: once this is found, the delete has landed too.
    replyToThread(delegate.client.doc, actorOf(delegate.who), threadId, 'Barrier: lanternfig.');
    await eventuallyFound('lanternfig');
  });

  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server?.stop();
  });

  it('SEARCH2: GET /api/boards/:id/search?q= answers 200 { query, hits } with searchBoard over the board view: a word in a point title, body, position rationale or comment is a hit with pointId, field, stakeholderId (rationale, comment), threadId and commentId (comment) and a snippet holding the word, ignoring case and accents; a deleted comment and a trashed point are not found', async () => {
    const title = await found('zephyrine');
    expect(title.query).toBe('zephyrine');
    expect(title.hits).toHaveLength(1);
    expect(title.hits[0]).toMatchObject({ pointId, field: 'title' });
    expect(title.hits[0]!.snippet).toContain('Zéphyrine');
    expect(title.hits[0]!.stakeholderId).toBeUndefined();

    // Case and accents are ignored both ways; the query comes back as given.
    const shouted = await found('ZÉPHYRINE  Grain');
    expect(shouted.query).toBe('ZÉPHYRINE  Grain');
    expect(shouted.hits.map((h) => [h.pointId, h.field])).toEqual([[pointId, 'title']]);

    const body = await found('Quillonbrook');
    expect(body.hits).toHaveLength(1);
    expect(body.hits[0]).toMatchObject({ pointId, field: 'body' });
    expect(body.hits[0]!.snippet).toContain('quillonbrook');

    const rationale = await found('marzipanflux');
    expect(rationale.hits).toHaveLength(1);
    expect(rationale.hits[0]).toMatchObject({ pointId, field: 'rationale', stakeholderId: UA });
    expect(rationale.hits[0]!.snippet).toContain('Marzipanflux');

    const first = await found('tamberline');
    expect(first.hits).toHaveLength(1);
    expect(first.hits[0]).toMatchObject({ pointId, field: 'comment', stakeholderId: UA, threadId, commentId: firstId });
    expect(first.hits[0]!.snippet).toContain('Tamberline');

    const reply = await found('VELVETORBIT');
    expect(reply.hits).toHaveLength(1);
    expect(reply.hits[0]).toMatchObject({ pointId, field: 'comment', threadId, commentId: replyId });
    expect(reply.hits[0]!.snippet).toContain('velvetorbit');
    for (const hit of [...title.hits, ...body.hits, ...rationale.hits, ...first.hits, ...reply.hits]) {
      expect(typeof hit.pointNumber).toBe('number');
      expect(Array.isArray(hit.matches)).toBe(true);
    }

    // Every word must occur in one field.
    expect((await found('zephyrine quillonbrook')).hits).toEqual([]);
    // The deleted comment's text is gone from the doc, and from search.
    expect((await found('obsidianquark')).hits).toEqual([]);
  });

  it('SEARCH3: any member may search — owner, editor, delegate, observer, by session cookie or a CLI token Bearer token; signed out (also with a bad q) is 401 unauthorized; a signed-in non-member, a token for another board and an unknown board are all 404 unknown_board, alike', async () => {
    for (const [who, cookie] of Object.entries(cookies)) {
      const result = await found('tamberline', { cookie });
      expect(
        result.hits.map((h) => h.commentId),
        who,
      ).toEqual([firstId]);
    }

    // The operator's `parley token` command, as a script would use it.
    const cli = await runCli(server, ['token', '--board', 'demo', '--role', 'observer', '--name', 'Script']);
    expect(cli.code, cli.stderr).toBe(0);
    const token = cli.stdout.trim();
    const byToken = await found('marzipanflux', { authorization: `Bearer ${token}` });
    expect(byToken.hits.map((h) => h.field)).toEqual(['rationale']);

    const signedOut = await search('?q=tamberline', {});
    expect(signedOut.status).toBe(401);
    expect(signedOut.body).toMatchObject({ error: { code: 'unauthorized' } });
    expect((await search('', {})).status).toBe(401);
    expect((await search('?q=x', { authorization: 'Bearer not-a-token' })).status).toBe(401);

    const outsider = await search('?q=tamberline', { cookie: stranger.cookie });
    const otherBoard = await search('?q=tamberline', {
      authorization: `Bearer ${await mintToken(server, { userId: 'u-elsewhere', name: 'Elsewhere', role: 'owner', stakeholderId: 'us' }, 'elsewhere')}`,
    });
    const unknown = await search('?q=tamberline', { cookie: cookies.owner }, 'no-such-board');
    for (const refused of [outsider, otherBoard, unknown]) {
      expect(refused.status).toBe(404);
      expect(refused.type).toMatch(/^application\/json/);
      expect(refused.body).toEqual(unknown.body);
    }
    expect(unknown.body).toMatchObject({ error: { code: 'unknown_board' } });
    expect(JSON.stringify(outsider.body)).not.toContain('tamberline');
  });

  it(`SEARCH4: a missing, empty or whitespace-only q, a q over LIMITS.searchQueryLength characters, or q given twice is 400 invalid_query in the JSON error shape; a q of exactly that length is answered, and the server keeps serving`, async () => {
    const headers = { cookie: cookies.ukraine };
    const bad: [string, RegExp][] = [
      ['', /q/],
      ['?q=', /q/],
      ['?q=%20%20%09', /q/],
      ['?x=tamberline', /q/],
      ['?q[a]=tamberline', /q/],
      [`?q=${'a'.repeat(LIMITS.searchQueryLength + 1)}`, new RegExp(`longer than ${LIMITS.searchQueryLength}`)],
      ['?q=tamberline&q=velvetorbit', /once/],
      ['?q=tamberline&q=', /once/],
    ];
    for (const [qs, message] of bad) {
      const answer = await search(qs, headers);
      expect(answer.status, qs).toBe(400);
      expect(answer.type, qs).toMatch(/^application\/json/);
      expect(answer.body, qs).toEqual({ error: { code: 'invalid_query', message: expect.stringMatching(message) } });
    }
    // Exactly at the limit, with the word at its end: answered and found.
    const longest = `${' '.repeat(LIMITS.searchQueryLength - 'tamberline'.length)}tamberline`;
    expect(longest).toHaveLength(LIMITS.searchQueryLength);
    expect((await found(longest, headers)).hits.map((h) => h.commentId)).toEqual([firstId]);

    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(server.process.exitCode).toBeNull();
    expect(server.logs.filter((l) => l['msg'] === 'request failed')).toEqual([]);
  });

  it("SEARCH5: private notes are never searched: a word only in a delegation's private notes (<boardId>~<stakeholderId>) is found by nobody, that delegation included, and a word in both the notes and the board is found only where the board has it", async () => {
    const notesDoc = privateDocName('demo', UA);
    const writer = await connect('delegate', UA, notesDoc);
    const reader = await connect('delegate', UA, notesDoc);
    pointNotes(writer.client.doc, pointId).insert(0, 'Fallback: nebulowhisk, and the zephyrine route again.');
    // The second delegate's copy comes from the server: the note is applied there. (Read it
    // with notesMap: pointNotes would create a competing text for the point.)
    await waitFor(
      () => notesMap(reader.client.doc).get(pointId)?.toString().includes('nebulowhisk') === true,
      'the note to reach the second delegate',
    );

    const { token } = await tokenFor(server, 'delegate', UA);
    const everyone = [...Object.values(cookies).map((cookie) => ({ cookie })), { authorization: `Bearer ${token}` }];
    for (const headers of everyone) {
      expect((await found('nebulowhisk', headers)).hits).toEqual([]);
      const both = await found('zephyrine', headers);
      expect(both.hits.map((h) => [h.pointId, h.field])).toEqual([[pointId, 'title']]);
    }
  });

  it('SEARCH2: a trashed point is not found (its title, body, rationales and comments); restored, it is found again', async () => {
    const doc = owner.client.doc;
    const words = ['zephyrine', 'quillonbrook', 'marzipanflux', 'tamberline'];
    trashPoint(doc, actorOf(owner.who), pointId);
    // Updates of one client arrive in order: once this point is found, the trashing has landed too.
    addPoint(doc, actorOf(owner.who), { categoryId: listCategories(doc)[0]!.id, title: 'Barrier pomegranite' });
    await eventuallyFound('pomegranite');
    for (const w of words) expect((await found(w)).hits, w).toEqual([]);

    restorePoint(doc, actorOf(owner.who), pointId);
    await eventuallyFound('zephyrine');
    for (const w of words)
      expect(
        (await found(w)).hits.map((h) => h.pointId),
        w,
      ).toEqual([pointId]);
  });

  it('SEARCH8: one person may search SEARCHES_PER_MINUTE times a minute; beyond that the route answers 429 rate_limited in the JSON error shape, and other people search on', async () => {
    const headers = { cookie: cookies.russia };
    let answered = 0;
    let refused: Answer | null = null;
    for (let i = 0; i <= SEARCHES_PER_MINUTE && !refused; i++) {
      const answer = await search('?q=tamberline', headers);
      if (answer.status === 200) answered++;
      else refused = answer;
    }
    // The earlier tests of this file searched a few times as this person too.
    expect(answered).toBeGreaterThan(SEARCHES_PER_MINUTE - 10);
    expect(answered).toBeLessThanOrEqual(SEARCHES_PER_MINUTE);
    expect(refused?.status).toBe(429);
    expect(refused?.body).toEqual({ error: { code: 'rate_limited', message: expect.any(String) } });
    expect((await search('?q=tamberline', { cookie: cookies.editor })).status).toBe(200);
  });
});
