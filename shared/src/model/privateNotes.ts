import * as Y from 'yjs';
import type { PointId } from './ids.ts';
import { mutationOrigin } from './origin.ts';

/**
 * A stakeholder's private notes live in their own doc, `<boardId>~<stakeholderId>`, which
 * only that stakeholder's members can open: confidentiality needs a document boundary,
 * because everything in a doc reaches every reader of it.
 *
 *   notes  Y.Map  pointId -> Y.Text
 */
export const NOTES_ROOT = 'notes';

export function notesMap(doc: Y.Doc): Y.Map<Y.Text> {
  return doc.getMap<Y.Text>(NOTES_ROOT);
}

/** The notes text of a point, created (in one transaction) on first use. */
export function pointNotes(doc: Y.Doc, pointId: PointId): Y.Text {
  const notes = notesMap(doc);
  let text = notes.get(pointId);
  if (!(text instanceof Y.Text)) {
    text = new Y.Text();
    const created = text;
    doc.transact(() => notes.set(pointId, created), mutationOrigin('createNotes', null));
  }
  return text;
}

/** The notes text of a point if it exists (never writes: safe for read-only views). */
export function existingPointNotes(doc: Y.Doc, pointId: PointId): Y.Text | null {
  const text = notesMap(doc).get(pointId);
  return text instanceof Y.Text ? text : null;
}
