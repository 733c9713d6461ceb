/**
 * The REST calls the client makes. Cookies carry the session (same origin). Every error
 * the server sends is `{ error: { code, message } }` JSON; it becomes an `ApiError` whose
 * `message` is written for people and may be shown as it is.
 */
import type { CrossBoardHit, HistoryEntryJson, HistoryPageJson } from '@parley/shared/model';
import { isRole, type Role } from '@parley/shared/permissions';
import type {
  ActivityEntryJson,
  ActivityPageJson,
  MarkReadRequest,
  NotificationsPageJson,
  OnlineUser,
} from '@parley/shared/protocol';

export class ApiError extends Error {
  /** HTTP status, or 0 when the server could not be reached at all. */
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }

  get offline(): boolean {
    return this.status === 0;
  }
}

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** A request body sent as it is (a file), with its content type. */
interface RawBody {
  raw: Blob | string;
  type: string;
}

const isRaw = (body: unknown): body is RawBody =>
  typeof body === 'object' && body !== null && 'raw' in body && 'type' in body;

async function send(
  method: Method,
  path: string,
  body?: unknown,
  accept = 'application/json',
  signal?: AbortSignal,
): Promise<Response> {
  const raw = isRaw(body) ? body : null;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      ...(signal ? { signal } : {}),
      credentials: 'same-origin',
      headers: {
        accept,
        ...(body === undefined ? {} : { 'content-type': raw ? raw.type : 'application/json' }),
      },
      ...(body === undefined ? {} : { body: raw ? raw.raw : JSON.stringify(body) }),
    });
  } catch (err) {
    // Cancelled by the caller (a newer search replaced it): not a connection problem.
    if (signal?.aborted) throw err;
    throw new ApiError(0, 'offline', 'Could not reach the server. Check your connection and try again.');
  }
  if (!res.ok) {
    const json: unknown = await res.json().catch(() => null);
    const err = (json as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    const code = typeof err?.code === 'string' ? err.code : `http_${res.status}`;
    const message =
      typeof err?.message === 'string' && err.message
        ? err.message
        : res.status === 429
          ? 'Too many attempts; try again later.'
          : res.status === 413
            ? 'The file is too large.'
            : `The server answered ${res.status} ${res.statusText}.`;
    throw new ApiError(res.status, code, message);
  }
  return res;
}

/** A JSON request to the API; a failure becomes an `ApiError` with a message people may read. */
export async function request<T>(method: Method, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const res = await send(method, path, body, 'application/json', signal);
  if (res.status === 204) return undefined as T;
  return (await res.json().catch(() => null)) as T;
}

// ---------------------------------------------------------------- shapes

export interface User {
  id: string;
  email: string;
  name: string;
}

export interface Membership {
  boardId: string;
  role: Role;
  /** null for observers. */
  stakeholderId: string | null;
}

export interface Me {
  user: User;
  memberships: Membership[];
}

export interface BoardSummary {
  id: string;
  title: string;
  role: Role | null;
  stakeholderId: string | null;
  /** The stakeholder's name on the board (older servers and cached lists may lack it). */
  stakeholderName?: string | null;
  /** Read-only for everyone; listed apart. */
  archived: boolean;
  /** Who has the board open now (everyone, me included; older servers send none). */
  online?: OnlineUser[];
}

export interface NewStakeholder {
  name: string;
  short?: string;
  color?: string;
}

/** How a new board starts: no categories, or the demo's four categories (no text). */
export type BoardStart = 'empty' | 'demo-shape';

export interface NewBoard {
  title: string;
  description?: string;
  stakeholders: NewStakeholder[];
  /** The name of the stakeholder (one of `stakeholders`) the creator belongs to. */
  ownStakeholder: string;
  start?: BoardStart;
}

/** What importing a file would create, counted (`?dryRun=1`). */
export interface ImportPreview {
  title: string;
  categories: number;
  points: number;
  stakeholders: number;
  positions: number;
  threads: number;
  comments: number;
}

/** The largest file the server imports (5 MiB). */
export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;

export interface InviteInfo {
  boardId: string;
  boardTitle: string;
  role: Role;
  stakeholderId: string | null;
  stakeholderName: string | null;
  expiresAt: number;
}

