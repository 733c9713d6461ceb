import { getContext, setContext } from 'svelte';
import { ModelError, type Actor, type StakeholderJson } from '@parley/shared/model';
import type { BoardSession } from '../sync/session.ts';
import { BoardState } from './board.svelte.ts';
import { IdentityState } from './identity.svelte.ts';
import { PresenceState } from './presence.svelte.ts';
import { lightColor, safeColor } from '../util/color.ts';

/**
 * Everything a component inside the board view needs: the live doc, its JSON view, who I
 * am, who else is here. Created once per open board by BoardView and handed down through
 * Svelte context, so components do not pass the same five props around.
 */
export class BoardController {
  readonly session: BoardSession;
  readonly board: BoardState;
  readonly identity: IdentityState;
  readonly presence: PresenceState;

  /** Me as the mutations want me, or null until the identity dialog was answered. */
  actor = $derived.by<Actor | null>(() => this.identity.current);
  myStakeholder = $derived.by<StakeholderJson | null>(() =>
    this.actor ? (this.board.stakeholderById.get(this.actor.stakeholderId) ?? null) : null,
  );

  constructor(session: BoardSession, params: URLSearchParams) {
    this.session = session;
    this.board = new BoardState(session.doc);
    this.identity = new IdentityState(session.boardId, params);
    this.presence = new PresenceState(session.provider.awareness);
  }

  get doc() {
    return this.session.doc;
  }

  get connection() {
    return this.session.connection;
  }

  /** Publishes my user to awareness (call from an $effect so it follows identity changes). */
  publishUser() {
    const actor = this.actor;
    if (!actor) {
      this.presence.setUser(null);
      return;
    }
    const color = safeColor(this.myStakeholder?.color);
    this.presence.setUser({
      id: actor.userId,
      name: actor.name,
      color,
      colorLight: lightColor(color),
      stakeholderId: actor.stakeholderId,
    });
  }

  /**
   * Runs a mutation as me. Returns null on success or a message to show inline.
   * ModelError messages are written for people; anything else is a bug, logged and
   * shown generically.
   */
  act(mutation: (actor: Actor) => void): string | null {
    const actor = this.actor;
    if (!actor) {
      this.identity.open();
      return 'Choose your name and delegation first.';
    }
    try {
      mutation(actor);
      this.board.flush();
      return null;
    } catch (err) {
      if (err instanceof ModelError) return err.message;
      console.error(err);
      return 'Something went wrong. Please try again.';
    }
  }

  destroy() {
    this.presence.destroy();
    this.board.destroy();
  }
}

const KEY = Symbol('parley-board');

export function setBoardContext(controller: BoardController): BoardController {
  return setContext(KEY, controller);
}

export function getBoardContext(): BoardController {
  const controller = getContext<BoardController | undefined>(KEY);
  if (!controller) throw new Error('getBoardContext() called outside a board view');
  return controller;
}
