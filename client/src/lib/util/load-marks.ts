/**
 * The moments of a page's load, as User Timing marks (`performance.mark`): DevTools'
 * Performance panel shows them on its timeline, and the P6 benchmark reads them to say
 * where the time to an editable board goes. Each is marked once per page, the first time.
 */
export const LOAD_MARK = {
  /** The main bundle started running. */
  main: 'parley:main',
  /** The server said who I am (`/api/auth/me`). */
  me: 'parley:me',
  /** A board's session opened: its local copy is being read, its socket not yet open. */
  session: 'parley:session',
  /** The board's local copy was read (or failed, or took too long): its socket opens next. */
  local: 'parley:local',
  /** The board's socket opened. */
  connected: 'parley:connected',
  /** The board's first sync with the server completed (its state is in the doc). */
  synced: 'parley:synced',
  /** The board's view model was first built with points in it (the list can render). */
  view: 'parley:view',
  /** A point text's editor was created (the text became editable). */
  editor: 'parley:editor',
} as const;

export type LoadMark = (typeof LOAD_MARK)[keyof typeof LOAD_MARK];

const marked = new Set<LoadMark>();

export function markLoad(name: LoadMark): void {
  if (marked.has(name)) return;
  marked.add(name);
  performance.mark(name);
}
