import type * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import type { WebsocketProvider } from 'y-websocket';
import { MESSAGE, SYNC } from '@parley/shared/protocol';

type LocalListener = (update: Uint8Array, origin: unknown) => void;
type RemoteListener = (update: Uint8Array) => void;

/**
 * A doc's updates, for everyone who needs them (the provider sends local changes, the local
 * copy stores every change, the save tracker counts local ones), encoded only when needed.
 *
 * While any `update` listener is registered, Yjs encodes every transaction as it ends: the
 * server's whole board in a sync step 2 (2 MB on a big board, ~120 ms in the page) and
 * everything loaded from IndexedDB, though no one needs those bytes encoded again. So the
 * hub is the doc's only `update` listener and registers itself just before Yjs decides to
 * encode (`afterTransactionCleanup` runs right before), and only for local transactions.
 * A change from the server reaches the local copy as the bytes the server sent.
 */
export class DocUpdates {
  readonly #doc: Y.Doc;
  readonly #local = new Set<LocalListener>();
  readonly #remote = new Set<RemoteListener>();
  /** Transactions of these origins are not this tab's changes (the server's, the local copy's). */
  #isForeign: (origin: unknown) => boolean = () => false;
  #provider: WebsocketProvider | null = null;
  /** The update of the sync message being applied now, as the server sent it. */
  #received: Uint8Array | null = null;
  #listening = false;

  constructor(doc: Y.Doc) {
    this.#doc = doc;
    doc.on('afterTransactionCleanup', this.#afterTransaction);
  }

  /** Changes applied by the local copy's loader are neither sent nor stored again. */
  ignoreOrigin(isLocalCopyOrigin: (origin: unknown) => boolean): void {
    const before = this.#isForeign;
    this.#isForeign = (origin) => before(origin) || isLocalCopyOrigin(origin);
  }

  /**
   * Takes over the provider's own `update` listener (it sends local changes), and reads each
   * sync message's update before the provider applies it, so the local copy can store it.
   */
  attachProvider(provider: WebsocketProvider): void {
    this.#provider = provider;
    this.ignoreOrigin((origin) => origin === provider);
    this.#doc.off('update', provider._updateHandler);
    this.#local.add(provider._updateHandler);
    const handleSync = provider.messageHandlers[MESSAGE.sync]!;
    provider.messageHandlers[MESSAGE.sync] = (encoder, decoder, p, emitSynced, messageType) => {
      const peek = decoding.clone(decoder);
      const kind = decoding.readVarUint(peek);
      this.#received = kind === SYNC.step2 || kind === SYNC.update ? decoding.readVarUint8Array(peek) : null;
      try {
        handleSync(encoder, decoder, p, emitSynced, messageType);
      } finally {
        this.#received = null;
      }
    };
  }

  /** This tab's changes, encoded once each (returns the unsubscribe). */
  onLocal(listener: LocalListener): () => void {
    this.#local.add(listener);
    return () => this.#local.delete(listener);
  }

  /** Changes from the server, as received (returns the unsubscribe). */
  onRemote(listener: RemoteListener): () => void {
    this.#remote.add(listener);
    return () => this.#remote.delete(listener);
  }

  destroy(): void {
    this.#doc.off('afterTransactionCleanup', this.#afterTransaction);
    this.#doc.off('update', this.#emitLocal);
    this.#local.clear();
    this.#remote.clear();
  }

  readonly #afterTransaction = (tr: Y.Transaction): void => {
    const local = !this.#isForeign(tr.origin);
    if (local !== this.#listening) {
      if (local) this.#doc.on('update', this.#emitLocal);
      else this.#doc.off('update', this.#emitLocal);
      this.#listening = local;
    }
    const received = this.#received;
    if (received && tr.origin === this.#provider && (changedAnything(tr) || this.#doc.store.pendingStructs)) {
      for (const listener of this.#remote) listener(received);
    }
  };

  readonly #emitLocal = (update: Uint8Array, origin: unknown): void => {
    // Only registered around local transactions; a foreign one cannot reach here.
    for (const listener of this.#local) listener(update, origin);
  };
}

function changedAnything(tr: Y.Transaction): boolean {
  if (tr.deleteSet.clients.size > 0) return true;
  for (const [client, clock] of tr.afterState) if (tr.beforeState.get(client) !== clock) return true;
  return false;
}
