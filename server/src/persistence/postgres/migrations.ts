import type pg from 'pg';
import type { Logger } from '../../logger.ts';
import { MIGRATIONS_LOCK } from './advisoryLocks.ts';
import { inTransaction } from './transaction.ts';

/**
 * The schema, as numbered steps. A step is never edited once released: a change is a new
 * step at the end. Text that is sorted or compared by range is COLLATE "C" (byte order, as
 * SQLite compares), whatever locale the database was created with.
 */
const MIGRATIONS: readonly { readonly version: number; readonly sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE boards (
        id text COLLATE "C" PRIMARY KEY,
        title text NOT NULL,
        created_at bigint NOT NULL,
        archived boolean NOT NULL DEFAULT false,
        stakeholder_names text
      );
      CREATE TABLE updates (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        doc text COLLATE "C" NOT NULL,
        data bytea NOT NULL
      );
      CREATE INDEX updates_by_doc ON updates (doc, seq);
      CREATE TABLE client_owners (
        doc text COLLATE "C" NOT NULL,
        client bigint NOT NULL,
        user_id text NOT NULL,
        PRIMARY KEY (doc, client)
      );
      -- detail is JSON kept as text, not jsonb: jsonb refuses a \\u0000 that a point's text may hold.
      CREATE TABLE point_history (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        group_key text UNIQUE,
        board text NOT NULL,
        point text NOT NULL,
        kind text NOT NULL,
        at bigint NOT NULL,
        until bigint NOT NULL,
        actor_id text,
        actor_name text,
        actor_stakeholder text,
        detail text NOT NULL
      );
      CREATE INDEX history_by_point ON point_history (board, point, seq);
      CREATE TABLE versions (
        -- Orders versions made in the same millisecond, as SQLite's rowid does.
        added bigint GENERATED ALWAYS AS IDENTITY,
        id text PRIMARY KEY,
        board text NOT NULL,
        name text NOT NULL,
        note text NOT NULL,
        created_by text,
        created_by_name text NOT NULL,
        created_at bigint NOT NULL,
        state bytea NOT NULL
      );
      CREATE INDEX versions_by_board ON versions (board, created_at);
      -- The owner epoch of each board claimed so far (Storage.claimBoard).
      CREATE TABLE board_epochs (
        board text COLLATE "C" PRIMARY KEY,
        epoch bigint NOT NULL
      );

      CREATE TABLE users (
        added bigint GENERATED ALWAYS AS IDENTITY,
        id text PRIMARY KEY,
        email text NOT NULL,
        -- The email with ASCII letters in lower case: unique, as SQLite's COLLATE NOCASE.
        email_key text NOT NULL UNIQUE,
        name text COLLATE "C" NOT NULL,
        password_hash text,
        created_at bigint NOT NULL,
        disabled boolean NOT NULL DEFAULT false
      );
      CREATE TABLE sessions (
        id text PRIMARY KEY,
        token_hash text NOT NULL UNIQUE,
        user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at bigint NOT NULL,
        expires_at bigint NOT NULL,
        revoked_at bigint
      );
      CREATE INDEX sessions_by_user ON sessions (user_id);
      CREATE TABLE memberships (
        board_id text COLLATE "C" NOT NULL,
        user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        role text NOT NULL,
        stakeholder_id text,
        PRIMARY KEY (board_id, user_id)
      );
      CREATE INDEX memberships_by_user ON memberships (user_id);
      CREATE TABLE invites (
        added bigint GENERATED ALWAYS AS IDENTITY,
        id text PRIMARY KEY,
        token_hash text NOT NULL UNIQUE,
        board_id text NOT NULL,
        role text NOT NULL,
        stakeholder_id text,
        created_by text,
        created_at bigint NOT NULL,
        expires_at bigint NOT NULL,
        max_uses integer NOT NULL,
        uses integer NOT NULL DEFAULT 0,
        revoked boolean NOT NULL DEFAULT false
      );
      CREATE INDEX invites_by_board ON invites (board_id);
      CREATE TABLE sign_in_links (
        token_hash text PRIMARY KEY,
        user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        board_id text,
        expires_at bigint NOT NULL
      );
      -- A log, not a table of current values: its seq lets a server notice revocations made by
      -- another process with one cheap indexed read. user_id has no foreign key: access
      -- tokens may name ids that are not accounts.
      CREATE TABLE access_revocations (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id text NOT NULL,
        board_id text,
        revoked_at bigint NOT NULL
      );
      CREATE INDEX access_revocations_by_user ON access_revocations (user_id, board_id);

      -- Secrets every instance must share, such as the key that signs access tokens.
      CREATE TABLE shared_secrets (
        name text PRIMARY KEY,
        value text NOT NULL
      );
    `,
  },
  {
    version: 2,
    sql: `
      -- A board's activity feed, and the notification drain's rows after its cursor.
      CREATE INDEX history_by_board ON point_history (board, seq);
      -- The last history seq of each board whose notifications are stored (the outbox's cursor).
      CREATE TABLE notification_cursors (
        board text COLLATE "C" PRIMARY KEY,
        cursor bigint NOT NULL
      );
      -- What happened before notifications existed notifies nobody now.
      INSERT INTO notification_cursors (board, cursor) SELECT board, MAX(seq) FROM point_history GROUP BY board;
      CREATE TABLE notifications (
        id text PRIMARY KEY,
        user_id text NOT NULL,
        board text COLLATE "C" NOT NULL,
        kind text NOT NULL,
        subject_key text NOT NULL,
        subject text NOT NULL,
        items text NOT NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        read_at bigint,
        -- One per change; the notifications read together share theirs.
        seq bigint NOT NULL
      );
      CREATE INDEX notifications_by_user ON notifications (user_id, seq);
      CREATE INDEX notifications_unread ON notifications (user_id, board, kind, subject_key) WHERE read_at IS NULL;
      -- The store-wide seq of notification changes, one row: updating it holds its lock to the
      -- end of the transaction, so notification writes commit in seq order and a reader who
      -- holds everything up to N never misses a change committed later with a smaller seq.
      CREATE TABLE notification_counter (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        seq bigint NOT NULL
      );
      INSERT INTO notification_counter (seq) VALUES (0);
    `,
  },
];

/**
 * Brings the database up to the current schema, each missing step in the one transaction
 * that records it. The advisory lock makes instances starting at once take turns: the
 * second finds the steps done and applies nothing.
 */
export async function migrate(pool: pg.Pool, log?: Logger): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATIONS_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at bigint NOT NULL)',
    );
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((r) => r.version));
    const newest = Math.max(...MIGRATIONS.map((m) => m.version));
    const unknown = [...applied].filter((v) => v > newest);
    if (unknown.length > 0) {
      throw new Error(
        `the database has schema version ${Math.max(...unknown)}, newer than this Parley knows (${newest}); upgrade Parley`,
      );
    }
    for (const { version, sql } of MIGRATIONS) {
      if (applied.has(version)) continue;
      await client.query(sql);
      await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [version, Date.now()]);
      log?.info({ version }, 'PostgreSQL schema migrated');
    }
  });
}