export interface Member {
  userId: string;
  name: string;
  role: Role;
  stakeholderId: string | null;
  /** Only owners see emails. */
  email?: string;
}

export interface InviteSummary {
  id: string;
  role: Role;
  stakeholderId: string | null;
  expiresAt: number;
  uses: number;
  maxUses: number;
  revoked: boolean;
}

export interface CreatedInvite extends InviteSummary {
  url: string;
}

const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown, fallback = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);

function toUser(v: unknown): User {
  const u = (v ?? {}) as Record<string, unknown>;
  return { id: str(u['id']), email: str(u['email']), name: str(u['name']) };
}

function toMembership(v: unknown): Membership | null {
  const m = (v ?? {}) as Record<string, unknown>;
  const role = m['role'];
  if (typeof m['boardId'] !== 'string' || !isRole(role)) return null;
  return { boardId: m['boardId'], role, stakeholderId: strOrNull(m['stakeholderId']) };
}

function toInviteSummary(v: unknown): InviteSummary | null {
  const i = (v ?? {}) as Record<string, unknown>;
  const role = i['role'];
  if (typeof i['id'] !== 'string' || !isRole(role)) return null;
  return {
    id: i['id'],
    role,
    stakeholderId: strOrNull(i['stakeholderId']),
    expiresAt: num(i['expiresAt']),
    uses: num(i['uses']),
    maxUses: num(i['maxUses'], 1),
    revoked: i['revoked'] === true,
  };
}

// ---------------------------------------------------------------- auth

export async function fetchMe(): Promise<Me> {
  const body = await request<{ user?: unknown; memberships?: unknown }>('GET', '/api/auth/me');
  const memberships = Array.isArray(body.memberships) ? body.memberships.map(toMembership) : [];
  return { user: toUser(body.user), memberships: memberships.filter((m): m is Membership => m !== null) };
}

export async function signIn(email: string, password: string): Promise<User> {
  const body = await request<{ user?: unknown }>('POST', '/api/auth/signin', { email, password });
  return toUser(body.user);
}

export async function signUp(input: { name: string; email: string; password: string }): Promise<User> {
  const body = await request<{ user?: unknown }>('POST', '/api/auth/signup', input);
  return toUser(body.user);
}

export async function signOut(): Promise<void> {
  await request<void>('POST', '/api/auth/signout');
}

/** Ends every session of mine, on every device, and my access tokens minted until now. */
export async function signOutEverywhere(): Promise<void> {
  await request<void>('POST', '/api/auth/signout-everywhere');
}

// ---------------------------------------------------------------- boards

const boardPath = (boardId: string) => `/api/boards/${encodeURIComponent(boardId)}`;

function toBoardSummary(b: unknown): BoardSummary | null {
  const v = (b ?? {}) as Record<string, unknown>;
  if (typeof v['id'] !== 'string') return null;
  const role = v['role'];
  return {
    id: v['id'],
    title: str(v['title']) || v['id'],
    role: isRole(role) ? role : null,
    stakeholderId: strOrNull(v['stakeholderId']),
    stakeholderName: strOrNull(v['stakeholderName']),
    archived: v['archived'] === true,
    online: toOnlineUsers(v['online']),
  };
}

/** A board's `online` list as sent (`GET /api/boards`, `boards:changed`); anything malformed is left out. */
export function toOnlineUsers(value: unknown): OnlineUser[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((u: unknown) => {
    const v = (u ?? {}) as Record<string, unknown>;
    if (typeof v['userId'] !== 'string') return [];
    return [{ userId: v['userId'], name: str(v['name']) || 'Someone', stakeholderId: strOrNull(v['stakeholderId']) }];
  });
}

export async function fetchBoards(): Promise<BoardSummary[]> {
  const body = await request<{ boards?: unknown }>('GET', '/api/boards');
  if (!Array.isArray(body.boards)) return [];
  return body.boards.flatMap((b: unknown) => toBoardSummary(b) ?? []);
}

/**
 * Searches every board I am on (`GET /api/search`); `signal` cancels a search that a newer
 * keystroke replaced. Hits come best first, as the server ranks them.
 */
