import type { MarkReadRequest, NotificationJson } from '@parley/shared/protocol';
import { ApiError, markNotificationsRead } from '../api.ts';
import { onUserEvents, resumeAppEvents } from '../sync/appEvents.ts';
import { NotificationsModel, catchUp, type SinceResult } from './notifications-model.ts';

/** After a failed catch-up, asked again this long later (while still connected). */
const RETRY_MS = 5_000;

/**
 * The signed-in person's notifications, live: fed by the app socket (notifications-model.ts
 * holds the logic), shown by the header's bell and the board list's unread badges. One
 * per page, started for a user by the first component that needs it and kept across
 * pages, so moving between boards asks for nothing again.
 */
class NotificationsStore {
  /** Newest first. */
  list = $state.raw<readonly NotificationJson[]>([]);
  unreadByBoard = $state.raw<Readonly<Record<string, number>>>({});
  unread = $derived(Object.values(this.unreadByBoard).reduce((sum, n) => sum + n, 0));
  /** 'loading' until the first catch-up answered. */
  status = $state<'idle' | 'loading' | 'ready' | 'error'>('idle');
  error = $state<string | null>(null);

  #model = new NotificationsModel();
  #userId: string | null = null;
  #stop: (() => void) | null = null;
  #retry: ReturnType<typeof setTimeout> | null = null;

  /** Follows this user's notifications (a different user than before starts afresh). */
  start(userId: string): void {
    if (this.#userId === userId && this.#stop) return;
    this.stop();
    this.#userId = userId;
    this.#model = new NotificationsModel();
    this.#publish();
    this.status = 'loading';
    resumeAppEvents();
    const model = this.#model;
    this.#stop = onUserEvents({
      connected: (recovered, since) => void this.#catchUp(model, recovered, since),
      notification: (n) => {
        if (model !== this.#model || n === null || typeof n !== 'object') return;
        if (model.upsert(n)) this.#publish();
      },
      read: (event) => {
        if (model !== this.#model || event === null || typeof event !== 'object') return;
        model.applyRead(event);
        this.#publish();
      },
    });
  }

  /** Signed out: forget everything held. */
  stop(): void {
    this.#stop?.();
    this.#stop = null;
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#retry = null;
    this.#userId = null;
    this.#model = new NotificationsModel();
    this.status = 'idle';
    this.error = null;
    this.#publish();
  }

  async #catchUp(model: NotificationsModel, recovered: boolean, since: (cursor: number) => Promise<SinceResult>) {
    try {
      if (await catchUp(model, recovered, since)) {
        if (model !== this.#model) return;
        this.#publish();
      }
      this.status = 'ready';
      this.error = null;
    } catch (err) {
      if (model !== this.#model) return;
      this.error = err instanceof Error ? err.message : String(err);
      if (this.status === 'loading') this.status = 'error';
      // The socket stays up (an older server, a slow answer): ask again a little later.
      if (this.#retry === null) {
        this.#retry = setTimeout(() => {
          this.#retry = null;
          if (model === this.#model) void this.#catchUp(model, false, since);
        }, RETRY_MS);
      }
    }
  }

  #publish() {
    this.list = this.#model.list();
    this.unreadByBoard = this.#model.unreadByBoard();
  }

  /** Marks these read, here at once and on every device once the server has them. */
  markRead(ids: readonly string[]): Promise<void> {
    const changed = this.#model.markReadLocally(ids, Date.now());
    if (changed.length === 0) return Promise.resolve();
    this.#publish();
    return this.#send({ ids: changed, upToSeq: this.#model.newestSeq });
  }

  /** "Mark all read" (on one board). */
  markAllRead(boardId?: string): Promise<void> {
    this.#model.markAllReadLocally(Date.now(), boardId);
    this.#publish();
    const upToSeq = this.#model.newestSeq;
    return this.#send(boardId === undefined ? { all: true, upToSeq } : { all: true, boardId, upToSeq });
  }

  async #send(body: MarkReadRequest): Promise<void> {
    try {
      await markNotificationsRead(body);
      this.error = null;
    } catch (err) {
      // Read on this device only: the error is shown, and a reload shows them unread again.
      this.error = err instanceof ApiError ? err.message : String(err);
    }
  }
}

export const notifications = new NotificationsStore();
