import { randomUUID } from 'node:crypto';
import { isRole } from '@parley/shared/permissions';
import type { Invite, Membership, Revocation, User } from './AccountStore.ts';

/**
 * The accounts tables' rows as both stores read them, and how each becomes the contract's
 * value. SQLite hands flags back as 0/1 and PostgreSQL as booleans; both mean the same.
 */
type Flag = number | boolean;

export interface UserRow {
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  created_at: number;
  disabled: Flag;
}

export interface InviteRow {
  id: string;
  board_id: string;
  role: string;
  stakeholder_id: string | null;
  created_by: string | null;
  created_at: number;
  expires_at: number;
  max_uses: number;
  uses: number;
  revoked: Flag;
}

export interface RevocationRow {
  seq: number;
  user_id: string;
  board_id: string | null;
  revoked_at: number;
}

export interface MembershipRow {
  board_id: string;
  user_id: string;
  role: string;
  stakeholder_id: string | null;
}

/** A new account's id. */
export const newUserId = (): string => `u_${randomUUID().replaceAll('-', '').slice(0, 16)}`;

export const toUser = (r: UserRow): User => ({
  id: r.id,
  email: r.email,
  name: r.name,
  createdAt: r.created_at,
  disabled: Boolean(r.disabled),
});

export const toMembership = (r: MembershipRow): Membership => {
  if (!isRole(r.role)) throw new Error(`corrupt role "${r.role}" in memberships`);
  return { boardId: r.board_id, userId: r.user_id, role: r.role, stakeholderId: r.stakeholder_id };
};

export const toInvite = (r: InviteRow): Invite => {
  if (!isRole(r.role)) throw new Error(`corrupt role "${r.role}" in invites`);
  return {
    id: r.id,
    boardId: r.board_id,
    role: r.role,
    stakeholderId: r.stakeholder_id,
    createdBy: r.created_by,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    maxUses: r.max_uses,
    uses: r.uses,
    revoked: Boolean(r.revoked),
  };
};

export const toRevocation = (r: RevocationRow): Revocation => ({
  seq: r.seq,
  userId: r.user_id,
  boardId: r.board_id,
  revokedAt: r.revoked_at,
});
