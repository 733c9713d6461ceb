import { isRecord, isStringArray, keysWithPrefix, readJson, removeKey, writeJson } from '../util/storage.ts';

/**
 * What this browser keeps for one signed-in user so boards open and stay editable without
 * network. Everything is namespaced by the user id, so two accounts in one browser never
 * share a copy, and signing out deletes exactly that user's data:
 *
 * - IndexedDB `parley:<userId>:<docName>`: the y-indexeddb copy of each board and
 *   private-notes doc the user opened;
 * - localStorage `parley:local-copies:<userId>`: the doc names of those copies (so they
 *   can be deleted even where `indexedDB.databases()` is missing);
 * - localStorage `parley:unsaved:<userId>:<docName>`: local changes not yet acknowledged
 *   as durably stored by the server, per tab (see saved.svelte.ts);
 * - localStorage `parley:away:<userId>:<docName>`: which point texts the user edited while
 *   disconnected (for the "while you were away" review after reconnecting);
 * - localStorage `parley:boards:<userId>`: the last board list, for the home page offline.
 *
 * The identity itself (`/api/auth/me`) is cached by auth.svelte.ts under `parley:me`.
 */
const PREFIX = 'parley:';

export function localDbName(userId: string, docName: string): string {
  return `${PREFIX}${userId}:${docName}`;
}

export const copiesKey = (userId: string) => `${PREFIX}local-copies:${userId}`;
export const unsavedKey = (userId: string, docName: string) => `${PREFIX}unsaved:${userId}:${docName}`;
export const awayKey = (userId: string, docName: string) => `${PREFIX}away:${userId}:${docName}`;
export const boardsKey = (userId: string) => `${PREFIX}boards:${userId}`;

/** Remembers that a local copy of `docName` exists for `userId`. */
export function registerCopy(userId: string, docName: string): void {
  const names = readJson(copiesKey(userId), isStringArray) ?? [];
  if (!names.includes(docName)) writeJson(copiesKey(userId), [...names, docName]);
}

/** Deletes one IndexedDB database; resolves when it is gone (or could not be deleted). */
export function deleteDatabase(name: string, timeoutMs = 5_000): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve();
    };
    // A connection another tab keeps open closes itself on `versionchange` (lib0 does
    // that), so "blocked" passes quickly; the timer only guards against a stuck browser.
    const timer = setTimeout(() => {
      console.warn(`Parley: deleting the local copy ${name} is taking long; continuing`);
      finish();
    }, timeoutMs);
    try {
      const req = indexedDB.deleteDatabase(name);
      req.onsuccess = finish;
      req.onerror = () => {
        console.warn(`Parley: could not delete the local copy ${name}`, req.error);
        finish();
      };
    } catch (err) {
      console.warn(`Parley: could not delete the local copy ${name}`, err);
      finish();
    }
  });
}

/**
 * Total local changes of this user, over all docs and tabs, that the server has not yet
 * confirmed as stored (what signing out would throw away).
 */
export function countUnsaved(userId: string): number {
  let total = 0;
  for (const key of keysWithPrefix(`${PREFIX}unsaved:${userId}:`)) {
    const entries = readJson(key, isRecord) ?? {};
    for (const entry of Object.values(entries)) {
      if (isRecord(entry) && typeof entry['n'] === 'number') total += entry['n'];
    }
  }
  return total;
}

/**
 * Deletes one doc's local copy and offline records (the user lost access to it: removed from
 * the board, or moved to another stakeholder, whose notes they may no longer read). Call it
 * after the doc's session was destroyed.
 */
export async function forgetDoc(userId: string, docName: string): Promise<void> {
  removeKey(unsavedKey(userId, docName));
  removeKey(awayKey(userId, docName));
  const names = readJson(copiesKey(userId), isStringArray) ?? [];
  if (names.includes(docName))
    writeJson(
      copiesKey(userId),
      names.filter((n) => n !== docName),
    );
  await deleteDatabase(localDbName(userId, docName));
}

/** Signing out: deletes every local copy and offline record of this user. */
export async function forgetUser(userId: string): Promise<void> {
  const names = new Set((readJson(copiesKey(userId), isStringArray) ?? []).map((doc) => localDbName(userId, doc)));
  try {
    const dbs = typeof indexedDB.databases === 'function' ? await indexedDB.databases() : [];
    for (const db of dbs) if (db.name?.startsWith(localDbName(userId, ''))) names.add(db.name);
  } catch {
    /* databases() unsupported or IndexedDB disabled: the registry is all we know */
  }
  for (const key of [
    copiesKey(userId),
    boardsKey(userId),
    ...keysWithPrefix(`${PREFIX}unsaved:${userId}:`),
    ...keysWithPrefix(`${PREFIX}away:${userId}:`),
  ]) {
    removeKey(key);
  }
  await Promise.all([...names].map((name) => deleteDatabase(name)));
}
