import * as Y from 'yjs';
import { MutationOrigin, type MutationName } from './origin.ts';
import { boardRoots } from './roots.ts';

/**
 * The plan changes Ctrl+Z undoes outside a text editor (each editor undoes its own typing).
 * Positions and comments are not here: undoing one would restore a value another person
 * wrote, in one's own name, which the server refuses.
 */
export const PLAN_UNDO_MUTATIONS: ReadonlySet<MutationName> = new Set<MutationName>([
  'addCategory',
  'renameCategory',
  'moveCategory',
  'deleteCategory',
  'addPoint',
  'movePoint',
  'trashPoint',
  'restorePoint',
]);

/**
 * An undo manager over this replica's own plan changes. Remote updates have another origin
 * and are never captured, so undo never reverts someone else's edit; when someone else has
 * since overwritten a field, Yjs leaves their value in place.
 */
export function createPlanUndoManager(doc: Y.Doc): Y.UndoManager {
  const { categories, points } = boardRoots(doc);
  return new Y.UndoManager([categories, points], {
    trackedOrigins: new Set([MutationOrigin]),
    // Tracked origins are mutations and the manager's own undos (which fill the redo stack).
    captureTransaction: (tr) => !(tr.origin instanceof MutationOrigin) || PLAN_UNDO_MUTATIONS.has(tr.origin.mutation),
    // Each move or delete is its own step, however quickly the next follows.
    captureTimeout: 0,
  });
}
