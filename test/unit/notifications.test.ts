import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  META,
  ROOT,
  editComment,
  listPoints,
  openThread,
  proposeAmendment,
  replyToThread,
  type Actor,
  type CommentId,
  type HistoryDetail,
  type StakeholderId,
  type ThreadId,
  type UserId,
} from '@parley/shared/model';
import type { Principal } from '@parley/shared/permissions';
import type { ActivityEntryJson, NotificationJson } from '@parley/shared/protocol';
import { buildDemoState } from '../../server/src/seed/createDemoBoard.ts';
import { encodeUpdate } from '../../server/src/collab/codec/messageCodec.ts';
import { deriveNotifications, type Recipient } from '../../server/src/notifications/deriveNotifications.ts';
import { Notifier } from '../../server/src/notifications/Notifier.ts';
import type { StoredHistoryRow } from '../../server/src/persistence/Storage.ts';
import { MemoryStorage } from '../helpers/memoryStorage.ts';
import { roomHarness, silentLog, type RoomConnection, type RoomHarness } from '../helpers/room.ts';

const person = (id: string, role: Principal['role'], stakeholderId: string | null): Principal => ({
  userId: `u-${id}` as UserId,
  name: id,
  role,
  stakeholderId: stakeholderId as StakeholderId | null,
});
const actor = (p: Principal): Actor => ({
  userId: p.userId,
  name: p.name,
  stakeholderId: p.stakeholderId ?? ('us' as StakeholderId),
});

interface Member {
  readonly principal: Principal;
  readonly connection: RoomConnection;
  readonly doc: Y.Doc;
  send(edit: (doc: Y.Doc) => void): Promise<void>;
}

async function member(h: RoomHarness, principal: Principal): Promise<Member> {
  const connection = await h.connect(principal);
  const doc = new Y.Doc();
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(h.room.doc));
  return {
    principal,
    connection,
    doc,
    async send(edit) {
      // Up to date first, as a synced client is.
      Y.applyUpdate(doc, Y.encodeStateAsUpdate(h.room.doc, Y.encodeStateVector(doc)));
      let out: Uint8Array | null = null;
      const take = (u: Uint8Array) => (out = u);
      doc.on('update', take);
      edit(doc);
      doc.off('update', take);
      await h.deliver(connection, encodeUpdate(out!));
    },
  };
}

/** A history row as the store hands it to the drain. */
let seq = 0;
const row = (actorId: string, detail: HistoryDetail, pointId = 'p1'): StoredHistoryRow => ({
  seq: ++seq,
  groupKey: null,
  boardId: 'b',
  pointId,
  at: seq,
  until: seq,
  actorId,
  actorName: actorId,
  actorStakeholderId: null,
  detail,
});

const members: Recipient[] = [
  { userId: 'ann', stakeholderId: 'us' },
  { userId: 'bob', stakeholderId: 'europe' },
  { userId: 'cat', stakeholderId: 'europe' },
  { userId: 'dan', stakeholderId: 'ukraine' },
  { userId: 'eve', stakeholderId: null },
];
const told = (rows: StoredHistoryRow[], who = members) =>
  deriveNotifications(rows, who).map((d) => `${d.kind}:${d.userId}${d.merge ? '' : '!'}`);

describe('notifications derived from history (unit: server/src/notifications/deriveNotifications.ts)', () => {
  it('NOTIFY2 mentions, replies to the thread’s participants, decisions to the amendment’s delegation, sign-off requests to the delegations the rule needs (never merged) and versions to everyone: never the actor, never a non-member, and a mentioned participant is told once', () => {
    const reply = (by: string, mentions: string[], participants: string[]) =>
      row(by, {
        kind: 'comment',
        action: 'posted',
        threadId: 't1',
        commentId: 'c',
        excerpt: 'x',
        mentions,
        participants,
      });
    expect(
      told([row('ann', { kind: 'thread', action: 'opened', threadId: 't1', excerpt: 'x', mentions: ['bob', 'ann'] })]),
    ).toEqual(['mention:bob']);
    // Older 'opened' rows have no mentions; resolving notifies nobody.
    expect(told([row('ann', { kind: 'thread', action: 'opened', threadId: 't1', excerpt: 'x' })])).toEqual([]);
    expect(told([row('ann', { kind: 'thread', action: 'resolved', threadId: 't1', excerpt: 'x' })])).toEqual([]);
    // cat is both mentioned and a participant: one mention; 'zed' is no member (any more).
    expect(told([reply('bob', ['cat', 'zed'], ['ann', 'cat', 'dan', 'zed'])])).toEqual([
      'mention:cat',
      'reply:ann',
      'reply:dan',
    ]);
    // An edit that added mentions tells those, and no participant.
    expect(
      told([
        row('bob', {
          kind: 'comment',
          action: 'edited',
          threadId: 't1',
          commentId: 'c',
          excerpt: 'x',
          mentions: ['eve'],
          participants: [],
        }),
      ]),
    ).toEqual(['mention:eve']);
    const amendment = (action: 'accepted' | 'rejected' | 'proposed' | 'endorsed', signOffFrom?: string[]) =>
      row('bob', {
        kind: 'amendment',
        action,
        amendmentId: 'a1',
        number: 1,
        field: 'body',
        stakeholderId: 'europe',
        note: '',
        ...(signOffFrom ? { signOffFrom } : {}),
      });
    // The editor bob decides on his own delegation's amendment: cat is told, bob is not.
    expect(told([amendment('accepted')])).toEqual(['decision:cat']);
    expect(told([amendment('rejected')])).toEqual(['decision:cat']);
    expect(told([amendment('endorsed')])).toEqual([]);
    expect(told([amendment('proposed', [])])).toEqual([]);
    expect(told([amendment('proposed', ['us', 'ukraine'])])).toEqual(['sign-off:ann!', 'sign-off:dan!']);
    expect(
      told([row('ann', { kind: 'version', versionId: 'v_1', name: 'Round 1', note: '' }, '')], members.slice(0, 3)),
    ).toEqual(['version:bob', 'version:cat']);
    // Someone removed from the board is told nothing.
    expect(
      told(
        [amendment('accepted')],
        members.filter((m) => m.userId !== 'cat'),
      ),
    ).toEqual([]);
  });
});

