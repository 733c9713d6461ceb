import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { closeAction, reconnectsBySelf } from '@parley/shared/protocol';
import { ConnectionState } from './connection.svelte.ts';
import { sendAwarenessAfterPaint } from './awareness-sender.ts';
import { DocUpdates } from './doc-updates.ts';
import { LocalCopy } from './local-copy.svelte.ts';
import { onNetworkChange } from './network.svelte.ts';
import { SaveTracker } from './saved.svelte.ts';
import { yjsServerUrl } from './wsUrl.ts';
import { LOAD_MARK, markLoad } from '../util/load-marks.ts';

/**
 * One open Yjs document: a board (`<boardId>`) or a stakeholder's private notes
 * (`<boardId>~<stakeholderId>`), its local IndexedDB copy, the provider syncing it, the
 * connection status and the durable-save tracking. The browser's session cookie
 * authenticates the websocket.
 *
 * Offline first: the local copy is loaded before the provider connects, so the doc opens
 * (and stays editable) without network, and the provider's sync step 2 then carries every
 * change made offline. The window `offline` event drops the socket at once, `online`
 * reconnects.
 */
export interface DocSession {
  readonly docName: string;
  readonly doc: Y.Doc;
  readonly provider: WebsocketProvider;
  readonly connection: ConnectionState;
  readonly local: LocalCopy;
  readonly saves: SaveTracker;
  /**
   * The server refused a change: delete the local copy and forget the unsaved changes, so
   * a reload cannot bring the refused change back. Stops the session's writes to the copy.
   */
  discardLocal(): Promise<void>;
  destroy(): void;
}

/** Board sessions are doc sessions whose name is the board id. */
export type BoardSession = DocSession & { readonly boardId: string };

const DEFAULT_MAX_BACKOFF_MS = 2_500;
/** The backoff cap after a `reconnect-later` close (rate limited). */
const RATE_LIMITED_MAX_BACKOFF_MS = 30_000;

export interface DocSessionOptions {
  /** Whose local copy this is (copies are per user: `parley:<userId>:<docName>`). */
  userId: string;
  /** Called once the local copy is in the doc (or could not be read in time), right before connecting. */
  onLoaded?: () => void;
  /** Called for every close the server initiated (after the status was updated). */
  onServerClose?: (code: number, reason: string) => void;
}

export function openDocSession(docName: string, opts: DocSessionOptions): DocSession {
  const doc = new Y.Doc();
  const updates = new DocUpdates(doc);
  const local = new LocalCopy(opts.userId, docName, doc, updates);
  const saves = new SaveTracker(opts.userId, docName);
  const provider = new WebsocketProvider(yjsServerUrl(), docName, doc, {
    // Held back until the local copy is loaded (see below).
    connect: false,
    // Counts the update-bearing frames per socket and subscribes to "saved" acks.
    WebSocketPolyfill: saves.WebSocketClass,
    // y-websocket stops on every 44xx code by default. Parley's close actions say which
    // codes the provider retries by itself (after e.g. a rate limit it backs off and
    // retries); the others stop for good, or the session's owner handles them (after a
    // refused update the local doc must be discarded first, after an access change the
    // identity fetched again, before reconnecting).
    shouldReconnect: (event) => reconnectsBySelf(closeAction(event.code)),
    maxBackoffTime: DEFAULT_MAX_BACKOFF_MS,
    // Tabs of this browser sync through the server only: it is the one that checks what
    // each change may do, and a document discarded after a refused change must not be
    // refilled from another tab's copy of that change.
    disableBc: true,
  });
  updates.attachProvider(provider);
  saves.attach(provider, updates);
  const stopAwarenessSender = sendAwarenessAfterPaint(provider);
  const connection = new ConnectionState(provider);
  let destroyed = false;

  // Connect once the local copy is in the doc (or could not be read in time): the first
  // sync then sends only what the server lacks, and a board opened before shows at once.
  void local.loaded.then(() => {
    if (destroyed) return;
    opts.onLoaded?.();
    if (local.state === 'ready') saves.coverOlderTabs(local.openedAt);
    connection.start();
  });
  const offNetwork = onNetworkChange((online) => (online ? connection.goOnline() : connection.goOffline()));

  const onClose = (event: CloseEvent | null) => {
    if (!event) return; // closed locally
    // Rate limited: back off much further than the usual 2.5 s cap until a sync succeeds.
    provider.maxBackoffTime =
      closeAction(event.code) === 'reconnect-later' ? RATE_LIMITED_MAX_BACKOFF_MS : DEFAULT_MAX_BACKOFF_MS;
    opts.onServerClose?.(event.code, event.reason);
  };
  const onSync = (synced: boolean) => {
    if (!synced) return;
    provider.maxBackoffTime = DEFAULT_MAX_BACKOFF_MS;
    local.markSynced();
  };
  provider.on('connection-close', onClose);
  provider.on('sync', onSync);

  return {
    docName,
    doc,
    provider,
    connection,
    local,
    saves,
    async discardLocal() {
      saves.discard();
      await local.clear();
    },
    destroy() {
      destroyed = true;
      offNetwork();
      provider.off('connection-close', onClose);
      provider.off('sync', onSync);
      connection.destroy();
      saves.destroy();
      provider.awareness.setLocalState(null);
      stopAwarenessSender();
      provider.destroy();
      local.destroy();
      updates.destroy();
      doc.destroy();
    },
  };
}

export function openBoardSession(boardId: string, opts: DocSessionOptions): BoardSession {
  markLoad(LOAD_MARK.session);
  const session = openDocSession(boardId, { ...opts, onLoaded: () => markLoad(LOAD_MARK.local) });
  const onStatus = ({ status }: { status: string }) => {
    if (status === 'connected') markLoad(LOAD_MARK.connected);
  };
  const onSync = (synced: boolean) => {
    if (synced) markLoad(LOAD_MARK.synced);
  };
  session.provider.on('status', onStatus);
  session.provider.on('sync', onSync);

  // Leave the others' presence lists at once when the tab closes, instead of after the
  // awareness timeout (30 s). A page restored from the back/forward cache reloads, so it
  // never shows a stale, half-torn-down session.
  const onPageHide = () => session.provider.awareness.setLocalState(null);
  const onPageShow = (event: PageTransitionEvent) => {
    if (event.persisted) location.reload();
  };
  window.addEventListener('pagehide', onPageHide);
  window.addEventListener('pageshow', onPageShow);

  return {
    ...session,
    boardId,
    destroy() {
      window.removeEventListener('pagehide', onPageHide);
      window.removeEventListener('pageshow', onPageShow);
      session.provider.off('status', onStatus);
      session.provider.off('sync', onSync);
      session.destroy();
    },
  };
}
