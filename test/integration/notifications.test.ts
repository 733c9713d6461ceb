/**
 * Notifications through the real server, as people get them: changes made with stock
 * y-websocket providers (a token for each person's account), notifications and read marks
 * received with the stock socket.io-client over a session cookie or an access token, and
 * the REST routes. Each notification reaches a person once, live or on their return, and a
 * crash between a commit and its drain loses none and duplicates none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  listAmendments,
  listPoints,
  openThread,
  proposeAmendment,
  replyToThread,
  setSignOffRule,
  type ThreadId,
  type UserId,
} from '@parley/shared/model';
import type { Role } from '@parley/shared/permissions';
import type {
  ActivityEntryJson,
  ActivityPageJson,
  NotificationJson,
  NotificationsPageJson,
  NotificationsReadEvent,
} from '@parley/shared/protocol';
import { newMember, signUp, type Account } from '../helpers/accounts.ts';
import { appSockets, connected, join, type AppSocket } from '../helpers/appSockets.ts';
import { runCli } from '../helpers/cli.ts';
import { connectClient, waitFor, type StockClient } from '../helpers/clients.ts';
import { trackSaved } from '../helpers/savedAcks.ts';
import { demoCookie, postJson, tokenFor, within } from '../helpers/security.ts';
import { bearer, connectWriter } from '../helpers/writers.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { actorOf, mintToken, type TestIdentity } from '../helpers/tokens.ts';

/** Long enough for an event that was coming to have arrived on loopback. */
const QUIET_MS = 400;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A person: their account (session cookie), a token for it and a stock provider on the demo board. */
interface Person {
  readonly account: Account;
  readonly who: TestIdentity;
  readonly token: string;
  readonly client: StockClient;
  allSaved(): Promise<void>;
}

async function person(server: RunningServer, account: Account, name: string, role: Role, sid: string | null) {
  const who: TestIdentity = { userId: account.userId, name, role, stakeholderId: sid };
  const token = await mintToken(server, who);
  const client = connectClient(server.wsUrl, 'demo', { token });
  const saved = trackSaved(client);
  let sent = 1;
  client.doc.on('update', (_u: Uint8Array, origin: unknown) => {
    if (origin !== client.provider) sent++;
  });
  await within(client.synced, 10_000, `${name} to sync`);
  const p: Person = {
    account,
    who,
    token,
    client,
    allSaved: () => waitFor(() => saved.count() >= sent, `${name}'s updates to be saved`),
  };
  return p;
}

/** Everything a socket is sent of one event, in order. */
function record<T>(socket: AppSocket, event: 'notification' | 'notifications:read' | 'activity'): T[] {
  const got: T[] = [];
  (socket as unknown as { on(e: string, f: (x: T) => void): void }).on(event, (x) => got.push(x));
  return got;
}

const since = (socket: AppSocket, cursor: number) =>
  new Promise<{ ok: true } & NotificationsPageJson>((resolve, reject) =>
    socket.emit('notifications:since', cursor, (r) => (r.ok ? resolve(r) : reject(new Error(r.error)))),
  );

async function getJson<T>(server: RunningServer, path: string, headers: Record<string, string>) {
  const res = await fetch(`${server.url}${path}`, { headers });
  return { status: res.status, body: (await res.json()) as T };
}

