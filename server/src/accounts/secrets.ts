import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** An opaque random token for sessions, invites and sign-in links (256 bits). */
export function newOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Opaque tokens are stored hashed, so a leaked database grants no sessions. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

const SECRET_FILE = 'signing-secret';

/** A new random token-signing key, as it is stored (the data dir's file, or the database). */
export function newSigningSecret(): string {
  return randomBytes(32).toString('hex');
}

/**
 * The key that signs access tokens: `PARLEY_SECRET` if set, otherwise a random key created
 * once in the data dir (mode 0600), so the server and the CLI share it without setup.
 */
export function loadSigningSecret(dataDir: string, fromEnv: string | undefined): Uint8Array {
  if (fromEnv) return new TextEncoder().encode(fromEnv);
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, SECRET_FILE);
  try {
    fs.writeFileSync(file, newSigningSecret(), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return new TextEncoder().encode(fs.readFileSync(file, 'utf8').trim());
}
