import { Decoration, EditorView, keymap, type DecorationSet } from '@codemirror/view';
import { Prec, StateEffect, StateField, type Extension } from '@codemirror/state';
import type { CommentHooks } from './collab-editor.ts';

/** Where an anchored thread's span is in the text now. */
export interface AnchorSpan {
  readonly id: string;
  readonly from: number;
  readonly to: number;
}

export interface ThreadAnchors {
  readonly extension: Extension;
  /** Reads the spans again now (threads came or went). */
  refresh(view: EditorView): void;
  reveal(view: EditorView, threadId: string, from: number, to: number): void;
  destroy(): void;
}

const setSpans = StateEffect.define<{ spans: readonly AnchorSpan[]; active: string | null }>();

/** How long the thread a click brought into view keeps its stronger highlight. */
const ACTIVE_MS = 2500;

function decorations(spans: readonly AnchorSpan[], active: string | null, length: number): DecorationSet {
  const ranges = spans
    .filter((s) => s.from < s.to && s.to <= length)
    .map((s) =>
      Decoration.mark({
        class: s.id === active ? 'cm-thread-anchor cm-thread-anchor-active' : 'cm-thread-anchor',
        attributes: { 'data-thread-id': s.id, title: 'Commented text: click to see the thread' },
      }).range(s.from, s.to),
    );
  return Decoration.set(ranges, true);
}

const theme = EditorView.baseTheme({
  '.cm-thread-anchor': {
    backgroundColor: 'rgb(255 196 0 / 22%)',
    borderBottom: '2px solid rgb(214 158 0 / 85%)',
    cursor: 'pointer',
  },
  '.cm-thread-anchor-active': {
    backgroundColor: 'rgb(255 196 0 / 48%)',
  },
});

/**
 * Highlights the spans of a point's anchored threads (re-read with resolveAnchor after
 * every change, once per frame; meanwhile the highlights move with the edits), reports
 * the selection for the "Comment" button, takes Ctrl+Alt+M to comment on it, and a click
 * on a highlight to show its thread.
 */
export function threadAnchors(hooks: CommentHooks): ThreadAnchors {
  let frame: number | null = null;
  let activeTimer: ReturnType<typeof setTimeout> | null = null;
  let active: string | null = null;

  const field = StateField.define<DecorationSet>({
    create: () => Decoration.none,
    update(value, tr) {
      let next = value.map(tr.changes);
      for (const effect of tr.effects) {
        if (effect.is(setSpans)) next = decorations(effect.value.spans, effect.value.active, tr.state.doc.length);
      }
      return next;
    },
    provide: (f) => EditorView.decorations.from(f),
  });

  const refresh = (view: EditorView) => {
    if (frame !== null) cancelAnimationFrame(frame);
    frame = null;
    view.dispatch({ effects: setSpans.of({ spans: hooks.spans(), active }) });
  };

  const report = (view: EditorView, left: boolean) => {
    const sel = view.state.selection.main;
    // Leaving the text (focus gone elsewhere) ends the selection's offer to comment; a text
    // one cannot focus (read-only) never reports leaving.
    hooks.onselection(sel.empty || left ? null : { from: sel.from, to: sel.to });
  };

  const shortcut: Extension = [
    EditorView.contentAttributes.of({ 'aria-keyshortcuts': 'Control+Alt+M' }),
    Prec.high(
      keymap.of([
        {
          key: 'Ctrl-Alt-m',
          run: (view) => {
            const sel = view.state.selection.main;
            if (sel.empty) return false;
            hooks.oncomment({ from: sel.from, to: sel.to });
            return true;
          },
        },
      ]),
    ),
  ];

  const extension: Extension = [
    field,
    theme,
    hooks.shortcut ? shortcut : [],
    EditorView.updateListener.of((update) => {
      if (update.docChanged && frame === null) {
        // Read again once the frame's edits are in: resolveAnchor knows the truth (a span
        // whose text was all deleted is gone, not a collapsed highlight).
        const view = update.view;
        frame = requestAnimationFrame(() => {
          frame = null;
          refresh(view);
        });
      }
      if (update.selectionSet || update.docChanged || update.focusChanged) {
        report(update.view, update.focusChanged && !update.view.hasFocus);
      }
    }),
    EditorView.domEventHandlers({
      click: (event, view) => {
        const target = event.target instanceof Element ? event.target.closest('[data-thread-id]') : null;
        const id = target?.getAttribute('data-thread-id');
        // A drag that selected text is a selection to comment on, not a click.
        if (!id || !view.state.selection.main.empty) return false;
        hooks.onanchorclick(id);
        return false;
      },
    }),
  ];

  return {
    extension,
    refresh,
    reveal(view, threadId, from, to) {
      const length = view.state.doc.length;
      if (to > length) return;
      active = threadId;
      if (activeTimer !== null) clearTimeout(activeTimer);
      activeTimer = setTimeout(() => {
        active = null;
        activeTimer = null;
        refresh(view);
      }, ACTIVE_MS);
      view.dispatch({
        selection: { anchor: from, head: to },
        effects: [setSpans.of({ spans: hooks.spans(), active }), EditorView.scrollIntoView(from, { y: 'center' })],
      });
      if (view.contentDOM.isContentEditable) view.focus();
    },
    destroy() {
      if (frame !== null) cancelAnimationFrame(frame);
      if (activeTimer !== null) clearTimeout(activeTimer);
    },
  };
}
