import type { StakeholderId, UserId } from '@parley/shared/model';
import type { Principal } from '@parley/shared/permissions';
import * as api from '../api.ts';

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
 * is an HttpOnly cookie the page never sees.
 */
export type AuthStatus = 'loading' | 'signed-in' | 'signed-out' | 'unreachable';

const CACHE_KEY = 'parley:me';

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

  /** Asks the server who I am. Concurrent calls share one request. */
  refresh(): Promise<void> {
    this.#inflight ??= this.#load().finally(() => (this.#inflight = null));
    return this.#inflight;
  }

  async #load() {
    try {
      this.#set(await api.fetchMe());
    } catch (err) {
      if (err instanceof api.ApiError && err.status === 401) {
        this.#set(null);
      } else if (err instanceof api.ApiError && err.offline) {
        const cached = readCache();
        if (cached) {
          this.me = cached;
          this.offline = true;
          this.status = 'signed-in';
        } else if (this.status === 'loading') {
          this.status = 'unreachable';
        }
      } else {
        console.error(err);
        if (this.status === 'loading') this.status = 'unreachable';
      }
    }
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

  async signOut() {
    try {
      await api.signOut();
    } finally {
      // Even if the server was unreachable, this browser forgets who I was.
      this.#set(null);
    }
  }
}

export const auth = new AuthState();
