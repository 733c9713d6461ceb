import { describe, expect, it } from 'vitest';
import type { NotificationJson, NotificationsPageJson } from '@parley/shared/protocol';
import { NotificationsModel, catchUp, type SinceResult } from '../../client/src/lib/state/notifications-model.ts';
import {
  withFreshFirstPage,
  withLiveEntry,
  withOlderPage,
} from '../../client/src/lib/components/activity/activity-model.ts';
import type { ActivityEntryJson } from '@parley/shared/protocol';
import {
  describe as describeNotification,
  landingPath,
} from '../../client/src/lib/components/notifications/notification-text.ts';

const note = (id: string, seq: number, over: Partial<NotificationJson> = {}): NotificationJson => ({
  id,
  seq,
  kind: 'reply',
  boardId: 'demo',
  boardTitle: 'Demo',
  subject: { pointId: 'p1', threadId: 't1', amendmentId: null, versionId: null },
  items: [{ actorId: 'u-ann', actorName: 'Ann', at: seq, excerpt: `reply ${seq}`, commentId: `c${seq}` }],
  createdAt: seq,
  updatedAt: seq,
  readAt: null,
  ...over,
});

const page = (
  notifications: NotificationJson[],
  cursor: number,
  unread: Record<string, number>,
  more = false,
): NotificationsPageJson => ({
  notifications,
  cursor,
  unread,
  more,
});