describe('comment and sign-off history (unit: server/src/history/HistoryRecorder.ts, in-memory sockets and store)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('NOTIFY3 a thread opened records its first comment and mentions; a reply records its mentions and the earlier participants without its author; an edit records only the mentions it added (none: no entry); a proposal records the delegations whose sign-off the rule needs; only the opening shows in the point’s history', async () => {
    const h = await roomHarness(buildDemoState(), { isMember: () => true });
    cleanups.push(h.close);
    const ann = await member(h, person('ann', 'delegate', 'us'));
    const bob = await member(h, person('bob', 'delegate', 'europe'));
    const cat = await member(h, person('cat', 'delegate', 'ukraine'));
    const pointId = listPoints(h.room.doc)[0]!.id;
    let threadId = '' as ThreadId;
    await ann.send((d) => {
      threadId = openThread(d, actor(ann.principal), { pointId, body: 'Who?', mentions: ['u-bob' as UserId] });
    });
    await bob.send((d) => replyToThread(d, actor(bob.principal), threadId, 'Me', ['u-cat' as UserId]));
    let catComment = '' as CommentId;
    await cat.send((d) => {
      catComment = replyToThread(d, actor(cat.principal), threadId, 'And me');
    });
    await cat.send((d) =>
      editComment(d, actor(cat.principal), threadId, catComment, 'And me @ann', ['u-ann' as UserId]),
    );
    await cat.send((d) =>
      editComment(d, actor(cat.principal), threadId, catComment, 'And me, @ann', ['u-ann' as UserId]),
    );
    // Ann took part first: her reply names the others only.
    let annReply = '' as CommentId;
    await ann.send((d) => {
      annReply = replyToThread(d, actor(ann.principal), threadId, 'Thanks');
    });
    // The board's rule needs Europe's and Ukraine's sign-off; the proposer (US) signs by proposing.
    h.room.doc.getMap(ROOT.meta).set(META.signOff, ['europe', 'ukraine', 'us']);
    await h.persist.flush();
    await ann.send((d) =>
      proposeAmendment(d, actor(ann.principal), { pointId, field: 'title', wording: 'Better', rationale: 'Why not' }),
    );

    const rows = (await h.storage.readBoardActivity('demo', null, 50, ['thread', 'comment', 'amendment'])).reverse();
    const details = rows.map((r) => r.detail);
    const firstId = (h.room.doc.getMap(ROOT.threads).get(threadId) as Y.Map<unknown>).get('comments') as Y.Array<
      Y.Map<unknown>
    >;
    expect(details).toEqual([
      {
        kind: 'thread',
        action: 'opened',
        threadId,
        excerpt: 'Who?',
        commentId: firstId.get(0).get('id'),
        mentions: ['u-bob'],
      },
      {
        kind: 'comment',
        action: 'posted',
        threadId,
        commentId: firstId.get(1).get('id'),
        excerpt: 'Me',
        mentions: ['u-cat'],
        participants: ['u-ann'],
      },
      {
        kind: 'comment',
        action: 'posted',
        threadId,
        commentId: catComment,
        excerpt: 'And me',
        mentions: [],
        participants: ['u-ann', 'u-bob'],
      },
      {
        kind: 'comment',
        action: 'edited',
        threadId,
        commentId: catComment,
        excerpt: 'And me @ann',
        mentions: ['u-ann'],
        participants: [],
      },
      {
        kind: 'comment',
        action: 'posted',
        threadId,
        commentId: annReply,
        excerpt: 'Thanks',
        mentions: [],
        participants: ['u-bob', 'u-cat'],
      },
      expect.objectContaining({ kind: 'amendment', action: 'proposed', signOffFrom: ['europe', 'ukraine'] }),
    ]);
    expect(rows.map((r) => r.actorId)).toEqual(['u-ann', 'u-bob', 'u-cat', 'u-cat', 'u-ann', 'u-ann']);
    expect((await h.storage.readPointHistory('demo', pointId, null, 50)).map((r) => r.detail.kind)).toEqual([
      'amendment',
      'thread',
    ]);
  });

  it('NOTIFY18 a thread opened offline with a reply mentioning someone, synced as one update, records the reply and its mention', async () => {
    const h = await roomHarness(buildDemoState(), { isMember: () => true });
    cleanups.push(h.close);
    const ann = await member(h, person('ann', 'delegate', 'us'));
    const pointId = listPoints(h.room.doc)[0]!.id;
    let replyId = '' as CommentId;
    await ann.send((d) => {
      // One update: the thread and its second comment arrive together.
      d.transact(() => {
        const threadId = openThread(d, actor(ann.principal), { pointId, body: 'Offline question' });
        replyId = replyToThread(d, actor(ann.principal), threadId, 'And @bob?', ['u-bob' as UserId]);
      });
    });
    const rows = (await h.storage.readBoardActivity('demo', null, 50, ['thread', 'comment'])).reverse();
    expect(rows.map((r) => r.detail)).toEqual([
      expect.objectContaining({ kind: 'thread', action: 'opened', excerpt: 'Offline question', mentions: [] }),
      expect.objectContaining({
        kind: 'comment',
        action: 'posted',
        commentId: replyId,
        excerpt: 'And @bob?',
        mentions: ['u-bob'],
        participants: [],
      }),
    ]);
  });
});