describe('notifications (integration: server/src/notifications, notificationRoutes.ts, AppEventsServer.ts)', () => {
  let server: RunningServer;
  let ownerCookie = '';
  let ann: Person;
  let bob: Person;
  let pointId = '';
  let boardTitle = '';
  const people: Person[] = [];
  const sockets = appSockets(() => server);
  const cookie = (p: Person) => ({ cookie: p.account.cookie });

  async function join_(account: Account, name: string, role: Role, sid: string | null) {
    const p = await person(server, account, name, role, sid);
    people.push(p);
    return p;
  }

  /** `by` opens a thread on the point (mentioning some), once stored. */
  async function opens(by: Person, body: string, mentions: string[] = []): Promise<ThreadId> {
    const id = openThread(by.client.doc, actorOf(by.who), {
      pointId: pointId as never,
      body,
      mentions: mentions as UserId[],
    });
    await by.allSaved();
    return id;
  }
  /** `by` replies once their replica holds the thread, once stored. */
  async function replies(by: Person, threadId: ThreadId, body: string, mentions: string[] = []): Promise<void> {
    await waitFor(() => by.client.doc.getMap('threads').has(threadId), 'the thread to reach the replier');
    replyToThread(by.client.doc, actorOf(by.who), threadId, body, mentions as UserId[]);
    await by.allSaved();
  }
  /** The person's notifications changed after `after`, as the route reads them. */
  const page = async (p: Person, after = 0) =>
    (await getJson<NotificationsPageJson>(server, `/api/notifications?after=${after}`, cookie(p))).body;
  /** Waits until the store holds `n` notifications of `p` changed after `after` (drained and sent). */
  const stored = async (p: Person, after: number, n: number) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const last = await page(p, after);
      if (last.notifications.length >= n || Date.now() > deadline) return last;
      await sleep(50);
    }
  };

  beforeAll(async () => {
    server = await startServer();
    ownerCookie = await demoCookie(server, 'owner', 'us');
    ann = await join_(await newMember(server, ownerCookie, 'Ann', 'delegate', 'ukraine'), 'Ann', 'delegate', 'ukraine');
    bob = await join_(await newMember(server, ownerCookie, 'Bob', 'delegate', 'europe'), 'Bob', 'delegate', 'europe');
    pointId = listPoints(ann.client.doc)[0]!.id;
    boardTitle = (await getJson<{ board: { title: string } }>(server, '/api/boards/demo', cookie(ann))).body.board
      .title;
  });
  afterAll(async () => {
    sockets.closeAll();
    for (const p of people) p.client.destroy();
    await server?.stop();
  });

  it('NOTIFY5 notifications arrive live over socket.io to every socket of the person (session cookie or access token): a reply in a thread they opened, more replies joining it, an @mention; never for their own actions; without valid credentials socket.io refuses (connect_error) and the routes answer 401', async () => {
    await expect(connected(sockets.connect({}))).rejects.toThrow();
    await expect(connected(sockets.connect({ cookie: 'parley_session=forged' }))).rejects.toThrow();
    await expect(connected(sockets.connect({ token: 'not.a.token' }))).rejects.toThrow();
    expect((await fetch(`${server.url}/api/notifications`)).status).toBe(401);
    expect((await postJson(server, '/api/notifications/read', { all: true })).status).toBe(401);

    const annSession = sockets.connect(cookie(ann));
    const annToken = sockets.connect({ token: ann.token });
    const bobSession = sockets.connect(cookie(bob));
    await Promise.all([connected(annSession), connected(annToken), connected(bobSession)]);
    const toAnn = record<NotificationJson>(annSession, 'notification');
    const toAnnToken = record<NotificationJson>(annToken, 'notification');
    const toBob = record<NotificationJson>(bobSession, 'notification');

    const thread = await opens(ann, 'Who monitors this?');
    await replies(bob, thread, 'The secretariat');
    await waitFor(() => toAnn.length === 1 && toAnnToken.length === 1, 'the reply to reach Ann');
    expect(toAnn[0]).toMatchObject({
      kind: 'reply',
      boardId: 'demo',
      boardTitle,
      subject: { pointId, threadId: thread, amendmentId: null, versionId: null },
      items: [{ actorId: bob.who.userId, actorName: 'Bob', excerpt: 'The secretariat' }],
      readAt: null,
    });
    expect(toAnnToken[0]).toEqual(toAnn[0]);

    await replies(bob, thread, 'Weekly');
    await waitFor(() => toAnn.length === 2, 'the second reply');
    expect(toAnn[1]!.id).toBe(toAnn[0]!.id);
    expect(toAnn[1]!.seq).toBeGreaterThan(toAnn[0]!.seq);
    expect(toAnn[1]!.items.map((i) => i.excerpt)).toEqual(['The secretariat', 'Weekly']);

    // Bob @mentions Ann in a thread of his own; Ann's reply there tells Bob, not Ann.
    const his = await opens(bob, 'Ann, can you check?', [ann.who.userId]);
    await waitFor(() => toAnn.length === 3, 'the mention');
    expect(toAnn[2]).toMatchObject({
      kind: 'mention',
      subject: { threadId: his },
      items: [{ excerpt: 'Ann, can you check?' }],
    });
    await replies(ann, his, 'Checked');
    await waitFor(() => toBob.length === 1, 'the reply to reach Bob');
    expect(toBob[0]).toMatchObject({ kind: 'reply', items: [{ actorId: ann.who.userId, excerpt: 'Checked' }] });
    await sleep(QUIET_MS);
    expect(toAnn).toHaveLength(3);
    expect(toAnnToken).toHaveLength(3);
    expect(toBob).toHaveLength(1);
  });

  it('NOTIFY6 a socket that loses its connection and misses three notifications comes back as a new, authenticated socket (never recovered, nothing replayed) and gets each once from notifications:since; one revoked while away gets nothing', async () => {
    const socket = sockets.connect(cookie(ann));
    await connected(socket);
    const got = record<NotificationJson>(socket, 'notification');
    const warmUp = await opens(ann, 'Warm-up');
    await replies(bob, warmUp, 'Heard');
    await waitFor(() => got.length === 1, 'the first notification');
    const threads = [await opens(ann, 'One'), await opens(ann, 'Two'), await opens(ann, 'Three')];

    const gone = new Promise((resolve) => socket.once('disconnect', resolve));
    socket.io.engine.close();
    await gone;
    for (const [i, t] of threads.entries()) await replies(bob, t, `missed ${i}`);
    await stored(ann, got[0]!.seq, 3);

    socket.connect();
    await connected(socket);
    expect(socket.recovered ?? false).toBe(false);
    const missed = await since(socket, got[0]!.seq);
    expect(missed.notifications.map((n) => n.items.map((i) => i.excerpt)).reverse()).toEqual([
      ['missed 0'],
      ['missed 1'],
      ['missed 2'],
    ]);
    await sleep(QUIET_MS);
    expect(got).toHaveLength(1);

    // Revoked while away: socket.io would send a recovered socket what it missed before
    // checking its credentials. Off: the reconnect is refused and nothing reaches it.
    const deeAccount = await newMember(server, ownerCookie, 'Dee', 'delegate', 'ukraine');
    const dee = await join_(deeAccount, 'Dee', 'delegate', 'ukraine');
    const deeSocket = sockets.connect(cookie(dee));
    await connected(deeSocket);
    const heard = record<NotificationJson>(deeSocket, 'notification');
    const asked = await opens(dee, 'Dee asks');
    await replies(bob, asked, 'First answer');
    await waitFor(() => heard.length === 1, "Dee's first notification");
    const away = new Promise((resolve) => deeSocket.once('disconnect', resolve));
    deeSocket.io.engine.close();
    await away;
    await replies(bob, asked, 'Said while Dee was away');
    await stored(dee, heard[0]!.seq, 1);
    expect((await postJson(server, '/api/auth/signout-everywhere', {}, cookie(dee))).status).toBe(204);
    const refused = new Promise<Error>((resolve) => deeSocket.once('connect_error', resolve));
    deeSocket.connect();
    expect((await within(refused, 5_000, 'the reconnect to be refused')).message).toMatch(/sign in/);
    await sleep(QUIET_MS);
    expect(heard).toHaveLength(1);
  });

  it('NOTIFY8 marking read on one device reaches the person’s other devices (session and token sockets) with the ids, the shared seq and the unread counts; all read on a board, and the page shows them read', async () => {
    const one = sockets.connect(cookie(ann));
    const two = sockets.connect(cookie(ann));
    const token = sockets.connect({ token: ann.token });
    await Promise.all([connected(one), connected(two), connected(token)]);
    const onOne = record<NotificationsReadEvent>(one, 'notifications:read');
    const onTwo = record<NotificationsReadEvent>(two, 'notifications:read');
    const onToken = record<NotificationsReadEvent>(token, 'notifications:read');

    const before = await page(ann);
    const unread = before.unread['demo']!;
    expect(unread).toBeGreaterThan(1);
    const first = before.notifications.find((n) => n.readAt === null)!;
    const res = await postJson(server, '/api/notifications/read', { ids: [first.id, 'n_unknown'] }, cookie(ann));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ unread: { demo: unread - 1 } });
    await waitFor(() => onOne.length === 1 && onTwo.length === 1 && onToken.length === 1, 'the read mark');
    for (const event of [onOne[0]!, onTwo[0]!, onToken[0]!]) {
      expect(event).toMatchObject({ ids: [first.id], unread: { demo: unread - 1 } });
      expect(event.seq).toBeGreaterThan(before.cursor);
    }
    const after = await page(ann, before.cursor);
    expect(after.notifications.map((n) => [n.id, n.readAt === null, n.seq])).toEqual([
      [first.id, false, onOne[0]!.seq],
    ]);

    // All, on the board, with the token (which sees only its board): every device hears it.
    const all = await postJson(
      server,
      '/api/notifications/read',
      { all: true, boardId: 'demo' },
      {
        authorization: `Bearer ${ann.token}`,
      },
    );
    expect(await all.json()).toEqual({ unread: {} });
    await waitFor(() => onOne.length === 2 && onToken.length === 2, 'the second read mark');
    expect(onOne[1]!.ids).toHaveLength(unread - 1);
    expect(onOne[1]!.unread).toEqual({ demo: 0 });
    expect(onToken[1]!.ids).toEqual(onOne[1]!.ids);
    expect((await page(ann)).notifications.every((n) => n.readAt !== null)).toBe(true);
    // Nothing left: nobody is told anything.
    expect((await postJson(server, '/api/notifications/read', { all: true }, cookie(ann))).status).toBe(200);
    await sleep(QUIET_MS);
    expect(onTwo).toHaveLength(2);

    // A reply joins a notification after the list was shown: "mark read" with what the
    // reader had seen (upToSeq) leaves it unread; nobody has seen that reply yet.
    const thread = await opens(ann, 'Seen or not');
    const inThread = async (excerpt: string) => {
      let found: NotificationJson | undefined;
      for (let tries = 0; !found && tries < 100; tries++) {
        found = (await page(ann)).notifications.find((n) => n.items.some((i) => i.excerpt === excerpt));
        if (!found) await sleep(50);
      }
      return found!;
    };
    await replies(bob, thread, 'Seen');
    const shown = await inThread('Seen');
    const seenUpTo = shown.seq;
    await replies(bob, thread, 'Not seen yet');
    const grown = await inThread('Not seen yet');
    expect(grown.id).toBe(shown.id);
    expect(grown.seq).toBeGreaterThan(seenUpTo);
    const stale = await postJson(
      server,
      '/api/notifications/read',
      { ids: [shown.id], upToSeq: seenUpTo },
      cookie(ann),
    );
    expect(await stale.json()).toEqual({ unread: { demo: 1 } });
    const fresh = await postJson(server, '/api/notifications/read', { all: true, upToSeq: grown.seq }, cookie(ann));
    expect(await fresh.json()).toEqual({ unread: {} });
  });

  it('NOTIFY9 NOTIFY16 GET /api/notifications pages newest change first, and a catch-up after a cursor oldest first with more; bad queries and bodies are 400 JSON errors; unknown ids are ignored; a token sees only its board’s; someone removed from the board sees its notifications no more', async () => {
    const all = await page(ann);
    expect(all.notifications.map((n) => n.seq)).toEqual([...all.notifications.map((n) => n.seq)].sort((a, b) => b - a));
    expect(all.cursor).toBe(all.notifications[0]!.seq);
    const one = await getJson<NotificationsPageJson>(server, '/api/notifications?limit=1', cookie(ann));
    expect(one.body.notifications).toEqual(all.notifications.slice(0, 1));
    expect((await page(ann, all.cursor)).notifications).toEqual([]);
    expect(all.more).toBe(false);
    // Away for longer than a page: a catch-up reads on from the oldest change after its
    // cursor, a page at a time, and walks every change once, in order, without a gap.
    const from = all.notifications.at(-1)!.seq - 1;
    const walked: number[] = [];
    for (let after = from, more = true; more;) {
      const step = await getJson<NotificationsPageJson>(
        server,
        `/api/notifications?after=${after}&limit=1`,
        cookie(ann),
      );
      // One change, or all of a read mark's (they share a seq), newest first.
      expect(step.body.notifications.length).toBeGreaterThan(0);
      walked.push(...step.body.notifications.map((n) => n.seq).reverse());
      ({ cursor: after, more } = step.body);
    }
    expect(walked).toEqual(all.notifications.map((n) => n.seq).reverse());
    for (const q of ['limit=0', 'limit=201', 'limit=x', 'after=-1', 'after=1.5', 'after=abc']) {
      const r = await getJson<{ error: { code: string } }>(server, `/api/notifications?${q}`, cookie(ann));
      expect([q, r.status, r.body.error.code]).toEqual([q, 400, 'invalid_query']);
    }
    const bad: unknown[] = [
      {},
      [],
      { ids: 'n_1' },
      { ids: [1] },
      { ids: [''] },
      { ids: Array.from({ length: 501 }, (_, i) => `n_${i}`) },
      { ids: [], extra: true },
      { all: false },
      { all: 'yes' },
      { all: true, boardId: '../etc' },
      { all: true, extra: 1 },
    ];
    for (const body of bad) {
      const r = await postJson(server, '/api/notifications/read', body, cookie(ann));
      const answer = (await r.json()) as { error: { code: string; message: string } };
      expect([body, r.status, answer.error.code]).toEqual([body, 400, 'invalid_body']);
      expect(answer.error.message.length).toBeGreaterThan(5);
    }
    const ok = await postJson(
      server,
      '/api/notifications/read',
      { ids: Array.from({ length: 500 }, (_, i) => `n_${i}`) },
      cookie(ann),
    );
    expect(ok.status).toBe(200);

    // A token for another board sees none of this board's.
    const elsewhere = await mintToken(server, ann.who, 'elsewhere');
    const scoped = await getJson<NotificationsPageJson>(server, '/api/notifications', {
      authorization: `Bearer ${elsewhere}`,
    });
    expect(scoped.body).toEqual({ notifications: [], unread: {}, cursor: 0, more: false });

    // Cat is told of a reply, then removed from the board: the notification is gone from her page.
    const cat = await join_(
      await newMember(server, ownerCookie, 'Cat', 'delegate', 'russia'),
      'Cat',
      'delegate',
      'russia',
    );
    const hers = await opens(cat, 'Cat asks');
    await replies(bob, hers, 'Bob answers');
    expect((await stored(cat, 0, 1)).notifications).toHaveLength(1);
    const removed = await fetch(`${server.url}/api/boards/demo/members/${cat.who.userId}`, {
      method: 'DELETE',
      headers: { cookie: ownerCookie },
    });
    expect(removed.status).toBeLessThan(300);
    expect(await page(cat)).toEqual({ notifications: [], unread: {}, cursor: 0, more: false });
  });

  it('ACTIVITY2 the activity feed: members page it newest first (GET /api/boards/:id/activity, 401 / 404 / 400 as JSON), and sockets that joined the board get each new entry live as `activity`, with its summary', async () => {
    const socket = sockets.connect(cookie(ann));
    await connected(socket);
    expect(await join(socket, 'demo')).toMatchObject({ ok: true });
    const live = record<{ boardId: string; entry: ActivityEntryJson }>(socket, 'activity');
    const thread = await opens(ann, 'Activity starts');
    await replies(bob, thread, 'Activity goes on');
    await waitFor(() => live.length >= 2, 'two activity entries');
    expect(live.map((a) => [a.boardId, a.entry.kind, a.entry.pointId])).toEqual([
      ['demo', 'thread', pointId],
      ['demo', 'comment', pointId],
    ]);
    expect(live[1]!.entry).toMatchObject({
      action: 'posted',
      threadId: thread,
      excerpt: 'Activity goes on',
      summary: 'Reply posted by Bob',
    });

    const first = await getJson<ActivityPageJson>(server, '/api/boards/demo/activity?limit=2', cookie(ann));
    expect(first.status).toBe(200);
    expect(first.body.entries.map((e) => e.id)).toEqual([live[1]!.entry.id, live[0]!.entry.id]);
    expect(first.body.entries[0]).toEqual(live[1]!.entry);
    expect(first.body.next).toBe(live[0]!.entry.id);
    const older = await getJson<ActivityPageJson>(
      server,
      `/api/boards/demo/activity?before=${first.body.next}&limit=200`,
      {
        authorization: `Bearer ${bob.token}`,
      },
    );
    expect(older.body.entries.length).toBeGreaterThan(5);
    expect(older.body.entries.every((e) => e.id < first.body.next!)).toBe(true);
    expect(new Set(older.body.entries.map((e) => e.kind))).toEqual(new Set(['thread', 'comment']));

    expect((await fetch(`${server.url}/api/boards/demo/activity`)).status).toBe(401);
    const stranger = await signUp(server, 'Stranger');
    expect((await getJson(server, '/api/boards/demo/activity', { cookie: stranger.cookie })).status).toBe(404);
    const bad = await getJson<{ error: { code: string } }>(server, '/api/boards/demo/activity?limit=0', cookie(ann));
    expect([bad.status, bad.body.error.code]).toEqual([400, 'invalid_query']);
  });

  it('NOTIFY11 a proposal under a sign-off rule asks each member of the delegations it needs (not the proposer), and an editor’s decision tells the proposing delegation’s members', async () => {
    const socketOf = async (p: Person) => {
      const socket = sockets.connect(cookie(p));
      await connected(socket);
      return record<NotificationJson>(socket, 'notification');
    };
    const toAnn = await socketOf(ann);
    const toBob = await socketOf(bob);
    const owner = await connectWriter(server, 'owner', 'us');
    const editor = await connectWriter(server, 'editor', 'us');
    people.push({ ...owner, account: ann.account }, { ...editor, account: ann.account });
    setSignOffRule(owner.client.doc, actorOf(owner.who), { kind: 'named', stakeholderIds: ['europe', 'ukraine'] });
    await owner.allSaved();
    await waitFor(() => ann.client.doc.getMap('meta').get('signOff') !== undefined, 'the rule to reach Ann');
    const amendmentId = proposeAmendment(ann.client.doc, actorOf(ann.who), {
      pointId: pointId as never,
      field: 'title',
      wording: 'A clearer title',
      rationale: 'Clarity',
    });
    await ann.allSaved();
    await waitFor(() => toBob.length === 1, 'the sign-off request');
    expect(toBob[0]).toMatchObject({
      kind: 'sign-off',
      subject: { pointId, amendmentId, threadId: null, versionId: null },
      items: [{ actorId: ann.who.userId }],
    });

    await waitFor(() => listAmendments(editor.client.doc).some((a) => a.id === amendmentId), 'the proposal');
    const decided = await postJson(
      server,
      `/api/boards/demo/amendments/${amendmentId}/decision`,
      { decision: 'reject', note: 'Not now' },
      bearer(editor),
    );
    expect(decided.status).toBe(200);
    await waitFor(() => toAnn.length === 1, 'the decision');
    expect(toAnn[0]).toMatchObject({ kind: 'decision', subject: { amendmentId } });
    expect(toAnn[0]!.items[0]!.excerpt).toMatch(/rejected: Not now$/);

    await sleep(QUIET_MS);
    expect([toAnn.length, toBob.length]).toEqual([1, 1]);
  });

  it('NOTIFY7 a socket that was not recovered (a new one, or after a server restart on the same data) gets what it missed from notifications:since, each once, and nothing replayed', async () => {
    const first = sockets.connect(cookie(ann));
    await connected(first);
    const got = record<NotificationJson>(first, 'notification');
    const warmUp = await opens(ann, 'Before leaving');
    await replies(bob, warmUp, 'Noted');
    await waitFor(() => got.length === 1, 'a live notification');
    const cursor = got[0]!.seq;
    const threads = [await opens(ann, 'Uno'), await opens(ann, 'Dos'), await opens(ann, 'Tres')];
    first.disconnect();
    for (const [i, t] of threads.entries()) await replies(bob, t, `while away ${i}`);
    await stored(ann, cursor, 3);

    const back = sockets.connect(cookie(ann));
    const replayed = record<NotificationJson>(back, 'notification');
    await connected(back);
    expect(back.recovered ?? false).toBe(false);
    const missed = await since(back, cursor);
    expect(missed.notifications.map((n) => n.items.map((i) => i.excerpt))).toEqual([
      ['while away 2'],
      ['while away 1'],
      ['while away 0'],
    ]);
    expect(missed.cursor).toBe(missed.notifications[0]!.seq);
    expect(missed.unread['demo']).toBeGreaterThanOrEqual(3);
    expect((await since(back, missed.cursor)).notifications).toEqual([]);
    await sleep(QUIET_MS);
    expect(replayed).toEqual([]);

    // After a restart on the same data: the same three, nothing more, nothing twice.
    sockets.closeAll();
    for (const p of people.splice(0)) p.client.destroy();
    await server.stop();
    server = await startServer({ dataDir: server.dataDir });
    const afterRestart = sockets.connect(cookie(ann));
    const replayedAfter = record<NotificationJson>(afterRestart, 'notification');
    await connected(afterRestart);
    expect(afterRestart.recovered ?? false).toBe(false);
    expect((await since(afterRestart, cursor)).notifications).toEqual(missed.notifications);
    await sleep(QUIET_MS);
    expect(replayedAfter).toEqual([]);
  });

  it('NOTIFY12 a published version tells every member but its publisher, live, also one the CLI published', async () => {
    const socketOf = async (p: Person) => {
      const socket = sockets.connect(cookie(p));
      await connected(socket);
      return record<NotificationJson>(socket, 'notification');
    };
    const toAnn = await socketOf(ann);
    const toBob = await socketOf(bob);
    const { token } = await tokenFor(server, 'editor', 'us');
    const published = await postJson(
      server,
      '/api/boards/demo/versions',
      { name: 'Round 1' },
      {
        authorization: `Bearer ${token}`,
      },
    );
    expect(published.status).toBe(201);
    const { id: versionId } = (await published.json()) as { id: string };
    await waitFor(() => toAnn.length === 1 && toBob.length === 1, 'the version');
    for (const n of [toAnn[0]!, toBob[0]!]) {
      expect(n).toMatchObject({ kind: 'version', subject: { versionId }, items: [{ excerpt: 'Round 1' }] });
    }
    await sleep(QUIET_MS);
    expect([toAnn.length, toBob.length]).toEqual([1, 1]);

    // Published by the CLI, another process: the server finds it by itself (its sweep)
    // and tells everyone, without waiting for the board's next change.
    const cli = await runCli(server, ['version', 'publish', '--board', 'demo', '--name', 'Round 2 (CLI)']);
    expect(cli.code, cli.stderr).toBe(0);
    await waitFor(() => toAnn.length === 2 && toBob.length === 2, 'the CLI version', 15_000);
    expect(toAnn[1]).toMatchObject({ kind: 'version', items: [{ excerpt: 'Round 2 (CLI)' }] });
  });
});

