import { tick } from 'svelte';
import type { StakeholderId, UserId } from '@parley/shared/model';
import type { Principal } from '@parley/shared/permissions';
import * as api from '../api.ts';
import { forgetUser } from '../sync/offline-data.ts';
import { LOAD_MARK, markLoad } from '../util/load-marks.ts';

/**
 * Who is signed in, as the server says (`GET /api/auth/me`), and their board memberships.
 *
 * - `loading`: the first answer has not arrived;
 * - `signed-in` / `signed-out`: the server answered;
 * - `unreachable`: the server could not be reached and nothing was cached; with a cached
 *   answer from an earlier visit the state is `signed-in` with `offline` set, so a board
 *   opened once before still opens without network.
 *
 * The cache holds only what `/me` returns (name, email, memberships); the session itself
 * is an HttpOnly cookie the page never sees. Only a real 401 signs the page out: any other
 * failure (no network, a proxy's 502 while the server restarts) keeps the cached answer,
 * so a board opened before keeps working offline.
 *
 * Signing out deletes this user's local copies and offline records (offline-data.ts), in
 * every tab: the others hear it through the `storage` event on SIGNED_OUT_KEY.
 */
export type AuthStatus = 'loading' | 'signed-in' | 'signed-out' | 'unreachable';

const CACHE_KEY = 'parley:me';
/** Written on an explicit sign-out so the other tabs of this browser follow at once. */
const SIGNED_OUT_KEY = 'parley:signed-out';
/** While the server cannot be reached, ask again after this long (doubling up to the max). */
const RETRY_MIN_MS = 3_000;
const RETRY_MAX_MS = 60_000;

function readCache(): api.Me | null {
  try {
    const raw = localStorage.getItem(CACHE_KEY);
    const v = raw ? (JSON.parse(raw) as api.Me) : null;
    return v && typeof v.user?.id === 'string' && Array.isArray(v.memberships) ? v : null;
  } catch {
    return null;
  }
}

function writeCache(me: api.Me | null) {
  try {
    if (me) localStorage.setItem(CACHE_KEY, JSON.stringify(me));
    else localStorage.removeItem(CACHE_KEY);
  } catch {
    /* storage disabled: the cache is only an offline convenience */
  }
}

export class AuthState {
  status = $state<AuthStatus>('loading');
  me = $state.raw<api.Me | null>(null);
  /** The answer came from the cache because the server was unreachable. */
  offline = $state(false);

  user = $derived(this.me?.user ?? null);
  memberships = $derived(this.me?.memberships ?? []);

  #inflight: Promise<void> | null = null;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #retryDelay = RETRY_MIN_MS;

  constructor() {
    if (typeof window === 'undefined') return;
    window.addEventListener('storage', (event) => {
      if (event.key !== SIGNED_OUT_KEY || !event.newValue) return;
      const userId = event.newValue.split(' ')[0];
      if (userId && userId === this.user?.id) void this.#forget(userId);
    });
  }

  /** Asks the server who I am. Concurrent calls share one request. */
  refresh(): Promise<void> {
    this.#inflight ??= this.#load().finally(() => (this.#inflight = null));
    return this.#inflight;
  }

  async #load() {
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    try {
      this.#set(await api.fetchMe());
      markLoad(LOAD_MARK.me);
      this.#retryDelay = RETRY_MIN_MS;
    } catch (err) {
      if (err instanceof api.ApiError && err.status === 401) {
        this.#set(null);
      } else {
        if (!(err instanceof api.ApiError && err.offline)) console.error(err);
        const cached = this.status === 'signed-in' && this.me ? this.me : readCache();
        if (cached) {
          this.me = cached;
          this.offline = true;
          this.status = 'signed-in';
        } else if (this.status === 'loading') {
          this.status = 'unreachable';
        }
        this.#scheduleRetry();
      }
    }
  }

  /**
   * Unreachable: ask again later (the board may have connected meanwhile, and my role may
   * have changed while I was away). The browser's `online` event asks at once (App.svelte).
   */
  #scheduleRetry() {
    if (typeof window === 'undefined' || this.#retryTimer !== null) return;
    const delay = this.#retryDelay;
    this.#retryDelay = Math.min(delay * 2, RETRY_MAX_MS);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (navigator.onLine) void this.refresh();
      else this.#scheduleRetry();
    }, delay);
  }

  #set(me: api.Me | null) {
    this.me = me;
    this.offline = false;
    this.status = me ? 'signed-in' : 'signed-out';
    writeCache(me);
  }

  membership(boardId: string): api.Membership | null {
    return this.memberships.find((m) => m.boardId === boardId) ?? null;
  }

  /** Me on a board, as `can()` wants it; null if I am not a member. */
  principal(boardId: string): Principal | null {
    const user = this.user;
    const m = this.membership(boardId);
    if (!user || !m) return null;
    return {
      userId: user.id as UserId,
      name: user.name,
      role: m.role,
      stakeholderId: m.stakeholderId as StakeholderId | null,
    };
  }

  async signIn(email: string, password: string) {
    await api.signIn(email.trim(), password);
    await this.refresh();
  }

  async signUp(input: { name: string; email: string; password: string }) {
    await api.signUp({ name: input.name.trim(), email: input.email.trim(), password: input.password });
    await this.refresh();
  }

  /**
   * Signs out here, or (`everywhere`) on every device: that must reach the server, so if
   * it fails nothing is forgotten here either and the error is the caller's to show.
   */
  async signOut(opts: { everywhere?: boolean } = {}) {
    const userId = this.user?.id ?? null;
    if (opts.everywhere) await api.signOutEverywhere();
    try {
      if (!opts.everywhere) await api.signOut();
    } finally {
      // Even if the server was unreachable, this browser forgets who I was, and what it
      // kept for me offline.
      if (userId) {
        try {
          localStorage.setItem(SIGNED_OUT_KEY, `${userId} ${Date.now()}`);
        } catch {
          /* storage disabled */
        }
        await this.#forget(userId);
      } else {
        this.#set(null);
      }
    }
  }

  /** Signed out: drop the identity, let open boards unmount (closing their copies), delete the copies. */
  async #forget(userId: string) {
    this.#set(null);
    await tick();
    await forgetUser(userId);
  }
}

export const auth = new AuthState();
