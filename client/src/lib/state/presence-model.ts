import { FALLBACK_COLOR } from '@parley/shared/model';
import type { AwarenessState, AwarenessUser } from '@parley/shared/protocol';

/** One person on the board (several tabs of the same user are merged). */
export interface PresentUser {
  id: string;
  name: string;
  color: string;
  stakeholderId: string;
  /** Points this person is looking at (one per open tab; never my own tab's). */
  focus: string[];
  isSelf: boolean;
}

function isUser(value: unknown): value is AwarenessUser {
  const u = value as Partial<AwarenessUser> | null;
  return typeof u === 'object' && u !== null && typeof u.id === 'string' && typeof u.name === 'string';
}

/**
 * Turns raw awareness states into the people on the board: one entry per user id, me
 * first, then by name (so avatars do not jump around as people come and go).
 */
export function mergePresence(states: ReadonlyMap<number, unknown>, selfClient: number): PresentUser[] {
  const selfState = states.get(selfClient) as AwarenessState | undefined;
  const selfId = isUser(selfState?.user) ? selfState.user.id : null;
  const merged = new Map<string, PresentUser>();
  for (const [clientId, raw] of states) {
    const state = (raw ?? {}) as AwarenessState;
    if (!isUser(state.user)) continue;
    const u = state.user;
    const isSelf = clientId === selfClient || u.id === selfId;
    const pointId = state.focus?.pointId;
    const focus = typeof pointId === 'string' && clientId !== selfClient ? [pointId] : [];
    const existing = merged.get(u.id);
    if (existing) {
      existing.focus.push(...focus);
      existing.isSelf ||= isSelf;
    } else {
      merged.set(u.id, {
        id: u.id,
        name: u.name,
        color: typeof u.color === 'string' ? u.color : FALLBACK_COLOR,
        stakeholderId: typeof u.stakeholderId === 'string' ? u.stakeholderId : '',
        focus,
        isSelf,
      });
    }
  }
  return [...merged.values()].sort(
    (a, b) => Number(b.isSelf) - Number(a.isSelf) || a.name.localeCompare(b.name) || (a.id < b.id ? -1 : 1),
  );
}

/** Other people (not me) by the point they are looking at. */
export function groupByFocus(users: readonly PresentUser[]): ReadonlyMap<string, PresentUser[]> {
  const map = new Map<string, PresentUser[]>();
  for (const u of users) {
    if (u.isSelf) continue;
    for (const pointId of new Set(u.focus)) {
      const list = map.get(pointId);
      if (list) list.push(u);
      else map.set(pointId, [u]);
    }
  }
  return map;
}

/**
 * Whether two presence lists show the same: typing moves a cursor in awareness many times
 * a second, and none of that changes who is here or where they look.
 */
export function samePresence(a: readonly PresentUser[], b: readonly PresentUser[]): boolean {
  return (
    a.length === b.length &&
    a.every((u, i) => {
      const v = b[i]!;
      return (
        u.id === v.id &&
        u.name === v.name &&
        u.color === v.color &&
        u.stakeholderId === v.stakeholderId &&
        u.isSelf === v.isSelf &&
        u.focus.length === v.focus.length &&
        u.focus.every((f, k) => f === v.focus[k])
      );
    })
  );
}
