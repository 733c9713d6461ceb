/**
 * Deleted points on the real server: hidden at once, restorable for PARLEY_TRASH_PURGE_MS,
 * then purged by the server with their positions, threads and notes, and stored so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import {
  addPoint,
  createPlanUndoManager,
  listPoints,
  notesMap,
  openThread,
  pointNotes,
  restorePoint,
  setPosition,
  trashPoint,
  type Actor,
  type PointId,
  type StakeholderId,
  type UserId,
} from '@parley/shared/model';
import { waitFor } from '../helpers/clients.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import type { TestIdentity } from '../helpers/tokens.ts';
import { connectRecorded, tokenFor, type RecordedClient } from '../helpers/security.ts';

const S = 'ukraine' as StakeholderId;
// Long enough that a loaded CI machine still sees the deleted point before its purge.
const PURGE_MS = 1_500;

const actorOf = (who: TestIdentity): Actor => ({
  userId: who.userId as UserId,
  name: who.name,
  stakeholderId: who.stakeholderId as StakeholderId,
});

const pointsMap = (doc: Y.Doc) => doc.getMap<Y.Map<unknown>>('points');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('deleted points on the real server', () => {
  let server: RunningServer;
  const clients: RecordedClient[] = [];
  let editor: { who: TestIdentity; client: RecordedClient };
  let delegate: { who: TestIdentity; board: RecordedClient; notes: RecordedClient };

  const connect = (docName: string, token: string) => {
    const c = connectRecorded(server.wsUrl, docName, { token });
    clients.push(c);
    return c;
  };

  async function start(dataDir?: string) {
    server = await startServer({ env: { PARLEY_TRASH_PURGE_MS: String(PURGE_MS) }, ...(dataDir ? { dataDir } : {}) });
    const e = await tokenFor(server, 'editor', 'us', 'Drafting editor');
    const d = await tokenFor(server, 'delegate', S, 'Ukraine delegate');
    editor = { who: e.who, client: connect('demo', e.token) };
    delegate = { who: d.who, board: connect('demo', d.token), notes: connect(`demo~${S}`, d.token) };
    await Promise.all([editor.client.synced, delegate.board.synced, delegate.notes.synced]);
  }

  beforeAll(() => start());

  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server?.stop();
  });

  it('TRASH1: a deleted point is purged with its positions, threads and notes once its undo time is over', async () => {
    const pid = listPoints(editor.client.doc)[3]!.id;
    setPosition(delegate.board.doc, actorOf(delegate.who), { pointId: pid, stakeholderId: S, stance: 'oppose' });
    openThread(delegate.board.doc, actorOf(delegate.who), { pointId: pid, body: 'Our objection' });
    pointNotes(delegate.notes.doc, pid).insert(0, 'Private: hold firm');
    await waitFor(
      () => editor.client.doc.getMap('threads').size > 0 && editor.client.doc.getMap('positions').has(`${pid}:${S}`),
      "the delegate's position and thread to reach the editor",
    );
    trashPoint(editor.client.doc, actorOf(editor.who), pid);
    await waitFor(
      () => !listPoints(delegate.board.doc).some((p) => p.id === pid),
      'the point to leave the delegate view',
    );
    // Still in the doc (restorable) before the purge.
    expect(pointsMap(delegate.board.doc).has(pid)).toBe(true);
    await waitFor(() => !pointsMap(delegate.board.doc).has(pid), 'the purge', PURGE_MS * 10);
    const threadsLeft = [...delegate.board.doc.getMap<Y.Map<unknown>>('threads').values()].filter(
      (t) => t.get('pointId') === pid,
    );
    expect(threadsLeft).toEqual([]);
    expect(delegate.board.doc.getMap('positions').has(`${pid}:${S}`)).toBe(false);
    await waitFor(() => !notesMap(delegate.notes.doc).has(pid), 'the notes of the purged point to go');
    // Logged after the purge is flushed to the store, which may be after the clients see it.
    await waitFor(() => server.logs.some((l) => l['msg'] === 'deleted points purged'), 'the purge to be logged');
    for (const c of clients) expect(c.closes).toEqual([]);
  });

  it('TRASH2: a point restored within its undo time is kept, and a delete made before a restart is purged after it', async () => {
    const [kept, doomed] = listPoints(editor.client.doc).map((p) => p.id) as [PointId, PointId];
    trashPoint(editor.client.doc, actorOf(editor.who), kept);
    restorePoint(editor.client.doc, actorOf(editor.who), kept);
    trashPoint(editor.client.doc, actorOf(editor.who), doomed);
    await waitFor(() => !listPoints(delegate.board.doc).some((p) => p.id === doomed), 'the delete to reach the server');
    // Stopped before its purge: the restarted server starts the undo time afresh.
    for (const c of clients.splice(0)) c.destroy();
    const dataDir = server.dataDir;
    await server.stop();
    await start(dataDir);
    expect(pointsMap(delegate.board.doc).has(doomed)).toBe(true);
    await waitFor(() => !pointsMap(delegate.board.doc).has(doomed), 'the purge after the restart', PURGE_MS * 10);
    await sleep(PURGE_MS * 2);
    expect(listPoints(delegate.board.doc).some((p) => p.id === kept)).toBe(true);
  });

  it('TRASH3: a thread and a position left without a point (the editor undid adding it) are removed after the same time', async () => {
    const undo = createPlanUndoManager(editor.client.doc);
    const categoryId = listPoints(editor.client.doc)[0]!.categoryId;
    const added = addPoint(editor.client.doc, actorOf(editor.who), { categoryId, title: 'Added, then undone' });
    await waitFor(() => pointsMap(delegate.board.doc).has(added), 'the new point to reach the delegate');
    setPosition(delegate.board.doc, actorOf(delegate.who), { pointId: added, stakeholderId: S, stance: 'undecided' });
    const thread = openThread(delegate.board.doc, actorOf(delegate.who), { pointId: added, body: 'On the new point' });
    await waitFor(() => editor.client.doc.getMap('threads').has(thread), 'the thread to reach the editor');
    undo.undo();
    await waitFor(() => !pointsMap(delegate.board.doc).has(added), 'the undone add to reach the delegate');
    expect(delegate.board.doc.getMap('threads').has(thread)).toBe(true);
    await waitFor(() => !delegate.board.doc.getMap('threads').has(thread), 'the orphan thread to go', PURGE_MS * 10);
    expect(delegate.board.doc.getMap('positions').has(`${added}:${S}`)).toBe(false);
    undo.destroy();
  });
});
