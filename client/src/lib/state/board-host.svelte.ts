import { tick } from 'svelte';
import type { Principal } from '@parley/shared/permissions';
import { CLOSE, CLOSE_REASON, privateDocName } from '@parley/shared/protocol';
import { can } from '@parley/shared/permissions';
import { openBoardSession, openDocSession, type DocSession } from '../sync/session.ts';
import { auth } from './auth.svelte.ts';
import { BoardController } from './board-context.svelte.ts';

/** A stakeholder's private notes doc for this board. */
export type NotesSession = DocSession & { readonly stakeholderId: string };

export interface Notice {
  readonly id: number;
  readonly text: string;
}

/** After this many refused updates within REFUSAL_WINDOW_MS we stop instead of reloading again. */
export const MAX_REFUSALS = 3;
export const REFUSAL_WINDOW_MS = 60_000;

/** The server's close reason as a clause: without the "forbidden update: " prefix or a final period. */
function sentence(reason: string): string {
  const prefix = `${CLOSE_REASON[CLOSE.forbiddenUpdate]}:`;
  let r = reason.trim();
  if (r.toLowerCase().startsWith(prefix)) r = r.slice(prefix.length).trim();
  r = r.replace(/[.\s]+$/, '');
  return r || 'the server refused it';
}

/**
 * One open board, across the sessions it goes through. It owns the current
 * BoardController (doc + provider), my principal on the board, the private notes session
 * of my stakeholder, and what happens when the server closes the socket:
 *
 * - 4403 forbidden update: the local doc holds a change the server will never take, and
 *   reconnecting would send it again. Show a notice, discard the doc and provider, open a
 *   fresh session (the view remounts on `generation`). The third time within a minute,
 *   stop with a fatal banner instead of looping.
 * - 4410 access changed: ask `/api/auth/me` again (the principal, and so everything the UI
 *   offers, follows), reopen the notes of my (maybe new) stakeholder, then reconnect. If I
 *   am no longer a member the app shows the "not a member" page.
 * - 4401 unauthorized: fatal (the connection shows a banner); ask `/api/auth/me` again so
 *   a signed-out user lands on the sign-in page and a removed member on "not a member".
 * - 4429 and everything else: the provider retries with backoff (see session.ts).
 */
export class BoardHost {
  readonly boardId: string;
  /** Bumped whenever the board session is replaced; the view is keyed on it. */
  generation = $state(0);
  controller = $state.raw<BoardController>(null as unknown as BoardController);
  notes = $state.raw<NotesSession | null>(null);
  notice = $state.raw<Notice | null>(null);

  #lastPrincipal: Principal;
  principal = $derived.by<Principal>(() => {
    const p = auth.principal(this.boardId);
    if (p) this.#lastPrincipal = p;
    return p ?? this.#lastPrincipal;
  });

  #refusals: number[] = [];
  #noticeId = 0;
  #destroyed = false;

  constructor(boardId: string, principal: Principal) {
    this.boardId = boardId;
    this.#lastPrincipal = principal;
    this.controller = this.#openBoard();
    this.#syncNotes();
  }

  #openBoard(): BoardController {
    const session = openBoardSession(this.boardId, {
      onServerClose: (code, reason) => {
        if (this.controller?.session === session) this.#onClose('board', code, reason);
      },
    });
    return new BoardController(this, session);
  }

  #onClose(which: 'board' | 'notes', code: number, reason: string) {
    if (this.#destroyed) return;
    if (code === CLOSE.forbiddenUpdate) void this.#refused(which, reason);
    else if (code === CLOSE.accessChanged) void this.#accessChanged();
    else if (code === CLOSE.unauthorized) void auth.refresh();
  }

  async #refused(which: 'board' | 'notes', reason: string) {
    const now = Date.now();
    this.#refusals = [...this.#refusals.filter((t) => now - t < REFUSAL_WINDOW_MS), now];
    if (this.#refusals.length >= MAX_REFUSALS) {
      this.notice = null;
      this.controller.connection.fail(
        CLOSE.forbiddenUpdate,
        `your changes were refused ${this.#refusals.length} times within a minute (last: ${sentence(reason)})`,
      );
      this.notes?.connection.fail(CLOSE.forbiddenUpdate, 'stopped after repeated refused changes');
      return;
    }
    this.notice = {
      id: ++this.#noticeId,
      text: `Your last change was not allowed: ${sentence(reason)}. The board was reloaded from the server.`,
    };
    if (which === 'board') await this.reloadBoard();
    else this.#reopenNotes();
  }

  /** Discards the local doc and opens a fresh session (the view remounts). */
  async reloadBoard() {
    const old = this.controller;
    this.controller = this.#openBoard();
    this.generation++;
    // Let the old view unmount (its editors unbind) before its doc goes away.
    await tick();
    old.destroy();
    old.session.destroy();
  }

  /** "Try again" after we stopped: a clean start with a fresh doc and no refusals counted. */
  async restart() {
    this.#refusals = [];
    this.notice = null;
    if (this.notes?.connection.status === 'fatal') this.#reopenNotes();
    await this.reloadBoard();
  }

  async #accessChanged() {
    await auth.refresh();
    if (this.#destroyed || !auth.principal(this.boardId)) return; // the app shows "not a member"
    this.#syncNotes();
    this.controller.connection.reconnect();
    this.notes?.connection.reconnect();
  }

  /** Opens, keeps or closes the notes session so it matches my current stakeholder. */
  #syncNotes() {
    const p = this.principal;
    const sid = p.stakeholderId;
    const mayRead = sid !== null && can(p, { kind: 'read-private-notes', stakeholderId: sid });
    if (this.notes && (!mayRead || this.notes.stakeholderId !== sid)) {
      this.notes.destroy();
      this.notes = null;
    }
    if (mayRead && sid && !this.notes) this.notes = this.#openNotes(sid);
  }

  #openNotes(stakeholderId: string): NotesSession {
    const session = openDocSession(privateDocName(this.boardId, stakeholderId), {
      onServerClose: (code, reason) => {
        if (this.notes?.docName === session.docName && this.notes.doc === session.doc) {
          this.#onClose('notes', code, reason);
        }
      },
    });
    return { ...session, stakeholderId };
  }

  #reopenNotes() {
    const old = this.notes;
    if (!old) return;
    this.notes = this.#openNotes(old.stakeholderId);
    void tick().then(() => old.destroy());
  }

  dismissNotice() {
    this.notice = null;
  }

  destroy() {
    this.#destroyed = true;
    this.controller.presence.setFocus(null);
    this.controller.destroy();
    this.controller.session.destroy();
    this.notes?.destroy();
    this.notes = null;
  }
}
