import type { StakeholderId, UserId } from '../model/ids.ts';

export const ROLES = ['owner', 'editor', 'delegate', 'observer'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/**
 * Who is acting on a board, as the server established it (never as the client claims).
 * Every member except an observer belongs to exactly one stakeholder.
 */
export interface Principal {
  readonly userId: UserId;
  readonly name: string;
  readonly role: Role;
  readonly stakeholderId: StakeholderId | null;
}

/** Every member except an observer belongs to exactly one stakeholder; an observer to none. */
export function belongsToStakeholder(role: Role): boolean {
  return role !== 'observer';
}

/**
 * How a member's stakeholder does not fit its role (`belongsToStakeholder`), or null when it fits:
 * an observer names one, or another member names none.
 */
export function stakeholderMismatch(
  role: Role,
  stakeholderId: string | null | undefined,
): 'observer-has-stakeholder' | 'stakeholder-missing' | null {
  const named = stakeholderId !== null && stakeholderId !== undefined;
  if (belongsToStakeholder(role)) return named ? null : 'stakeholder-missing';
  return named ? 'observer-has-stakeholder' : null;
}

export const ROLE_LABEL: Record<Role, string> = {
  owner: 'Owner',
  editor: 'Drafting editor',
  delegate: 'Delegate',
  observer: 'Observer',
};
