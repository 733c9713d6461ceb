import { randomUUID } from 'node:crypto';
import type pg from 'pg';
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
import { REVOCATIONS_LOCK } from './advisoryLocks.ts';
import { inTransaction } from './transaction.ts';

/** Runs queries: the pool, or one transaction's connection. */
type Queryable = Pick<pg.Pool, 'query'>;

const USER_COLUMNS = 'id, email, name, password_hash, created_at, disabled';
const INVITE_COLUMNS =
  'id, board_id, role, stakeholder_id, created_by, created_at, expires_at, max_uses, uses, revoked';

/** What two emails share when SQLite's COLLATE NOCASE calls them equal: ASCII letters folded. */
const emailKey = (email: string) => email.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** PostgreSQL's SQLSTATE for a unique constraint violated. */
const UNIQUE_VIOLATION = '23505';

/**
 * AccountStore on the same PostgreSQL database as the documents (PostgresStorage's pool).
 * Every method means what SqliteAccountStore's does; where SQLite's one writer made a step
 * atomic, a row lock or an advisory lock does here.
 */
export class PostgresAccountStore implements AccountStore {
  constructor(private readonly pool: pg.Pool) {}

  async createUser(input: { email: string; name: string; passwordHash: string | null }): Promise<User> {
    const row: UserRow = {
      id: newUserId(),
      email: input.email.trim(),
      name: input.name.trim(),
      password_hash: input.passwordHash,
      created_at: Date.now(),
      disabled: false,
    };
    try {
      await this.pool.query(
        'INSERT INTO users (id, email, email_key, name, password_hash, created_at, disabled) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [row.id, row.email, emailKey(row.email), row.name, row.password_hash, row.created_at, row.disabled],
      );
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new AccountError('email_taken', 'An account with this email already exists.');
      }
      throw err;
    }
    return toUser(row);
  }

  async getUser(id: string): Promise<User | null> {
    const { rows } = await this.pool.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  async findUserByEmail(email: string): Promise<(User & { passwordHash: string | null }) | null> {
    const { rows } = await this.pool.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE email_key = $1`, [
      emailKey(email.trim()),
    ]);
    return rows[0] ? { ...toUser(rows[0]), passwordHash: rows[0].password_hash } : null;
  }

  async listUsers(): Promise<User[]> {
    const { rows } = await this.pool.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users ORDER BY created_at, added`);
    return rows.map(toUser);
  }

  async setPasswordHash(userId: string, hash: string): Promise<void> {
    await this.pool.query('UPDATE users SET password_hash = $1 WHERE id = $2', [hash, userId]);
  }

  async setUserDisabled(userId: string, disabled: boolean): Promise<void> {
    await inTransaction(this.pool, async (c) => {
      const now = Date.now();
      await c.query('UPDATE users SET disabled = $1 WHERE id = $2', [disabled, userId]);
      if (disabled) await this.revokeSessionsOf(c, userId, now);
      // Also on enabling: a token minted for the account while it was disabled was never
      // meant to work, and must not start working now.
      await this.recordRevocation(c, userId, null, now);
    });
  }

  async createSession(userId: string, token: string, ttlMs: number): Promise<string> {
    const id = randomUUID();
    const now = Date.now();
    await this.pool.query(
      'INSERT INTO sessions (id, token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)',
      [id, hashToken(token), userId, now, now + ttlMs],
    );
    return id;
  }

  async getSession(token: string) {
    const { rows } = await this.pool.query<UserRow & { session_id: string }>(
      `SELECT s.id AS session_id, u.* FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND NOT u.disabled`,
      [hashToken(token), Date.now()],
    );
    return rows[0] ? { sessionId: rows[0].session_id, user: toUser(rows[0]) } : null;
  }

  async isSessionLive(sessionId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `SELECT 1 FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND NOT u.disabled`,
      [sessionId, Date.now()],
    );
    return (rowCount ?? 0) > 0;
  }

  async revokeSession(token: string): Promise<void> {
    await this.pool.query('UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2', [Date.now(), hashToken(token)]);
  }

  async revokeUserSessions(userId: string): Promise<number> {
    return inTransaction(this.pool, async (c) => {
      const now = Date.now();
      await this.recordRevocation(c, userId, null, now);
      return this.revokeSessionsOf(c, userId, now);
    });
  }

  private async revokeSessionsOf(c: Queryable, userId: string, now: number): Promise<number> {
    const { rowCount } = await c.query(
      'UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL',
      [now, userId],
    );
    return rowCount ?? 0;
  }

  /** Inside a transaction: the lock (advisoryLocks.ts) is held until it commits. */
  private async recordRevocation(c: pg.PoolClient, userId: string, boardId: string | null, now: number) {
    await c.query('SELECT pg_advisory_xact_lock($1)', [REVOCATIONS_LOCK]);
    await c.query('INSERT INTO access_revocations (user_id, board_id, revoked_at) VALUES ($1, $2, $3)', [
      userId,
      boardId,
      now,
    ]);
  }

  async tokenStanding(userId: string, boardId: string): Promise<TokenStanding> {
    const { rows } = await this.pool.query<{
      disabled: boolean | null;
      user_at: number | null;
      board_at: number | null;
    }>(
      `SELECT
         (SELECT disabled FROM users WHERE id = $1) AS disabled,
         (SELECT MAX(revoked_at) FROM access_revocations WHERE user_id = $1 AND board_id IS NULL) AS user_at,
         (SELECT MAX(revoked_at) FROM access_revocations WHERE user_id = $1 AND board_id = $2) AS board_at`,
      [userId, boardId],
    );
    const row = rows[0]!;
    return { disabled: row.disabled === true, userRevokedAt: row.user_at, boardRevokedAt: row.board_at };
  }

  async latestRevocationSeq(): Promise<number> {
    const { rows } = await this.pool.query<{ seq: number }>(
      'SELECT COALESCE(MAX(seq), 0) AS seq FROM access_revocations',
    );
    return rows[0]!.seq;
  }

  async revocationsSince(seq: number): Promise<Revocation[]> {
    const { rows } = await this.pool.query<RevocationRow>(
      'SELECT seq, user_id, board_id, revoked_at FROM access_revocations WHERE seq > $1 ORDER BY seq',
      [seq],
    );
    return rows.map(toRevocation);
  }

  async getMembership(boardId: string, userId: string): Promise<Membership | null> {
    const { rows } = await this.pool.query<MembershipRow>(
      'SELECT board_id, user_id, role, stakeholder_id FROM memberships WHERE board_id = $1 AND user_id = $2',
      [boardId, userId],
    );
    return rows[0] ? toMembership(rows[0]) : null;
  }

  async listMemberships(userId: string): Promise<Membership[]> {
    const { rows } = await this.pool.query<MembershipRow>(
      'SELECT board_id, user_id, role, stakeholder_id FROM memberships WHERE user_id = $1 ORDER BY board_id',
      [userId],
    );
    return rows.map(toMembership);
  }

  async listMembers(boardId: string): Promise<MemberView[]> {
    const { rows } = await this.pool.query<MembershipRow & { name: string; email: string }>(
      `SELECT m.board_id, m.user_id, m.role, m.stakeholder_id, u.name, u.email
       FROM memberships m JOIN users u ON u.id = m.user_id
       WHERE m.board_id = $1 ORDER BY u.name`,
      [boardId],
    );
    return rows.map((r) => ({ ...toMembership(r), name: r.name, email: r.email }));
  }

  async setMembership(m: Membership): Promise<void> {
    await inTransaction(this.pool, async (c) => {
      // FOR UPDATE: two changes of one membership at once each compare with what the other left.
      const { rows } = await c.query<MembershipRow>(
        'SELECT board_id, user_id, role, stakeholder_id FROM memberships WHERE board_id = $1 AND user_id = $2 FOR UPDATE',
        [m.boardId, m.userId],
      );
      const before = rows[0];
      await c.query(
        `INSERT INTO memberships (board_id, user_id, role, stakeholder_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (board_id, user_id) DO UPDATE SET role = excluded.role, stakeholder_id = excluded.stakeholder_id`,
        [m.boardId, m.userId, m.role, m.stakeholderId],
      );
      // A token carries the role it was minted with, so a demotion must retire it.
      if (before && (before.role !== m.role || before.stakeholder_id !== m.stakeholderId)) {
        await this.recordRevocation(c, m.userId, m.boardId, Date.now());
      }
    });
  }

  async removeMembership(boardId: string, userId: string): Promise<boolean> {
    return inTransaction(this.pool, async (c) => {
      const { rowCount } = await c.query('DELETE FROM memberships WHERE board_id = $1 AND user_id = $2', [
        boardId,
        userId,
      ]);
      const removed = (rowCount ?? 0) > 0;
      if (removed) await this.recordRevocation(c, userId, boardId, Date.now());
      return removed;
    });
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
      revoked: false,
    };
    await this.pool.query(
      `INSERT INTO invites (id, token_hash, board_id, role, stakeholder_id, created_by, created_at, expires_at, max_uses, uses, revoked)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        row.id,
        hashToken(token),
        row.board_id,
        row.role,
        row.stakeholder_id,
        row.created_by,
        row.created_at,
        row.expires_at,
        row.max_uses,
        row.uses,
        row.revoked,
      ],
    );
    return toInvite(row);
  }

  async getInviteByToken(token: string): Promise<Invite | null> {
    const { rows } = await this.pool.query<InviteRow>(`SELECT ${INVITE_COLUMNS} FROM invites WHERE token_hash = $1`, [
      hashToken(token),
    ]);
    return rows[0] ? toInvite(rows[0]) : null;
  }

  async listInvites(boardId: string): Promise<Invite[]> {
    const { rows } = await this.pool.query<InviteRow>(
      `SELECT ${INVITE_COLUMNS} FROM invites WHERE board_id = $1 ORDER BY created_at DESC, added`,
      [boardId],
    );
    return rows.map(toInvite);
  }

  async revokeInvite(boardId: string, inviteId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('UPDATE invites SET revoked = true WHERE board_id = $1 AND id = $2', [
      boardId,
      inviteId,
    ]);
    return (rowCount ?? 0) > 0;
  }

  async acceptInvite(token: string, userId: string): Promise<Membership> {
    return inTransaction(this.pool, async (c) => {
      // FOR UPDATE: concurrent accepts of one invite take turns, each seeing the uses the
      // one before counted (a one-use invite makes exactly one member).
      const { rows } = await c.query<InviteRow>(
        `SELECT ${INVITE_COLUMNS} FROM invites WHERE token_hash = $1 FOR UPDATE`,
        [hashToken(token)],
      );
      const row = rows[0];
      if (!row || row.revoked || row.expires_at <= Date.now() || row.uses >= row.max_uses) {
        throw new AccountError('invite_invalid', 'This invite link is invalid, expired or already used.');
      }
      const existing = await c.query<{ role: string }>(
        'SELECT role FROM memberships WHERE board_id = $1 AND user_id = $2',
        [row.board_id, userId],
      );
      if (existing.rows[0]) {
        // An invite must not silently change a member's role (it could demote the last owner).
        throw new AccountError(
          'already_member',
          `You are already a member of this board (${existing.rows[0].role}); ask an owner to change your role.`,
        );
      }
      const membership = toMembership({
        board_id: row.board_id,
        user_id: userId,
        role: row.role,
        stakeholder_id: row.stakeholder_id,
      });
      await c.query(
        `INSERT INTO memberships (board_id, user_id, role, stakeholder_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (board_id, user_id) DO UPDATE SET role = excluded.role, stakeholder_id = excluded.stakeholder_id`,
        [membership.boardId, userId, membership.role, membership.stakeholderId],
      );
      await c.query('UPDATE invites SET uses = uses + 1 WHERE id = $1', [row.id]);
      return membership;
    });
  }

  async forgetBoard(boardId: string): Promise<string[]> {
    return inTransaction(this.pool, async (c) => {
      const { rows } = await c.query<{ user_id: string }>('SELECT user_id FROM memberships WHERE board_id = $1', [
        boardId,
      ]);
      for (const table of ['memberships', 'invites', 'sign_in_links', 'access_revocations']) {
        await c.query(`DELETE FROM ${table} WHERE board_id = $1`, [boardId]);
      }
      return rows.map((r) => r.user_id);
    });
  }

  async createSignInLink(userId: string, boardId: string | null, token: string, ttlMs: number): Promise<void> {
    await this.pool.query(
      'INSERT INTO sign_in_links (token_hash, user_id, board_id, expires_at) VALUES ($1, $2, $3, $4)',
      [hashToken(token), userId, boardId, Date.now() + ttlMs],
    );
  }

  async useSignInLink(token: string): Promise<{ userId: string; boardId: string | null } | null> {
    const { rows } = await this.pool.query<{ user_id: string; board_id: string | null }>(
      'SELECT user_id, board_id FROM sign_in_links WHERE token_hash = $1 AND expires_at > $2',
      [hashToken(token), Date.now()],
    );
    return rows[0] ? { userId: rows[0].user_id, boardId: rows[0].board_id } : null;
  }
}
