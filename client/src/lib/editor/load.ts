import type * as CollabEditor from './collab-editor.ts';

/** The editor's chunk (CodeMirror and y-codemirror.next), loaded once, on first use. */
export type CollabEditorModule = typeof CollabEditor;

let loading: Promise<CollabEditorModule> | null = null;

export function loadCollabEditor(): Promise<CollabEditorModule> {
  loading ??= import('./collab-editor.ts').catch((err: unknown) => {
    // A chunk that failed to load (a new version deployed under an open tab, a network
    // error) is tried again by the next editor that mounts; this one stays read-only.
    loading = null;
    console.error('Parley: the editor could not be loaded', err);
    throw err;
  });
  return loading;
}
