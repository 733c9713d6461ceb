import type { Awareness } from 'y-protocols/awareness';
import type { AwarenessState, AwarenessUser, TypingAt } from '@parley/shared/protocol';
import {
  groupByFocus,
  mergePresence,
  samePresence,
  sameTypers,
  typersFrom,
  type PresentUser,
  type Typer,
} from './presence-model.ts';

export type { PresentUser, Typer } from './presence-model.ts';

/**
 * Presence over the provider's awareness: publishes my `user` and `focus` fields and
 * exposes everyone's as plain JSON. Uses setLocalStateField so it never clobbers the
 * `cursor` field that y-codemirror.next writes.
 */
export class PresenceState {
  users = $state.raw<PresentUser[]>([]);
  /** Other people by the point they are looking at. */
  byPoint = $derived(groupByFocus(this.users));
  /** Other people writing a comment, and where; replaced only when that changes. */
  typing = $state.raw<Typer[]>([]);

  readonly awareness: Awareness;

  constructor(awareness: Awareness) {
    this.awareness = awareness;
    awareness.on('change', this.#recompute);
    this.#recompute();
  }

  setUser(user: AwarenessUser | null) {
    const before = (this.awareness.getLocalState() as AwarenessState | null)?.user;
    const same =
      before &&
      user &&
      before.id === user.id &&
      before.name === user.name &&
      before.color === user.color &&
      before.stakeholderId === user.stakeholderId;
    if (!same) this.awareness.setLocalStateField('user', user);
  }

  setFocus(pointId: string | null) {
    const current = this.awareness.getLocalState() as AwarenessState | null;
    if (current === null || current.focus?.pointId === pointId) return;
    this.awareness.setLocalStateField('focus', { pointId });
  }

  /** Where I am writing a comment (null: nowhere); published only when it changes. */
  setTyping(at: TypingAt | null) {
    const current = this.awareness.getLocalState() as AwarenessState | null;
    if (current === null) return;
    const before = current.typing ?? null;
    if (before === at || (before && at && before.pointId === at.pointId && before.threadId === at.threadId)) return;
    this.awareness.setLocalStateField('typing', at);
  }

  #recompute = () => {
    const states = this.awareness.getStates();
    const next = mergePresence(states, this.awareness.clientID);
    // Cursor moves change awareness on every keystroke; only a real change re-renders.
    if (!samePresence(this.users, next)) this.users = next;
    const typing = typersFrom(states, this.awareness.clientID);
    if (!sameTypers(this.typing, typing)) this.typing = typing;
  };

  destroy() {
    this.awareness.off('change', this.#recompute);
  }
}
