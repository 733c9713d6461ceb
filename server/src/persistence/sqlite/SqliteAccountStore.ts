import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import {
  AccountError,
  type AccountStore,
  type Invite,
  type MemberView,
  type Membership,
  type Revocation,
  type TokenStanding,
  type User,
} from '../../accounts/AccountStore.ts';
import { hashToken } from '../../accounts/secrets.ts';
import {
  newUserId,
  toInvite,
  toMembership,
  toRevocation,
  toUser,
  type InviteRow,
  type MembershipRow,
  type RevocationRow,
  type UserRow,
} from '../../accounts/accountRows.ts';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL,
    password_hash TEXT,
    created_at INTEGER NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
  ) STRICT;
  CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
  ) STRICT;
  CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (user_id);
  CREATE TABLE IF NOT EXISTS memberships (
    board_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    stakeholder_id TEXT,
    PRIMARY KEY (board_id, user_id)
  ) STRICT;
  CREATE TABLE IF NOT EXISTS invites (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    board_id TEXT NOT NULL,
    role TEXT NOT NULL,
    stakeholder_id TEXT,
    created_by TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    max_uses INTEGER NOT NULL,
    uses INTEGER NOT NULL DEFAULT 0,
    revoked INTEGER NOT NULL DEFAULT 0
  ) STRICT;
  CREATE TABLE IF NOT EXISTS sign_in_links (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    board_id TEXT,
    expires_at INTEGER NOT NULL
  ) STRICT;
  -- A log, not a table of current values: its seq lets a server notice revocations made by
  -- another process (the CLI) with one cheap indexed read. user_id has no foreign key:
  -- access tokens may name ids that are not accounts.
  CREATE TABLE IF NOT EXISTS access_revocations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL,
    board_id TEXT,
    revoked_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS access_revocations_by_user ON access_revocations (user_id, board_id);
