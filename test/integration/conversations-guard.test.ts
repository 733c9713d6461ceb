/**
 * The guard's rules for issue 16's conversations through the real server (PERM9): a stock
 * y-websocket provider that mentions someone who is not a member of the board, and a raw
 * websocket that reacts in someone else's name, are closed as forbidden and nothing of
 * theirs is relayed or stored; the honest mention and reaction go through; and the members
 * the guard knows follow invitations and removals at once (BoardMembers).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import {
  ROOT,
  listPoints,
  listThreads,
  openThread,
  reactionKey,
  replyToThread,
  toggleReaction,
  toBoardJson,
  type StakeholderId,
  type ThreadId,
  type UserId,
} from '@parley/shared/model';
import { CLOSE } from '@parley/shared/protocol';
import { newMember } from '../helpers/accounts.ts';
import { waitFor } from '../helpers/clients.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import {
  connectRecorded,
  demoCookie,
  openRaw,
  tokenFor,
  updateFrame,
  updateOf,
  within,
  type RecordedClient,
} from '../helpers/security.ts';
import { actorOf } from '../helpers/tokens.ts';

const S = 'ukraine' as StakeholderId;
const T = 'russia' as StakeholderId;
/** Holds a valid token (below) but is no member of the board. */
const NOT_A_MEMBER = 'u-token-only' as UserId;

