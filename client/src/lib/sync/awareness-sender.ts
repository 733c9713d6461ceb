import type { WebsocketProvider } from 'y-websocket';
import { AfterPaint } from '../util/after-paint.ts';

interface AwarenessChanges {
  readonly added: number[];
  readonly updated: number[];
  readonly removed: number[];
}

/**
 * Sends this page's presence (cursor, selection, focus) once the frame has painted rather
 * than inside the keystroke that moved the cursor: several changes before the paint go as
 * one message holding the latest state. Leaving (the local state set to null) goes at once,
 * so the others drop the cursor even as the page closes.
 *
 * The stock provider also sends back every other client's state it receives; the server
 * drops those echoes (a connection may only speak for its own clients), so only this
 * page's own state is sent. Returns the undo.
 */
export function sendAwarenessAfterPaint(provider: WebsocketProvider): () => void {
  const awareness = provider.awareness;
  const sendOwn = () =>
    provider._awarenessUpdateHandler({ added: [], updated: [awareness.clientID], removed: [] }, 'local');
  const later = new AfterPaint(sendOwn);
  const onUpdate = ({ added, updated, removed }: AwarenessChanges) => {
    const id = awareness.clientID;
    if (!added.includes(id) && !updated.includes(id) && !removed.includes(id)) return;
    if (awareness.getLocalState() === null) sendOwn();
    else later.request();
  };
  awareness.off('update', provider._awarenessUpdateHandler);
  awareness.on('update', onUpdate);
  return () => {
    awareness.off('update', onUpdate);
    later.destroy();
  };
}
