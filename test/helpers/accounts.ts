/**
 * Accounts through the real server's REST API, for the integration tests: signing a fresh
 * account up, and making it a member of a board through an owner's invite.
 */
import { expect } from 'vitest';
import type { Role } from '@parley/shared/permissions';
import { postJson, sessionCookie } from './security.ts';
import type { RunningServer } from './server.ts';

/** A password long enough for sign-up. */
export const PASSWORD = 'correct horse battery staple';

export interface Account {
  readonly cookie: string;
  readonly userId: string;
  readonly email: string;
}

let counter = 0;
/** An e-mail address no other account of this test run has. */
export const newEmail = (prefix = 'person') => `${prefix}${++counter}-${Date.now()}@example.test`;

/** Signs a fresh account up (201 with a session cookie); resolves with its cookie and id. */
export async function signUp(server: RunningServer, name: string, email = newEmail()): Promise<Account> {
  const res = await postJson(server, '/api/auth/signup', { email, name, password: PASSWORD });
  expect(res.status, `signing up ${email}`).toBe(201);
  const cookie = sessionCookie(res);
  expect(cookie, `the session cookie of ${email}`).not.toBeNull();
  const body = (await res.json()) as { user: { id: string } };
  return { cookie: cookie!, userId: body.user.id, email };
}

/** The token at the end of an invite URL. */
export function inviteToken(url: string): string {
  const token = /\/invite\/([A-Za-z0-9_-]+)$/.exec(url)?.[1];
  if (!token) throw new Error(`not an invite URL: ${url}`);
  return token;
}

/** A fresh account made a member of `boardId` through an invite the owner creates and it accepts. */
export async function newMember(
  server: RunningServer,
  ownerCookie: string,
  name: string,
  role: Role,
  stakeholderId: string | null,
  boardId = 'demo',
): Promise<Account> {
  const account = await signUp(server, name);
  const invite = await postJson(
    server,
    `/api/boards/${boardId}/invites`,
    { role, stakeholderId },
    { cookie: ownerCookie },
  );
  expect(invite.status, 'creating the invite').toBe(201);
  const token = inviteToken(((await invite.json()) as { invite: { url: string } }).invite.url);
  expect((await postJson(server, `/api/invites/${token}/accept`, {}, { cookie: account.cookie })).status).toBe(200);
  return account;
}
