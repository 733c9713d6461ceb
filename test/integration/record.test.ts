/**
 * The negotiation record as a Word document through the real server: the live plan with
 * what changed since a version as tracked changes, attributed to the people whose edits
 * the points' history recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { strFromU8, unzipSync } from 'fflate';
import {
  STANCE_LABEL,
  listPoints,
  openThread,
  proposeAmendment,
  pointText,
  setPosition,
  type BoardJson,
  type StakeholderId,
} from '@parley/shared/model';
import { signUp } from '../helpers/accounts.ts';
import type { StockClient } from '../helpers/clients.ts';
import { postJson } from '../helpers/security.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { actorOf, mintToken } from '../helpers/tokens.ts';
import { bearer, connectWriter, type Writer } from '../helpers/writers.ts';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** The text of every `<tag …>…</tag>` element of a WordprocessingML part, in order. */
const texts = (xml: string, tag: string) =>
  [...xml.matchAll(new RegExp(`<${tag}(?: [^>]*)?>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]!);

/** Each tracked change's attributes and the text inside it. */
function revisions(xml: string, tag: 'w:ins' | 'w:del') {
  return [...xml.matchAll(new RegExp(`<${tag} ([^>]*)>(.*?)</${tag}>`, 'g'))].map((m) => ({
    author: /w:author="([^"]*)"/.exec(m[1]!)?.[1],
    date: /w:date="([^"]*)"/.exec(m[1]!)?.[1],
    text: [...texts(m[2]!, 'w:t'), ...texts(m[2]!, 'w:delText')].join(''),
  }));
}

describe('the negotiation record as a Word document (integration: server/src/http/recordRoutes.ts, server/src/versions/recordDocx.ts)', () => {
  let server: RunningServer;
  const clients: StockClient[] = [];
  let editor: Writer;
  let v1 = '';

  const get = (path: string, headers: Record<string, string>) => fetch(`${server.url}${path}`, { headers });

  beforeAll(async () => {
    server = await startServer();
    editor = await connectWriter(server, 'editor', 'us');
    clients.push(editor.client);
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server?.stop();
  });

  it('ROUND15 GET /api/boards/:id/record.docx?from=<version> is a Word document of the live plan whose changes since the version are tracked insertions and deletions by the people who made them, with the positions, amendments decided and open threads', async () => {
    const published = await postJson(server, '/api/boards/demo/versions', { name: 'Round 1 draft' }, bearer(editor));
    expect(published.status).toBe(201);
    v1 = ((await published.json()) as { id: string }).id;

    const [p1, p2, p3] = listPoints(editor.client.doc);
    const board = (await (await get('/api/boards/demo/export?format=json', bearer(editor))).json()) as BoardJson;
    const stanceThen = board.positions.find((p) => p.pointId === p2!.id && p.stakeholderId === 'ukraine')?.stance;
    const body = pointText(editor.client.doc, p1!.id, 'body')!;
    const firstWord = /^\S+/.exec(body.toString())![0];
    // One word deleted and two inserted, by the editor.
    body.delete(0, firstWord.length);
    body.insert(0, 'Provisionally agreed');
    await editor.allSaved();
    const delegate = await connectWriter(server, 'delegate', 'ukraine');
    clients.push(delegate.client);
    setPosition(delegate.client.doc, actorOf(delegate.who), {
      pointId: p2!.id,
      stakeholderId: 'ukraine' as StakeholderId,
      stance: stanceThen === 'oppose' ? 'support' : 'oppose',
      rationale: 'Changed our mind.',
    });
    openThread(delegate.client.doc, actorOf(delegate.who), { pointId: p2!.id, body: 'Who verifies this & when?' });
    // Ukraine's amendment to the third point's title, accepted by the editor.
    const amendment = proposeAmendment(delegate.client.doc, actorOf(delegate.who), {
      pointId: p3!.id,
      field: 'title',
      wording: `${p3!.title}, monitored`,
      rationale: 'Adds monitoring.',
    });
    await delegate.allSaved();
    const decided = await postJson(
      server,
      `/api/boards/demo/amendments/${amendment}/decision`,
      { decision: 'accept' },
      bearer(editor),
    );
    expect(decided.status).toBe(200);

    const res = await get(`/api/boards/demo/record.docx?from=${v1}`, bearer(delegate));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(DOCX);
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="[a-z0-9-]+-record-\d{4}-\d{2}-\d{2}\.docx"$/,
    );
    const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
    const xml = strFromU8(files['word/document.xml']!);
    expect(texts(xml, 'w:t').join('')).toContain(board.meta.title);
    expect(xml).toContain('Record against Round 1 draft');

    const ins = revisions(xml, 'w:ins');
    const del = revisions(xml, 'w:del');
    expect(ins.map((r) => r.text).join('')).toContain('Provisionally agreed');
    expect(del.map((r) => r.text.trim())).toContain(firstWord);
    for (const r of [...ins, ...del]) {
      expect(r.author).toBe(editor.who.name);
      expect(Date.parse(r.date!)).toBeGreaterThan(Date.now() - 60_000);
    }
    // Nothing else is marked: the body and the amended title, by the editor.
    expect(ins.map((r) => r.text)).toEqual([expect.stringContaining('Provisionally agreed'), ', monitored']);
    expect(del).toHaveLength(1);

    // The positions table names stances in words, with what a changed one was.
    const now = STANCE_LABEL[stanceThen === 'oppose' ? 'support' : 'oppose'];
    const then = stanceThen ? STANCE_LABEL[stanceThen] : 'No position yet';
    expect(texts(xml, 'w:t')).toContain(`${now} (was ${then})`);
    // The open thread with its first comment, who wrote it.
    expect(xml).toContain('Open threads');
    expect(texts(xml, 'w:t')).toContainEqual(
      expect.stringMatching(
        new RegExp(`^Who verifies this &amp; when\\? \\(${delegate.who.name}, \\d{4}-\\d{2}-\\d{2}\\)$`),
      ),
    );
    expect(xml).toContain('Amendments decided');
    expect(texts(xml, 'w:t')).toContainEqual(
      expect.stringMatching(
        new RegExp(`^Amendment #\\d+ to the title of point 3 \\(Ukraine\\): accepted by ${editor.who.name}\\.$`),
      ),
    );
  });

  it('ROUND16 the record defaults to the latest version (none: the plan with nothing marked); 400 invalid_version_id, 404 unknown_version, 401 signed out, 404 for a non-member or another board’s token', async () => {
    const latest = await get('/api/boards/demo/record.docx', bearer(editor));
    expect(latest.status).toBe(200);
    expect(strFromU8(unzipSync(new Uint8Array(await latest.arrayBuffer()))['word/document.xml']!)).toContain(
      'Record against Round 1 draft',
    );

    const error = async (path: string, headers: Record<string, string>) => {
      const r = await get(path, headers);
      return [r.status, ((await r.json()) as { error: { code: string } }).error.code];
    };
    expect(await error('/api/boards/demo/record.docx?from=nope', bearer(editor))).toEqual([400, 'invalid_version_id']);
    expect(await error('/api/boards/demo/record.docx?from=v_000000000000', bearer(editor))).toEqual([
      404,
      'unknown_version',
    ]);
    expect(await error(`/api/boards/demo/record.docx?from=${v1}`, {})).toEqual([401, 'unauthorized']);
    const stranger = await signUp(server, 'Stranger');
    expect(await error(`/api/boards/demo/record.docx?from=${v1}`, { cookie: stranger.cookie })).toEqual([
      404,
      'unknown_board',
    ]);
    const elsewhere = await mintToken(server, editor.who, 'another-board');
    expect(await error(`/api/boards/demo/record.docx?from=${v1}`, { authorization: `Bearer ${elsewhere}` })).toEqual([
      404,
      'unknown_board',
    ]);

    // A board with no version: the plan as it stands, nothing marked.
    const created = await postJson(
      server,
      '/api/boards',
      { title: 'Fresh plan', stakeholders: [{ name: 'Alpha' }], ownStakeholder: 'Alpha', start: 'demo-shape' },
      { cookie: stranger.cookie },
    );
    expect(created.status).toBe(201);
    const fresh = ((await created.json()) as { id: string }).id;
    const none = await get(`/api/boards/${fresh}/record.docx`, { cookie: stranger.cookie });
    expect(none.status).toBe(200);
    const xmlNone = strFromU8(unzipSync(new Uint8Array(await none.arrayBuffer()))['word/document.xml']!);
    expect(xmlNone).toContain('No version has been published');
    expect(xmlNone).not.toMatch(/<w:(ins|del) /);
  });
});