export async function searchAllBoards(query: string, signal?: AbortSignal): Promise<CrossBoardHit[]> {
  const body = await request<{ hits?: unknown }>(
    'GET',
    `/api/search?q=${encodeURIComponent(query)}`,
    undefined,
    signal,
  );
  if (!Array.isArray(body.hits)) return [];
  return body.hits.filter(
    (h: unknown): h is CrossBoardHit =>
      typeof (h as CrossBoardHit | null)?.boardId === 'string' &&
      typeof (h as CrossBoardHit).pointId === 'string' &&
      typeof (h as CrossBoardHit).snippet === 'string' &&
      Array.isArray((h as CrossBoardHit).matches),
  );
}

/** One board I am on, as the list has it (whether it is archived, my role and stakeholder). */
export async function fetchBoard(boardId: string): Promise<BoardSummary | null> {
  const body = await request<{ board?: unknown }>('GET', boardPath(boardId));
  return toBoardSummary(body.board);
}

function createdId(body: { id?: unknown } | null | undefined): string {
  if (typeof body?.id !== 'string' || !body.id) {
    throw new ApiError(500, 'bad_response', 'The server created the board but did not say where it is.');
  }
  return body.id;
}

/** Creates a board (I become its owner); resolves to its id. */
export async function createBoard(input: NewBoard): Promise<string> {
  return createdId(await request<{ id?: unknown }>('POST', '/api/boards', input));
}

/** The content type the import route expects for a file: JSON by name or type, else Markdown. */
export function importContentType(file: { name: string; type: string }): string {
  return /\.json$/i.test(file.name) || file.type === 'application/json' ? 'application/json' : 'text/markdown';
}

function importPath(params: Record<string, string>): string {
  const query = new URLSearchParams(params).toString();
  return `/api/boards/import${query ? `?${query}` : ''}`;
}

/** What importing `file` would create; nothing is created. A bad file rejects with the server's message (line, column). */
export async function previewImport(file: Blob & { name: string }): Promise<ImportPreview> {
  const body = await request<{ preview?: unknown }>('POST', importPath({ dryRun: '1' }), {
    raw: file,
    type: importContentType(file),
  });
  const p = (body?.preview ?? {}) as Record<string, unknown>;
  return {
    title: str(p['title']),
    categories: num(p['categories']),
    points: num(p['points']),
    stakeholders: num(p['stakeholders']),
    positions: num(p['positions']),
    threads: num(p['threads']),
    comments: num(p['comments']),
  };
}

/** Creates a board from a Markdown or JSON plan file (`title` replaces the file's); resolves to its id. */
export async function importBoard(file: Blob & { name: string }, title?: string): Promise<string> {
  const path = importPath(title ? { title } : {});
  return createdId(await request<{ id?: unknown }>('POST', path, { raw: file, type: importContentType(file) }));
}

/** Owners: rename, archive or unarchive. */
export async function updateBoard(boardId: string, patch: { title?: string; archived?: boolean }): Promise<void> {
  await request('PATCH', boardPath(boardId), patch);
}

/**
 * Editors and owners: accepts or rejects an amendment. The server checks the board's
 * sign-off rule and staleness; a refusal is an ApiError (409) whose message says why.
 */
export async function sendAmendmentDecision(
  boardId: string,
  amendmentId: string,
  decision: 'accept' | 'reject',
  note: string,
): Promise<void> {
  const path = `${boardPath(boardId)}/amendments/${encodeURIComponent(amendmentId)}/decision`;
  await request('POST', path, note.trim() ? { decision, note } : { decision });
}

const HISTORY_KINDS: ReadonlySet<string> = new Set<HistoryEntryJson['kind']>([
  'text',
  'position',
  'amendment',
  'thread',
  'point',
]);

/**
 * One page of a point's history, newest first: the entries older than `before` (the
 * previous page's `next`), or the newest. The server words each entry's summary.
 */
