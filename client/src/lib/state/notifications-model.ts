/**
 * The pure part of the notifications store: what this client holds of the signed-in
 * person's notifications, and how live events, replays and re-reads join it. No Svelte
 * here, so unit tests import it as it is (notifications.svelte.ts makes it reactive).
 *
 * Every change of a notification carries a `seq` that grows across all of a person's
 * notifications, so whatever order the same change arrives in (live, replayed by a
 * recovered socket, in a `notifications:since` page, twice), the copy with the higher seq
 * wins and each notification is held once, by id.
 */
import type { NotificationJson, NotificationsPageJson, NotificationsReadEvent } from '@parley/shared/protocol';

type Counts = Readonly<Record<string, number>>;

/** What `notifications:since` answers (the ack of events.ts). */
export type SinceResult = ({ ok: true } & NotificationsPageJson) | { ok: false; error: string };

export class NotificationsModel {
  readonly #byId = new Map<string, NotificationJson>();
  /** Where the last page answered ended: the next catch-up asks for what came after it. */
  #cursor = 0;
  /** The highest seq held, from pages or live events (what a "mark read" has seen). */
  #newest = 0;
  /**
   * Per board, unread notifications the server counted that this client does not hold: a
   * page holds only the newest changes, so older unread ones are known by their count alone.
   */
  readonly #hidden = new Map<string, number>();
  /**
   * Server time before which an unheld notification may be one of the hidden ones: when one
   * of those grows later and arrives live, it is no longer hidden (not counted twice).
   */
  #hiddenUntil = 0;

  /**
   * Where to ask from after a reconnect: the cursor of the last page, not the highest seq of
   * a live event. Live events may come out of seq order (two boards' drains, two
   * instances), so a live seq 12 says nothing of an 11 still on its way.
   */
  get cursor(): number {
    return this.#cursor;
  }

  /** The highest seq held: a "mark read" covers no change newer than what was shown. */
  get newestSeq(): number {
    return this.#newest;
  }

  get size(): number {
    return this.#byId.size;
  }

  get(id: string): NotificationJson | undefined {
    return this.#byId.get(id);
  }

  /** Newest activity first (a notification that grew moves up, as in an inbox). */
  list(): NotificationJson[] {
    return [...this.#byId.values()].sort((a, b) => b.updatedAt - a.updatedAt || b.seq - a.seq);
  }

  /** Unread notifications per board: those held unread, and those known only by count. */
  unreadByBoard(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const n of this.#byId.values()) if (n.readAt === null) counts[n.boardId] = (counts[n.boardId] ?? 0) + 1;
    for (const [boardId, hidden] of this.#hidden) if (hidden > 0) counts[boardId] = (counts[boardId] ?? 0) + hidden;
    return counts;
  }

  unreadTotal(): number {
    return Object.values(this.unreadByBoard()).reduce((sum, n) => sum + n, 0);
  }

  /**
   * A `notification` event (live or replayed), or one of a page: kept unless a copy with the
   * same or a higher seq is already held. Returns whether anything changed.
   */
  upsert(notification: NotificationJson): boolean {
    if (notification.seq > this.#newest) this.#newest = notification.seq;
    const held = this.#byId.get(notification.id);
    if (held && held.seq >= notification.seq) return false;
    if (!held && notification.readAt === null && notification.createdAt <= this.#hiddenUntil) {
      // Created before the last count, unread, not held: it was one of the hidden ones.
      const hidden = this.#hidden.get(notification.boardId) ?? 0;
      if (hidden > 0) this.#hidden.set(notification.boardId, hidden - 1);
    }
    this.#byId.set(notification.id, notification);
    return true;
  }

  /** A `notifications:since` answer or a `GET /api/notifications` page. */
  applyPage(page: NotificationsPageJson): void {
    for (const n of page.notifications) this.upsert(n);
    if (page.cursor > this.#cursor) this.#cursor = page.cursor;
    if (page.cursor > this.#newest) this.#newest = page.cursor;
    this.#recount(page.unread);
  }

  /** `notifications:read`: read on this device or another one. */
  applyRead(event: NotificationsReadEvent): void {
    for (const id of event.ids) {
      const held = this.#byId.get(id);
      // A change newer than the read (it cannot be, for one socket; a page may be) wins.
      if (held && held.seq < event.seq) this.#byId.set(id, { ...held, readAt: event.readAt, seq: event.seq });
    }
    if (event.seq > this.#newest) this.#newest = event.seq;
    this.#recount(event.unread);
  }

  /**
   * Marks notifications read here at once, before the server confirms (the seq is kept, so
   * the server's `notifications:read` still applies, and a failed request is undone by the
   * next re-read). Returns the ids that were unread.
   */
  markReadLocally(ids: readonly string[], at: number): string[] {
    const changed: string[] = [];
    for (const id of ids) {
      const held = this.#byId.get(id);
      if (!held || held.readAt !== null) continue;
      this.#byId.set(id, { ...held, readAt: at });
      changed.push(id);
    }
    return changed;
  }

  /** "Mark all read" (on one board): every held unread one, and the hidden counts. */
  markAllReadLocally(at: number, boardId?: string): string[] {
    const ids = [...this.#byId.values()]
      .filter((n) => n.readAt === null && (boardId === undefined || n.boardId === boardId))
      .map((n) => n.id);
    if (boardId === undefined) this.#hidden.clear();
    else this.#hidden.delete(boardId);
    return this.markReadLocally(ids, at);
  }

  /** Takes the server's unread counts: what it counts beyond the held unread ones is hidden. */
  #recount(unread: Counts): void {
    const held: Record<string, number> = {};
    let newest = 0;
    for (const n of this.#byId.values()) {
      if (n.readAt === null) held[n.boardId] = (held[n.boardId] ?? 0) + 1;
      if (n.updatedAt > newest) newest = n.updatedAt;
    }
    this.#hidden.clear();
    for (const [boardId, count] of Object.entries(unread)) {
      const hidden = count - (held[boardId] ?? 0);
      if (hidden > 0) this.#hidden.set(boardId, hidden);
    }
    this.#hiddenUntil = Math.max(this.#hiddenUntil, newest);
  }
}

/** Pages one catch-up reads at most (at the server's page size, thousands of changes). */
const MAX_CATCH_UP_PAGES = 50;

/**
 * What to do on a socket.io connect: a recovered socket was replayed every event it missed,
 * so nothing; otherwise (the first connect, or the recovery window passed, or another
 * instance answered) ask for every change after the cursor held.
 */
export async function catchUp(
  model: NotificationsModel,
  recovered: boolean,
  since: (cursor: number) => Promise<SinceResult>,
): Promise<boolean> {
  if (recovered) return false;
  // A long absence is more than one page: page on (bounded, should the server misbehave).
  for (let pages = 0; pages < MAX_CATCH_UP_PAGES; pages++) {
    const result = await since(model.cursor);
    if (!result.ok) throw new Error(result.error);
    model.applyPage(result);
    if (!result.more) break;
  }
  return true;
}
