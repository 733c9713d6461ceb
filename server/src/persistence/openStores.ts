import type { AccountStore } from '../accounts/AccountStore.ts';
import { loadSigningSecret } from '../accounts/secrets.ts';
import type { Logger } from '../logger.ts';
import { PostgresAccountStore } from './postgres/PostgresAccountStore.ts';
import { PostgresStorage } from './postgres/PostgresStorage.ts';
import { loadSharedSigningSecret } from './postgres/sharedSecret.ts';
import { SqliteAccountStore } from './sqlite/SqliteAccountStore.ts';
import { SqliteStorage } from './sqlite/SqliteStorage.ts';
import type { Storage } from './Storage.ts';

export interface StoreOptions {
  readonly dataDir: string;
  /** PostgreSQL (PARLEY_DATABASE_URL) instead of the SQLite file in dataDir. */
  readonly databaseUrl: string | undefined;
  /** PARLEY_SECRET; without it the signing key is made once and kept in the store. */
  readonly secret: string | undefined;
}

export interface Stores {
  readonly storage: Storage;
  readonly accounts: AccountStore;
  /** The key that signs access tokens, the same for every process on the store. */
  readonly signingSecret: Uint8Array;
  readonly kind: 'sqlite' | 'postgres';
  /** Closes the store (the accounts share its connection). */
  close(): Promise<void>;
}

/** The documents' and accounts' stores the configuration names, ready to use. */
export async function openStores(opts: StoreOptions, log?: Logger): Promise<Stores> {
  if (opts.databaseUrl) {
    const storage = await PostgresStorage.open(opts.databaseUrl, { log });
    try {
      return {
        storage,
        accounts: new PostgresAccountStore(storage.pool),
        signingSecret: opts.secret
          ? loadSigningSecret(opts.dataDir, opts.secret)
          : await loadSharedSigningSecret(storage.pool),
        kind: 'postgres',
        close: () => storage.close(),
      };
    } catch (err) {
      await storage.close();
      throw err;
    }
  }
  const storage = new SqliteStorage(opts.dataDir, { log });
  return {
    storage,
    accounts: new SqliteAccountStore(storage.db),
    signingSecret: loadSigningSecret(opts.dataDir, opts.secret),
    kind: 'sqlite',
    close: () => storage.close(),
  };
}
