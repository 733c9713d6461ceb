import type { Role } from '@parley/shared/permissions';

export interface User {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly createdAt: number;
  readonly disabled: boolean;
}

export interface Membership {
  readonly boardId: string;
  readonly userId: string;
  readonly role: Role;
  readonly stakeholderId: string | null;
}

export interface MemberView extends Membership {
  readonly name: string;
  readonly email: string;
}

export interface Invite {
  readonly id: string;
  readonly boardId: string;
  readonly role: Role;
  readonly stakeholderId: string | null;
  readonly createdBy: string | null;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly maxUses: number;
  readonly uses: number;
  readonly revoked: boolean;
}

export interface SessionInfo {
  readonly sessionId: string;
  readonly user: User;
}

/**
 * One recorded revocation: the user's access (every board, or one board) as it stood
 * before `revokedAt` ends. `seq` orders revocations across processes.
 */
export interface Revocation {
  readonly seq: number;
  readonly userId: string;
  /** null: every board. */
  readonly boardId: string | null;
  /** Epoch ms. Access tokens minted at or before it are refused. */
  readonly revokedAt: number;
}

/** What a user's access tokens for one board are measured against. */
export interface TokenStanding {
  /** The user exists and is disabled: none of their tokens count. */
  readonly disabled: boolean;
  /** Latest revocation of all the user's access, epoch ms, or null. */
  readonly userRevokedAt: number | null;
  /** Latest revocation of the user's access to this board (membership changed), or null. */
  readonly boardRevokedAt: number | null;
}

export class AccountError extends Error {
  constructor(
    readonly code: 'email_taken' | 'not_found' | 'invite_invalid' | 'already_member' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Users, sessions, memberships, invites and sign-in links. Opaque tokens are passed in
 * and out in the clear but stored only as hashes.
 */
export interface AccountStore {
  createUser(input: { email: string; name: string; passwordHash: string | null }): Promise<User>;
  getUser(id: string): Promise<User | null>;
  findUserByEmail(email: string): Promise<(User & { passwordHash: string | null }) | null>;
  listUsers(): Promise<User[]>;
  setPasswordHash(userId: string, hash: string): Promise<void>;
  /**
   * Disabling also ends every session of the user. Both directions record a revocation,
   * so tokens minted before (or while disabled) never count again.
   */
  setUserDisabled(userId: string, disabled: boolean): Promise<void>;

  createSession(userId: string, token: string, ttlMs: number): Promise<string>;
  /** A live session (not expired, not revoked, user not disabled), or null. */
  getSession(token: string): Promise<SessionInfo | null>;
  isSessionLive(sessionId: string): Promise<boolean>;
  revokeSession(token: string): Promise<void>;
  /** Ends every session of the user and refuses their access tokens minted until now. */
  revokeUserSessions(userId: string): Promise<number>;

  /** What the user's access tokens for `boardId` are measured against. */
  tokenStanding(userId: string, boardId: string): Promise<TokenStanding>;
  /** The newest revocation's seq (0 if none): where a watcher starts. */
  latestRevocationSeq(): Promise<number>;
  /** Revocations recorded after `seq`, oldest first, by any process sharing the store. */
  revocationsSince(seq: number): Promise<Revocation[]>;

  getMembership(boardId: string, userId: string): Promise<Membership | null>;
  listMemberships(userId: string): Promise<Membership[]>;
  listMembers(boardId: string): Promise<MemberView[]>;
  /** Changing an existing member's role or stakeholder revokes their access to the board as it was. */
  setMembership(m: Membership): Promise<void>;
  /** Removing a member revokes their access to the board (their tokens for it included). */
  removeMembership(boardId: string, userId: string): Promise<boolean>;

  createInvite(input: Omit<Invite, 'id' | 'uses' | 'revoked' | 'createdAt'>, token: string): Promise<Invite>;
  getInviteByToken(token: string): Promise<Invite | null>;
  listInvites(boardId: string): Promise<Invite[]>;
  revokeInvite(boardId: string, inviteId: string): Promise<boolean>;
  /** Atomically checks the invite is usable, makes the user a member, counts the use. */
  acceptInvite(token: string, userId: string): Promise<Membership>;

  /**
   * Forgets a deleted board: its memberships, invites, sign-in links and revocation rows,
   * in one transaction. Returns the users who were members (their sockets are re-checked).
   */
  forgetBoard(boardId: string): Promise<string[]>;

  createSignInLink(userId: string, boardId: string | null, token: string, ttlMs: number): Promise<void>;
  /** The user and board of a live sign-in link (links stay valid until they expire). */
  useSignInLink(token: string): Promise<{ userId: string; boardId: string | null } | null>;
}
