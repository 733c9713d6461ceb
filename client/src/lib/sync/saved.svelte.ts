import * as decoding from 'lib0/decoding';
import type { WebsocketProvider } from 'y-websocket';
import type { DocUpdates } from './doc-updates.ts';
import { MESSAGE, SYNC, subscribeSavedFrame } from '@parley/shared/protocol';
import { AfterPaint } from '../util/after-paint.ts';
import { isRecord, readJson, removeKey, writeJson } from '../util/storage.ts';
import { unsavedKey } from './offline-data.ts';

/** `subscribeSaved` (docs/PROTOCOL.md), sent as the first frame of every socket. */
const SUBSCRIBE_SAVED_FRAME = subscribeSavedFrame();

interface UnsavedEntry {
  /** Local changes this tab made that the server has not confirmed as stored. */
  n: number;
  /** When the last of them was made. */
  at: number;
}

function isEntry(value: unknown): value is UnsavedEntry {
  return isRecord(value) && typeof value['n'] === 'number' && typeof value['at'] === 'number';
}

/** This tab's id; sessionStorage keeps it across reloads of the same tab. */
function tabId(): string {
  const key = 'parley:tab';
  try {
    let id = sessionStorage.getItem(key);
    if (!id) {
      id = crypto.randomUUID();
      sessionStorage.setItem(key, id);
    }
    return id;
  } catch {
    return 'tab';
  }
}

/** The first two bytes of an outgoing frame, if it is binary. */
function head(data: unknown): [number, number] | null {
  let bytes: Uint8Array | null = null;
  if (data instanceof Uint8Array) bytes = data;
  else if (data instanceof ArrayBuffer) bytes = new Uint8Array(data, 0, Math.min(2, data.byteLength));
  else if (ArrayBuffer.isView(data)) bytes = new Uint8Array(data.buffer, data.byteOffset, Math.min(2, data.byteLength));
  return bytes && bytes.length >= 2 ? [bytes[0] ?? -1, bytes[1] ?? -1] : null;
}

/** A browser WebSocket that counts the update-bearing frames the provider sends on it. */
interface CountingSocket extends WebSocket {
  /** Sync step 2 and update frames sent on this socket (the server acknowledges the same count). */
  readonly updatesSent: number;
  /** Whether a sync step 2 went out on this socket (it carries every change made before it). */
  readonly step2Sent: boolean;
}

/**
 * Durable "saved" tracking for one doc (docs/PROTOCOL.md, "Durable saved
 * acknowledgements"):
 *
 * - the provider's sockets are `CountingSocket`s (passed as `WebSocketPolyfill`): each sends
 *   `subscribeSaved` as its very first frame and counts the sync step 2 (`0,1,…`) and update
 *   (`0,2,…`) frames sent on it;
 * - message 100 carries the server's cumulative count of those that are committed to its
 *   store; `acked >= sent` on the current socket means all of them are;
 * - every local transaction (a doc update whose origin is neither the provider nor the
 *   IndexedDB copy) counts as one unsaved change, kept in localStorage so a reload (even
 *   offline) still knows how many changes are not saved; the count goes back to 0 only
 *   when a connection has sent its sync step 2 (which carries every change made before it),
 *   the provider is synced, no local change since then missed the socket, and the server
 *   acknowledged every update-bearing frame sent on that connection.
 *
 * The persistent count is kept per tab (`{ [tabId]: { n, at } }`): tabs of one board each
 * have their own doc and connection. Entries of tabs that were closed before this tab's
 * local copy loaded are covered by this tab (their changes came in with the copy), so this
 * tab counts them and clears them once it is saved.
 */
export class SaveTracker {
  /** Update-bearing frames sent on the current connection. */
  sent = $state(0);
  /** How many of them the server has confirmed as durably stored. */
  acked = $state(0);
  /** The current connection sent its sync step 2. */
  step2Sent = $state(false);
  /** Local changes not yet confirmed as stored (this tab's, plus those it took over). */
  unsaved = $state(0);
  /** Unsaved changes when the current connection opened (made while disconnected). */
  unsavedAtConnect = $state(0);
  /** The current connection reached "everything saved" at least once. */
  savedOnConnection = $state(false);

  /** Pass as the provider's `WebSocketPolyfill`. */
  readonly WebSocketClass: typeof WebSocket;

  readonly #key: string;
  readonly #tab = tabId();
  #own = 0;
  /** Entries of other tabs older than this are in our doc (set when the local copy loaded). */
  #coverBefore = 0;
  #current: WebSocket | null = null;
  /** A local change happened while no socket could carry it: wait for the next sync step 2. */
  #unsentLocal = $state(false);
  #provider: WebsocketProvider | null = null;
  #off: (() => void)[] = [];
  /** A keystroke's task does not wait for localStorage: the count is stored after the paint. */
  readonly #writeCount = new AfterPaint(() => this.#storeCount());
  #lastChangeAt = 0;

  constructor(userId: string, docName: string) {
    this.#key = unsavedKey(userId, docName);
    this.#own = this.#entries()[this.#tab]?.n ?? 0;
    this.unsaved = this.#own;
    this.WebSocketClass = this.#socketClass();
  }

