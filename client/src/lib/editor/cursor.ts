import * as Y from 'yjs';
import type { Awareness } from 'y-protocols/awareness';

/**
 * Clears my `cursor` (the field y-codemirror.next publishes) if it is in `text`: title and
 * body share one awareness, so leaving the title must not clear a cursor the body has
 * just set. Returns whether it cleared it.
 */
export function clearCursorIn(awareness: Awareness, text: Y.Text): boolean {
  const state = awareness.getLocalState() as { cursor?: { anchor?: unknown } | null } | null;
  const anchor = state?.cursor?.anchor;
  if (!anchor || !text.doc) return false;
  let inText = false;
  try {
    const at = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(anchor), text.doc);
    inText = at?.type === text;
  } catch {
    // A cursor that does not decode is cleared too: it shows nowhere useful.
    inText = true;
  }
  if (inText) awareness.setLocalStateField('cursor', null);
  return inText;
}
