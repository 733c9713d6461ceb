import * as Y from 'yjs';
import type { Awareness } from 'y-protocols/awareness';
import {
  Decoration,
  EditorView,
  ViewPlugin,
  drawSelection,
  keymap,
  placeholder as cmPlaceholder,
  type DecorationSet,
  type ViewUpdate,
} from '@codemirror/view';
import { Compartment, EditorState, Prec, RangeSetBuilder, type Extension } from '@codemirror/state';
import { clearCursorIn } from './cursor.ts';
import { threadAnchors, type AnchorSpan, type ThreadAnchors } from './thread-anchors.ts';
import { highlightRanges } from '@parley/shared/model';
import { defaultKeymap } from '@codemirror/commands';
import { yCollab, yUndoManagerKeymap } from 'y-codemirror.next';

/*
 * CodeMirror and its Yjs binding, in a chunk of their own: the app shell evaluates without
 * them, so the board's socket opens sooner, and the editor loads while the board syncs.
 */

/** Keeps a title on one line: Enter does nothing, pasted line breaks become spaces. */
const singleLineExtensions: Extension = [
  Prec.highest(keymap.of([{ key: 'Enter', run: () => true }])),
  EditorState.transactionFilter.of((tr) => {
    if (!tr.docChanged || !(tr.isUserEvent('input') || tr.isUserEvent('paste') || tr.isUserEvent('drop'))) return tr;
    let hasBreak = false;
    tr.changes.iterChanges((_fa, _ta, _fb, _tb, inserted) => {
      if (inserted.lines > 1) hasBreak = true;
    });
    if (!hasBreak) return tr;
    const changes: { from: number; to: number; insert: string }[] = [];
    tr.changes.iterChanges((fromA, toA, _fb, _tb, inserted) => {
      // one character for one, so the transaction's selection stays valid
      changes.push({ from: fromA, to: toA, insert: inserted.toString().replace(/\n/g, ' ') });
    });
    return { changes, selection: tr.selection, scrollIntoView: tr.scrollIntoView };
  }),
];

const theme = EditorView.theme({
  '&': { backgroundColor: 'transparent' },
  '&.cm-focused': { outline: 'none' },
  '.cm-scroller': { fontFamily: 'inherit', lineHeight: 'inherit', overflow: 'visible' },
  '.cm-content': { padding: '0', caretColor: 'var(--text)' },
  '.cm-line': { padding: '0' },
  '.cm-placeholder': { color: 'var(--text-3)', fontStyle: 'normal' },
  '.cm-ySelectionInfo': {
    fontFamily: 'var(--font-sans)',
    fontSize: '11px',
    fontWeight: '600',
    padding: '1px 4px',
    borderRadius: '3px 3px 3px 0',
    opacity: '1',
    top: '-1.35em',
  },
});

const searchHit = Decoration.mark({ class: 'cm-search-hit' });

/** Marks the words of a board search in the text, as the search matched them (highlightRanges). */
function searchHighlight(query: string): Extension {
  if (!query.trim()) return [];
  const marks = (view: EditorView): DecorationSet => {
    const builder = new RangeSetBuilder<Decoration>();
    for (const [from, to] of highlightRanges(view.state.doc.toString(), query)) builder.add(from, to, searchHit);
    return builder.finish();
  };
  return ViewPlugin.fromClass(
    class {
      decorations: DecorationSet;
      constructor(view: EditorView) {
        this.decorations = marks(view);
      }
      update(update: ViewUpdate) {
        if (update.docChanged) this.decorations = marks(update.view);
      }
    },
    { decorations: (plugin) => plugin.decorations },
  );
}

/** Caret and focus handed from an unbound editor to the bound one that replaces it. */
export interface Carry {
  anchor: number;
  head: number;
  focused: boolean;
}

export interface CollabEditorOptions {
  readonly parent: HTMLElement;
  readonly text: Y.Text | null;
  readonly awareness: Awareness;
  readonly label: string;
  readonly placeholder: string;
  readonly singleLine: boolean;
  readonly readonly: boolean;
  /** Unbound only: creates the Y.Text with what was typed (see CollabText). */
  readonly oncreate?: ((content: string) => void) | undefined;
  /** Where an unbound editor leaves its caret for the bound one (shared between the two). */
  readonly carry: { current: Carry | null };
  /** A board search whose words the text marks ('' for none); change it with `highlight`. */
  readonly highlight?: string;
  /** Threads on spans of this text: highlighted, and "Comment" on a selection (bound editors only). */
  readonly comments?: CommentHooks | undefined;
}

