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

export const ROLE_LABEL: Record<Role, string> = {
  owner: 'Owner',
  editor: 'Drafting editor',
  delegate: 'Delegate',
  observer: 'Observer',
};
