import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AccountError, type AccountStore } from '../../server/src/accounts/AccountStore.ts';
import { hashToken } from '../../server/src/accounts/secrets.ts';
import { openStores, type Stores } from '../../server/src/persistence/openStores.ts';
import type { PostgresStorage } from '../../server/src/persistence/postgres/PostgresStorage.ts';
import type { SqliteStorage } from '../../server/src/persistence/sqlite/SqliteStorage.ts';
import { createDatabase, startPostgres, type RunningPostgres } from '../helpers/services.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-accounts-'));
  dirs.push(dir);
  return dir;
};

/** One private PostgreSQL cluster for this file; each store opened on it gets a database of its own. */
let postgres: Promise<RunningPostgres> | undefined;
const cluster = () => (postgres ??= startPostgres());
/** initdb and a first start take a few seconds on a small machine. */
const POSTGRES_START_MS = 60_000;
afterAll(async () => {
  await (await postgres?.catch(() => undefined))?.stop();
});

/** Where a store lives: a data dir, or a database too; opening the same place twice shares it. */
interface Place {
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
}

const kinds: { name: string; setUp?: () => Promise<void>; place: () => Promise<Place> }[] = [
  { name: 'SQLite', place: async () => ({ dataDir: tempDir(), databaseUrl: undefined }) },
  {
    name: 'PostgreSQL',
    setUp: async () => void (await cluster()),
    place: async () => ({ dataDir: tempDir(), databaseUrl: await createDatabase((await cluster()).url) }),
  },
];

const HOUR = 3_600_000;