describe('the notification drain (unit: server/src/notifications/Notifier.ts, in-memory store)', () => {
  const comment = (commentId: string, threadId = 't1'): HistoryDetail => ({
    kind: 'comment',
    action: 'posted',
    threadId,
    commentId,
    excerpt: commentId,
    mentions: [],
    participants: ['ann'],
  });
  const append = (s: MemoryStorage, by: string, detail: HistoryDetail) =>
    s.appendUpdates([
      {
        docName: 'b',
        update: new Uint8Array([0, 0]),
        history: [historyRow(by, detail)],
      },
    ]);
  const historyRow = (by: string, detail: HistoryDetail) => {
    const { seq: _seq, ...rest } = row(by, detail);
    return rest;
  };
  const recording = () => {
    const sent: { userId: string; n: NotificationJson }[] = [];
    const activity: ActivityEntryJson[] = [];
    return {
      sent,
      activity,
      output: {
        notification: (userId: string, n: NotificationJson) => sent.push({ userId, n }),
        hearsActivity: () => true,
        activity: (_b: string, e: ActivityEntryJson) => activity.push(e),
      },
    };
  };

  it('NOTIFY4 replies in one thread join the unread notification, listing each; once read, the next starts a new one; two drains racing on one store (two instances) store and send each notification once', async () => {
    const s = new MemoryStorage();
    await s.createBoard('b', 'Board', Y.encodeStateAsUpdate(new Y.Doc()));
    const one = recording();
    const two = recording();
    const listMembers = async () => members;
    const a = new Notifier(s, listMembers, one.output, silentLog);
    const b = new Notifier(s, listMembers, two.output, silentLog);

    await append(s, 'bob', comment('c1'));
    await append(s, 'cat', comment('c2'));
    a.committed('b');
    b.committed('b');
    a.committed('b');
    await Promise.all([a.idle(), b.idle()]);
    await append(s, 'dan', comment('c3'));
    b.committed('b');
    a.committed('b');
    await Promise.all([a.idle(), b.idle()]);

    const sent = [...one.sent, ...two.sent].sort((x, y) => x.n.seq - y.n.seq);
    // Each change of ann's one notification sent once, by whichever drain stored it.
    expect(sent.map((x) => [x.userId, x.n.items.map((i) => i.excerpt)])).toEqual([
      ['ann', ['c1', 'c2']],
      ['ann', ['c1', 'c2', 'c3']],
    ]);
    expect(new Set(sent.map((x) => x.n.id)).size).toBe(1);
    expect([...one.activity, ...two.activity].map((e) => e.id).sort()).toEqual([1, 2, 3]);
    const stored = await s.listNotifications('ann', ['b'], 0, 10);
    expect(stored).toHaveLength(1);

    await s.markNotificationsRead('ann', ['b'], { all: true }, Date.now());
    await append(s, 'bob', comment('c4'));
    a.committed('b');
    await a.idle();
    const after = await s.listNotifications('ann', ['b'], 0, 10);
    expect(after.map((n) => [n.readAt === null, n.items.map((i) => i.excerpt)])).toEqual([
      [true, ['c4']],
      [false, ['c1', 'c2', 'c3']],
    ]);
  });
});
