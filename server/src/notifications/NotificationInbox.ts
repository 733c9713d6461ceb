import type { NotificationsPageJson, NotificationsReadEvent } from '@parley/shared/protocol';
import type { AccessControl, Identity } from '../accounts/AccessControl.ts';
import { reachableBoards } from '../http/authContext.ts';
import type { ReadTarget, Storage, StoredNotification } from '../persistence/Storage.ts';
import { notificationJson } from './notificationJson.ts';

/** Notifications per page (`GET /api/notifications`, `notifications:since`), by default and at most. */
export const NOTIFICATIONS_PAGE = { default: 50, max: 200 } as const;

/** Enough to hold every notification one read mark can share a seq with. */
const READ_GROUP_MAX = 10_000;

/** What one "mark read" changed, as each kind of room is told it. */
export interface ReadOutcome {
  /** For the caller: unread per board it may see. */
  readonly unread: Record<string, number>;
  /** For every session socket of the user (null when nothing changed). */
  readonly toUser: NotificationsReadEvent | null;
  /** For the user's token sockets of each board touched: only that board's. */
  readonly toBoards: ReadonlyMap<string, NotificationsReadEvent>;
}

/**
 * A person's notifications as the routes and socket events read and mark them. What a
 * credential sees: a session, the boards its user is a member of now; an access token,
 * its one board.
 */
export class NotificationInbox {
  constructor(
    private readonly storage: Storage,
    private readonly access: AccessControl,
  ) {}

  private async scope(identity: Identity): Promise<string[]> {
    return (await reachableBoards(this.access, identity)).map((m) => m.boardId);
  }

  /**
   * The first read (`after` 0): the newest `limit` changes. A catch-up (`after` > 0): the
   * earliest `limit` changes after `after`, so a client away for longer than a page pages
   * on from `cursor` (`more`) and misses none. Newest first either way, with unread counts.
   */
  async page(identity: Identity, after: number, limit: number): Promise<NotificationsPageJson> {
    const boards = await this.scope(identity);
    const catchUp = after > 0;
    const [rows, unread] = await Promise.all([
      // One more than the page, to know whether more remain.
      this.storage.listNotifications(identity.userId, boards, after, limit + 1, catchUp ? 'oldest' : 'newest'),
      this.storage.unreadCounts(identity.userId, boards),
    ]);
    let more = catchUp && rows.length > limit;
    let page = rows.slice(0, limit);
    const next = rows[limit];
    if (more && next && page.at(-1)?.seq === next.seq) {
      // A read mark gives all it reads one seq: a page never ends inside such a group, or
      // the next page (after that seq) would skip the group's rest.
      const group = await this.storage.listNotifications(
        identity.userId,
        boards,
        next.seq - 1,
        READ_GROUP_MAX,
        'oldest',
      );
      page = [...page.filter((r) => r.seq !== next.seq), ...group.filter((r) => r.seq === next.seq)];
      more = group.some((r) => r.seq > next.seq);
    }
    if (catchUp) page.reverse();
    return {
      notifications: await this.withTitles(page),
      unread,
      cursor: Math.max(after, page[0]?.seq ?? 0),
      more,
    };
  }

  async markRead(identity: Identity, target: ReadTarget): Promise<ReadOutcome> {
    const boards = await this.scope(identity);
    const readAt = Date.now();
    const { read, seq } = await this.storage.markNotificationsRead(identity.userId, boards, target, readAt);
    const unread = await this.storage.unreadCounts(identity.userId, boards);
    if (seq === null) return { unread, toUser: null, toBoards: new Map() };
    // The user's other devices may see more boards than this credential (a token sees one).
    const everywhere =
      identity.kind === 'session'
        ? unread
        : await this.storage.unreadCounts(
            identity.userId,
            (await this.access.accounts.listMemberships(identity.userId)).map((m) => m.boardId),
          );
    const touched = new Map<string, string[]>();
    for (const r of read) touched.set(r.boardId, [...(touched.get(r.boardId) ?? []), r.id]);
    const counts = { ...Object.fromEntries([...touched.keys()].map((b) => [b, 0])), ...everywhere };
    const toBoards = new Map(
      [...touched].map(([boardId, ids]) => [
        boardId,
        { ids, readAt, seq, unread: { [boardId]: counts[boardId] ?? 0 } },
      ]),
    );
    return { unread, toUser: { ids: read.map((r) => r.id), readAt, seq, unread: counts }, toBoards };
  }

  /** Board titles from the catalogue, one read per board. */
  async withTitles(rows: readonly StoredNotification[]) {
    const titles = new Map<string, string>();
    await Promise.all(
      [...new Set(rows.map((r) => r.boardId))].map(async (id) =>
        titles.set(id, (await this.storage.getBoard(id))?.title ?? id),
      ),
    );
    return rows.map((r) => notificationJson(r, titles.get(r.boardId) ?? r.boardId));
  }
}
