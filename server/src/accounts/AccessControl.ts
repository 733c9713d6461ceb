import { EventEmitter } from 'node:events';
import { parseCookie } from 'cookie';
import type { StakeholderId, UserId } from '@parley/shared/model';
import type { Principal } from '@parley/shared/permissions';
import { TokenError, verifyAccessToken, type VerifiedToken } from './accessTokens.ts';
import type { AccountStore, SessionInfo } from './AccountStore.ts';

export const SESSION_COOKIE = 'parley_session';

/**
 * Why access was refused. `credentials`: none, bad, expired or revoked, so the caller is
 * nobody (HTTP 401). `access`: a known caller without access to this board; REST answers
 * it exactly like a board that does not exist, so existence does not leak.
 */
export type AuthFailure = 'credentials' | 'access';

export class AuthError extends Error {
  constructor(
    message: string,
    readonly failure: AuthFailure = 'credentials',
  ) {
    super(message);
  }
}

export interface Credentials {
  /** The raw Cookie header, if any. */
  readonly cookieHeader?: string | undefined;
  /** An access token from `?token=`, `auth: { token }` or `Authorization: Bearer`. */
  readonly token?: string | null | undefined;
}

/** Who presented credentials, before any board is involved (socket.io's handshake). */
export type Identity =
  | { readonly kind: 'session'; readonly userId: string; readonly sessionId: string }
  | { readonly kind: 'token'; readonly userId: string; readonly token: VerifiedToken };

export interface BoardAccess {
  readonly principal: Principal;
  /** The session it came from (null for access tokens), for revocation checks. */
  readonly sessionId: string | null;
  /**
   * For access tokens: when the token was minted (ms). Missing counts as the earliest
   * possible time, so any revocation of the user ends the access.
   */
  readonly tokenIssuedAtMs?: number;
}

/** The outcome of re-checking live access: still fine, or how to end it. */
export type Recheck =
  | { readonly ok: true; readonly principal: Principal }
  /** `revoked`: the credential itself is dead (close 4401); `changed`: the rights changed (4410). */
  | { readonly ok: false; readonly end: 'revoked' | 'changed'; readonly reason: string };

/** Something changed about who may do what; live connections re-check or close. */
export type AccessChange =
  | { readonly kind: 'session-revoked'; readonly sessionId: string }
  | { readonly kind: 'user-revoked'; readonly userId: string }
  | { readonly kind: 'membership-changed'; readonly boardId: string; readonly userId: string }
  /** Invites were created or revoked: nobody's access changed, but member panels are stale. */
  | { readonly kind: 'invites-changed'; readonly boardId: string };

/**
 * Who announced a change: a route of this process (`here`), the store watch (`store`), or
 * another instance, through Redis (`peer`, scale/accessChangeRelay.ts).
 */
