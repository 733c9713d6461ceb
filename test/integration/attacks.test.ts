/**
 * Crafted updates from a hostile participant (ATTACK1–ATTACK4), sent by a raw client with a
 * valid token, as anyone holding a delegate's or editor's token can. Each test asserts the
 * close code, that nothing was applied or relayed (a stock observer, behind a later allowed
 * edit that travels the same commit-then-relay path), and at the end, after a restart on
 * the same data dir, that nothing was stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  COMMENT,
  ROOT,
  THREAD,
  listPoints,
  listThreads,
  openThread,
  pointText,
  type PointId,
  type StakeholderId,
  type ThreadId,
  type UserId,
} from '@parley/shared/model';
import { CLOSE, MESSAGE, subscribeSavedFrame } from '@parley/shared/protocol';
import { connectClient, waitFor, type StockClient } from '../helpers/clients.ts';
import { decodeRaw, deepValueUpdate, encodeRaw, manyGcUpdate, mapEntry } from '../helpers/rawUpdates.ts';
import { trackSaved } from '../helpers/savedAcks.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { openRaw, tokenFor, updateFrame, within, type OpenRaw } from '../helpers/security.ts';

const S = 'ukraine' as StakeholderId;
const T = 'russia' as StakeholderId;

describe('hostile updates (integration: real server, raw clients)', () => {
  let server: RunningServer;
  let watcher: StockClient;
  let editor: StockClient;
  let pointId: PointId;
  let threadS: ThreadId;
  const raws: OpenRaw[] = [];
  const clients: StockClient[] = [];
  /** Words that must never reach the board; checked live and after the restart. */
  const forbidden: string[] = [];
  /** Words acknowledged as saved; checked after the restart. */
  const saved: string[] = [];
  let barriers = 0;

  async function stock(role: 'editor' | 'delegate' | 'observer', sid: string | null, name: string) {
    const { who, token } = await tokenFor(server, role, sid, name);
    const c = connectClient(server.wsUrl, 'demo', { token });
    clients.push(c);
    await c.synced;
    return { c, who };
  }

  /** A raw socket with a token for `role`, joined (the server's first frame has arrived). */
  async function raw(role: 'editor' | 'delegate', sid: string, name: string) {
    const { who, token } = await tokenFor(server, role, sid, name);
    const r = openRaw(`${server.wsUrl}/yjs/demo?token=${token}`);
    raws.push(r);
    await r.opened;
    await waitFor(() => r.frames.length > 0, 'the raw client to join');
    r.ws.send(subscribeSavedFrame());
    return { r, who };
  }

  /** An allowed edit, relayed after everything committed before it: the watcher has it all then. */
  async function barrier(): Promise<void> {
    const word = `barrier-${++barriers}`;
    pointText(editor.doc, pointId, 'body')!.insert(0, `${word} `);
    await waitFor(() => pointText(watcher.doc, pointId, 'body')!.toString().includes(word), 'the barrier edit');
  }

  const savedAcksOf = (r: OpenRaw) => r.frames.filter((f) => f[0] === MESSAGE.saved).length;
  const threadOf = (doc: Y.Doc, id: string) => listThreads(doc).find((t) => t.id === id);
  const boardText = (doc: Y.Doc) => JSON.stringify(Object.values(ROOT).map((root) => doc.getMap(root).toJSON()));

  /** S's thread as it stands: stakeholder, author, comments. */
  const threadShape = (doc: Y.Doc) => {
    const t = threadOf(doc, threadS);
    return t && { stakeholderId: t.stakeholderId, comments: t.comments.map((c) => [c.authorId, c.body]) };
  };
  let threadBefore: ReturnType<typeof threadShape>;

  beforeAll(async () => {
    server = await startServer();
    watcher = (await stock('observer', null, 'Watcher')).c;
    editor = (await stock('editor', 'us', 'Editor')).c;
    const s = await stock('delegate', S, 'Delegate of S');
    pointId = listPoints(watcher.doc)[0]!.id;
    threadS = openThread(
      s.c.doc,
      { userId: s.who.userId as UserId, name: s.who.name, stakeholderId: S },
      {
        pointId,
        body: 'S speaks first',
      },
    );
    await waitFor(() => threadOf(watcher.doc, threadS) !== undefined, "S's thread to reach the watcher");
    threadBefore = threadShape(watcher.doc);
  });

  afterAll(async () => {
    for (const r of raws) r.ws.terminate();
    for (const c of clients) c.destroy();
    await server?.stop();
  });

  it('ATTACK1: a value nested 10,000 levels deep is refused (4413) before it is applied, and a second writer is still stored and acknowledged', async () => {
    const { r } = await raw('editor', 'us', 'Deep editor');
    r.ws.send(updateFrame(deepValueUpdate(0x5eed0001, 'meta', 'deep', 10_000)));
    expect((await within(r.closed, 10_000, 'the close')).code).toBe(CLOSE.tooLarge);
    expect(savedAcksOf(r)).toBe(0);
    // The board still encodes, stores and acknowledges: a stock writer's edits after it.
    const { c: writer } = await stock('editor', 'us', 'Second writer');
    const acks = trackSaved(writer);
    for (let i = 0; i < 5; i++) {
      const word = `after-deep-${i}`;
      pointText(writer.doc, pointId, 'body')!.insert(0, `${word} `);
      saved.push(word);
      await waitFor(() => acks.count() >= i + 1, `the saved ack of edit ${i}`);
    }
    await waitFor(() => pointText(watcher.doc, pointId, 'body')!.toString().includes('after-deep-4'), 'relay');
    expect(watcher.doc.getMap('meta').has('deep')).toBe(false);
    // A joiner gets the whole board (its encode did not break).
    const { c: joiner } = await stock('observer', null, 'Joiner');
    expect(pointText(joiner.doc, pointId, 'body')!.toString()).toContain('after-deep-4');
  });

  it("ATTACK2: a delegate cannot replace another delegation's thread (stripped delete set, a fresh doc under a high client id, insert then delete)", async () => {
    const forged = (doc: Y.Doc) => {
      const t = new Y.Map<unknown>();
      t.set(THREAD.pointId, pointId);
      t.set(THREAD.stakeholderId, T);
      t.set(THREAD.comments, new Y.Array());
      doc.getMap('threads').set(threadS, t);
    };
    const replica = new Y.Doc();
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(watcher.doc));
    const before = Y.encodeStateVector(replica);
    forged(replica);
    const full = Y.encodeStateAsUpdate(replica, before);
    const { structs } = decodeRaw(full);
    const old = (watcher.doc.getMap('threads') as unknown as { _map: Map<string, Y.Item> })._map.get(threadS)!.id;
    const head = structs.find((x) => x instanceof Y.Item && x.origin !== null && Y.compareIDs(x.origin, old))!;
    const fresh = new Y.Doc();
    fresh.clientID = 2 ** 32 - 3;
    forged(fresh);
    const forms = {
      'delete set stripped': encodeRaw(structs, []),
      'fresh doc, high client id': Y.encodeStateAsUpdate(fresh),
      'insert then delete': encodeRaw(structs, [{ client: head.id.client, clock: head.id.clock, len: 1 }]),
    };
    for (const [form, update] of Object.entries(forms)) {
      const { r } = await raw('delegate', T, `Hostile ${form}`);
      r.ws.send(updateFrame(update));
      expect((await within(r.closed, 10_000, form)).code, form).toBe(CLOSE.forbiddenUpdate);
      expect(savedAcksOf(r), form).toBe(0);
    }
    await barrier();
    expect(threadShape(watcher.doc)).toEqual(threadBefore);
  });

  it('ATTACK3: a reply whose author has two values under two new client ids is refused; no reply shows under anyone', async () => {
    const { r, who } = await raw('delegate', T, 'Two-faced');
    const list = watcher.doc.getMap<Y.Map<unknown>>('threads').get(threadS)!.get(THREAD.comments) as Y.Array<unknown>;
    const last = (list as unknown as { _start: Y.Item })._start;
    let tail = last;
    while (tail.right) tail = tail.right;
    const [a, b] = [0x7e000001, 0x7e000002];
    const reply = new Y.Item(
      Y.createID(a, 0),
      null,
      tail.lastId,
      null,
      null,
      null,
      null,
      new Y.ContentType(new Y.Map()),
    );
    const fields = Object.entries({
      [COMMENT.id]: 'c-two-faced',
      [COMMENT.stakeholderId]: T,
      [COMMENT.authorName]: who.name,
      [COMMENT.body]: 'two-faced reply',
      [COMMENT.createdAt]: 1,
      [COMMENT.authorId]: who.userId,
    }).map(([k, v], i) => mapEntry(Y.createID(a, i + 1), reply.id, k, new Y.ContentAny([v])));
    // The other value: S's delegate as the author, under a second new client id.
    const other = mapEntry(Y.createID(b, 0), reply.id, COMMENT.authorId, new Y.ContentAny(['u-someone-of-S']));
    forbidden.push('two-faced reply');
    r.ws.send(updateFrame(encodeRaw([reply, ...fields, other])));
    expect((await within(r.closed, 10_000, 'the close')).code).toBe(CLOSE.forbiddenUpdate);
    await barrier();
    expect(boardText(watcher.doc)).not.toContain('two-faced reply');
  });

  it('ATTACK4: millions of GC structs and a 2^52-long GC run are refused (4413) at once; an item after a clock gap is never acknowledged', async () => {
    const flood = await raw('delegate', S, 'Flooder');
    const started = performance.now();
    flood.r.ws.send(updateFrame(manyGcUpdate(0x7f000001, 1_000_000)));
    expect((await within(flood.r.closed, 10_000, 'the flood close')).code).toBe(CLOSE.tooLarge);
    // Refused from the struct count, before a million structs were read.
    expect(performance.now() - started).toBeLessThan(5_000);
    const long = await raw('delegate', S, 'Long run');
    long.r.ws.send(updateFrame(encodeRaw([new Y.GC(Y.createID(0x7f000002, 0), 2 ** 52)])));
    expect((await within(long.r.closed, 10_000, 'the long-run close')).code).toBe(CLOSE.tooLarge);

    // A text insert whose clock starts 10 past its client's known state.
    const gap = await raw('editor', 'us', 'Gap writer');
    const text = watcher.doc.getMap<Y.Map<unknown>>('points').get(pointId)!.get('body') as Y.Text;
    const holder = (text as unknown as { _item: Y.Item })._item;
    forbidden.push('after-a-gap');
    const item = new Y.Item(
      Y.createID(0x7f000003, 10),
      null,
      null,
      null,
      null,
      holder.id as unknown as Y.AbstractType<unknown>,
      null,
      new Y.ContentString('after-a-gap'),
    );
    gap.r.ws.send(updateFrame(encodeRaw([item])));
    await barrier();
    // Held (its dependencies may yet come in the sync step 2) or refused, never "saved".
    expect(savedAcksOf(gap.r)).toBe(0);
    expect(boardText(watcher.doc)).not.toContain('after-a-gap');
    gap.r.ws.terminate();
  });

  it('ATTACK1–4: after a restart nothing refused was stored, and everything acknowledged was', async () => {
    await barrier();
    await server.stop('SIGTERM');
    for (const c of clients.splice(0)) c.destroy();
    server = await startServer({ dataDir: server.dataDir });
    const fresh = (await stock('observer', null, 'After restart')).c;
    const text = boardText(fresh.doc);
    for (const word of forbidden) expect(text, word).not.toContain(word);
    for (const word of saved) expect(text, word).toContain(word);
    expect(fresh.doc.getMap('meta').has('deep')).toBe(false);
    expect(threadShape(fresh.doc)).toEqual(threadBefore);
  });
});
