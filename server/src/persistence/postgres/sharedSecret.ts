import type pg from 'pg';
import { newSigningSecret } from '../../accounts/secrets.ts';

const SIGNING_SECRET = 'signing-secret';

/**
 * The key that signs access tokens when PARLEY_SECRET is not set, kept in the database:
 * instances on different machines share it as the server and the CLI share the data dir's
 * file. The first to ask creates it; everyone after reads that one.
 */
export async function loadSharedSigningSecret(pool: pg.Pool): Promise<Uint8Array> {
  await pool.query('INSERT INTO shared_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [
    SIGNING_SECRET,
    newSigningSecret(),
  ]);
  const { rows } = await pool.query<{ value: string }>('SELECT value FROM shared_secrets WHERE name = $1', [
    SIGNING_SECRET,
  ]);
  return new TextEncoder().encode(rows[0]!.value);
}
