import type { ThreadAnchor } from '@parley/shared/model';

/**
 * Between a point's text editors and its threads, which are far apart in the page: "Comment"
 * on a selection asks the point's threads section for a new thread on that span, and a
 * click on a thread's quote asks the editor to select its span (and a click on a highlight,
 * the thread card to come into view, which needs no state: see revealThread).
 */

/** A new thread asked for on a span of a point's text. */
export interface AnchorDraft {
  readonly pointId: string;
  readonly anchor: ThreadAnchor;
}

/** A thread's span to select in its editor. */
export interface AnchorReveal {
  readonly pointId: string;
  readonly threadId: string;
  readonly field: 'title' | 'body';
  /** Told apart from the last request, so asking twice for one span selects it twice. */
  readonly seq: number;
}

class CommentAnchors {
  /** The new thread "Comment" asked for, until its form takes it. */
  draft = $state.raw<AnchorDraft | null>(null);
  reveal = $state.raw<AnchorReveal | null>(null);
  #seq = 0;

  requestThread(draft: AnchorDraft) {
    this.draft = draft;
  }

  /** The threads section took the draft into its form. */
  takeDraft(pointId: string): AnchorDraft | null {
    const d = this.draft;
    if (!d || d.pointId !== pointId) return null;
    this.draft = null;
    return d;
  }

  revealSpan(pointId: string, threadId: string, field: 'title' | 'body') {
    this.reveal = { pointId, threadId, field, seq: ++this.#seq };
  }
}

export const commentAnchors = new CommentAnchors();

/** Brings a thread's card into view and focus (a click on its highlight in the text). */
export function revealThread(threadId: string): void {
  const card = document.querySelector<HTMLElement>(`[data-testid="thread"][data-thread-id="${CSS.escape(threadId)}"]`);
  if (!card) return;
  card.scrollIntoView({ block: 'center', behavior: 'smooth' });
  const quote = card.querySelector<HTMLElement>('[data-testid="thread-quote"]');
  (quote ?? card).focus({ preventScroll: true });
}