describe('notifications store', () => {
  it('NOTIFUI1 a notification is held once by id: a copy with a higher seq replaces it, a lower or equal one (a replay, a page) is ignored', () => {
    const m = new NotificationsModel();
    expect(m.upsert(note('n1', 3))).toBe(true);
    const grown = note('n1', 7, {
      items: [...note('n1', 3).items, { actorId: 'u-bo', actorName: 'Boris', at: 7, excerpt: 'me too' }],
      updatedAt: 7,
    });
    expect(m.upsert(grown)).toBe(true);
    // The older copy arrives late (replayed, or in a since page): it changes nothing.
    expect(m.upsert(note('n1', 3))).toBe(false);
    expect(m.upsert(grown)).toBe(false);
    m.applyPage(page([note('n1', 5), note('n2', 6)], 7, { demo: 2 }));
    expect(m.size).toBe(2);
    expect(m.get('n1')?.items).toHaveLength(2);
    expect(m.cursor).toBe(7);
    // Newest activity first.
    expect(m.list().map((n) => n.id)).toEqual(['n1', 'n2']);
    expect(m.unreadTotal()).toBe(2);
  });

  it('NOTIFUI2 a read event marks the notifications it names read (from any device), unless a newer change is held, and the unread counts follow', () => {
    const m = new NotificationsModel();
    m.upsert(note('n1', 1));
    m.upsert(note('n2', 2, { boardId: 'other', boardTitle: 'Other' }));
    m.upsert(note('n3', 3));
    expect(m.unreadByBoard()).toEqual({ demo: 2, other: 1 });
    m.applyRead({ ids: ['n1', 'n2'], readAt: 100, seq: 4, unread: { demo: 1 } });
    expect(m.get('n1')?.readAt).toBe(100);
    expect(m.get('n1')?.seq).toBe(4);
    expect(m.unreadByBoard()).toEqual({ demo: 1 });
    expect(m.unreadTotal()).toBe(1);
    // A read older than what is held (n3 changed at seq 9) does not mark it read.
    m.upsert(note('n3', 9));
    m.applyRead({ ids: ['n3'], readAt: 50, seq: 5, unread: { demo: 1 } });
    expect(m.get('n3')?.readAt).toBeNull();
    // Live events show what was seen (a mark read covers up to it), but a catch-up still
    // asks from the last page: a live 9 says nothing of an 8 still on its way.
    expect(m.newestSeq).toBe(9);
    expect(m.cursor).toBe(0);
    // Marked read here at once (before the server answers); the server's event still applies.
    expect(m.markReadLocally(['n3', 'n1'], 200)).toEqual(['n3']);
    expect(m.unreadTotal()).toBe(0);
    m.applyRead({ ids: ['n3'], readAt: 201, seq: 10, unread: {} });
    expect(m.get('n3')?.readAt).toBe(201);
  });

  it('NOTIFUI3 unread counts: unread notifications held, plus those the server counts beyond the page held, never one twice', () => {
    const m = new NotificationsModel();
    // The server counts 5 unread on demo; the page holds 2 of them (the newest changes).
    m.applyPage(page([note('n9', 9, { createdAt: 8 }), note('n8', 8, { createdAt: 8 })], 9, { demo: 5, other: 1 }));
    expect(m.unreadByBoard()).toEqual({ demo: 5, other: 1 });
    // An older unread one (created before the page) grows and arrives: it was counted already.
    m.upsert(note('n2', 10, { createdAt: 2, updatedAt: 10 }));
    expect(m.unreadByBoard()).toEqual({ demo: 5, other: 1 });
    // A new one is one more.
    m.upsert(note('n11', 11, { createdAt: 11, updatedAt: 11 }));
    expect(m.unreadTotal()).toBe(7);
    // Mark all read on one board, then everywhere.
    m.markAllReadLocally(12, 'other');
    expect(m.unreadByBoard()).toEqual({ demo: 6 });
    m.markAllReadLocally(13);
    expect(m.unreadTotal()).toBe(0);
  });

  it('NOTIFUI4 on connect, a socket that was not recovered asks for the changes after its cursor (0 the first time); a recovered one asks nothing', async () => {
    const m = new NotificationsModel();
    const asked: number[] = [];
    const answers: SinceResult[] = [
      { ok: true, ...page([note('n1', 1), note('n2', 2)], 2, { demo: 2 }) },
      { ok: true, ...page([note('n2', 4, { readAt: 40 }), note('n3', 3)], 4, { demo: 2 }) },
    ];
    const since = (cursor: number) => {
      asked.push(cursor);
      return Promise.resolve(answers.shift()!);
    };
    expect(await catchUp(m, false, since)).toBe(true);
    expect(asked).toEqual([0]);
    // Live while connected, then the connection is recovered: the replay is the socket's, nothing asked.
    m.upsert(note('n2', 2));
    expect(await catchUp(m, true, since)).toBe(false);
    expect(asked).toEqual([0]);
    // Not recovered: asks after the cursor held; what it missed arrives once each.
    expect(await catchUp(m, false, since)).toBe(true);
    expect(asked).toEqual([0, 2]);
    expect(m.list().map((n) => n.id)).toEqual(['n2', 'n3', 'n1']);
    expect(m.get('n2')?.readAt).toBe(40);
    expect(m.unreadTotal()).toBe(2);
    // A refusal is an error, and changes nothing.
    await expect(catchUp(m, false, () => Promise.resolve({ ok: false, error: 'nope' }))).rejects.toThrow('nope');
    expect(m.cursor).toBe(4);
    // Away for longer than a page: it pages on from each answer's cursor until no more remain.
    const pages: SinceResult[] = [
      { ok: true, ...page([note('n5', 6), note('n4', 5)], 6, { demo: 4 }, true) },
      { ok: true, ...page([note('n6', 7)], 7, { demo: 5 }) },
    ];
    asked.length = 0;
    const paged = (cursor: number) => {
      asked.push(cursor);
      return Promise.resolve(pages.shift()!);
    };
    // A live event with a higher seq arrives first (another board's drain sent it sooner).
    m.upsert(note('n6', 7));
    expect(await catchUp(m, false, paged)).toBe(true);
    expect(asked).toEqual([4, 6]);
    expect(m.list().map((n) => n.id)).toEqual(['n6', 'n5', 'n4', 'n2', 'n3', 'n1']);
  });

  it('NOTIFUI5 a notification reads as who did what, names several people once each, and lands on its thread at its latest comment', () => {
    const n = note('n1', 3, {
      items: [
        { actorId: 'a', actorName: 'Ann', at: 1, excerpt: 'one', commentId: 'c1' },
        { actorId: 'b', actorName: 'Boris', at: 2, excerpt: 'two', commentId: 'c2' },
        { actorId: 'a', actorName: 'Ann', at: 3, excerpt: 'three', commentId: 'c3' },
      ],
    });
    expect(describeNotification(n, 4)).toBe('Ann and Boris replied in a thread on point 4');
    expect(describeNotification({ ...n, kind: 'mention', items: n.items.slice(0, 1) })).toBe(
      'Ann mentioned you in a thread',
    );
    const url = new URL(landingPath(n), 'http://x');
    expect(url.pathname).toBe('/b/demo');
    expect(Object.fromEntries(url.searchParams)).toEqual({ point: 'p1', thread: 't1', comment: 'c3' });
    const amendment = note('n2', 4, {
      kind: 'decision',
      subject: { pointId: 'p2', threadId: null, amendmentId: 'am1', versionId: null },
    });
    expect(Object.fromEntries(new URL(landingPath(amendment), 'http://x').searchParams)).toEqual({
      point: 'p2',
      amendment: 'am1',
    });
  });

  it('NOTIFUI6 the activity feed: newest first, a live entry on top (a grown one in its place), older pages below, each entry once', () => {
    const entry = (id: number, summary = `entry ${id}`): ActivityEntryJson =>
      ({
        id,
        kind: 'thread',
        action: 'opened',
        threadId: `t${id}`,
        excerpt: '',
        at: id,
        until: id,
        actor: null,
        actorStakeholderId: null,
        summary,
        pointId: 'p1',
      }) as ActivityEntryJson;
    const ids = (l: { entries: readonly ActivityEntryJson[] }) => l.entries.map((e) => e.id);
    let list = withFreshFirstPage(null, { entries: [entry(9), entry(8)], next: 8 });
    list = withLiveEntry(list, entry(10));
    list = withLiveEntry(list, entry(10, 'grown'));
    expect(ids(list)).toEqual([10, 9, 8]);
    expect(list.entries[0]!.summary).toBe('grown');
    // An old entry while older pages are still unloaded comes with them, not out of order.
    expect(ids(withLiveEntry(list, entry(3)))).toEqual([10, 9, 8]);
    list = withOlderPage(list, { entries: [entry(8), entry(7), entry(6)], next: null });
    expect(ids(list)).toEqual([10, 9, 8, 7, 6]);
    expect(list.next).toBeNull();
    // After a reconnect the newest page again: what it covers is replaced, older pages stay.
    list = withFreshFirstPage(list, { entries: [entry(12), entry(11), entry(10)], next: 10 });
    expect(ids(list)).toEqual([12, 11, 10, 9, 8, 7, 6]);
  });
});
