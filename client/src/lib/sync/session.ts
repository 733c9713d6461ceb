import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { ConnectionState, isFatalClose } from './connection.svelte.ts';
import { yjsServerUrl } from './wsUrl.ts';

/** One open board: its Y.Doc, the provider syncing it, and the connection status. */
export interface BoardSession {
  readonly boardId: string;
  readonly doc: Y.Doc;
  readonly provider: WebsocketProvider;
  readonly connection: ConnectionState;
  destroy(): void;
}

export function openBoardSession(boardId: string): BoardSession {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(yjsServerUrl(), boardId, doc, {
    // y-websocket stops on every 44xx code by default. Only the codes Parley documents as
    // fatal mean "retrying cannot help"; after e.g. a rate limit we back off and retry.
    shouldReconnect: (event) => !isFatalClose(event.code),
  });
  const connection = new ConnectionState(provider);

  // Leave the others' presence lists at once when the tab closes, instead of after the
  // awareness timeout (30 s). A page restored from the back/forward cache reloads, so it
  // never shows a stale, half-torn-down session.
  const onPageHide = () => provider.awareness.setLocalState(null);
  const onPageShow = (event: PageTransitionEvent) => {
    if (event.persisted) location.reload();
  };
  window.addEventListener('pagehide', onPageHide);
  window.addEventListener('pageshow', onPageShow);

  return {
    boardId,
    doc,
    provider,
    connection,
    destroy() {
      window.removeEventListener('pagehide', onPageHide);
      window.removeEventListener('pageshow', onPageShow);
      connection.destroy();
      provider.awareness.setLocalState(null);
      provider.destroy();
      doc.destroy();
    },
  };
}
