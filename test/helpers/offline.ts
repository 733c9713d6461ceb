/**
 * Offline helpers for the e2e tests: the status badge's state, switching a browser context
 * off and on line (and making sure the app noticed), waiting for the service worker to
 * control a page, recording every status the badge ever showed, and holding back the
 * server's "saved" acknowledgements (message 100) on the board websocket through
 * Playwright's websocket routing.
 */
import type { BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { MESSAGE } from '@parley/shared/protocol';
import { LIVE_TIMEOUT, tid, until } from './people.ts';

export interface BadgeState {
  status: string | null;
  unsaved: number;
  connection: string | null;
  /** The visible (desktop) label, e.g. "Offline — 3 changes not yet saved". */
  label: string;
}

/** The status badge as the user sees it right now. */
export async function badgeState(page: Page): Promise<BadgeState> {
  return tid(page, 'status-badge').evaluate((el) => ({
    status: el.getAttribute('data-status'),
    unsaved: Number(el.getAttribute('data-unsaved') ?? 'NaN'),
    connection: el.getAttribute('data-connection'),
    label: (el.querySelector('.label')?.textContent ?? '').trim(),
  }));
}

/** Waits until the badge says `saved` with nothing unsaved. */
export async function waitForSaved(page: Page, what: string, timeout = LIVE_TIMEOUT): Promise<BadgeState> {
  return until(
    () => badgeState(page),
    (b) => b.status === 'saved' && b.unsaved === 0,
    `${what}: badge "saved" with data-unsaved=0`,
    timeout,
  );
}

/**
 * Waits until a service worker controls the page (the app shell is precached then: the
 * worker activates only after its install step cached everything, and `clientsClaim`
 * takes the open page over).
 */
export async function waitForServiceWorker(page: Page, timeout = 60_000): Promise<string> {
  return until(
    () =>
      page.evaluate(() => {
        const c = navigator.serviceWorker?.controller;
        return c ? `${c.scriptURL} (${c.state})` : '';
      }),
    (s) => s !== '',
    'a service worker controlling the page',
    timeout,
  );
}

/**
 * Takes the context off line and waits for the app to notice (badge `offline`). Chromium
 * fires the window `offline` event for `setOffline(true)`; if the badge did not turn
 * `offline` within `noticeMs`, the event is dispatched by hand. Returns how the app
 * learned about it.
 */
export async function goOffline(
  context: BrowserContext,
  page: Page,
  noticeMs = 5_000,
): Promise<{ via: 'setOffline' | 'dispatched-event'; onLine: boolean }> {
  await context.setOffline(true);
  let via: 'setOffline' | 'dispatched-event' = 'setOffline';
  try {
    await until(
      () => badgeState(page),
      (b) => b.status === 'offline',
      'badge "offline" after setOffline(true)',
      noticeMs,
    );
  } catch {
    via = 'dispatched-event';
    await page.evaluate(() => window.dispatchEvent(new Event('offline')));
    await until(
      () => badgeState(page),
      (b) => b.status === 'offline',
      'badge "offline" after dispatching the window offline event',
    );
  }
  const onLine = await page.evaluate(() => navigator.onLine);
  return { via, onLine };
}

/**
 * Puts the context back on line. Chromium fires `online` for `setOffline(false)`; when the
 * app had to be told about going offline by hand, it is told about coming back the same way.
 */
export async function goOnline(context: BrowserContext, page: Page, via: 'setOffline' | 'dispatched-event') {
  await context.setOffline(false);
  if (via === 'dispatched-event') await page.evaluate(() => window.dispatchEvent(new Event('online')));
}

export interface BadgeRecord {
  /** Milliseconds since the recorder started. */
  t: number;
  status: string | null;
  unsaved: string | null;
}

/**
 * Records every state of the status badge (`data-status`, `data-unsaved`) from now on into
 * `window.__badgeLog`: the initial one, then the one at the end of every mutation observer
 * callback. Observer callbacks run at the microtask checkpoint after each DOM change, before
 * the page renders again, so every state the user could ever see (or a screen reader could
 * announce) is recorded; states that only existed half-way through one synchronous DOM
 * update (one attribute already changed, the other not yet) are never rendered and are not
 * recorded. Lost on a reload.
 */
export async function startBadgeRecorder(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __badgeLog?: BadgeRecord[]; __badgeObserver?: MutationObserver };
    w.__badgeObserver?.disconnect();
    const start = performance.now();
    const log: BadgeRecord[] = [];
    w.__badgeLog = log;
    const current = () => {
      const el = document.querySelector('[data-testid="status-badge"]');
      const status = el?.getAttribute('data-status') ?? null;
      const unsaved = el?.getAttribute('data-unsaved') ?? null;
      const last = log[log.length - 1];
      if (last && last.status === status && last.unsaved === unsaved) return;
      log.push({ t: Math.round(performance.now() - start), status, unsaved });
    };
    current();
    const observer = new MutationObserver(current);
    // childList too: a badge that is replaced (the workspace remounts) is seen as well.
    observer.observe(document.documentElement, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-status', 'data-unsaved'],
    });
    w.__badgeObserver = observer;
  });
}

/** Everything the recorder saw since `startBadgeRecorder`. */
export async function badgeRecords(page: Page): Promise<BadgeRecord[]> {
  return page.evaluate(() => (window as unknown as { __badgeLog?: BadgeRecord[] }).__badgeLog ?? []);
}

/** Message type of the server's "saved" acknowledgement (a varUint < 128: one byte). */
const SAVED_MESSAGE: number = MESSAGE.saved;

export interface AckGate {
  /** While true, "saved" frames from the server are dropped instead of reaching the page. */
  hold: boolean;
  /** Board/notes websockets routed so far. */
  sockets: number;
  /** Frames forwarded server → page and page → server. */
  toPage: number;
  toServer: number;
  /** "saved" frames seen from the server, and how many of them were dropped. */
  acksSeen: number;
  acksDropped: number;
}

/**
 * Routes every `/yjs/` websocket of the page through Playwright: everything is forwarded
 * both ways, except that while `gate.hold` is set the server's "saved" acknowledgements are
 * dropped. Must be called before the page navigates (only sockets created afterwards are
 * routed).
 */
export async function routeSavedAcks(page: Page): Promise<AckGate> {
  const gate: AckGate = { hold: false, sockets: 0, toPage: 0, toServer: 0, acksSeen: 0, acksDropped: 0 };
  await page.routeWebSocket(/\/yjs\//, (ws: WebSocketRoute) => {
    gate.sockets++;
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      gate.toServer++;
      server.send(message);
    });
    server.onMessage((message) => {
      if (typeof message !== 'string' && message[0] === SAVED_MESSAGE) {
        gate.acksSeen++;
        if (gate.hold) {
          gate.acksDropped++;
          return;
        }
      }
      gate.toPage++;
      ws.send(message);
    });
  });
  return gate;
}