describe.each(kinds)(
  'the AccountStore contract: $name (unit: server/src/accounts/AccountStore.ts)',
  ({ setUp, place }) => {
    const opened: Stores[] = [];
    const open = async (at?: Place, secret?: string) => {
      const stores = await openStores({ ...(at ?? (await place())), secret });
      opened.push(stores);
      return stores;
    };
    const accounts = async (): Promise<AccountStore> => (await open()).accounts;
    beforeAll(async () => setUp?.(), POSTGRES_START_MS);
    afterEach(async () => {
      vi.restoreAllMocks();
      for (const s of opened.splice(0)) await s.close();
    });

    it('ACCT1 users: a new user is trimmed, enabled and found by id and by email in any ASCII case; a second account with the same email is refused; users list oldest first', async () => {
      const a = await accounts();
      const now = vi.spyOn(Date, 'now').mockReturnValue(5_000);
      const ann = await a.createUser({ email: ' Ann@Example.org ', name: ' Ann ', passwordHash: 'h1' });
      const bob = await a.createUser({ email: 'bob@example.org', name: 'Bob', passwordHash: null });
      now.mockReturnValue(4_000);
      const cy = await a.createUser({ email: 'cy@example.org', name: 'Cy', passwordHash: null });
      now.mockRestore();
      expect(ann).toMatchObject({ email: 'Ann@Example.org', name: 'Ann', createdAt: 5_000, disabled: false });
      expect(await a.getUser(ann.id)).toEqual(ann);
      expect(await a.getUser('u_nobody')).toBeNull();
      expect(await a.findUserByEmail('ann@example.ORG')).toEqual({ ...ann, passwordHash: 'h1' });
      expect(await a.findUserByEmail(' bob@example.org')).toEqual({ ...bob, passwordHash: null });
      expect(await a.findUserByEmail('nobody@example.org')).toBeNull();
      const taken = a.createUser({ email: 'ANN@example.org', name: 'Other', passwordHash: null });
      await expect(taken).rejects.toBeInstanceOf(AccountError);
      await expect(taken).rejects.toMatchObject({ code: 'email_taken' });
      expect((await a.listUsers()).map((u) => u.id)).toEqual([cy.id, ann.id, bob.id]);

      await a.setPasswordHash(bob.id, 'h2');
      expect((await a.findUserByEmail('bob@example.org'))?.passwordHash).toBe('h2');
    });

    it("ACCT2 sessions: a session is live until it expires, is revoked, or its user is disabled; revoking all of a user's counts every one not yet revoked; tokens are kept only as hashes", async () => {
      const stores = await open();
      const a = stores.accounts;
      const ann = await a.createUser({ email: 'ann@example.org', name: 'Ann', passwordHash: null });
      const bob = await a.createUser({ email: 'bob@example.org', name: 'Bob', passwordHash: null });
      const id = await a.createSession(ann.id, 'tok-1', HOUR);
      expect(await a.getSession('tok-1')).toEqual({ sessionId: id, user: ann });
      expect(await a.isSessionLive(id)).toBe(true);
      expect(await a.getSession('tok-unknown')).toBeNull();

      // Expiry.
      const short = await a.createSession(ann.id, 'tok-short', 1_000);
      const later = Date.now() + 1_001;
      vi.spyOn(Date, 'now').mockReturnValue(later);
      expect(await a.getSession('tok-short')).toBeNull();
      expect(await a.isSessionLive(short)).toBe(false);
      expect(await a.isSessionLive(id)).toBe(true);
      vi.restoreAllMocks();

      // Revoking one.
      await a.revokeSession('tok-1');
      expect(await a.getSession('tok-1')).toBeNull();
      expect(await a.isSessionLive(id)).toBe(false);

      // Revoking all of a user's, and disabling.
      await a.createSession(ann.id, 'tok-2', HOUR);
      await a.createSession(ann.id, 'tok-3', HOUR);
      const bobs = await a.createSession(bob.id, 'tok-bob', HOUR);
      // tok-2, tok-3, and tok-short: expired, but never revoked.
      expect(await a.revokeUserSessions(ann.id)).toBe(3);
      expect(await a.getSession('tok-2')).toBeNull();
      await a.setUserDisabled(bob.id, true);
      expect(await a.getSession('tok-bob')).toBeNull();
      expect(await a.isSessionLive(bobs)).toBe(false);
      expect((await a.getUser(bob.id))?.disabled).toBe(true);
      await a.setUserDisabled(bob.id, false);
      expect(await a.getSession('tok-bob'), 'disabling ended the session for good').toBeNull();
      await a.createSession(bob.id, 'tok-bob-2', HOUR);
      expect((await a.getSession('tok-bob-2'))?.user.id).toBe(bob.id);

      // Only hashes are stored: the database holds no token in the clear.
      const dump = await rawDump(stores);
      expect(dump).toContain(hashToken('tok-2'));
      expect(dump).not.toContain('tok-2"');
    });

    it("ACCT3 memberships and revocations: a change of role or stakeholder and a removal record a revocation of the member's access to the board, setting the same again does not; disabling, enabling and revoking sessions record one of all access; revocations read back oldest first by seq", async () => {
      const a = await accounts();
      const ann = await a.createUser({ email: 'ann@example.org', name: 'Ann', passwordHash: null });
      const bob = await a.createUser({ email: 'bob@example.org', name: 'Bob', passwordHash: null });
      expect(await a.latestRevocationSeq()).toBe(0);
      expect(await a.tokenStanding(ann.id, 'b')).toEqual({
        disabled: false,
        userRevokedAt: null,
        boardRevokedAt: null,
      });

      await a.setMembership({ boardId: 'b', userId: ann.id, role: 'editor', stakeholderId: 'us' });
      await a.setMembership({ boardId: 'b', userId: bob.id, role: 'observer', stakeholderId: null });
      await a.setMembership({ boardId: 'a', userId: ann.id, role: 'owner', stakeholderId: 'us' });
      expect(await a.latestRevocationSeq(), 'a new member has nothing to revoke').toBe(0);
      await a.setMembership({ boardId: 'b', userId: ann.id, role: 'editor', stakeholderId: 'us' });
      expect(await a.latestRevocationSeq(), 'nothing changed').toBe(0);
      expect(await a.getMembership('b', ann.id)).toEqual({
        boardId: 'b',
        userId: ann.id,
        role: 'editor',
        stakeholderId: 'us',
      });
      expect(await a.getMembership('b', 'u_nobody')).toBeNull();
      expect((await a.listMemberships(ann.id)).map((m) => m.boardId)).toEqual(['a', 'b']);
      expect(await a.listMembers('b')).toEqual([
        { boardId: 'b', userId: ann.id, role: 'editor', stakeholderId: 'us', name: 'Ann', email: 'ann@example.org' },
        { boardId: 'b', userId: bob.id, role: 'observer', stakeholderId: null, name: 'Bob', email: 'bob@example.org' },
      ]);

      const now = vi.spyOn(Date, 'now');
      now.mockReturnValue(10_000);
      await a.setMembership({ boardId: 'b', userId: ann.id, role: 'delegate', stakeholderId: 'us' });
      now.mockReturnValue(11_000);
      await a.setMembership({ boardId: 'b', userId: ann.id, role: 'delegate', stakeholderId: 'them' });
      now.mockReturnValue(12_000);
      expect(await a.removeMembership('b', bob.id)).toBe(true);
      expect(await a.removeMembership('b', bob.id)).toBe(false);
      now.mockReturnValue(13_000);
      await a.revokeUserSessions(ann.id);
      now.mockReturnValue(14_000);
      await a.setUserDisabled(bob.id, true);
      now.mockRestore();

      const all = await a.revocationsSince(0);
      expect(all.map(({ userId, boardId, revokedAt }) => [userId, boardId, revokedAt])).toEqual([
        [ann.id, 'b', 10_000],
        [ann.id, 'b', 11_000],
        [bob.id, 'b', 12_000],
        [ann.id, null, 13_000],
        [bob.id, null, 14_000],
      ]);
      const seqs = all.map((r) => r.seq);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(await a.latestRevocationSeq()).toBe(seqs.at(-1));
      expect(await a.revocationsSince(seqs[2]!)).toEqual(all.slice(3));
      expect(await a.tokenStanding(ann.id, 'b')).toEqual({
        disabled: false,
        userRevokedAt: 13_000,
        boardRevokedAt: 11_000,
      });
      expect(await a.tokenStanding(ann.id, 'a')).toEqual({
        disabled: false,
        userRevokedAt: 13_000,
        boardRevokedAt: null,
      });
      expect(await a.tokenStanding(bob.id, 'b')).toEqual({
        disabled: true,
        userRevokedAt: 14_000,
        boardRevokedAt: 12_000,
      });
      expect(await a.tokenStanding('t_not-an-account', 'b')).toEqual({
        disabled: false,
        userRevokedAt: null,
        boardRevokedAt: null,
      });
    });

    it('ACCT4 invites: accepting checks the invite is live and unused, makes the user a member with its role and counts the use; a member is not re-roled by an invite; a revoked or expired invite is refused; invites list newest first per board', async () => {
      const a = await accounts();
      const owner = await a.createUser({ email: 'o@example.org', name: 'Owner', passwordHash: null });
      const ann = await a.createUser({ email: 'ann@example.org', name: 'Ann', passwordHash: null });
      const bob = await a.createUser({ email: 'bob@example.org', name: 'Bob', passwordHash: null });
      const invite = (boardId: string, maxUses: number, expiresAt = Date.now() + HOUR) => ({
        boardId,
        role: 'delegate' as const,
        stakeholderId: 'us',
        createdBy: owner.id,
        expiresAt,
        maxUses,
      });
      const now = vi.spyOn(Date, 'now').mockReturnValue(1_000);
      const two = await a.createInvite(invite('b', 2, 50_000), 'inv-two');
      now.mockReturnValue(2_000);
      const other = await a.createInvite(invite('c', 1, 50_000), 'inv-other');
      const expired = await a.createInvite(invite('b', 1, 2_500), 'inv-expired');
      now.mockRestore();
      expect(two).toMatchObject({ boardId: 'b', uses: 0, maxUses: 2, revoked: false, createdAt: 1_000 });
      expect(await a.getInviteByToken('inv-two')).toEqual(two);
      expect(await a.getInviteByToken('inv-none')).toBeNull();
      expect((await a.listInvites('b')).map((i) => i.id)).toEqual([expired.id, two.id]);

      vi.spyOn(Date, 'now').mockReturnValue(3_000);
      expect(await a.acceptInvite('inv-two', ann.id)).toEqual({
        boardId: 'b',
        userId: ann.id,
        role: 'delegate',
        stakeholderId: 'us',
      });
      expect((await a.getInviteByToken('inv-two'))?.uses).toBe(1);
      await expect(a.acceptInvite('inv-two', ann.id)).rejects.toMatchObject({ code: 'already_member' });
      expect((await a.getInviteByToken('inv-two'))?.uses, 'a refused accept counts no use').toBe(1);
      await expect(a.acceptInvite('inv-expired', bob.id)).rejects.toMatchObject({ code: 'invite_invalid' });
      await expect(a.acceptInvite('inv-none', bob.id)).rejects.toMatchObject({ code: 'invite_invalid' });
      expect(await a.revokeInvite('b', other.id), "another board's invite").toBe(false);
      expect(await a.revokeInvite('c', other.id)).toBe(true);
      await expect(a.acceptInvite('inv-other', bob.id)).rejects.toMatchObject({ code: 'invite_invalid' });
      await a.acceptInvite('inv-two', bob.id);
      await expect(a.acceptInvite('inv-two', owner.id)).rejects.toMatchObject({ code: 'invite_invalid' });
      expect(await a.getMembership('b', owner.id)).toBeNull();
      expect((await a.getInviteByToken('inv-two'))?.uses).toBe(2);
    });

    it('ACCT4 concurrent accepts of a one-use invite make exactly one member', async () => {
      const a = await accounts();
      const users = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          a.createUser({ email: `u${i}@example.org`, name: `U${i}`, passwordHash: null }),
        ),
      );
      await a.createInvite(
        {
          boardId: 'b',
          role: 'editor',
          stakeholderId: 'us',
          createdBy: null,
          expiresAt: Date.now() + HOUR,
          maxUses: 1,
        },
        'inv-once',
      );
      const outcomes = await Promise.allSettled(users.map((u) => a.acceptInvite('inv-once', u.id)));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'invite_invalid' });
      expect(await a.listMembers('b')).toHaveLength(1);
      expect((await a.getInviteByToken('inv-once'))?.uses).toBe(1);
    });

    it('ACCT5 forgetting a board deletes its memberships, invites, sign-in links and revocations and returns its members; another board keeps its own', async () => {
      const a = await accounts();
      const ann = await a.createUser({ email: 'ann@example.org', name: 'Ann', passwordHash: null });
      const bob = await a.createUser({ email: 'bob@example.org', name: 'Bob', passwordHash: null });
      for (const boardId of ['b', 'bb']) {
        await a.setMembership({ boardId, userId: ann.id, role: 'editor', stakeholderId: 'us' });
        await a.setMembership({ boardId, userId: bob.id, role: 'observer', stakeholderId: null });
        await a.setMembership({ boardId, userId: bob.id, role: 'editor', stakeholderId: 'us' });
        await a.createInvite(
          { boardId, role: 'observer', stakeholderId: null, createdBy: null, expiresAt: Date.now() + HOUR, maxUses: 1 },
          `inv-${boardId}`,
        );
        await a.createSignInLink(ann.id, boardId, `link-${boardId}`, HOUR);
      }
      expect((await a.forgetBoard('b')).sort()).toEqual([ann.id, bob.id].sort());
      expect(await a.listMembers('b')).toEqual([]);
      expect(await a.listInvites('b')).toEqual([]);
      expect(await a.useSignInLink('link-b')).toBeNull();
      expect((await a.revocationsSince(0)).map((r) => r.boardId)).toEqual(['bb']);
      expect(await a.listMembers('bb')).toHaveLength(2);
      expect(await a.listInvites('bb')).toHaveLength(1);
      expect(await a.useSignInLink('link-bb')).toEqual({ userId: ann.id, boardId: 'bb' });
      expect(await a.forgetBoard('b')).toEqual([]);
    });

    it('ACCT6 a sign-in link names its user and board (or none) until it expires, and may be used more than once', async () => {
      const a = await accounts();
      const ann = await a.createUser({ email: 'ann@example.org', name: 'Ann', passwordHash: null });
      await a.createSignInLink(ann.id, null, 'link-any', HOUR);
      await a.createSignInLink(ann.id, 'b', 'link-b', 1_000);
      expect(await a.useSignInLink('link-any')).toEqual({ userId: ann.id, boardId: null });
      expect(await a.useSignInLink('link-any')).toEqual({ userId: ann.id, boardId: null });
      expect(await a.useSignInLink('link-b')).toEqual({ userId: ann.id, boardId: 'b' });
      expect(await a.useSignInLink('link-none')).toBeNull();
      vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 1_001);
      expect(await a.useSignInLink('link-b')).toBeNull();
      expect(await a.useSignInLink('link-any')).not.toBeNull();
    });

    it('ACCT7 every process opening one store gets the same signing secret, made once; PARLEY_SECRET, when set, is the secret', async () => {
      const at = await place();
      const secrets = await Promise.all([open(at), open(at), open(at)]);
      const [first] = secrets.map((s) => Buffer.from(s.signingSecret).toString());
      expect(first!.length).toBeGreaterThanOrEqual(32);
      for (const s of secrets) expect(Buffer.from(s.signingSecret).toString()).toBe(first);
      const elsewhere = await open();
      expect(Buffer.from(elsewhere.signingSecret).toString()).not.toBe(first);
      const configured = await open(at, 'a-configured-secret-of-at-least-32-chars');
      expect(Buffer.from(configured.signingSecret).toString()).toBe('a-configured-secret-of-at-least-32-chars');
      expect(Buffer.from((await open(at)).signingSecret).toString()).toBe(first);
    });

    it('ACCT8 revocations recorded at once by several processes are each seen once, in seq order, by a watcher reading those after the last seq it has seen', async () => {
      const at = await place();
      const writers = await Promise.all([open(at), open(at), open(at)]);
      const watcher = (await open(at)).accounts;
      const users = await Promise.all(
        writers.map((w, i) => w.accounts.createUser({ email: `w${i}@example.org`, name: `W${i}`, passwordHash: null })),
      );
      let writing = true;
      const written = Promise.all(
        writers.map(async (w, i) => {
          for (let n = 0; n < 40; n++) await w.accounts.revokeUserSessions(users[i]!.id);
        }),
      ).finally(() => (writing = false));
      const seen: number[] = [];
      const poll = async () => {
        for (const r of await watcher.revocationsSince(seen.at(-1) ?? 0)) seen.push(r.seq);
      };
      while (writing) await poll();
      await written;
      await poll();
      expect(seen).toHaveLength(120);
      expect(seen).toEqual([...seen].sort((x, y) => x - y));
    });
  },
);

/** Every row of every account table, as text: what a leaked database would show. */
async function rawDump(stores: Stores): Promise<string> {
  const tables = ['users', 'sessions', 'memberships', 'invites', 'sign_in_links', 'access_revocations'];
  if (stores.kind === 'sqlite') {
    const { db } = stores.storage as SqliteStorage;
    return JSON.stringify(tables.map((t) => db.prepare(`SELECT * FROM ${t}`).all()));
  }
  const { pool } = stores.storage as PostgresStorage;
  const rows = await Promise.all(tables.map(async (t) => (await pool.query(`SELECT * FROM ${t}`)).rows));
  return JSON.stringify(rows);
}