/** What an editor whose text takes anchored threads reports and asks. */
export interface CommentHooks {
  /** Whether Ctrl+Alt+M comments on the selection (people who may open a thread). */
  readonly shortcut: boolean;
  /** Where the anchored threads' spans are now (resolveAnchor), asked again after edits. */
  spans(): AnchorSpan[];
  /** The selection changed: its range, or null when empty or when focus left the text. */
  onselection(range: { from: number; to: number } | null): void;
  /** Ctrl+Alt+M with text selected: comment on it. */
  oncomment(range: { from: number; to: number }): void;
  /** A click (not a drag) on a highlighted span: the thread it belongs to. */
  onanchorclick(threadId: string): void;
}

export interface CollabEditor {
  /** Marks another search's words, in place: the editor is not rebuilt on each keystroke. */
  highlight(query: string): void;
  /** Re-reads where the anchored threads' spans are (threads came or went). */
  refreshAnchors(): void;
  /** Selects a span and brings it into view, marking the thread's highlight as the one shown. */
  reveal(threadId: string, from: number, to: number): void;
  /** Where a position of the text is on the screen (null when not laid out). */
  coordsAt(pos: number): { left: number; top: number; bottom: number } | null;
  destroy(): void;
}

/** A CodeMirror 6 editor bound to a Y.Text with y-codemirror.next. */
export function createCollabEditor(o: CollabEditorOptions): CollabEditor {
  const { text, carry } = o;
  const undoManager = text ? new Y.UndoManager(text) : null;
  const extensions: Extension[] = [
    keymap.of(undoManager ? [...yUndoManagerKeymap, ...defaultKeymap] : defaultKeymap),
    drawSelection(),
    EditorView.lineWrapping,
    cmPlaceholder(o.placeholder),
    EditorView.contentAttributes.of({
      'aria-label': o.label,
      'aria-multiline': o.singleLine ? 'false' : 'true',
      'aria-readonly': o.readonly ? 'true' : 'false',
      role: 'textbox',
      spellcheck: 'true',
    }),
    EditorState.readOnly.of(o.readonly),
    EditorView.editable.of(!o.readonly),
    theme,
  ];
  let anchors: ThreadAnchors | null = null;
  if (text && undoManager) {
    extensions.push(yCollab(text, o.awareness, { undoManager }));
    // My cursor leaves the others' view of this text when I leave it (y-codemirror.next
    // keeps publishing the last one); it comes back with the next focus (its own update).
    extensions.push(
      EditorView.domEventHandlers({
        blur: () => {
          clearCursorIn(o.awareness, text);
          return false;
        },
      }),
    );
    if (o.comments) {
      anchors = threadAnchors(o.comments);
      extensions.push(anchors.extension);
    }
  } else if (o.oncreate) {
    // Unbound: the first edit creates the Y.Text with the content typed so far.
    const create = o.oncreate;
    extensions.push(
      EditorView.updateListener.of((update) => {
        if (!update.docChanged || carry.current) return;
        const sel = update.state.selection.main;
        carry.current = { anchor: sel.anchor, head: sel.head, focused: update.view.hasFocus };
        try {
          create(update.state.doc.toString());
        } catch (err) {
          carry.current = null;
          throw err;
        }
      }),
    );
  }
  if (o.singleLine) extensions.push(singleLineExtensions);
  const marked = new Compartment();
  let query = o.highlight ?? '';
  extensions.push(marked.of(searchHighlight(query)));
  const view = new EditorView({
    parent: o.parent,
    state: EditorState.create({ doc: text?.toString() ?? '', extensions }),
  });
  if (text && carry.current) {
    const len = view.state.doc.length;
    view.dispatch({
      selection: { anchor: Math.min(carry.current.anchor, len), head: Math.min(carry.current.head, len) },
    });
    if (carry.current.focused) view.focus();
    carry.current = null;
  }
  anchors?.refresh(view);
  return {
    highlight(next) {
      if (next === query) return;
      query = next;
      view.dispatch({ effects: marked.reconfigure(searchHighlight(next)) });
    },
    refreshAnchors() {
      anchors?.refresh(view);
    },
    reveal(threadId, from, to) {
      anchors?.reveal(view, threadId, from, to);
    },
    coordsAt(pos) {
      const at = view.coordsAtPos(Math.min(pos, view.state.doc.length));
      return at ? { left: at.left, top: at.top, bottom: at.bottom } : null;
    },
    destroy() {
      anchors?.destroy();
      // Opening another point destroys this editor: my cursor must not stay in its text.
      if (text) clearCursorIn(o.awareness, text);
      view.destroy();
      undoManager?.destroy();
    },
  };
}
