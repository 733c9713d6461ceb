import { EventEmitter } from 'node:events';
import { parseCookie } from 'cookie';
import type { StakeholderId, UserId } from '@parley/shared/model';
import type { Principal } from '@parley/shared/permissions';
import { TokenError, verifyAccessToken } from './accessTokens.ts';
import type { AccountStore, SessionInfo } from './AccountStore.ts';

export const SESSION_COOKIE = 'parley_session';

export class AuthError extends Error {}

export interface Credentials {
  /** The raw Cookie header, if any. */
  readonly cookieHeader?: string | undefined;
  /** An access token from `?token=`, `auth: { token }` or `Authorization: Bearer`. */
  readonly token?: string | null | undefined;
}

export interface BoardAccess {
  readonly principal: Principal;
  /** The session it came from (null for access tokens), for revocation checks. */
  readonly sessionId: string | null;
}

/** Something changed about who may do what; live connections re-check or close. */
export type AccessChange =
  | { readonly kind: 'session-revoked'; readonly sessionId: string }
  | { readonly kind: 'user-revoked'; readonly userId: string }
  | { readonly kind: 'membership-changed'; readonly boardId: string; readonly userId: string }
  /** Invites were created or revoked: nobody's access changed, but member panels are stale. */
  | { readonly kind: 'invites-changed'; readonly boardId: string };

/**
 * Establishes who a request or socket is, from a session cookie or a signed access token,
 * and what they are on a given board. The one place every transport asks.
 */
export class AccessControl {
  private readonly events = new EventEmitter();

  constructor(
    readonly accounts: AccountStore,
    private readonly secret: Uint8Array,
  ) {
    this.events.setMaxListeners(0);
  }

  sessionTokenFrom(cookieHeader: string | undefined): string | null {
    if (!cookieHeader) return null;
    return parseCookie(cookieHeader)[SESSION_COOKIE] ?? null;
  }

  async session(cookieHeader: string | undefined): Promise<SessionInfo | null> {
    const token = this.sessionTokenFrom(cookieHeader);
    return token ? this.accounts.getSession(token) : null;
  }

  /** Throws AuthError (with a reason a user may read) when there is no access to the board. */
  async boardAccess(boardId: string, creds: Credentials): Promise<BoardAccess> {
    if (creds.token) {
      try {
        return { principal: await verifyAccessToken(this.secret, creds.token, boardId), sessionId: null };
      } catch (err) {
        if (err instanceof TokenError) throw new AuthError(err.message);
        throw err;
      }
    }
    const session = await this.session(creds.cookieHeader);
    if (!session) throw new AuthError('sign in to open this board');
    const membership = await this.accounts.getMembership(boardId, session.user.id);
    if (!membership) throw new AuthError('you are not a member of this board');
    return {
      principal: {
        userId: session.user.id as UserId,
        name: session.user.name,
        role: membership.role,
        stakeholderId: membership.stakeholderId as StakeholderId | null,
      },
      sessionId: session.sessionId,
    };
  }

  /** Re-validates a live connection's access (revocation from another process, expiry). */
  async stillValid(boardId: string, access: BoardAccess): Promise<boolean> {
    if (access.sessionId === null) return true; // tokens are short-lived and checked at connect
    if (!(await this.accounts.isSessionLive(access.sessionId))) return false;
    const m = await this.accounts.getMembership(boardId, access.principal.userId);
    return m !== null && m.role === access.principal.role && m.stakeholderId === access.principal.stakeholderId;
  }

  notify(change: AccessChange): void {
    this.events.emit('change', change);
  }

  onChange(listener: (change: AccessChange) => void): () => void {
    this.events.on('change', listener);
    return () => this.events.off('change', listener);
  }
}