describe('notifications across a crash (integration: server/src/notifications/Notifier.ts)', () => {
  let server: RunningServer;
  const clients: StockClient[] = [];
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server?.stop();
  });

  it('NOTIFY10 a server killed (SIGKILL) after committing replies and before draining them loses no notification and duplicates none: the next start drains them, and a later one adds nothing', async () => {
    // Drains held: the replies are stored, their notifications not yet.
    server = await startServer({ env: { PARLEY_FAULT_HOLD_NOTIFICATIONS: '1' } });
    const dataDir = server.dataDir;
    const ownerCookie = await demoCookie(server, 'owner', 'us');
    const annAccount = await newMember(server, ownerCookie, 'Ann', 'delegate', 'ukraine');
    const bobAccount = await newMember(server, ownerCookie, 'Bob', 'delegate', 'europe');
    const ann = await person(server, annAccount, 'Ann', 'delegate', 'ukraine');
    const bob = await person(server, bobAccount, 'Bob', 'delegate', 'europe');
    clients.push(ann.client, bob.client);
    const pointId = listPoints(ann.client.doc)[0]!.id;
    const thread = openThread(ann.client.doc, actorOf(ann.who), { pointId: pointId as never, body: 'Q' });
    await ann.allSaved();
    await waitFor(() => bob.client.doc.getMap('threads').has(thread), 'the thread to reach Bob');
    replyToThread(bob.client.doc, actorOf(bob.who), thread, 'A1');
    replyToThread(bob.client.doc, actorOf(bob.who), thread, 'A2');
    await bob.allSaved();
    const read = async () =>
      (await getJson<NotificationsPageJson>(server, '/api/notifications', { cookie: annAccount.cookie })).body;
    expect((await read()).notifications).toEqual([]);

    for (const c of clients.splice(0)) c.destroy();
    expect(await server.stop('SIGKILL')).toBe('SIGKILL');
    server = await startServer({ dataDir });
    const drained = await read();
    expect(drained.notifications.map((n) => [n.kind, n.items.map((i) => i.excerpt)])).toEqual([
      ['reply', ['A1', 'A2']],
    ]);
    expect(drained.unread).toEqual({ demo: 1 });

    expect(await server.stop('SIGKILL')).toBe('SIGKILL');
    server = await startServer({ dataDir });
    expect(await read()).toEqual(drained);
  });
});
