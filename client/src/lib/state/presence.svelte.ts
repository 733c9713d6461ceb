import type { Awareness } from 'y-protocols/awareness';
import type { AwarenessState, AwarenessUser } from '@parley/shared/protocol';
import { groupByFocus, mergePresence, samePresence, type PresentUser } from './presence-model.ts';

export type { PresentUser } from './presence-model.ts';

/**
 * Presence over the provider's awareness: publishes my `user` and `focus` fields and
 * exposes everyone's as plain JSON. Uses setLocalStateField so it never clobbers the
 * `cursor` field that y-codemirror.next writes.
 */
export class PresenceState {
  users = $state.raw<PresentUser[]>([]);
  /** Other people by the point they are looking at. */
  byPoint = $derived(groupByFocus(this.users));

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

  #recompute = () => {
    const next = mergePresence(this.awareness.getStates(), this.awareness.clientID);
    // Cursor moves change awareness on every keystroke; only a real change re-renders.
    if (!samePresence(this.users, next)) this.users = next;
  };

  destroy() {
    this.awareness.off('change', this.#recompute);
  }
}