  #socketClass(): typeof WebSocket {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the socket class reports to this tracker
    const tracker = this;
    class Counting extends WebSocket implements CountingSocket {
      updatesSent = 0;
      step2Sent = false;

      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        tracker.#onSocket(this);
        // Registered before the provider sets `onopen`, so this is the first frame sent.
        this.addEventListener('open', () => WebSocket.prototype.send.call(this, SUBSCRIBE_SAVED_FRAME));
      }

      override send(data: string | ArrayBufferLike | Blob | ArrayBufferView) {
        super.send(data);
        const h = head(data);
        if (h && h[0] === MESSAGE.sync && (h[1] === SYNC.step2 || h[1] === SYNC.update)) {
          this.updatesSent++;
          if (h[1] === SYNC.step2) this.step2Sent = true;
          tracker.#onSent(this);
        }
      }
    }
    return Counting;
  }

  /** Wires the tracker to the provider it counts for (call right after creating it). */
  attach(provider: WebsocketProvider, updates: DocUpdates) {
    this.#provider = provider;
    provider.messageHandlers[MESSAGE.saved] = (_encoder, decoder) => {
      this.#onAck(decoding.readVarUint(decoder));
    };
    const onSync = (synced: boolean) => {
      if (synced) this.#settle();
    };
    provider.on('sync', onSync);
    this.#off.push(
      updates.onLocal(() => this.#localChange()),
      () => provider.off('sync', onSync),
    );
  }

  /** The local copy loaded at `openedAt`: changes of tabs closed before then are ours to save. */
  coverOlderTabs(openedAt: number) {
    this.#coverBefore = openedAt;
    this.unsaved = this.#own + this.#covered().reduce((sum, [, e]) => sum + e.n, 0);
  }

  /**
   * Everything this tab changed is durably stored on the server: the current connection
   * sent its sync step 2, no local change missed it, the provider is synced, and the server
   * acknowledged every update-bearing frame sent on it.
   */
  get settled(): boolean {
    return (
      this.#current !== null && this.step2Sent && !this.#unsentLocal && this.acked >= this.sent && this.unsaved === 0
    );
  }

  /** Forget every unsaved change (the local state was discarded). */
  discard() {
    this.#own = 0;
    this.unsaved = 0;
    removeKey(this.#key);
  }

  destroy() {
    this.#writeCount.destroy();
    for (const off of this.#off) off();
    this.#off = [];
    this.#current = null;
  }

  #onSocket(ws: WebSocket) {
    this.#current = ws;
    this.sent = 0;
    this.acked = 0;
    this.step2Sent = false;
    this.unsavedAtConnect = this.unsaved;
    this.savedOnConnection = false;
  }

  #onSent(ws: CountingSocket) {
    if (ws !== this.#current) return;
    this.sent = ws.updatesSent;
    if (ws.step2Sent && !this.step2Sent) {
      // The step 2 carries every change made so far, including those no socket carried.
      this.step2Sent = true;
      this.#unsentLocal = false;
    }
  }

  #onAck(count: number) {
    if (count > this.acked) this.acked = count;
    this.#settle();
  }

  #localChange() {
    const ws = this.#provider?.ws ?? null;
    // The provider sends a local change at once on an open socket; otherwise the next
    // connection's sync step 2 will carry it.
    if (!(this.#provider?.wsconnected && ws === this.#current && ws?.readyState === WebSocket.OPEN)) {
      this.#unsentLocal = true;
    }
    this.#own++;
    this.unsaved++;
    this.#lastChangeAt = Date.now();
    this.#writeCount.request();
  }

  /** This tab's unsaved count, stored for a reload or another tab to see (after the paint). */
  #storeCount() {
    const entries = this.#entries();
    if (this.#own === 0) delete entries[this.#tab];
    else entries[this.#tab] = { n: this.#own, at: this.#lastChangeAt };
    if (Object.keys(entries).length > 0) writeJson(this.#key, entries);
    else removeKey(this.#key);
  }

  #settle() {
    const ws = this.#current as CountingSocket | null;
    if (!ws || !this.#provider?.synced || this.#provider.ws !== ws) return;
    if (!ws.step2Sent || this.#unsentLocal || this.acked < ws.updatesSent) return;
    this.savedOnConnection = true;
    if (this.unsaved === 0 && this.#own === 0) return;
    this.#own = 0;
    this.unsaved = 0;
    const entries = this.#entries();
    delete entries[this.#tab];
    for (const [tab] of this.#covered(entries)) delete entries[tab];
    if (Object.keys(entries).length > 0) writeJson(this.#key, entries);
    else removeKey(this.#key);
  }

  #entries(): Record<string, UnsavedEntry> {
    const raw = readJson(this.#key, isRecord) ?? {};
    const out: Record<string, UnsavedEntry> = {};
    for (const [tab, entry] of Object.entries(raw)) if (isEntry(entry)) out[tab] = entry;
    return out;
  }

  /** Other tabs' entries whose changes were already in the local copy when it loaded. */
  #covered(entries = this.#entries()): [string, UnsavedEntry][] {
    return Object.entries(entries).filter(([tab, e]) => tab !== this.#tab && e.at < this.#coverBefore);
  }
}