export async function fetchPointHistory(
  boardId: string,
  pointId: string,
  opts: { before?: number; limit?: number } = {},
): Promise<HistoryPageJson> {
  const query = new URLSearchParams();
  if (opts.before !== undefined) query.set('before', String(opts.before));
  if (opts.limit !== undefined) query.set('limit', String(opts.limit));
  const qs = query.toString();
  const path = `${boardPath(boardId)}/points/${encodeURIComponent(pointId)}/history${qs ? `?${qs}` : ''}`;
  const body = await request<{ entries?: unknown; next?: unknown } | null>('GET', path);
  // Entries that do not read (no id or summary, a kind this page does not know) are left
  // out rather than breaking the list.
  const entries = (Array.isArray(body?.entries) ? body.entries : []).filter(
    (e: unknown): e is HistoryEntryJson =>
      typeof (e as HistoryEntryJson | null)?.id === 'number' &&
      HISTORY_KINDS.has((e as HistoryEntryJson).kind) &&
      typeof (e as HistoryEntryJson).summary === 'string',
  );
  const next = typeof body?.next === 'number' && Number.isSafeInteger(body.next) ? body.next : null;
  return { entries, next };
}

// ---------------------------------------------------------------- notifications and activity

/**
 * My notifications changed after `after` (0: the newest page). The socket's
 * `notifications:since` answers the same; this is for clients without the socket.
 */
export async function fetchNotifications(
  opts: { after?: number; limit?: number } = {},
): Promise<NotificationsPageJson> {
  const query = new URLSearchParams();
  if (opts.after !== undefined) query.set('after', String(opts.after));
  if (opts.limit !== undefined) query.set('limit', String(opts.limit));
  const qs = query.toString();
  return request<NotificationsPageJson>('GET', `/api/notifications${qs ? `?${qs}` : ''}`);
}

/**
 * Marks some of my notifications, or all of them (on one board), read on every device
 * (each hears `notifications:read`). Answers my unread counts per board.
 */
export async function markNotificationsRead(body: MarkReadRequest): Promise<{ unread: Record<string, number> }> {
  const res = await request<{ unread?: unknown } | null>('POST', '/api/notifications/read', body);
  const unread = res?.unread;
  return { unread: typeof unread === 'object' && unread !== null ? (unread as Record<string, number>) : {} };
}

/** One page of a board's activity feed, newest first: entries older than `before`, or the newest. */
export async function fetchBoardActivity(
  boardId: string,
  opts: { before?: number; limit?: number } = {},
): Promise<ActivityPageJson> {
  const query = new URLSearchParams();
  if (opts.before !== undefined) query.set('before', String(opts.before));
  if (opts.limit !== undefined) query.set('limit', String(opts.limit));
  const qs = query.toString();
  const body = await request<{ entries?: unknown; next?: unknown } | null>(
    'GET',
    `${boardPath(boardId)}/activity${qs ? `?${qs}` : ''}`,
  );
  // An entry without an id, a point or a summary is left out rather than breaking the feed;
  // kinds this client does not know are kept and shown by their summary.
  const entries = (Array.isArray(body?.entries) ? body.entries : []).filter(
    (e: unknown): e is ActivityEntryJson =>
      typeof (e as ActivityEntryJson | null)?.id === 'number' &&
      typeof (e as ActivityEntryJson).summary === 'string' &&
      typeof (e as ActivityEntryJson).pointId === 'string',
  );
  const next = typeof body?.next === 'number' && Number.isSafeInteger(body.next) ? body.next : null;
  return { entries, next };
}

/** Owners: deletes the board for good; `confirm` is its title, typed. */
export async function deleteBoard(boardId: string, confirm: string): Promise<void> {
  await request('DELETE', boardPath(boardId), { confirm });
}

export type ExportFormat = 'md' | 'json';

/** A file name for an export: the board's title made safe, and the day (`round-2-draft-2026-05-04.md`). */
export function exportFileName(title: string, format: ExportFormat, date = new Date()): string {
  const base =
    title
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60)
      .replace(/-+$/, '') || 'board';
  const day = `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
  return `${base}-${day}.${format}`;
}

/** The title an export names: `meta.title` of the JSON, the `# ` heading of the Markdown. */
function exportTitle(text: string, format: ExportFormat): string {
  if (format === 'json') {
    try {
      const meta = (JSON.parse(text) as { meta?: { title?: unknown } } | null)?.meta;
      return typeof meta?.title === 'string' ? meta.title : '';
    } catch {
      return '';
    }
  }
  return /^# (.*)$/m.exec(text)?.[1]?.trim() ?? '';
}