export type ChangeOrigin = 'here' | 'store' | 'peer';

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

  /**
   * Who the credentials belong to; throws AuthError (`credentials`) for none, a bad,
   * expired or revoked token, or an unknown or ended session. A token wins over a cookie.
   */
  async identify(creds: Credentials): Promise<Identity> {
    if (creds.token) {
      const token = await this.verifyToken(creds.token);
      return { kind: 'token', userId: token.principal.userId, token };
    }
    const session = await this.session(creds.cookieHeader);
    if (!session) throw new AuthError('sign in first');
    return { kind: 'session', userId: session.user.id, sessionId: session.sessionId };
  }

  /** Throws AuthError (with a reason a user may read) when there is no access to the board. */
  async boardAccess(boardId: string, creds: Credentials): Promise<BoardAccess> {
    if (creds.token) {
      const token = await this.verifyToken(creds.token);
      if (token.boardId !== boardId) throw new AuthError('token is for another board', 'access');
      return { principal: token.principal, sessionId: null, tokenIssuedAtMs: token.issuedAtMs };
    }
    const session = await this.session(creds.cookieHeader);
    if (!session) throw new AuthError('sign in to open this board');
    const membership = await this.accounts.getMembership(boardId, session.user.id);
    if (!membership) throw new AuthError('you are not a member of this board', 'access');
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

  /**
   * Re-validates a live connection's access against the store: its session still live
   * and its membership as it was, or its token not revoked since it was minted. Token
   * expiry is not re-checked: a token is checked once, when the connection opens.
   */
  async recheck(boardId: string, access: BoardAccess): Promise<Recheck> {
    const { principal } = access;
    if (access.sessionId === null) {
      const refused = await this.tokenRefusal(principal.userId, boardId, access.tokenIssuedAtMs ?? 0);
      return refused ?? { ok: true, principal };
    }
    if (!(await this.accounts.isSessionLive(access.sessionId))) {
      return { ok: false, end: 'revoked', reason: 'session ended' };
    }
    const m = await this.accounts.getMembership(boardId, principal.userId);
    if (m === null || m.role !== principal.role || m.stakeholderId !== principal.stakeholderId) {
      return { ok: false, end: 'changed', reason: 'your access to this board changed' };
    }
    return { ok: true, principal };
  }

  /** Re-validates an identity (a socket.io connection's credentials) against the store. */
  async identityStillValid(identity: Identity): Promise<boolean> {
    if (identity.kind === 'session') return this.accounts.isSessionLive(identity.sessionId);
    const { token } = identity;
    return (await this.tokenRefusal(identity.userId, token.boardId, token.issuedAtMs)) === null;
  }

  private async verifyToken(raw: string): Promise<VerifiedToken> {
    let token: VerifiedToken;
    try {
      token = await verifyAccessToken(this.secret, raw);
    } catch (err) {
      if (err instanceof TokenError) throw new AuthError(err.message);
      throw err;
    }
    const refused = await this.tokenRefusal(token.principal.userId, token.boardId, token.issuedAtMs);
    if (refused) throw new AuthError(refused.reason);
    return token;
  }

  /**
   * Why a token of `userId` for `boardId` minted at `issuedAtMs` no longer counts, or null.
   * A token minted in the very millisecond of a revocation is refused (`<=`): it cannot be
   * told to be later.
   */
  private async tokenRefusal(
    userId: string,
    boardId: string,
    issuedAtMs: number,
  ): Promise<Extract<Recheck, { ok: false }> | null> {
    const standing = await this.accounts.tokenStanding(userId, boardId);
    if (standing.disabled || (standing.userRevokedAt !== null && issuedAtMs <= standing.userRevokedAt)) {
      return { ok: false, end: 'revoked', reason: 'access revoked' };
    }
    if (standing.boardRevokedAt !== null && issuedAtMs <= standing.boardRevokedAt) {
      return { ok: false, end: 'changed', reason: 'your access to this board changed' };
    }
    return null;
  }

  notify(change: AccessChange): void {
    this.announce(change, 'here');
  }

  /** Announces a change another instance made and relayed; it is not relayed again. */
  notifyFromPeer(change: AccessChange): void {
    this.announce(change, 'peer');
  }

  private announce(change: AccessChange, origin: ChangeOrigin): void {
    this.events.emit('change', change, origin);
  }

  onChange(listener: (change: AccessChange, origin: ChangeOrigin) => void): () => void {
    this.events.on('change', listener);
    return () => this.events.off('change', listener);
  }

  /**
   * Announces revocations that other processes (the admin CLI, another instance) wrote to
   * the shared store, as if they had been made here. A poll of one indexed read, because
   * nothing else reaches this process: checking the store on every websocket message
   * instead would put a query on the hottest path and still miss a revoked client that
   * only listens. Revocations made in this process are announced at once by their caller
   * (`notify`) and again here; listeners re-check rather than close blindly, so the echo
   * changes nothing.
   */
  watchRevocations(intervalMs: number, onError: (err: unknown) => void): () => void {
    let last: number | null = null;
    let busy = false;
    const poll = async () => {
      if (busy) return;
      busy = true;
      try {
        if (last === null) {
          // Older revocations are already in the store, where every new check reads them.
          last = await this.accounts.latestRevocationSeq();
          return;
        }
        for (const r of await this.accounts.revocationsSince(last)) {
          last = r.seq;
          this.announce(
            r.boardId === null
              ? { kind: 'user-revoked', userId: r.userId }
              : { kind: 'membership-changed', boardId: r.boardId, userId: r.userId },
            'store',
          );
        }
      } catch (err) {
        onError(err);
      } finally {
        busy = false;
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}
