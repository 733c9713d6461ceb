import * as Y from 'yjs';
import { IndexeddbPersistence } from 'y-indexeddb';
import { AfterPaint } from '../util/after-paint.ts';
import type { DocUpdates } from './doc-updates.ts';
import { deleteDatabase, localDbName, registerCopy } from './offline-data.ts';

/**
 * - `loading`: the IndexedDB copy is being read into the doc;
 * - `ready`: loaded; every change to the doc (local or from the server) is written to it;
 * - `unavailable`: IndexedDB is missing, broken, too slow to open, or the copy was deleted.
 *   The board still works online; changes then live in this tab only until saved.
 */
export type LocalCopyState = 'loading' | 'ready' | 'unavailable';

/** Past this the doc connects without waiting for the copy (it merges whenever it loads). */
const LOAD_TIMEOUT_MS = 3_000;
/** A copy whose writes keep failing is given up rather than reopened in a loop. */
const REOPEN_MIN_INTERVAL_MS = 10_000;
/** Key in the copy's `custom` store: when this device last finished a sync with the server. */
const SYNCED_AT = 'parley:syncedAt';

/**
 * The y-indexeddb copy of one doc for one user (`parley:<userId>:<docName>`).
 *
 * It never wedges silently: opening is bounded by a timeout, and a write that fails
 * (typically because another tab deleted the database, which closes our connection)
 * reopens the copy, which writes the whole current doc back before anything else; if that
 * keeps failing the copy is marked `unavailable` and the status badge says so.
 */
export class LocalCopy {
  state = $state<LocalCopyState>('loading');
  /** When this device last completed a sync of this doc with the server; null if never. */
  syncedAt = $state<number | null>(null);
  readonly name: string;
  /**
   * When opening started. Changes another tab wrote to the copy before this moment are in
   * this doc once it has loaded (IndexedDB orders the transactions).
   */
  readonly openedAt = Date.now();
  /** Settles once the copy is loaded, failed, or took too long (it never rejects). */
  readonly loaded: Promise<void>;

  readonly #doc: Y.Doc;
  readonly #userId: string;
  readonly #docName: string;
  #persistence: IndexeddbPersistence | null = null;
  #destroyed = false;
  #lastReopen = 0;
  readonly #unsubscribe: (() => void)[];
  /** This tab's changes not yet written: a keystroke's task does not wait for IndexedDB. */
  readonly #unwritten: Uint8Array[] = [];
  readonly #writeLater = new AfterPaint(() => this.#writeUnwritten());

  constructor(userId: string, docName: string, doc: Y.Doc, updates: DocUpdates) {
    this.#doc = doc;
    this.#userId = userId;
    this.#docName = docName;
    this.name = localDbName(userId, docName);
    updates.ignoreOrigin((origin) => this.isOrigin(origin));
    // Every change, local or from the server, goes to the copy; the server's as it came.
    this.#unsubscribe = [
      updates.onLocal((update) => {
        this.#unwritten.push(update);
        this.#writeLater.request();
      }),
      updates.onRemote((update) => {
        this.#writeLater.flush();
        this.#store(update, null);
      }),
    ];
    this.loaded = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        if (this.state === 'loading') {
          console.warn(`Parley: the local copy ${this.name} did not open within ${LOAD_TIMEOUT_MS} ms`);
          this.state = 'unavailable';
        }
        resolve();
      }, LOAD_TIMEOUT_MS);
      this.#open(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The persistence object, which is the transaction origin of everything it loads. */
  isOrigin(origin: unknown): boolean {
    return origin instanceof IndexeddbPersistence;
  }

  #open(onSettled?: () => void) {
    let p: IndexeddbPersistence;
    try {
      registerCopy(this.#userId, this.#docName);
      p = new IndexeddbPersistence(this.name, this.#doc);
    } catch (err) {
      console.warn(`Parley: no local copy for ${this.#docName}`, err);
      this.state = 'unavailable';
      onSettled?.();
      return;
    }
    this.#persistence = p;
    this.#detachOwnListener(p);
    p._db.catch((err: unknown) => {
      if (this.#persistence !== p) return;
      console.warn(`Parley: could not open the local copy ${this.name}`, err);
      this.#persistence = null;
      this.state = 'unavailable';
      onSettled?.();
    });
    void p.whenSynced.then(async () => {
      if (this.#persistence !== p || this.#destroyed) return;
      try {
        const at: unknown = await p.get(SYNCED_AT);
        if (typeof at === 'number') this.syncedAt = Math.max(at, this.syncedAt ?? 0);
      } catch {
        /* an unreadable marker only means "never synced here" */
      }
      if (this.#persistence === p) this.state = 'ready';
      onSettled?.();
    });
  }

  /**
   * y-indexeddb writes from a doc `update` listener of its own; the copy is written from the
   * doc's update hub instead (DocUpdates: the server's changes as received, not encoded again).
   */
  #detachOwnListener(p: IndexeddbPersistence) {
    this.#doc.off('update', p._storeUpdate);
  }

  /** This tab's changes since the last paint, merged into one entry. */
  #writeUnwritten() {
    const batch = this.#unwritten.splice(0);
    if (batch.length > 0) this.#store(batch.length === 1 ? batch[0]! : Y.mergeUpdates(batch), null);
  }

  /**
   * Writes one update to the copy. y-indexeddb throws when its connection was closed under it
   * (another tab deleted the database): catch that, so the other listeners still run, and
   * reopen.
   */
  #store(update: Uint8Array, origin: unknown) {
    const p = this.#persistence;
    if (!p) return;
    try {
      p._storeUpdate(update, origin);
    } catch (err) {
      this.#writeFailed(p, err);
    }
  }

  #writeFailed(p: IndexeddbPersistence, err: unknown) {
    if (this.#destroyed || this.#persistence !== p) return;
    this.#persistence = null;
    void p.destroy().catch(() => undefined);
    const now = Date.now();
    if (now - this.#lastReopen < REOPEN_MIN_INTERVAL_MS) {
      console.warn(`Parley: the local copy ${this.name} keeps failing; giving it up`, err);
      this.state = 'unavailable';
      return;
    }
    console.warn(`Parley: writing the local copy ${this.name} failed; reopening it`, err);
    this.#lastReopen = now;
    this.state = 'loading';
    // The new persistence first stores the whole doc, then merges what the database holds.
    this.#open();
  }

  /** Records a completed sync with the server (so the doc may be shown offline later). */
  markSynced() {
    const now = Date.now();
    this.syncedAt = now;
    void this.#persistence?.set(SYNCED_AT, now).catch(() => undefined);
  }

  /**
   * Stops writing and deletes the copy (y-indexeddb's `clearData()`, but awaited until the
   * database is really gone, so a session opened right after cannot load the old data).
   */
  async clear(): Promise<void> {
    this.#destroyed = true;
    for (const off of this.#unsubscribe) off();
    this.#unwritten.length = 0;
    this.#writeLater.destroy();
    const p = this.#persistence;
    this.#persistence = null;
    this.state = 'unavailable';
    this.syncedAt = null;
    if (p) await p.destroy().catch(() => undefined);
    await deleteDatabase(this.name);
  }

  destroy() {
    for (const off of this.#unsubscribe) off();
    this.#writeLater.destroy();
    this.#destroyed = true;
    const p = this.#persistence;
    this.#persistence = null;
    if (p) void p.destroy().catch(() => undefined);
  }
}