/** The board exported as Markdown or JSON, as a file to save. */
export async function fetchExport(boardId: string, format: ExportFormat): Promise<{ blob: Blob; fileName: string }> {
  const res = await send(
    'GET',
    `${boardPath(boardId)}/export?format=${format}`,
    undefined,
    format === 'md' ? 'text/markdown' : 'application/json',
  );
  const text = await res.text();
  const type = format === 'md' ? 'text/markdown;charset=utf-8' : 'application/json;charset=utf-8';
  return { blob: new Blob([text], { type }), fileName: exportFileName(exportTitle(text, format) || boardId, format) };
}

// ---------------------------------------------------------------- invites

export async function fetchInvite(token: string): Promise<InviteInfo> {
  const body = await request<{ invite?: unknown }>('GET', `/api/invites/${encodeURIComponent(token)}`);
  const i = (body.invite ?? {}) as Record<string, unknown>;
  const role = i['role'];
  if (typeof i['boardId'] !== 'string' || !isRole(role)) {
    throw new ApiError(500, 'bad_response', 'The server sent an invite this page cannot read.');
  }
  return {
    boardId: i['boardId'],
    boardTitle: str(i['boardTitle']) || i['boardId'],
    role,
    stakeholderId: strOrNull(i['stakeholderId']),
    stakeholderName: strOrNull(i['stakeholderName']),
    expiresAt: num(i['expiresAt']),
  };
}

export async function acceptInvite(token: string): Promise<Membership> {
  const body = await request<{ membership?: unknown }>('POST', `/api/invites/${encodeURIComponent(token)}/accept`);
  const m = toMembership(body.membership);
  if (!m) throw new ApiError(500, 'bad_response', 'The server accepted the invite but sent no membership.');
  return m;
}

// ---------------------------------------------------------------- members (owners manage)

export async function fetchMembers(boardId: string): Promise<{ members: Member[]; invites: InviteSummary[] | null }> {
  const body = await request<{ members?: unknown; invites?: unknown }>('GET', `${boardPath(boardId)}/members`);
  const members = (Array.isArray(body.members) ? body.members : []).flatMap((v: unknown): Member[] => {
    const m = (v ?? {}) as Record<string, unknown>;
    const role = m['role'];
    if (typeof m['userId'] !== 'string' || !isRole(role)) return [];
    return [
      {
        userId: m['userId'],
        name: str(m['name']) || 'Unnamed',
        role,
        stakeholderId: strOrNull(m['stakeholderId']),
        ...(typeof m['email'] === 'string' ? { email: m['email'] } : {}),
      },
    ];
  });
  const invites = Array.isArray(body.invites)
    ? body.invites.map(toInviteSummary).filter((i): i is InviteSummary => i !== null)
    : null;
  return { members, invites };
}

export async function updateMember(
  boardId: string,
  userId: string,
  patch: { role: Role; stakeholderId: string | null },
): Promise<void> {
  await request('PATCH', `${boardPath(boardId)}/members/${encodeURIComponent(userId)}`, patch);
}

export async function removeMember(boardId: string, userId: string): Promise<void> {
  await request('DELETE', `${boardPath(boardId)}/members/${encodeURIComponent(userId)}`);
}

export async function createInvite(
  boardId: string,
  input: { role: Role; stakeholderId: string | null; ttlHours?: number; maxUses?: number },
): Promise<CreatedInvite> {
  const body = await request<{ invite?: unknown }>('POST', `${boardPath(boardId)}/invites`, input);
  const summary = toInviteSummary(body.invite);
  const url = str((body.invite as Record<string, unknown> | undefined)?.['url']);
  if (!summary || !url) throw new ApiError(500, 'bad_response', 'The server created the invite but sent no link.');
  return { ...summary, url };
}

export async function revokeInvite(boardId: string, inviteId: string): Promise<void> {
  await request('DELETE', `${boardPath(boardId)}/invites/${encodeURIComponent(inviteId)}`);
}
