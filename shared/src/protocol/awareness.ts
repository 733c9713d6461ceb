/**
 * The awareness state every Parley client publishes. `user` follows the field names
 * y-codemirror.next reads for remote cursors (name, color, colorLight).
 */
export interface AwarenessUser {
  id: string;
  name: string;
  color: string;
  colorLight: string;
  stakeholderId: string;
}

export interface AwarenessState {
  user?: AwarenessUser;
  /** The point this person is looking at, if any. */
  focus?: { pointId: string | null };
  /** Written by y-codemirror.next. */
  cursor?: unknown;
}
