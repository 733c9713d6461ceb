/**
 * Signed-in people for the e2e tests: a browser context per person, signed in through the
 * demo's one-click links, through the sign-up form of an invite, or through the REST API.
 * Also the small DOM helpers the e2e files share (test ids, polling, point selection).
 */
import { expect } from 'vitest';
import type { APIResponse, Browser, Locator, Page } from 'playwright-core';
import type { Role } from '@parley/shared/permissions';
import { DESKTOP, openContext, type OpenedPage, type Viewport } from './browser.ts';
import type { RunningServer } from './server.ts';
import { demoLinks, type DemoLink } from './tokens.ts';

/** How long a remote change may take to show up in another window. */
export const LIVE_TIMEOUT = 20_000;

/** A password long enough for sign-up (at least 10 characters). */
export const TEST_PASSWORD = 'correct-horse-battery-staple';

export const tid = (scope: Page | Locator, id: string): Locator => scope.locator(`[data-testid="${id}"]`);

/** Polls `fn` until the matcher passes (vitest's default poll timeout of 1 s is too short). */
export const poll = <T>(fn: () => Promise<T> | T, message?: string, timeout = LIVE_TIMEOUT) =>
  expect.poll(fn, { timeout, interval: 100, ...(message ? { message } : {}) });

/**
 * Polls `fn` until `ok(value)` holds; throws with the last value on timeout. Unlike `poll`
 * (expect.poll) it also works in hooks such as beforeAll.
 */
