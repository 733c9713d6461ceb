/**
 * Revocation times against token mint times, to the millisecond: AccessControl over the
 * SQLite account store in memory, with the clock pinned.
 */
import crypto from 'node:crypto';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { signAccessToken } from '../../server/src/accounts/accessTokens.ts';
import { AccessControl, AuthError } from '../../server/src/accounts/AccessControl.ts';
import { SqliteAccountStore } from '../../server/src/persistence/sqlite/SqliteAccountStore.ts';

const SECRET = new TextEncoder().encode('a-unit-test-secret-that-is-long-enough');
/** A revocation in the middle of a second, so "same second" and "same millisecond" differ. */
const REVOKED_AT = 1_800_000_000_500;

let db: Database.Database;
let accounts: SqliteAccountStore;
let access: AccessControl;
let userId = '';

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  db = new Database(':memory:');
  accounts = new SqliteAccountStore(db);
  access = new AccessControl(accounts, SECRET);
  vi.setSystemTime(REVOKED_AT - 60_000);
  userId = (await accounts.createUser({ email: 'a@example.test', name: 'A', passwordHash: null })).id;
});
afterEach(() => {
  vi.useRealTimers();
  db.close();
});

/** A token for the user on `boardId`, minted with the clock at `atMs`. */
async function mintAt(atMs: number, boardId = 'demo'): Promise<string> {
  vi.setSystemTime(atMs);
  return signAccessToken(SECRET, { userId, boardId, role: 'observer', stakeholderId: null, name: 'A' });
}

/** A token as minted before `iat_ms` existed (whole-second `iat` only), signed by hand. */
function legacyToken(iatSeconds: number): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${b64({ alg: 'HS256' })}.${b64({
    board: 'demo',
    role: 'observer',
    sid: null,
    name: 'A',
    sub: userId,
    iss: 'parley',
    iat: iatSeconds,
    exp: iatSeconds + 3600,
  })}`;
  return `${body}.${crypto.createHmac('sha256', SECRET).update(body).digest('base64url')}`;
}

/** Whether the token opens the board at the pinned "now" (just after the revocation). */
async function accepted(token: string, boardId = 'demo'): Promise<boolean> {
  vi.setSystemTime(REVOKED_AT + 2_000);
  try {
    await access.boardAccess(boardId, { token });
    return true;
  } catch (err) {
    if (err instanceof AuthError) return false;
    throw err;
  }
}

describe('access token revocation times', () => {
  it('AUTH20: a token minted earlier in the same second as a revocation, or in its very millisecond, is refused; one a millisecond later is accepted', async () => {
    const earlierSameSecond = await mintAt(REVOKED_AT - 400);
    const sameMillisecond = await mintAt(REVOKED_AT);
    const justAfter = await mintAt(REVOKED_AT + 1);
    // Controls: all three are accepted before the revocation.
    for (const token of [earlierSameSecond, sameMillisecond, justAfter]) expect(await accepted(token)).toBe(true);

    vi.setSystemTime(REVOKED_AT);
    await accounts.revokeUserSessions(userId);
    expect(await accepted(earlierSameSecond)).toBe(false);
    expect(await accepted(sameMillisecond)).toBe(false);
    expect(await accepted(justAfter)).toBe(true);
  });

  it('AUTH20: a token with whole-second iat only counts as minted at the start of its second; mismatched iat and iat_ms are invalid', async () => {
    const sameSecond = legacyToken(Math.floor(REVOKED_AT / 1000));
    const nextSecond = legacyToken(Math.floor(REVOKED_AT / 1000) + 1);
    expect(await accepted(sameSecond)).toBe(true);
    vi.setSystemTime(REVOKED_AT);
    await accounts.revokeUserSessions(userId);
    expect(await accepted(sameSecond)).toBe(false);
    expect(await accepted(nextSecond)).toBe(true);

    // iat_ms a second past iat would dodge a revocation; the server refuses the pair.
    const [h, p] = legacyToken(Math.floor(REVOKED_AT / 1000)).split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const forgedBody = `${h}.${Buffer.from(JSON.stringify({ ...claims, iat_ms: REVOKED_AT + 1_000 })).toString('base64url')}`;
    const skewed = `${forgedBody}.${crypto.createHmac('sha256', SECRET).update(forgedBody).digest('base64url')}`;
    await expect(access.boardAccess('demo', { token: skewed })).rejects.toThrow(/invalid token claims/);
  });

  it("AUTH20: disabling refuses every token while disabled; re-enabling refuses those minted before it; a membership change refuses only that board's tokens", async () => {
    const before = await mintAt(REVOKED_AT - 10_000);
    const otherBoard = await mintAt(REVOKED_AT - 10_000, 'other');
    vi.setSystemTime(REVOKED_AT);
    await accounts.setUserDisabled(userId, true);
    const whileDisabled = await mintAt(REVOKED_AT + 1_000);
    expect(await accepted(before)).toBe(false);
    expect(await accepted(whileDisabled)).toBe(false);

    vi.setSystemTime(REVOKED_AT + 1_500);
    await accounts.setUserDisabled(userId, false);
    const afterEnable = await mintAt(REVOKED_AT + 1_501);
    expect(await accepted(before)).toBe(false);
    expect(await accepted(whileDisabled)).toBe(false);
    expect(await accepted(afterEnable)).toBe(true);
    expect(await accepted(otherBoard, 'other')).toBe(false);

    const otherAfter = await mintAt(REVOKED_AT + 1_600, 'other');
    await accounts.setMembership({ boardId: 'demo', userId, role: 'delegate', stakeholderId: 'ukraine' });
    // A new membership revokes nothing; a change of role does, for that board only.
    expect(await accepted(afterEnable)).toBe(true);
    vi.setSystemTime(REVOKED_AT + 1_700);
    await accounts.setMembership({ boardId: 'demo', userId, role: 'observer', stakeholderId: null });
    expect(await accepted(afterEnable)).toBe(false);
    expect(await accepted(otherAfter, 'other')).toBe(true);
  });

  it('AUTH20: the store watch announces each revocation written by another connection to the database once, and none from before it started', async () => {
    vi.useRealTimers();
    // Another process (the CLI) writes through its own store on the same file; a second
    // store on the same in-memory database stands in for it.
    const cli = new SqliteAccountStore(db);
    await cli.revokeUserSessions(userId);
    const changes: unknown[] = [];
    access.onChange((c) => changes.push(c));
    const stop = access.watchRevocations(10, (err) => {
      throw err;
    });
    try {
      await new Promise((r) => setTimeout(r, 50));
      expect(changes).toEqual([]);

      await cli.revokeUserSessions(userId);
      await cli.removeMembership('demo', userId); // not a member: nothing to revoke
      await cli.setMembership({ boardId: 'demo', userId, role: 'observer', stakeholderId: null }); // new
      await cli.setMembership({ boardId: 'demo', userId, role: 'editor', stakeholderId: 'us' }); // changed
      // Many poll intervals: each revocation is announced once.
      await new Promise((r) => setTimeout(r, 150));
      expect(changes).toEqual([
        { kind: 'user-revoked', userId },
        { kind: 'membership-changed', boardId: 'demo', userId },
      ]);
    } finally {
      stop();
    }
  });
});