`;

/** AccountStore on the same SQLite database as the documents. */
export class SqliteAccountStore implements AccountStore {
  constructor(private readonly db: Database.Database) {
    db.pragma('foreign_keys = ON');
    db.exec(SCHEMA);
  }

  async createUser(input: { email: string; name: string; passwordHash: string | null }): Promise<User> {
    const row: UserRow = {
      id: newUserId(),
      email: input.email.trim(),
      name: input.name.trim(),
      password_hash: input.passwordHash,
      created_at: Date.now(),
      disabled: 0,
    };
    try {
      this.db
        .prepare(
          'INSERT INTO users (id, email, name, password_hash, created_at, disabled) VALUES (@id, @email, @name, @password_hash, @created_at, @disabled)',
        )
        .run(row);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new AccountError('email_taken', 'An account with this email already exists.');
      }
      throw err;
    }
    return toUser(row);
  }

  async getUser(id: string): Promise<User | null> {
    const row = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  async findUserByEmail(email: string): Promise<(User & { passwordHash: string | null }) | null> {
    const row = this.db.prepare('SELECT * FROM users WHERE email = ?').get(email.trim()) as UserRow | undefined;
    return row ? { ...toUser(row), passwordHash: row.password_hash } : null;
  }

  async listUsers(): Promise<User[]> {
    return (this.db.prepare('SELECT * FROM users ORDER BY created_at').all() as UserRow[]).map(toUser);
  }

  async setPasswordHash(userId: string, hash: string): Promise<void> {
    this.db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(hash, userId);
  }

  async setUserDisabled(userId: string, disabled: boolean): Promise<void> {
    this.db.transaction(() => {
      const now = Date.now();
      this.db.prepare('UPDATE users SET disabled = ? WHERE id = ?').run(disabled ? 1 : 0, userId);
      if (disabled) this.revokeSessionsOf(userId, now);
      // Also on enabling: a token minted for the account while it was disabled was never
      // meant to work, and must not start working now.
      this.recordRevocation(userId, null, now);
    })();
  }

  async createSession(userId: string, token: string, ttlMs: number): Promise<string> {
    const id = randomUUID();
    const now = Date.now();
    this.db
      .prepare('INSERT INTO sessions (id, token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)')
      .run(id, hashToken(token), userId, now, now + ttlMs);
    return id;
  }

  async getSession(token: string) {
    const row = this.db
      .prepare(
        `SELECT s.id AS session_id, u.* FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ? AND u.disabled = 0`,
      )
      .get(hashToken(token), Date.now()) as (UserRow & { session_id: string }) | undefined;
    return row ? { sessionId: row.session_id, user: toUser(row) } : null;
  }

  async isSessionLive(sessionId: string): Promise<boolean> {
    const row = this.db
      .prepare(
        `SELECT 1 FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.id = ? AND s.revoked_at IS NULL AND s.expires_at > ? AND u.disabled = 0`,
      )
      .get(sessionId, Date.now());
    return row !== undefined;
  }

  async revokeSession(token: string): Promise<void> {
    this.db.prepare('UPDATE sessions SET revoked_at = ? WHERE token_hash = ?').run(Date.now(), hashToken(token));
  }

  async revokeUserSessions(userId: string): Promise<number> {
    return this.db.transaction(() => {
      const now = Date.now();
      this.recordRevocation(userId, null, now);
      return this.revokeSessionsOf(userId, now);
    })();
  }

  private revokeSessionsOf(userId: string, now: number): number {
    return this.db
      .prepare('UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL')
      .run(now, userId).changes;
  }

  private recordRevocation(userId: string, boardId: string | null, now: number): void {
    this.db
      .prepare('INSERT INTO access_revocations (user_id, board_id, revoked_at) VALUES (?, ?, ?)')
      .run(userId, boardId, now);
  }

  async tokenStanding(userId: string, boardId: string): Promise<TokenStanding> {
    const row = this.db
      .prepare(
        `SELECT
           (SELECT disabled FROM users WHERE id = @userId) AS disabled,
           (SELECT MAX(revoked_at) FROM access_revocations WHERE user_id = @userId AND board_id IS NULL) AS user_at,
           (SELECT MAX(revoked_at) FROM access_revocations WHERE user_id = @userId AND board_id = @boardId) AS board_at`,
      )
      .get({ userId, boardId }) as { disabled: number | null; user_at: number | null; board_at: number | null };
    return { disabled: row.disabled === 1, userRevokedAt: row.user_at, boardRevokedAt: row.board_at };
  }

  async latestRevocationSeq(): Promise<number> {
    return this.db.prepare('SELECT COALESCE(MAX(seq), 0) FROM access_revocations').pluck().get() as number;
  }

  async revocationsSince(seq: number): Promise<Revocation[]> {
    const rows = this.db
      .prepare('SELECT * FROM access_revocations WHERE seq > ? ORDER BY seq')
      .all(seq) as RevocationRow[];
    return rows.map(toRevocation);
  }

  async getMembership(boardId: string, userId: string): Promise<Membership | null> {
    const row = this.db.prepare('SELECT * FROM memberships WHERE board_id = ? AND user_id = ?').get(boardId, userId) as
      MembershipRow | undefined;
    return row ? toMembership(row) : null;
  }

  async listMemberships(userId: string): Promise<Membership[]> {
    return (
      this.db.prepare('SELECT * FROM memberships WHERE user_id = ? ORDER BY board_id').all(userId) as MembershipRow[]
    ).map(toMembership);
  }

  async listMembers(boardId: string): Promise<MemberView[]> {
    const rows = this.db
      .prepare(
        `SELECT m.*, u.name, u.email FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.board_id = ? ORDER BY u.name`,
      )
      .all(boardId) as (MembershipRow & { name: string; email: string })[];
    return rows.map((r) => ({ ...toMembership(r), name: r.name, email: r.email }));
  }

  async setMembership(m: Membership): Promise<void> {
    this.db.transaction(() => {
      const before = this.db
        .prepare('SELECT * FROM memberships WHERE board_id = ? AND user_id = ?')
        .get(m.boardId, m.userId) as MembershipRow | undefined;
      this.db
        .prepare(
          `INSERT INTO memberships (board_id, user_id, role, stakeholder_id) VALUES (?, ?, ?, ?)
           ON CONFLICT (board_id, user_id) DO UPDATE SET role = excluded.role, stakeholder_id = excluded.stakeholder_id`,
        )
        .run(m.boardId, m.userId, m.role, m.stakeholderId);
      // A token carries the role it was minted with, so a demotion must retire it.
      if (before && (before.role !== m.role || before.stakeholder_id !== m.stakeholderId)) {
        this.recordRevocation(m.userId, m.boardId, Date.now());
      }
    })();
  }

  async removeMembership(boardId: string, userId: string): Promise<boolean> {
    return this.db.transaction(() => {
      const removed =
        this.db.prepare('DELETE FROM memberships WHERE board_id = ? AND user_id = ?').run(boardId, userId).changes > 0;
      if (removed) this.recordRevocation(userId, boardId, Date.now());
      return removed;
    })();
  }

  async createInvite(input: Omit<Invite, 'id' | 'uses' | 'revoked' | 'createdAt'>, token: string): Promise<Invite> {
    const row: InviteRow = {
      id: `i_${randomUUID().replaceAll('-', '').slice(0, 16)}`,
      board_id: input.boardId,
      role: input.role,
      stakeholder_id: input.stakeholderId,
      created_by: input.createdBy,
      created_at: Date.now(),
      expires_at: input.expiresAt,
      max_uses: input.maxUses,
      uses: 0,
      revoked: 0,
    };
    this.db
      .prepare(
        `INSERT INTO invites (id, token_hash, board_id, role, stakeholder_id, created_by, created_at, expires_at, max_uses, uses, revoked)
         VALUES (@id, @token_hash, @board_id, @role, @stakeholder_id, @created_by, @created_at, @expires_at, @max_uses, @uses, @revoked)`,
      )
      .run({ ...row, token_hash: hashToken(token) });
    return toInvite(row);
  }

  async getInviteByToken(token: string): Promise<Invite | null> {
    const row = this.db.prepare('SELECT * FROM invites WHERE token_hash = ?').get(hashToken(token)) as
      InviteRow | undefined;
    return row ? toInvite(row) : null;
  }

  async listInvites(boardId: string): Promise<Invite[]> {
    return (
      this.db.prepare('SELECT * FROM invites WHERE board_id = ? ORDER BY created_at DESC').all(boardId) as InviteRow[]
    ).map(toInvite);
  }

  async revokeInvite(boardId: string, inviteId: string): Promise<boolean> {
    return (
      this.db.prepare('UPDATE invites SET revoked = 1 WHERE board_id = ? AND id = ?').run(boardId, inviteId).changes > 0
    );
  }

  async acceptInvite(token: string, userId: string): Promise<Membership> {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT * FROM invites WHERE token_hash = ?').get(hashToken(token)) as
        InviteRow | undefined;
      if (!row || row.revoked === 1 || row.expires_at <= Date.now() || row.uses >= row.max_uses) {
        throw new AccountError('invite_invalid', 'This invite link is invalid, expired or already used.');
      }
      const existing = this.db
        .prepare('SELECT role FROM memberships WHERE board_id = ? AND user_id = ?')
        .get(row.board_id, userId) as { role: string } | undefined;
      if (existing) {
        // An invite must not silently change a member's role (it could demote the last owner).
        throw new AccountError(
          'already_member',
          `You are already a member of this board (${existing.role}); ask an owner to change your role.`,
        );
      }
      const membership = toMembership({
        board_id: row.board_id,
        user_id: userId,
        role: row.role,
        stakeholder_id: row.stakeholder_id,
      });
      this.db
        .prepare(
          `INSERT INTO memberships (board_id, user_id, role, stakeholder_id) VALUES (?, ?, ?, ?)
           ON CONFLICT (board_id, user_id) DO UPDATE SET role = excluded.role, stakeholder_id = excluded.stakeholder_id`,
        )
        .run(membership.boardId, userId, membership.role, membership.stakeholderId);
      this.db.prepare('UPDATE invites SET uses = uses + 1 WHERE id = ?').run(row.id);
      return membership;
    })();
  }

  async forgetBoard(boardId: string): Promise<string[]> {
    return this.db.transaction(() => {
      const members = this.db
        .prepare('SELECT user_id FROM memberships WHERE board_id = ?')
        .pluck()
        .all(boardId) as string[];
      for (const table of ['memberships', 'invites', 'sign_in_links', 'access_revocations']) {
        this.db.prepare(`DELETE FROM ${table} WHERE board_id = ?`).run(boardId);
      }
      return members;
    })();
  }

  async createSignInLink(userId: string, boardId: string | null, token: string, ttlMs: number): Promise<void> {
    this.db
      .prepare('INSERT INTO sign_in_links (token_hash, user_id, board_id, expires_at) VALUES (?, ?, ?, ?)')
      .run(hashToken(token), userId, boardId, Date.now() + ttlMs);
  }

  async useSignInLink(token: string): Promise<{ userId: string; boardId: string | null } | null> {
    const row = this.db
      .prepare('SELECT user_id, board_id FROM sign_in_links WHERE token_hash = ? AND expires_at > ?')
      .get(hashToken(token), Date.now()) as { user_id: string; board_id: string | null } | undefined;
    return row ? { userId: row.user_id, boardId: row.board_id } : null;
  }
}
