/**
 * The awareness state every Parley client publishes. `user` follows the field names
 * y-codemirror.next reads for remote cursors (name, color, colorLight). The server
 * overwrites `user` with the identity it authenticated, so nobody can appear as someone
 * else; a client may set it locally for its own display only.
 */
export interface AwarenessUser {
  id: string;
  name: string;
  color: string;
  colorLight: string;
  /** Empty for observers, who belong to no stakeholder. */
  stakeholderId: string;
  role?: string;
}

export interface AwarenessState {
  user?: AwarenessUser;
  /** The point this person is looking at, if any. */
  focus?: { pointId: string | null };
  /** Written by y-codemirror.next. */
  cursor?: unknown;
}
