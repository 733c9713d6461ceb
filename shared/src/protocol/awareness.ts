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
  /** Written by y-codemirror.next. */
  cursor?: unknown;
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
