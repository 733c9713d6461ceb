/**
 * Amendments against a real server with stock y-websocket clients: delegations propose and
 * answer through the document, the owner sets the sign-off rule, and editors decide over
 * HTTP (`POST /api/boards/:id/amendments/:amendmentId/decision`), where the server checks
 * the rule against the whole board. One server for the file (the demo board).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  listAmendments,
  listPoints,
  pointText,
  proposeAmendment,
  respondToAmendment,
  setSignOffRule,
  type AmendmentId,
  type PointId,
  type StakeholderId,
} from '@parley/shared/model';
import type { Role } from '@parley/shared/permissions';
import { signUp } from '../helpers/accounts.ts';
import { waitFor, type StockClient } from '../helpers/clients.ts';
import { postJson, tokenFor } from '../helpers/security.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { actorOf, mintToken } from '../helpers/tokens.ts';
import { bearer, connectWriter, type Writer } from '../helpers/writers.ts';

const UA = 'ukraine' as StakeholderId;
const US = 'us' as StakeholderId;

describe('amendments through the real server', () => {
  let server: RunningServer;
  const clients: StockClient[] = [];
  let pointId: PointId;

  async function writer(role: Role, stakeholderId: string | null): Promise<Writer> {
    const w = await connectWriter(server, role, stakeholderId);
    clients.push(w.client);
    return w;
  }

  async function decide(
    amendmentId: string,
    body: unknown,
    headers: Record<string, string>,
  ): Promise<{ status: number; body: { status?: string; error?: { code: string; message: string } } }> {
    const res = await postJson(server, `/api/boards/demo/amendments/${amendmentId}/decision`, body, headers);
    return { status: res.status, body: (await res.json()) as never };
  }

  beforeAll(async () => {
    server = await startServer();
  });

  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server?.stop();
  });

  it('AMEND11: only editors and owners decide: a delegate or observer gets 403 forbidden, signed out 401, a non-member or another board’s token 404; a bad body 400, a malformed id 400, an unknown amendment 404, all as JSON errors', async () => {
    const ukraine = await writer('delegate', UA);
    pointId = listPoints(ukraine.client.doc)[1]!.id;
    const id = proposeAmendment(ukraine.client.doc, actorOf(ukraine.who), {
      pointId,
      field: 'title',
      wording: 'Humanitarian corridors, monitored',
      rationale: 'Adds monitoring.',
    });
    await ukraine.allSaved();
    const observer = await tokenFor(server, 'observer', null);
    for (const headers of [bearer(ukraine), { authorization: `Bearer ${observer.token}` }]) {
      const r = await decide(id, { decision: 'accept' }, headers);
      expect(r.status).toBe(403);
      expect(r.body.error?.code).toBe('forbidden');
    }
    expect((await decide(id, { decision: 'accept' }, {})).status).toBe(401);
    const stranger = await signUp(server, 'Stranger');
    expect((await decide(id, { decision: 'accept' }, { cookie: stranger.cookie })).status).toBe(404);
    const elsewhere = await mintToken(server, { ...ukraine.who, role: 'editor' }, 'another-board');
    expect((await decide(id, { decision: 'accept' }, { authorization: `Bearer ${elsewhere}` })).status).toBe(404);

    const editor = await tokenFor(server, 'editor', US);
    const asEditor = { authorization: `Bearer ${editor.token}` };
    for (const body of [
      {},
      { decision: 'maybe' },
      { decision: 'accept', extra: 1 },
      { decision: 'reject', note: 'x'.repeat(1_001) },
    ]) {
      const r = await decide(id, body, asEditor);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error?.code).toBe('invalid_body');
    }
    expect((await decide('a bad id', { decision: 'accept' }, asEditor)).body.error?.code).toBe('invalid_amendment_id');
    const unknown = await decide('a_nosuchthing0', { decision: 'accept' }, asEditor);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error?.code).toBe('unknown_amendment');
    // Nothing above decided anything.
    expect(listAmendments(ukraine.client.doc).find((a) => a.id === id)?.status).toBe('open');
  });

  it('AMEND12: under the owner’s rule "United States and Ukraine", the editor’s accept of Ukraine’s wording is refused (409, naming the United States) until the United States endorses; then it is accepted while a typist, offline, adds words to the same text, and every client ends with the wording and every keystroke', async () => {
    const owner = await writer('owner', US);
    const ukraine = await writer('delegate', UA);
    const usDelegate = await writer('delegate', US);
    const editorWriter = await writer('editor', US);
    const typist = await writer('editor', US);
    setSignOffRule(owner.client.doc, actorOf(owner.who), { kind: 'named', stakeholderIds: [US, UA] });
    await owner.allSaved();

    const point = listPoints(ukraine.client.doc)[2]!.id;
    const body = pointText(ukraine.client.doc, point, 'body')!;
    await waitFor(() => body.length > 0, 'the point body');
    const before = body.toString();
    const wording = `${before} Both sides report weekly.`;
    const id: AmendmentId = proposeAmendment(ukraine.client.doc, actorOf(ukraine.who), {
      pointId: point,
      field: 'body',
      wording,
      rationale: 'Reporting.',
    });
    await ukraine.allSaved();

    const refused = await decide(id, { decision: 'accept' }, bearer(editorWriter));
    expect(refused.status).toBe(409);
    expect(refused.body.error).toEqual({
      code: 'decision_refused',
      message: 'Accepting needs sign-off from United States first.',
    });

    await waitFor(() => listAmendments(usDelegate.client.doc).some((a) => a.id === id), 'the proposal to arrive');
    respondToAmendment(usDelegate.client.doc, actorOf(usDelegate.who), id, { stance: 'endorse', note: 'Agreed.' });
    await usDelegate.allSaved();

    // The typist is offline while the editor accepts: their words arrive after, and stay.
    typist.client.provider.disconnect();
    const typed = pointText(typist.client.doc, point, 'body')!;
    const at = before.indexOf(' ') + 1;
    typed.insert(at, 'truly ');
    const accepted = await decide(id, { decision: 'accept', note: 'Signed off.' }, bearer(editorWriter));
    expect(accepted).toEqual({ status: 200, body: { id, status: 'accepted' } });
    typist.client.provider.connect();
    const expected = `${before.slice(0, at)}truly ${before.slice(at)} Both sides report weekly.`;
    for (const w of [owner, ukraine, usDelegate, editorWriter, typist]) {
      await waitFor(() => pointText(w.client.doc, point, 'body')!.toString() === expected, 'the merged text', 10_000);
    }
    expect(listAmendments(owner.client.doc).find((a) => a.id === id)).toMatchObject({
      status: 'accepted',
      decidedBy: editorWriter.who.userId,
      decisionNote: 'Signed off.',
    });
    // Decided once: a second decision is refused.
    const again = await decide(id, { decision: 'reject' }, bearer(editorWriter));
    expect(again.status).toBe(409);
    expect(again.body.error?.message).toBe('This amendment is already accepted.');
  });

  it('AMEND13: rejecting needs no sign-off and keeps the text; the note and the editor are recorded', async () => {
    const ukraine = await writer('delegate', UA);
    const editorWriter = await writer('editor', US);
    const point = listPoints(ukraine.client.doc)[3]!.id;
    const title = pointText(ukraine.client.doc, point, 'title')!.toString();
    const id = proposeAmendment(ukraine.client.doc, actorOf(ukraine.who), {
      pointId: point,
      field: 'title',
      wording: `${title} (revised)`,
      rationale: '',
    });
    await ukraine.allSaved();
    const r = await decide(id, { decision: 'reject', note: 'Out of scope.' }, bearer(editorWriter));
    expect(r).toEqual({ status: 200, body: { id, status: 'rejected' } });
    await waitFor(
      () => listAmendments(ukraine.client.doc).find((a) => a.id === id)?.status === 'rejected',
      'the rejection to arrive',
    );
    expect(listAmendments(ukraine.client.doc).find((a) => a.id === id)).toMatchObject({
      decidedBy: editorWriter.who.userId,
      decisionNote: 'Out of scope.',
    });
    expect(pointText(ukraine.client.doc, point, 'title')!.toString()).toBe(title);
  });
});
