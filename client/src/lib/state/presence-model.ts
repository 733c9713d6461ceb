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

/** Someone else writing a comment (awareness `typing`): where, under which name. */
export interface Typer {
  userId: string;
  name: string;
  stakeholderId: string;
  pointId: string;
  /** The thread whose reply box they type in; null for a new thread on the point. */
  threadId: string | null;
}

/**
 * Who else is writing a comment, and where (CONVUI7): one entry per person and place (two
 * tabs typing in one thread count once), never me (not even my other tabs), by name.
 */
export function typersFrom(states: ReadonlyMap<number, unknown>, selfClient: number): Typer[] {
  const selfState = states.get(selfClient) as AwarenessState | undefined;
  const selfId = isUser(selfState?.user) ? selfState.user.id : null;
  const out: Typer[] = [];
  for (const [clientId, raw] of states) {
    if (clientId === selfClient) continue;
    const state = (raw ?? {}) as AwarenessState;
    const at = state.typing;
    if (!isUser(state.user) || state.user.id === selfId || typeof at !== 'object' || at === null) continue;
    if (typeof at.pointId !== 'string') continue;
    const threadId = typeof at.threadId === 'string' ? at.threadId : null;
    const u = state.user;
    if (out.some((t) => t.userId === u.id && t.pointId === at.pointId && t.threadId === threadId)) continue;
    out.push({
      userId: u.id,
      name: u.name,
      stakeholderId: typeof u.stakeholderId === 'string' ? u.stakeholderId : '',
      pointId: at.pointId,
      threadId,
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name) || (a.userId < b.userId ? -1 : 1));
}

/** Whether two typer lists show the same (cursor moves must not re-render "typing…"). */
export function sameTypers(a: readonly Typer[], b: readonly Typer[]): boolean {
  return (
    a.length === b.length &&
    a.every((t, i) => {
      const u = b[i]!;
      return (
        t.userId === u.userId &&
        t.name === u.name &&
        t.stakeholderId === u.stakeholderId &&
        t.pointId === u.pointId &&
        t.threadId === u.threadId
      );
    })
  );
}

/**
 * What a thread (or, with `threadId` null, a point's new-thread area) says about who is
 * typing in it: "Ann (Ukraine) is typing…", "Ann (Ukraine) and Bob (United States) are
 * typing…", "3 people are typing…"; '' for nobody.
 */
export function typingLabel(
  typers: readonly Typer[],
  pointId: string,
  threadId: string | null,
  delegationName: (stakeholderId: string) => string | undefined,
): string {
  const here = typers.filter((t) => t.pointId === pointId && t.threadId === threadId);
  const names = [...new Set(here.map((t) => t.userId))].map((id) => {
    const t = here.find((x) => x.userId === id)!;
    const delegation = t.stakeholderId ? delegationName(t.stakeholderId) : undefined;
    return delegation ? `${t.name} (${delegation})` : t.name;
  });
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return `${names.length} people are typing…`;
}
