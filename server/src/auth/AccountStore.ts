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
  setUserDisabled(userId: string, disabled: boolean): Promise<void>;

  createSession(userId: string, token: string, ttlMs: number): Promise<string>;
  /** A live session (not expired, not revoked, user not disabled), or null. */
  getSession(token: string): Promise<SessionInfo | null>;
  isSessionLive(sessionId: string): Promise<boolean>;
  revokeSession(token: string): Promise<void>;
  revokeUserSessions(userId: string): Promise<number>;

  getMembership(boardId: string, userId: string): Promise<Membership | null>;
  listMemberships(userId: string): Promise<Membership[]>;
  listMembers(boardId: string): Promise<MemberView[]>;
  setMembership(m: Membership): Promise<void>;
  removeMembership(boardId: string, userId: string): Promise<boolean>;

  createInvite(input: Omit<Invite, 'id' | 'uses' | 'revoked' | 'createdAt'>, token: string): Promise<Invite>;
  getInviteByToken(token: string): Promise<Invite | null>;
  listInvites(boardId: string): Promise<Invite[]>;
  revokeInvite(boardId: string, inviteId: string): Promise<boolean>;
  /** Atomically checks the invite is usable, makes the user a member, counts the use. */
  acceptInvite(token: string, userId: string): Promise<Membership>;

  createSignInLink(userId: string, boardId: string | null, token: string, ttlMs: number): Promise<void>;
  /** The user and board of a live sign-in link (links stay valid until they expire). */
  useSignInLink(token: string): Promise<{ userId: string; boardId: string | null } | null>;
}
