import { lightColor, safeColor } from '../model/colors.ts';
import type { Principal } from '../permissions/roles.ts';

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
  /**
   * Written by y-codemirror.next while a point's text has focus; the client clears it when
   * the text loses focus, so nobody's cursor stays where its owner has left.
   */
  cursor?: unknown;
  /**
   * Where this person is writing a comment right now ("Ann (Ukraine) is typing…"): in a
   * thread's reply box, or in a new thread on a point (`threadId` null). Set while the
   * composer has unsent text and focus; cleared ~3 s after the last keystroke, on send and
   * on blur. Display only: nothing is trusted from it.
   */
  typing?: TypingAt | null;
}

/** Where a comment is being written: a thread's reply box, or a new thread on the point. */
export interface TypingAt {
  pointId: string;
  threadId: string | null;
}

/**
 * The awareness user shown for `principal`: in its stakeholder's colour (`stakeholderColor`,
 * the board's value, shown as `safeColor` makes it), under its name, with its role. The
 * server pins it on every state a connection publishes; a client publishes the same for
 * its own display.
 */
export function awarenessUserFor(principal: Principal, stakeholderColor: unknown): AwarenessUser {
  const color = safeColor(stakeholderColor);
  return {
    id: principal.userId,
    name: principal.name,
    color,
    colorLight: lightColor(color),
    stakeholderId: principal.stakeholderId ?? '',
    role: principal.role,
  };
}
