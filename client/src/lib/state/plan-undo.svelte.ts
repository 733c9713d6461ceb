import type * as Y from 'yjs';
import { createPlanUndoManager } from '@parley/shared/model';

/**
 * Undo and redo of my own plan edits (categories and points added, moved, renamed,
 * deleted, restored) on one board session. The model's manager captures only this
 * replica's plan mutations, never a remote update and never text typing (each text editor
 * undoes its own typing), so Ctrl+Z never reverts someone else's edit.
 *
 * Each step can carry a label ("move of point 7") for the announcement; `label()` names
 * the next step before the mutation that makes it.
 */
export class PlanUndo {
  readonly manager: Y.UndoManager;
  canUndo = $state(false);
  canRedo = $state(false);
  /** What Undo and Redo would do ("move of point 7"); '' when the step has no name. */
  undoLabel = $state('');
  redoLabel = $state('');
  #nextLabel: string | null = null;
  #added: Y.UndoManager['undoStack'][number] | null = null;

  constructor(doc: Y.Doc) {
    this.manager = createPlanUndoManager(doc);
    this.manager.on('stack-item-added', this.#onAdded);
    this.manager.on('stack-item-popped', this.#sync);
    this.manager.on('stack-cleared', this.#sync);
  }

  /** Names the step the next local plan mutation makes (call right before it). */
  label(text: string | null) {
    this.#nextLabel = text;
  }

  #onAdded = (event: { stackItem: Y.UndoManager['undoStack'][number]; origin: unknown }) => {
    this.#added = event.stackItem;
    // A step made by a mutation (not by undo or redo themselves) takes the pending label.
    if (event.origin !== this.manager && this.#nextLabel !== null && !event.stackItem.meta.has('label')) {
      event.stackItem.meta.set('label', this.#nextLabel);
    }
    this.#nextLabel = null;
    this.#sync();
  };

  #sync = () => {
    this.canUndo = this.manager.undoStack.length > 0;
    this.canRedo = this.manager.redoStack.length > 0;
    const label = (stack: Y.UndoManager['undoStack']) => (stack[stack.length - 1]?.meta.get('label') as string) ?? '';
    this.undoLabel = label(this.manager.undoStack);
    this.redoLabel = label(this.manager.redoStack);
  };

  /** Undoes my last plan edit; returns its label ('' when unnamed), or null when there was none. */
  undo(): string | null {
    return this.#step('undo');
  }

  /** Redoes what I last undid; returns its label, or null when there was nothing to redo. */
  redo(): string | null {
    return this.#step('redo');
  }

  #step(which: 'undo' | 'redo'): string | null {
    const stack = which === 'undo' ? this.manager.undoStack : this.manager.redoStack;
    const item = stack[stack.length - 1];
    if (!item) return null;
    const label = (item.meta.get('label') as string | undefined) ?? '';
    this.#nextLabel = null;
    this.#added = null;
    if (which === 'undo') this.manager.undo();
    else this.manager.redo();
    // The opposite step Yjs pushed keeps the label, so "Redone: move of point 7" reads right.
    const added = this.#added as Y.UndoManager['undoStack'][number] | null;
    if (added && label) added.meta.set('label', label);
    this.#sync();
    return label;
  }

  destroy() {
    this.manager.off('stack-item-added', this.#onAdded);
    this.manager.off('stack-item-popped', this.#sync);
    this.manager.off('stack-cleared', this.#sync);
    this.manager.destroy();
  }
}
