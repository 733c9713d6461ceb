import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { CLOSE } from '@parley/shared/protocol';
import { ConnectionState, isFatalClose } from './connection.svelte.ts';
import { yjsServerUrl } from './wsUrl.ts';

/**
 * One open Yjs document: a board (`<boardId>`) or a stakeholder's private notes
 * (`<boardId>~<stakeholderId>`), the provider syncing it, and the connection status.
 * The browser's session cookie authenticates the websocket.
 */
export interface DocSession {
  readonly docName: string;
  readonly doc: Y.Doc;
  readonly provider: WebsocketProvider;
  readonly connection: ConnectionState;
  destroy(): void;
}

/** Board sessions are doc sessions whose name is the board id. */
export type BoardSession = DocSession & { readonly boardId: string };

/**
 * Close codes the owner of the session handles itself instead of the provider's
 * automatic reconnect: after a refused update the local doc must be discarded first
 * (reconnecting would send the same update again), and after an access change the
 * identity must be fetched again before reconnecting.
 */
const MANAGED_CLOSE_CODES: ReadonlySet<number> = new Set([CLOSE.forbiddenUpdate, CLOSE.accessChanged]);

const DEFAULT_MAX_BACKOFF_MS = 2_500;
const RATE_LIMITED_MAX_BACKOFF_MS = 30_000;

export interface DocSessionOptions {
  /** Called for every close the server initiated (after the status was updated). */
  onServerClose?: (code: number, reason: string) => void;
}

export function openDocSession(docName: string, opts: DocSessionOptions = {}): DocSession {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(yjsServerUrl(), docName, doc, {
    // y-websocket stops on every 44xx code by default. Only the codes Parley documents as
    // fatal mean "retrying cannot help"; after e.g. a rate limit we back off and retry.
    shouldReconnect: (event) => !isFatalClose(event.code) && !MANAGED_CLOSE_CODES.has(event.code),
    maxBackoffTime: DEFAULT_MAX_BACKOFF_MS,
    // Tabs of this browser sync through the server only: it is the one that checks what
    // each change may do, and a document discarded after a refused change must not be
    // refilled from another tab's copy of that change.
    disableBc: true,
  });
  const connection = new ConnectionState(provider);

  const onClose = (event: CloseEvent | null) => {
    if (!event) return; // closed locally
    // Rate limited: back off much further than the usual 2.5 s cap until a sync succeeds.
    provider.maxBackoffTime = event.code === CLOSE.rateLimited ? RATE_LIMITED_MAX_BACKOFF_MS : DEFAULT_MAX_BACKOFF_MS;
    opts.onServerClose?.(event.code, event.reason);
  };
  const onSync = (synced: boolean) => {
    if (synced) provider.maxBackoffTime = DEFAULT_MAX_BACKOFF_MS;
  };
  provider.on('connection-close', onClose);
  provider.on('sync', onSync);

  return {
    docName,
    doc,
    provider,
    connection,
    destroy() {
      provider.off('connection-close', onClose);
      provider.off('sync', onSync);
      connection.destroy();
      provider.awareness.setLocalState(null);
      provider.destroy();
      doc.destroy();
    },
  };
}

export function openBoardSession(boardId: string, opts: DocSessionOptions = {}): BoardSession {
  const session = openDocSession(boardId, opts);

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
      session.destroy();
    },
  };
}
