import { tick } from 'svelte';
import type { Principal } from '@parley/shared/permissions';
import { CLOSE, CLOSE_REASON, closeAction, privateDocName } from '@parley/shared/protocol';
import { can } from '@parley/shared/permissions';
import { openBoardSession, openDocSession, type DocSession } from '../sync/session.ts';
import { combinedSaveStatus } from '../sync/save-status.ts';
import { network } from '../sync/network.svelte.ts';
import { forgetDoc } from '../sync/offline-data.ts';
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
 * of my stakeholder, and what happens when the server closes the socket, by the code's
 * CLOSE_ACTION (shared/src/protocol/closeCodes.ts):
 *
 * - `resync` (4403 forbidden update): the local doc holds a change the server will never
 *   take, and reconnecting would send it again. Show a notice, discard the doc and
 *   provider, open a fresh session (the view remounts on `generation`). The third time
 *   within a minute, stop with a fatal banner instead of looping.
 * - `refresh-access` (4410 access changed): ask `/api/auth/me` again (the principal, and so
 *   everything the UI offers, follows), reopen the notes of my (maybe new) stakeholder,
 *   then reconnect. If I am no longer a member the app shows the "not a member" page.
 * - `sign-in` (4401 unauthorized): fatal (the connection shows a banner); ask
 *   `/api/auth/me` again so a signed-out user lands on the sign-in page and a removed
 *   member on "not a member".
 * - After `resync` and `sign-in` my notes follow the rights `/api/auth/me` now gives
 *   (closed and forgotten if I may no longer read them), as after `refresh-access`.
 * - `reconnect`, `reconnect-later`: the provider retries with backoff (see session.ts);
 *   `give-up`: the connection stops with a banner.
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

  /** The status badge: the board's and my notes' connections and durable saves together. */
  save = $derived.by(() => combinedSaveStatus(this.controller.session, this.notes ? [this.notes] : []));

  #refusals: number[] = [];
  #noticeId = 0;
  #destroyed = false;
  /** Whose local copies the sessions use (fixed for the host's life: signing out unmounts it). */
  readonly #userId: string;

  constructor(boardId: string, principal: Principal) {
    this.boardId = boardId;
    this.#lastPrincipal = principal;
    this.#userId = principal.userId;
    this.controller = this.#openBoard();
    this.#syncNotes();
    window.addEventListener('beforeunload', this.#onBeforeUnload);
  }

  /**
   * Warn before the tab closes while changes are not confirmed as stored and the network
   * is up (offline they are safe in the local copy and leave with the next connection;
   * without a working local copy they would be lost either way, so warn then too).
   */
  #onBeforeUnload = (event: BeforeUnloadEvent) => {
    const sessions = [this.controller.session, ...(this.notes ? [this.notes] : [])];
    const unsaved = sessions.some((s) => s.saves.unsaved > 0);
    const noCopy = sessions.some((s) => s.saves.unsaved > 0 && s.local.state === 'unavailable');
    if (unsaved && (network.online || noCopy)) {
      event.preventDefault();
      event.returnValue = ''; // older browsers want it set
    }
  };

  #openBoard(): BoardController {
    const session = openBoardSession(this.boardId, {
      userId: this.#userId,
      onServerClose: (code, reason) => {
        if (this.controller?.session === session) this.#onClose('board', code, reason);
      },
    });
    // The server answers again: if my identity came from the offline cache, ask for it now.
    session.provider.on('status', ({ status }) => {
      if (status === 'connected' && auth.offline) void auth.refresh();
    });
    return new BoardController(this, session);
  }

  #onClose(which: 'board' | 'notes', code: number, reason: string) {
    if (this.#destroyed) return;
    const action = closeAction(code);
    if (action === 'resync') {
      // My rights may have changed while I was offline (the access-change close only
      // reaches connected sockets): ask again so the UI offers what the server allows.
      void auth.refresh().then(() => this.#followRefreshedRights());
      void this.#refused(which, reason);
    } else if (action === 'refresh-access') void this.#accessChanged();
    else if (action === 'sign-in') {
      const docs = this.#docNames();
      void auth
        .refresh()
        .then(() => this.#forgetIfRemoved(docs))
        .then(() => this.#followRefreshedRights());
    }
  }

  /**
   * After `/api/auth/me` was asked again because of a refusal (`resync`, `sign-in`): if I
   * am still a member but may no longer read my notes (made an observer, or moved to
   * another stakeholder, while offline), close them and forget this device's copy, as an
   * access change does.
   */
  #followRefreshedRights() {
    if (this.#destroyed || auth.offline || !auth.principal(this.boardId)) return;
    this.#syncNotes();
  }

  /**
   * No longer a member (the app shows "not a member" and unmounts the board): this device
   * must not keep the board or my stakeholder's notes. Signed out (a 401: the session ran
   * out) keeps them, so signing in again still sends the changes made offline.
   */
  async #forgetIfRemoved(docs: string[]) {
    if (auth.status !== 'signed-in' || auth.offline || auth.principal(this.boardId)) return;
    await tick(); // the view unmounts and the sessions close their copies
    await Promise.all(docs.map((doc) => forgetDoc(this.#userId, doc)));
  }

  async #refused(which: 'board' | 'notes', reason: string) {
    const session = which === 'board' ? this.controller.session : this.notes;
    if (!session) return;
    // Changes made while disconnected travel in the reconnect's sync step 2: if that is what
    // was refused, say so plainly (they were never saved anywhere but on this device).
    const offline = session.saves.unsavedAtConnect > 0 && !session.saves.savedOnConnection;
    const lost = session.saves.unsaved;
    // The refused change must not come back from the local copy on the next load.
    if (which === 'board') this.controller.away.discard();
    await session.discardLocal();
    if (this.#destroyed) return;

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
    const reloaded = which === 'board' ? 'the board was reloaded' : 'your private notes were reloaded';
    const changes = lost === 1 ? 'the change' : lost > 1 ? `the ${lost} changes` : 'the changes';
    this.notice = {
      id: ++this.#noticeId,
      text: offline
        ? `The server refused ${changes} you made while offline: ${sentence(reason)}. They were discarded from this device and ${reloaded} from the server.`
        : `Your last change was not allowed: ${sentence(reason)}. ${reloaded[0]?.toUpperCase()}${reloaded.slice(1)} from the server.`,
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

  #docNames(): string[] {
    return [this.boardId, ...(this.notes ? [this.notes.docName] : [])];
  }

  async #accessChanged() {
    const docs = this.#docNames();
    await auth.refresh();
    if (!auth.principal(this.boardId)) {
      await this.#forgetIfRemoved(docs); // the app shows "not a member"
      return;
    }
    if (this.#destroyed) return;
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
      // Not my stakeholder's notes any more: close them and delete this device's copy.
      const old = this.notes;
      old.destroy();
      this.notes = null;
      void forgetDoc(this.#userId, old.docName);
    }
    if (mayRead && sid && !this.notes) this.notes = this.#openNotes(sid);
  }

  #openNotes(stakeholderId: string): NotesSession {
    const session = openDocSession(privateDocName(this.boardId, stakeholderId), {
      userId: this.#userId,
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
    window.removeEventListener('beforeunload', this.#onBeforeUnload);
    this.controller.presence.setFocus(null);
    this.controller.destroy();
    this.controller.session.destroy();
    this.notes?.destroy();
    this.notes = null;
  }
}
