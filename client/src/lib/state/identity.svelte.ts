import type { Actor, StakeholderId, UserId } from '@parley/shared/model';

/**
 * Who I am on a board, until accounts exist: a display name, a stakeholder, and a random
 * user id that stays the same for that name in this browser (so "edit my own comment"
 * keeps working after a reload).
 *
 * Where an identity comes from, first match wins:
 *   1. `?name=…&stakeholder=…` in the URL (the end-to-end tests use this; it skips the dialog);
 *   2. this tab's sessionStorage (so two tabs can be two different people);
 *   3. localStorage: the identity last chosen for this board in this browser;
 *   4. otherwise the identity dialog asks.
 */
export type Identity = Actor;

const USER_IDS_KEY = 'parley:userIds';
const LAST_NAME_KEY = 'parley:lastName';
const boardKey = (boardId: string) => `parley:identity:${boardId}`;

function storage(kind: 'local' | 'session'): Storage | null {
  try {
    return kind === 'local' ? window.localStorage : window.sessionStorage;
  } catch {
    return null; // storage disabled (privacy mode): identity then lasts for this page only
  }
}

function readJson<T>(store: Storage | null, key: string): T | null {
  try {
    const raw = store?.getItem(key);
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    return null;
  }
}

function writeJson(store: Storage | null, key: string, value: unknown) {
  try {
    store?.setItem(key, JSON.stringify(value));
  } catch {
    /* quota or disabled storage: not worth failing for */
  }
}

function randomUserId(): UserId {
  const bytes = new Uint8Array(9);
  crypto.getRandomValues(bytes);
  const b64 = btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
  return `u_${b64}` as UserId;
}

/** The persistent random id for a display name in this browser. */
export function userIdForName(name: string): UserId {
  const local = storage('local');
  const ids = readJson<Record<string, string>>(local, USER_IDS_KEY) ?? {};
  const key = name.trim().toLowerCase();
  let id = ids[key];
  if (!id) {
    id = randomUserId();
    ids[key] = id;
    writeJson(local, USER_IDS_KEY, ids);
  }
  return id as UserId;
}

function isIdentity(value: unknown): value is Identity {
  const v = value as Partial<Identity> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.userId === 'string' &&
    typeof v.name === 'string' &&
    v.name.trim() !== '' &&
    typeof v.stakeholderId === 'string'
  );
}

export const NAME_MAX = 60;

export function cleanName(name: string): string {
  return name.replace(/\s+/g, ' ').trim().slice(0, NAME_MAX);
}

export class IdentityState {
  current = $state.raw<Identity | null>(null);
  /** The dialog is open (first visit, unknown stakeholder, or "change"). */
  dialogOpen = $state(false);
  readonly boardId: string;

  constructor(boardId: string, params: URLSearchParams) {
    this.boardId = boardId;
    const fromUrl = this.#fromParams(params);
    if (fromUrl) {
      this.#save(fromUrl);
      return;
    }
    const fromTab = readJson<unknown>(storage('session'), boardKey(boardId));
    const fromBrowser = readJson<unknown>(storage('local'), boardKey(boardId));
    const found = isIdentity(fromTab) ? fromTab : isIdentity(fromBrowser) ? fromBrowser : null;
    if (found) this.current = found;
    else this.dialogOpen = true;
  }

  #fromParams(params: URLSearchParams): Identity | null {
    const name = cleanName(params.get('name') ?? '');
    const stakeholderId = (params.get('stakeholder') ?? '').trim();
    if (!name || !stakeholderId) return null;
    return { userId: userIdForName(name), name, stakeholderId: stakeholderId as StakeholderId };
  }

  #save(identity: Identity) {
    this.current = identity;
    writeJson(storage('session'), boardKey(this.boardId), identity);
    writeJson(storage('local'), boardKey(this.boardId), identity);
    writeJson(storage('local'), LAST_NAME_KEY, identity.name);
  }

  /** The name to prefill in the dialog. */
  suggestedName(): string {
    return this.current?.name ?? readJson<string>(storage('local'), LAST_NAME_KEY) ?? '';
  }

  set(name: string, stakeholderId: string) {
    const clean = cleanName(name);
    if (!clean) throw new Error('Please enter your name');
    if (!stakeholderId) throw new Error('Please choose your delegation');
    this.#save({ userId: userIdForName(clean), name: clean, stakeholderId: stakeholderId as StakeholderId });
    this.dialogOpen = false;
  }

  open() {
    this.dialogOpen = true;
  }

  close() {
    if (this.current) this.dialogOpen = false;
  }
}