export async function until<T>(
  fn: () => Promise<T> | T,
  ok: (value: T) => boolean,
  what: string,
  timeout = LIVE_TIMEOUT,
): Promise<T> {
  const deadline = Date.now() + timeout;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await fn();
      lastError = undefined;
      if (ok(last)) return last;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const detail = lastError ? `error: ${(lastError as Error).message}` : `last value: ${JSON.stringify(last)}`;
      throw new Error(`timed out after ${timeout} ms waiting for ${what} (${detail})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A unique marker so a test can never be satisfied by text from an earlier run or step. */
export const marker = (label: string) => `${label}-${Math.random().toString(36).slice(2, 8)}`;

/** Rewrites a URL's origin to the server's own (127.0.0.1), so cookies land where the page is. */
export function onServer(server: Pick<RunningServer, 'url'>, url: string): string {
  return url.replace(/^https?:\/\/[^/]+/, server.url);
}

/** The demo sign-in link for a role (and stakeholder), with its origin rewritten. */
export function demoLink(
  server: Pick<RunningServer, 'logs' | 'url'>,
  role: Role,
  stakeholderId: string | null = null,
): DemoLink {
  const link = demoLinks(server).find(
    (l) => l.role === role && (stakeholderId === null || l.stakeholderId === stakeholderId),
  );
  if (!link) throw new Error(`no demo sign-in link for ${role} ${stakeholderId ?? ''}`);
  return { ...link, url: onServer(server, link.url) };
}

/** One websocket the page opened, with every frame it received. */
export interface SocketRecord {
  readonly url: string;
  readonly received: (string | Buffer)[];
  closed: boolean;
}

export interface Person extends OpenedPage {
  /** Who this is, for screenshots and messages. */
  readonly label: string;
  /** Websockets the page opened (when opened with `recordSockets`). */
  readonly sockets: SocketRecord[];
}

export interface PersonOptions {
  viewport?: Viewport;
  /** Record every websocket and the frames it receives (before the first navigation). */
  recordSockets?: boolean;
}

/** A fresh, signed-out browser context (nothing navigated yet). */
export async function newPerson(browser: Browser, label: string, opts: PersonOptions = {}): Promise<Person> {
  const opened = await openContext(browser, opts.viewport ?? DESKTOP);
  const sockets: SocketRecord[] = [];
  if (opts.recordSockets) {
    opened.page.on('websocket', (ws) => {
      const record: SocketRecord = { url: ws.url(), received: [], closed: false };
      sockets.push(record);
      ws.on('framereceived', (frame) => record.received.push(frame.payload));
      ws.on('close', () => (record.closed = true));
    });
  }
  return { ...opened, label, sockets };
}

/** True when any frame the person received contains `text` (as UTF-8). */
export function receivedText(person: Person, text: string): boolean {
  const needle = Buffer.from(text, 'utf8');
  return person.sockets.some((s) =>
    s.received.some((payload) => (typeof payload === 'string' ? payload.includes(text) : payload.includes(needle))),
  );
}

/** Waits until the board is rendered and live: 28 demo points and "All changes saved". */
export async function waitForBoard(page: Page, points = 28): Promise<void> {
  await until(
    () => tid(page, 'point-item').count(),
    (n) => n === points,
    `${points} point-items`,
  );
  await until(
    () => tid(page, 'status-badge').getAttribute('data-status'),
    (s) => s === 'saved',
    'status badge "saved"',
  );
}

/** Waits for the header's `current-user` to show this role and stakeholder. */
export async function expectCurrentUser(page: Page, role: Role, stakeholderId: string | null): Promise<void> {
  const user = tid(page, 'current-user');
  await user.waitFor({ state: 'visible' });
  await until(
    async () => [await user.getAttribute('data-role'), (await user.getAttribute('data-stakeholder-id')) ?? null],
    ([r, sid]) => r === role && sid === stakeholderId,
    `current-user with data-role=${role} data-stakeholder-id=${String(stakeholderId)}`,
  );
}

/** Opens a demo sign-in link in a fresh context; resolves once the demo board is live. */
export async function signInWithDemoLink(
  browser: Browser,
  link: DemoLink,
  opts: PersonOptions & { label?: string } = {},
): Promise<Person> {
  const person = await newPerson(browser, opts.label ?? link.label, opts);
  const response = await person.page.goto(link.url, { waitUntil: 'domcontentloaded' });
  expect(response?.status(), `sign-in link for ${link.label}`).toBeLessThan(400);
  await person.page.waitForURL(/\/b\/demo(\?|$)/);
  await waitForBoard(person.page);
  await expectCurrentUser(person.page, link.role, link.stakeholderId);
  return person;
}

async function json(response: APIResponse, what: string): Promise<Record<string, unknown>> {
  const body = await response.text();
  if (!response.ok()) throw new Error(`${what}: HTTP ${response.status()} ${body}`);
  return (body ? JSON.parse(body) : {}) as Record<string, unknown>;
}

/** Creates an invite through the REST API with the owner's session cookie; returns its URL on this server. */
export async function createInviteViaApi(
  owner: Person,
  server: RunningServer,
  role: Role,
  stakeholderId: string | null,
  boardId = 'demo',
): Promise<string> {
  const res = await owner.context.request.post(`${server.url}/api/boards/${boardId}/invites`, {
    data: { role, stakeholderId },
  });
  const body = await json(res, 'create invite');
  return onServer(server, (body['invite'] as { url: string }).url);
}

/** Signs a fresh account up through the REST API in this person's context (cookie set). */
export async function signUpViaApi(
  person: Person,
  server: RunningServer,
  name: string,
  email: string,
  password = TEST_PASSWORD,
): Promise<void> {
  await json(
    await person.context.request.post(`${server.url}/api/auth/signup`, { data: { name, email, password } }),
    'sign up',
  );
}

/** Accepts an invite through the REST API in this person's (signed-in) context. */
export async function acceptInviteViaApi(person: Person, server: RunningServer, inviteUrl: string): Promise<void> {
  const token = inviteUrl.split('/invite/')[1];
  if (!token) throw new Error(`not an invite URL: ${inviteUrl}`);
  await json(await person.context.request.post(`${server.url}/api/invites/${token}/accept`), 'accept invite');
}

/**
 * A new member in a fresh context, set up through the REST API (invite by the owner,
 * sign-up, accept), then shown the demo board.
 */
export async function newMemberViaApi(
  browser: Browser,
  server: RunningServer,
  owner: Person,
  who: { label: string; name: string; email: string; role: Role; stakeholderId: string | null },
  opts: PersonOptions = {},
): Promise<Person> {
  const inviteUrl = await createInviteViaApi(owner, server, who.role, who.stakeholderId);
  const person = await newPerson(browser, who.label, opts);
  await signUpViaApi(person, server, who.name, who.email);
  await acceptInviteViaApi(person, server, inviteUrl);
  await person.page.goto(`${server.url}/b/demo`, { waitUntil: 'domcontentloaded' });
  await waitForBoard(person.page);
  await expectCurrentUser(person.page, who.role, who.stakeholderId);
  return person;
}

/**
 * Opens an invite link signed out and signs up through the invite page's form, which
 * accepts the invite and opens the board; resolves on the board.
 */
export async function signUpThroughInvite(
  page: Page,
  inviteUrl: string,
  who: { name: string; email: string; password?: string },
  onStep?: (step: string) => Promise<unknown>,
): Promise<void> {
  await page.goto(inviteUrl, { waitUntil: 'domcontentloaded' });
  await tid(page, 'invite-view').waitFor({ state: 'visible' });
  await tid(page, 'signup-name').waitFor({ state: 'visible' });
  await onStep?.('invite-page');
  await tid(page, 'signup-name').fill(who.name);
  await tid(page, 'signup-email').fill(who.email);
  await tid(page, 'signup-password').fill(who.password ?? TEST_PASSWORD);
  await tid(page, 'signup-submit').click();
  // Signing up on an invite page accepts the invite and opens the board.
  const onBoard = () => new URL(page.url()).pathname === '/b/demo';
  const refusal = page.locator('[data-testid="signup-error"], [data-testid="invite-error"]');
  await until(
    async () => onBoard() || (await refusal.count()) > 0,
    (done) => done,
    'after sign-up on the invite page: the board (or an error)',
  );
  if (!onBoard()) throw new Error(`sign-up or accepting refused: ${(await refusal.first().textContent()) ?? ''}`);
  await onStep?.('signed-up');
}

/** Selects a point by clicking it in the list and waits for the panel to show it. */
export async function selectPoint(page: Page, pointId: string): Promise<Locator> {
  await page.locator(`[data-testid="point-item"][data-point-id="${pointId}"]`).click();
  const panel = page.locator(`[data-testid="point-panel"][data-point-id="${pointId}"]`);
  await panel.waitFor({ state: 'visible' });
  await tid(panel, 'point-body').locator('.cm-content').waitFor({ state: 'visible' });
  return panel;
}

/** The id of the n-th point (0-based) in the list. */
export async function nthPointId(page: Page, n: number): Promise<string> {
  const id = await tid(page, 'point-item').nth(n).getAttribute('data-point-id');
  if (!id) throw new Error(`point-item #${n} has no data-point-id`);
  return id;
}

/** Opens a thread on the shown point and returns its id once it is rendered. */
export async function openThread(panel: Locator, body: string): Promise<string> {
  await tid(panel, 'thread-new').click();
  await tid(panel, 'thread-new-body').fill(body);
  await tid(panel, 'thread-new-submit').click();
  const thread = tid(panel, 'thread').filter({ hasText: body });
  await thread.waitFor({ state: 'visible' });
  const id = await thread.getAttribute('data-thread-id');
  if (!id) throw new Error('the new thread has no data-thread-id');
  return id;
}

export const threadById = (scope: Page | Locator, threadId: string) =>
  scope.locator(`[data-testid="thread"][data-thread-id="${threadId}"]`);

export const positionRow = (panel: Locator, stakeholderId: string) =>
  panel.locator(`[data-testid="position-row"][data-stakeholder-id="${stakeholderId}"]`);

/** Server log lines for refused updates: the client should never even try one. */
export function forbiddenUpdateLogs(server: RunningServer): Record<string, unknown>[] {
  return server.logs.filter((l) => l['msg'] === 'forbidden update refused');
}

/**
 * The text of a CodeMirror editor (`.cm-content`, or a wrapper around one) as the user
 * wrote it: lines joined with "\n", without remote-cursor name labels (y-codemirror.next
 * widgets), the placeholder, or the invisible word joiners around widgets.
 */
export async function editorText(editor: Locator): Promise<string> {
  return editor.evaluate((el) => {
    const root = el.classList.contains('cm-content') ? el : el.querySelector('.cm-content');
    if (!root) throw new Error('no .cm-content here');
    const lines = Array.from(root.querySelectorAll(':scope > .cm-line'));
    return lines
      .map((line) => {
        const copy = line.cloneNode(true) as HTMLElement;
        copy
          .querySelectorAll('.cm-ySelectionCaret, .cm-ySelectionInfo, .cm-placeholder, .cm-widgetBuffer')
          .forEach((n) => n.remove());
        return (copy.textContent ?? '').replace(/\u2060/g, '');
      })
      .join('\n');
  });
}
