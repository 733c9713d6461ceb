import { getContext, setContext, tick } from 'svelte';
import {
  TRASH,
  deleteCategory,
  moveCategory,
  movePoint,
  movePointStep,
  renameCategory,
  restorePoint,
  trashPoint,
  type CategoryId,
  type PointId,
} from '@parley/shared/model';
import type { BoardController } from './board-context.svelte.ts';
import { PlanUndo } from './plan-undo.svelte.ts';
import { router } from '../router.svelte.ts';

/** What the notice at the bottom of the board says: a deleted point to bring back, or a failure. */
export type PlanNotice =
  { kind: 'deleted'; pointId: PointId; number: number; title: string } | { kind: 'error'; message: string };

/**
 * The plan edits an editor makes outside the text editors (move, delete and restore
 * points; rename, move and delete categories; undo and redo), with what they tell the
 * person: a polite announcement for screen readers, and the undo notice after a delete.
 * One per board session; BoardWorkspace makes it and destroys it with the board.
 */
export class PlanActions {
  readonly ctl: BoardController;
  readonly undo: PlanUndo;
  /** The latest announcement for the polite live region (cleared first, so a repeat is read again). */
  announcement = $state('');
  notice = $state<PlanNotice | null>(null);
  #noticeTimer: ReturnType<typeof setTimeout> | null = null;
  #noticePaused = false;
  #announceTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(ctl: BoardController) {
    this.ctl = ctl;
    this.undo = new PlanUndo(ctl.doc);
  }

  get canEdit(): boolean {
    return this.ctl.canEditPlan && this.ctl.actor !== null;
  }

  announce(text: string) {
    this.announcement = '';
    if (this.#announceTimer !== null) clearTimeout(this.#announceTimer);
    // Set in a later task, so assistive technology sees a change even for the same words.
    this.#announceTimer = setTimeout(() => {
      this.#announceTimer = null;
      this.announcement = text;
    }, 50);
  }

  #act(mutate: Parameters<BoardController['act']>[0]): string | null {
    const error = this.ctl.act(mutate, { kind: 'edit-plan' });
    // A refused edit made no undo step: its label must not name the next one.
    this.undo.label(null);
    return error;
  }

  #number(pointId: string): number | undefined {
    return this.ctl.board.pointById.get(pointId)?.number;
  }

  /** Focuses the list item of a point once the list has caught up (a move re-renders it). */
  async focusItem(pointId: string) {
    await tick();
    document.querySelector<HTMLElement>(`[data-testid="point-item"][data-point-id="${CSS.escape(pointId)}"]`)?.focus();
  }

  // ---------------------------------------------------------------- points

  /** Alt+↑ / Alt+↓: one place up or down in the board's numbering. */
  step(pointId: string, direction: 'up' | 'down'): boolean {
    const before = this.ctl.board.pointById.get(pointId);
    if (!before) return false;
    let moved = false;
    this.undo.label(`move of point ${before.number}`);
    const error = this.#act((actor) => {
      moved = movePointStep(this.ctl.doc, actor, pointId as PointId, direction);
    });
    if (error) {
      this.showError(error);
      return false;
    }
    if (!moved) {
      this.announce(`Point ${before.number} is already ${direction === 'up' ? 'first' : 'last'}`);
      return false;
    }
    this.#announceMove(pointId, before.number, before.categoryId);
    return true;
  }

  /** "Move to…": into `categoryId` at `index` (0 = top), counted without the point itself. */
  moveTo(pointId: string, categoryId: string, index: number): string | null {
    const before = this.ctl.board.pointById.get(pointId);
    if (!before) return 'This point is no longer on the board';
    this.undo.label(`move of point ${before.number}`);
    const error = this.#act((actor) => {
      movePoint(this.ctl.doc, actor, pointId as PointId, { categoryId: categoryId as CategoryId, index });
    });
    if (!error) this.#announceMove(pointId, before.number, before.categoryId);
    return error;
  }

  #announceMove(pointId: string, from: number, fromCategory: string) {
    const after = this.ctl.board.pointById.get(pointId);
    if (!after) return;
    const category = this.ctl.board.categoryById.get(after.categoryId);
    const into = after.categoryId !== fromCategory && category ? `, into ${category.title}` : '';
    this.announce(`Point ${from} moved to ${after.number}${into}`);
  }

  /** Deletes a point (restorable): it leaves every view at once and the undo notice offers it back. */
  trash(pointId: string): string | null {
    const points = this.ctl.board.points;
    const at = points.findIndex((p) => p.id === pointId);
    const point = points[at];
    if (!point) return 'This point is no longer on the board';
    const neighbour = points[at + 1] ?? points[at - 1] ?? null;
    const wasSelected = (router.url.searchParams.get('point') ?? points[0]?.id) === pointId;
    this.undo.label(`delete of point ${point.number}`);
    const error = this.#act((actor) => trashPoint(this.ctl.doc, actor, pointId as PointId));
    if (error) {
      this.showError(error);
      return error;
    }
    if (wasSelected) router.setParam('point', neighbour?.id ?? null, { replace: true });
    this.#showNotice({ kind: 'deleted', pointId: point.id, number: point.number, title: point.title });
    return null;
  }

  /** The notice's Undo: brings the deleted point back, or says why it cannot. */
  restore(pointId: string) {
    this.undo.label('restore of a deleted point');
    const error = this.#act((actor) => restorePoint(this.ctl.doc, actor, pointId as PointId));
    if (error) {
      this.showError(error);
      return;
    }
    this.dismissNotice();
    const number = this.#number(pointId);
    router.setParam('point', pointId, { replace: true });
    this.announce(number ? `Point ${number} restored` : 'Point restored');
  }

  // ---------------------------------------------------------------- categories

  renameCategory(categoryId: string, title: string): string | null {
    this.undo.label('rename of a category');
    return this.#act((actor) => renameCategory(this.ctl.doc, actor, categoryId as CategoryId, title));
  }

  moveCategory(categoryId: string, direction: 'up' | 'down'): string | null {
    const categories = this.ctl.board.categories;
    const at = categories.findIndex((c) => c.id === categoryId);
    const category = categories[at];
    if (!category) return 'This category is no longer on the board';
    const to = direction === 'up' ? at - 1 : at + 1;
    if (to < 0 || to >= categories.length) return null;
    this.undo.label(`move of category ${category.title}`);
    const error = this.#act((actor) => moveCategory(this.ctl.doc, actor, categoryId as CategoryId, to));
    if (!error) this.announce(`Category ${category.title} moved to ${to + 1}`);
    return error;
  }

  /**
   * Deletes a category; its points (deleted ones too, so a restore finds a home) go to
   * `moveTo`. With no visible points, they go to a neighbour: nobody has to choose.
   */
  deleteCategory(categoryId: string, moveTo: string | null): string | null {
    const categories = this.ctl.board.categories;
    const at = categories.findIndex((c) => c.id === categoryId);
    const category = categories[at];
    if (!category) return 'This category is no longer on the board';
    const fallback = categories[at - 1] ?? categories[at + 1];
    const target = moveTo ?? fallback?.id ?? undefined;
    this.undo.label(`delete of category ${category.title}`);
    const error = this.#act((actor) =>
      deleteCategory(this.ctl.doc, actor, categoryId as CategoryId, target as CategoryId | undefined),
    );
    if (!error) {
      const into = moveTo ? this.ctl.board.categoryById.get(moveTo) : undefined;
      this.announce(`Category ${category.title} deleted${into ? `; its points moved to ${into.title}` : ''}`);
    }
    return error;
  }

  // ---------------------------------------------------------------- undo / redo

  undoLast() {
    if (!this.canEdit) return;
    this.#undoRedo('undo');
  }

  redoLast() {
    if (!this.canEdit) return;
    this.#undoRedo('redo');
  }

  #undoRedo(which: 'undo' | 'redo') {
    const selected = router.url.searchParams.get('point');
    let label: string | null = null;
    try {
      label = which === 'undo' ? this.undo.undo() : this.undo.redo();
    } catch (err) {
      console.error(err);
      this.showError('Something went wrong. Please try again.');
      return;
    }
    this.ctl.board.flush();
    if (label === null) {
      this.announce(which === 'undo' ? 'Nothing to undo' : 'Nothing to redo');
      return;
    }
    // An undone delete hides nothing new; an undone restore may hide the selected point.
    if (this.notice?.kind === 'deleted' && this.ctl.board.pointById.has(this.notice.pointId)) this.dismissNotice();
    if (selected && !this.ctl.board.pointById.has(selected)) router.setParam('point', null, { replace: true });
    const done = which === 'undo' ? 'Undone' : 'Redone';
    this.announce(label ? `${done}: ${label}` : done);
  }

  // ---------------------------------------------------------------- notice

  showError(message: string) {
    this.#showNotice({ kind: 'error', message });
  }

  #showNotice(notice: PlanNotice) {
    this.notice = notice;
    this.#noticePaused = false;
    this.#armNotice();
  }

  #armNotice() {
    if (this.#noticeTimer !== null) clearTimeout(this.#noticeTimer);
    this.#noticeTimer = setTimeout(() => {
      this.#noticeTimer = null;
      if (!this.#noticePaused) this.notice = null;
    }, TRASH.undoNoticeMs);
  }

  /** While the pointer or focus is on the notice it stays; it goes a while after they leave. */
  pauseNotice(paused: boolean) {
    if (this.#noticePaused === paused) return;
    this.#noticePaused = paused;
    if (!paused && this.notice) this.#armNotice();
  }

  dismissNotice() {
    if (this.#noticeTimer !== null) clearTimeout(this.#noticeTimer);
    this.#noticeTimer = null;
    this.notice = null;
  }

  destroy() {
    if (this.#noticeTimer !== null) clearTimeout(this.#noticeTimer);
    if (this.#announceTimer !== null) clearTimeout(this.#announceTimer);
    this.undo.destroy();
  }
}

const KEY = Symbol('parley-plan-actions');

export function setPlanActions(actions: PlanActions): PlanActions {
  return setContext(KEY, actions);
}

export function getPlanActions(): PlanActions {
  const actions = getContext<PlanActions | undefined>(KEY);
  if (!actions) throw new Error('getPlanActions() called outside a board view');
  return actions;
}

/** True when keys typed now go into text: an input, a select, a text area or a text editor. */
export function typingInText(target: EventTarget | null): boolean {
  if (!(target instanceof Element)) return false;
  if (target.closest('.cm-editor, [contenteditable=""], [contenteditable="true"]')) return true;
  return (
    target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement
  );
}