describe('conversations through the real server (integration: guard on mentions and reactions)', () => {
  let server: RunningServer;
  let ownerCookie = '';
  let memberId = '' as UserId;
  /** Delegate of S's stock client: opens the thread, and reacts honestly. */
  let author: Awaited<ReturnType<typeof client>>;
  let watcher: RecordedClient;
  let threadId: ThreadId;
  const clients: RecordedClient[] = [];
  /** Marks that must never reach the board, checked live and after a restart. */
  const forbidden: string[] = [];

  async function client(role: 'delegate' | 'observer' | 'editor', sid: string | null, name: string) {
    const { who, token } = await tokenFor(server, role, sid, name);
    const c = connectRecorded(server.wsUrl, 'demo', { token });
    clients.push(c);
    await within(c.synced, 10_000, `${name} to sync`);
    return { c, who, token };
  }

  const commentBodies = (doc: Y.Doc) => JSON.stringify(listThreads(doc).flatMap((t) => t.comments.map((c) => c.body)));
  const firstComment = (doc: Y.Doc) => listThreads(doc).find((t) => t.id === threadId)!.comments[0]!.id;

  async function members(): Promise<{ userId: UserId }[]> {
    const res = await fetch(`${server.url}/api/boards/demo/members`, { headers: { cookie: ownerCookie } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { members: { userId: UserId }[] }).members;
  }

  /** A reply mentioning `mentions` from a fresh stock delegate of T; resolves with its close code, or null if it landed. */
  async function replyMentioning(mentions: UserId[], mark: string): Promise<number | null> {
    const { c, who } = await client('delegate', T, `Mentioner ${mark}`);
    replyToThread(c.doc, actorOf(who), threadId, mark, mentions);
    const outcome = await Promise.race([
      c.closed,
      waitFor(() => commentBodies(watcher.doc).includes(mark), `${mark} to reach the watcher`, 10_000).then(() => null),
    ]);
    c.destroy();
    return outcome;
  }

  beforeAll(async () => {
    server = await startServer();
    ownerCookie = await demoCookie(server, 'owner', 'us');
    memberId = (await members()).find((m) => m.userId !== NOT_A_MEMBER)!.userId;
    watcher = (await client('observer', null, 'Watcher')).c;
    author = await client('delegate', S, 'Thread author');
    threadId = openThread(author.c.doc, actorOf(author.who), {
      pointId: listPoints(author.c.doc)[0]!.id,
      body: 'Where is the money?',
    });
    await waitFor(() => listThreads(watcher.doc).some((t) => t.id === threadId), 'the thread to reach the watcher');
  });

  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server?.stop();
  });

  it('PERM9: a stock client mentioning a non-member is closed as forbidden and nothing is relayed; mentioning a member goes through', async () => {
    forbidden.push('[mentions a token holder]');
    expect(await replyMentioning([NOT_A_MEMBER], '[mentions a token holder]')).toBe(CLOSE.forbiddenUpdate);
    // Mentioning a member travels the same commit-then-relay path: once it is here, so would the refused one be.
    expect(await replyMentioning([memberId], '[mentions a member]')).toBeNull();
    expect(commentBodies(watcher.doc)).not.toContain('[mentions a token holder]');
    const reply = listThreads(watcher.doc)
      .find((t) => t.id === threadId)!
      .comments.find((c) => c.body === '[mentions a member]')!;
    expect(reply.mentions).toEqual([memberId]);
  });

  it("PERM9: a raw client reacting in someone else's name (insert or delete) is closed as forbidden; its own reaction goes through", async () => {
    // The author's honest reaction, for the delete attempt below.
    toggleReaction(author.c.doc, actorOf(author.who), threadId, firstComment(author.c.doc), 'heart');
    const theirs = reactionKey(threadId, firstComment(watcher.doc), 'heart', author.who.userId as UserId);
    await waitFor(() => watcher.doc.getMap(ROOT.reactions).has(theirs), "the author's reaction to reach the watcher");

    const forged = reactionKey(threadId, firstComment(watcher.doc), 'thumbs-down', author.who.userId as UserId);
    const attempts: [string, (d: Y.Doc) => void][] = [
      ['insert', (d) => d.getMap(ROOT.reactions).set(forged, Date.now())],
      ['delete', (d) => d.getMap(ROOT.reactions).delete(theirs)],
    ];
    for (const [what, edit] of attempts) {
      const { token } = await tokenFor(server, 'delegate', T, `Forger (${what})`);
      const raw = openRaw(`${server.wsUrl}/yjs/demo?token=${token}`);
      await within(raw.opened, 10_000, 'the raw socket to open');
      raw.ws.send(updateFrame(updateOf(watcher.doc, edit)));
      expect((await within(raw.closed, 10_000, `the ${what} to be refused`)).code, what).toBe(CLOSE.forbiddenUpdate);
    }

    const honest = await client('delegate', T, 'Honest reactor');
    toggleReaction(honest.c.doc, actorOf(honest.who), threadId, firstComment(honest.c.doc), 'eyes');
    const mine = reactionKey(threadId, firstComment(watcher.doc), 'eyes', honest.who.userId as UserId);
    await waitFor(() => watcher.doc.getMap(ROOT.reactions).has(mine), 'the honest reaction to reach the watcher');
    expect(honest.c.closes).toEqual([]);
    const reactions = watcher.doc.getMap(ROOT.reactions);
    expect(reactions.has(forged)).toBe(false);
    expect(reactions.has(theirs)).toBe(true);
    expect(toBoardJson(watcher.doc).threads.find((t) => t.id === threadId)!.comments[0]!.reactions).toEqual([
      { reaction: 'heart', userIds: [author.who.userId] },
      { reaction: 'eyes', userIds: [honest.who.userId] },
    ]);
  });

  it('PERM9: a member invited while the board is open can be mentioned at once; once removed, no longer', async () => {
    const invited = await newMember(server, ownerCookie, 'Newly invited', 'delegate', S);
    expect(await replyMentioning([invited.userId as UserId], '[mentions the new member]')).toBeNull();
    const removed = await fetch(`${server.url}/api/boards/demo/members/${invited.userId}`, {
      method: 'DELETE',
      headers: { cookie: ownerCookie, origin: server.url },
    });
    expect(removed.status).toBeLessThan(300);
    forbidden.push('[mentions a removed member]');
    expect(await replyMentioning([invited.userId as UserId], '[mentions a removed member]')).toBe(
      CLOSE.forbiddenUpdate,
    );
  });

  it('PERM9: after a restart nothing refused was stored', async () => {
    for (const c of clients.splice(0)) c.destroy();
    await server.stop();
    server = await startServer({ dataDir: server.dataDir });
    watcher = (await client('observer', null, 'After restart')).c;
    const bodies = commentBodies(watcher.doc);
    expect(bodies).toContain('[mentions a member]');
    for (const mark of forbidden) expect(bodies).not.toContain(mark);
    const keys = [...watcher.doc.getMap(ROOT.reactions).keys()];
    expect(keys.filter((k) => k.includes(':thumbs-down:'))).toEqual([]);
    expect(keys.filter((k) => k.includes(':heart:'))).toHaveLength(1);
  });
});
