import type * as CollabEditor from './collab-editor.ts';

/** The editor's chunk (CodeMirror and y-codemirror.next), loaded once, on first use. */
export type CollabEditorModule = typeof CollabEditor;

let loading: Promise<CollabEditorModule> | null = null;

export function loadCollabEditor(): Promise<CollabEditorModule> {
  loading ??= import('./collab-editor.ts');
  return loading;
}
