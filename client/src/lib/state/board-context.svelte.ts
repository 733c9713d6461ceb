import { getContext, setContext } from 'svelte';
import { ModelError, type Actor, type StakeholderJson } from '@parley/shared/model';
import { can, describeRefusal, type Action, type Principal } from '@parley/shared/permissions';
import { awarenessUserFor } from '@parley/shared/protocol';
import type { BoardSession } from '../sync/session.ts';
import { BoardState } from './board.svelte.ts';
import { PresenceState } from './presence.svelte.ts';
import { AwayTracker } from './away-tracker.svelte.ts';
import type { BoardHost } from './board-host.svelte.ts';
import { ApiError, fetchBoard, type BoardSummary } from '../api.ts';
import { boardsKey } from '../sync/offline-data.ts';
import { readJson } from '../util/storage.ts';

/** What an archived board still allows: reading, and the owners' member management (REST, not the doc). */
const ALLOWED_WHEN_ARCHIVED = new Set<Action['kind']>(['read-private-notes', 'manage-members']);

const isBoardList = (v: unknown): v is BoardSummary[] =>
  Array.isArray(v) && v.every((b) => typeof (b as BoardSummary | null)?.id === 'string');

/**
 * Everything a component inside the board view needs: the live doc, its JSON view, who I
 * am and what I may do, who else is here. One per board *session*: when the server
 * refuses a change the host discards the session and makes a new controller (the view
 * remounts), so components may keep references to `board`, `doc` and `presence`.
 */
export class BoardController {
  readonly host: BoardHost;
  readonly session: BoardSession;
  readonly board: BoardState;
  readonly presence: PresenceState;
  /** What changed while this tab was apart from the server ("While you were away"). */
  readonly away: AwayTracker;

  /** Me on this board as the server knows me (role and stakeholder follow access changes). */
  principal = $derived.by<Principal>(() => this.host.principal);
  /** Me as the mutations want me; null for observers, who write nothing. */
  actor = $derived.by<Actor | null>(() => {
    const p = this.principal;
    return p.role !== 'observer' && p.stakeholderId
      ? { userId: p.userId, name: p.name, stakeholderId: p.stakeholderId }
      : null;
  });
  myStakeholder = $derived.by<StakeholderJson | null>(() => {
    const sid = this.principal.stakeholderId;
    return sid ? (this.board.stakeholderById.get(sid) ?? null) : null;
  });
  /**
   * The board is archived: read-only for everyone (the server refuses every write to it and
   * to its private notes). Learnt from `GET /api/boards/:id` when the session opens and on
   * every reconnect, or from the board list cached on this device while offline.
   * Every `can*` below and `can()` say no to writing then; owners still manage members.
   */
  archived = $state(false);
  /** Shorthands for what the UI offers most often. */
  canEditPlan = $derived(!this.archived && can(this.principal, { kind: 'edit-plan' }));
  canEditSetup = $derived(!this.archived && can(this.principal, { kind: 'edit-board-setup' }));
  canManageMembers = $derived(can(this.principal, { kind: 'manage-members' }));
  canReply = $derived(!this.archived && can(this.principal, { kind: 'reply' }));

  #off: (() => void) | null = null;
  #destroyed = false;

  constructor(host: BoardHost, session: BoardSession) {
    this.host = host;
    this.session = session;
    this.board = new BoardState(session.doc);
    this.presence = new PresenceState(session.provider.awareness);
    const userId = host.principal.userId;
    this.away = new AwayTracker(session, userId, () => this.principal.userId);
    void this.refreshArchived();
    // Archiving or unarchiving elsewhere is learnt again whenever the socket comes back.
    const onStatus = ({ status }: { status: string }) => {
      if (status === 'connected') void this.refreshArchived();
    };
    session.provider.on('status', onStatus);
    this.#off = () => session.provider.off('status', onStatus);
  }

  /** Asks the server whether this board is archived (the cached board list when it cannot be reached). */
  async refreshArchived(): Promise<void> {
    const userId = this.host.principal.userId;
    let entry: BoardSummary | null | undefined;
    try {
      entry = await fetchBoard(this.boardId);
    } catch (err) {
      if (!(err instanceof ApiError && err.offline)) return;
      entry = readJson(boardsKey(userId), isBoardList)?.find((b) => b.id === this.boardId);
    }
    if (entry && !this.#destroyed) this.archived = entry.archived === true;
  }

  get boardId() {
    return this.session.boardId;
  }

  get doc() {
    return this.session.doc;
  }

  get connection() {
    return this.session.connection;
  }

  /** The one rule table the server enforces, asked for me. */
  can(action: Action): boolean {
    if (this.archived && !ALLOWED_WHEN_ARCHIVED.has(action.kind)) return false;
    return can(this.principal, action);
  }

  /**
   * Publishes my user to awareness, for my own display (the server replaces it with the
   * identity it authenticated before anyone else sees it). Call from an $effect.
   */
  publishUser() {
    this.presence.setUser(awarenessUserFor(this.principal, this.myStakeholder?.color));
  }

  /**
   * Runs a mutation as me. Returns null on success or a message to show inline.
   * With `action`, refuses up front what the server would refuse. ModelError messages
   * are written for people; anything else is a bug, logged and shown generically.
   */
  act(mutation: (actor: Actor) => void, action?: Action): string | null {
    const actor = this.actor;
    if (!actor) return 'Observers can read the board but not change it.';
    if (this.archived) return 'This board is archived: it is read-only.';
    if (action && !this.can(action)) return describeRefusal(action);
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
    this.#destroyed = true;
    this.#off?.();
    this.#off = null;
    this.away.destroy();
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
