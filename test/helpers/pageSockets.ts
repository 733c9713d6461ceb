/**
 * What a page's websockets went through, as the page saw it: an init script wraps the
 * page's `WebSocket` so every socket the app opens records when it opened and the close
 * code and reason it got (Playwright's own websocket events carry no close code). Also a
 * mark that tells whether the page was reloaded, role changes through the REST API, and
 * init scripts that take IndexedDB away from a context.
 */
import type { BrowserContext, Page } from 'playwright-core';
import type { Role } from '@parley/shared/permissions';
import type { Person } from './people.ts';
import type { RunningServer } from './server.ts';

export interface SocketLogEntry {
  /** The socket's URL (`/yjs/<doc>` for documents, `/socket.io/` for app events). */
  readonly url: string;
  /** Milliseconds since the page started (performance.now()). */
  readonly createdAt: number;
  openedAt: number | null;
  closedAt: number | null;
  /** The close event's code and reason (a server close: the code it sent). */
  code: number | null;
  reason: string | null;
}

/**
 * Records every websocket the pages of `context` open into `window.__socketLog` (from the
 * first script on, reloads included: each document starts a new log). Call before navigating.
 */
export async function recordSockets(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const w = window as unknown as { __socketLog?: SocketLogEntry[] };
    if (w.__socketLog) return;
    const log: SocketLogEntry[] = [];
    w.__socketLog = log;
    const Native = window.WebSocket;
    class Recorded extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        const entry: SocketLogEntry = {
          url: String(url),
          createdAt: performance.now(),
          openedAt: null,
          closedAt: null,
          code: null,
          reason: null,
        };
        log.push(entry);
        this.addEventListener('open', () => (entry.openedAt = performance.now()));
        this.addEventListener('close', (event) => {
          entry.closedAt = performance.now();
          entry.code = event.code;
          entry.reason = event.reason;
        });
      }
    }
    window.WebSocket = Recorded;
  });
}

/** The page's socket log; `docName` keeps only that document's sockets (`/yjs/<docName>?…`). */
export async function socketLog(page: Page, docName?: string): Promise<SocketLogEntry[]> {
  const all = await page.evaluate(() => (window as unknown as { __socketLog?: SocketLogEntry[] }).__socketLog ?? []);
  if (docName === undefined) return all;
  return all.filter((s) => new URL(s.url).pathname === `/yjs/${docName}`);
}

/** Close codes the page's sockets of `docName` got, in order. */
export async function closeCodes(page: Page, docName: string): Promise<number[]> {
  return (await socketLog(page, docName)).flatMap((s) => (s.code === null ? [] : [s.code]));
}

/** Sets a mark in the page's window; `sameDocument` tells whether it is still there (no reload). */
export async function markDocument(page: Page): Promise<string> {
  const mark = Math.random().toString(36).slice(2);
  await page.evaluate((m) => ((window as unknown as { __documentMark?: string }).__documentMark = m), mark);
  return mark;
}

export async function sameDocument(page: Page, mark: string): Promise<boolean> {
  return (await page.evaluate(() => (window as unknown as { __documentMark?: string }).__documentMark)) === mark;
}

/** The user id of the person signed in in this context (`GET /api/auth/me`). */
export async function userIdOf(person: Person, server: RunningServer): Promise<string> {
  const res = await person.context.request.get(`${server.url}/api/auth/me`);
  if (!res.ok()) throw new Error(`/api/auth/me: HTTP ${res.status()} ${await res.text()}`);
  const me = (await res.json()) as { user: { id: string } };
  return me.user.id;
}

/** An owner changes a member's role on the demo board through the REST API (PATCH member). */
export async function setRole(
  owner: Person,
  server: RunningServer,
  userId: string,
  role: Role,
  stakeholderId: string | null,
): Promise<void> {
  const res = await owner.context.request.patch(`${server.url}/api/boards/demo/members/${userId}`, {
    data: { role, stakeholderId },
  });
  if (!res.ok()) throw new Error(`PATCH member ${userId}: HTTP ${res.status()} ${await res.text()}`);
}

/**
 * Takes IndexedDB away from the pages of `context` before any of their scripts run:
 * - `missing`: `window.indexedDB` is undefined (as in some embedded or locked-down browsers);
 * - `failing`: `indexedDB.open` answers every request with an error event, as private
 *   modes that refuse storage do (the request fails asynchronously, nothing throws).
 */
export async function breakIndexedDb(context: BrowserContext, mode: 'missing' | 'failing'): Promise<void> {
  await context.addInitScript((how: 'missing' | 'failing') => {
    if (how === 'missing') {
      Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true, writable: true });
      return;
    }
    IDBFactory.prototype.open = function open(): IDBOpenDBRequest {
      const request = new EventTarget() as EventTarget & Record<string, unknown>;
      Object.assign(request, {
        result: undefined,
        error: null,
        readyState: 'pending',
        source: null,
        transaction: null,
        onsuccess: null,
        onerror: null,
        onblocked: null,
        onupgradeneeded: null,
      });
      setTimeout(() => {
        request['error'] = new DOMException('IndexedDB is not available in this browsing mode', 'InvalidStateError');
        request['readyState'] = 'done';
        const event = new Event('error', { cancelable: true });
        request.dispatchEvent(event);
        const handler = request['onerror'];
        if (typeof handler === 'function') (handler as (e: Event) => void).call(request, event);
      }, 0);
      return request as unknown as IDBOpenDBRequest;
    };
  }, mode);
}
