/**
 * What the browser scenarios (P6, P9) share: the P2-sized board, a data dir holding a board
 * and a browser member, a signed-in Chromium context, the page's load marks, the keystroke
 * probe, and a Chromium that gets every core back from the runner's pinning.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as Y from 'yjs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  addPoint,
  DEMO_STAKEHOLDERS,
  listCategories,
  listPoints,
  openThread,
  replyToThread,
  type PointId,
  type StakeholderId,
  type UserId,
} from '@parley/shared/model';
import type { Role } from '@parley/shared/permissions';
import { newOpaqueToken } from '../../../server/src/accounts/secrets.ts';
import { buildDemoState } from '../../../server/src/seed/createDemoBoard.ts';
import { DEMO_BOARD_ID, DEMO_TITLE } from '../../../server/src/seed/demoContent.ts';
import { LOAD_MARK } from '../../../client/src/lib/util/load-marks.ts';
import { SqliteAccountStore } from '../../../server/src/persistence/sqlite/SqliteAccountStore.ts';
import { SqliteStorage } from '../../../server/src/persistence/sqlite/SqliteStorage.ts';
import { DESKTOP, launchBrowser } from '../../helpers/browser.ts';
import { hasTaskset } from './proc.ts';
import type { BenchServer } from './servers.ts';
import { round, sleep, type Distribution } from './stats.ts';

/** 28 points × 4 threads × 50 comments = 5,600 comments, ~1.9 MB encoded. */
const THREADS_PER_POINT = 4;
const COMMENTS_PER_THREAD = 50;
const WORDS_PER_COMMENT = 22;

/** Keystroke → paint p95: one frame at 60 Hz. */
export const TARGET_KEY_P95_MS = 16;

/** About 8 characters a second: a fast typist, and each keystroke gets its own frame. */
export const KEY_INTERVAL_MS = 120;

export const WORDS = (
  'the parties agree that monitoring shall begin within thirty days of signature and that observers ' +
  'report jointly to the commission we propose alternative wording because the draft leaves open who ' +
  'verifies compliance on the ground'
).split(' ');

export interface BigBoard {
  readonly state: Uint8Array;
  readonly comments: number;
  /** The point shown first (lowest number): the browser types in it, typist 0 edits it. */
  readonly firstPointId: PointId;
}

/**
 * The demo board plus 5,600 comments, written on one replica and encoded once; with
 * `scale` > 1, that many times the points (spread over the same four categories) and so the
 * comments.
 */
export function buildBigBoard(scale = 1): BigBoard {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, buildDemoState());
    const categories = listCategories(doc);
    const demoPoints = listPoints(doc).length;
    for (let i = demoPoints; i < demoPoints * scale; i++) {
      addPoint(doc, null, {
        categoryId: categories[i % categories.length]!.id,
        title: `Further point ${i + 1}`,
        body: `Working text for further point ${i + 1}.`,
      });
    }
    const points = listPoints(doc);
    let n = 0;
    const body = (i: number) => {
      const words = [`#${i}`];
      for (let k = 0; k < WORDS_PER_COMMENT; k++) words.push(WORDS[(i * 7 + k * 3) % WORDS.length]!);
      return words.join(' ');
    };
    for (const point of points) {
      for (let t = 0; t < THREADS_PER_POINT; t++) {
        const stakeholderId = DEMO_STAKEHOLDERS[t % DEMO_STAKEHOLDERS.length]!.id as StakeholderId;
        const actor = (i: number) => ({
          userId: `seed-${i % 40}` as UserId,
          name: `Seed person ${i % 40}`,
          stakeholderId,
        });
        const threadId = openThread(doc, actor(n), { pointId: point.id, body: body(n) });
        n++;
        for (let c = 1; c < COMMENTS_PER_THREAD; c++, n++) replyToThread(doc, actor(n), threadId, body(n));
      }
    }
    // makeEdit's participant→point mapping uses listPoints order; so does `?point=` below.
    return { state: Y.encodeStateAsUpdate(doc), comments: n, firstPointId: points[0]!.id };
  } finally {
    doc.destroy();
  }
}

/** The account the browser signs in as, and its membership of the board. */
export interface BrowserMember {
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly stakeholderId: StakeholderId | null;
}

export interface PreparedDir {
  readonly dataDir: string;
  readonly signInToken: string;
}

/**
 * Writes a board (as the demo board's id, the one the bench's Node clients join) and the
 * browser's member straight into a fresh data dir. The bench server logs at warn, so the
 * demo's sign-in links (logged at info) never reach us; a one-click link of our own is the
 * flow a user gets.
 */
export async function prepareDataDir(state: Uint8Array, member: BrowserMember): Promise<PreparedDir> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-bench-browser-'));
  const storage = new SqliteStorage(dataDir);
  try {
    await storage.createBoard(DEMO_BOARD_ID, DEMO_TITLE, state);
    const accounts = new SqliteAccountStore(storage.db);
    const user = await accounts.createUser({ email: member.email, name: member.name, passwordHash: null });
    await accounts.setMembership({
      boardId: DEMO_BOARD_ID,
      userId: user.id,
      role: member.role,
      stakeholderId: member.stakeholderId,
    });
    const signInToken = newOpaqueToken();
    await accounts.createSignInLink(user.id, DEMO_BOARD_ID, signInToken, 3_600_000);
    return { dataDir, signInToken };
  } finally {
    await storage.close();
  }
}

// Page-side code is passed as source text: tsx compiles this file with keepNames, and the
// `__name` helpers it would wrap around functions do not exist inside the page.

/**
 * Marks, from navigation start (performance.now() = 0 in the new document), when the board
 * becomes usable (the shown point's body editor is contenteditable and the status badge is
 * past "connecting", i.e. the board socket is open) and when it first says "saved". Each
 * mark is taken after the next paint of the DOM change that satisfied it (see keyProbe).
 */
const LOAD_PROBE = `(() => {
  if (window.top !== window) return;
  const st = { interactiveAt: -1, savedAt: -1, longTasks: 0, longestTask: 0 };
  window.__benchLoad = st;
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) { st.longTasks++; st.longestTask = Math.max(st.longestTask, e.duration); }
    }).observe({ type: 'longtask', buffered: true });
  } catch {}
  const afterPaint = (set) => requestAnimationFrame(() => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => set(performance.now());
    ch.port2.postMessage(null);
  });
  let interactive = false;
  let saved = false;
  const observer = new MutationObserver(() => {
    const badge = document.querySelector('[data-testid="status-badge"]');
    const status = badge ? badge.getAttribute('data-status') : null;
    const editable = document.querySelector(
      '[data-testid="point-panel"] [data-testid="point-body"] .cm-content[contenteditable="true"]');
    if (!interactive && editable && status && status !== 'connecting' && status !== 'offline') {
      interactive = true;
      afterPaint((t) => { st.interactiveAt = t; });
    }
    if (!saved && status === 'saved') {
      saved = true;
      afterPaint((t) => { st.savedAt = t; });
    }
    if (interactive && saved) observer.disconnect();
  });
  observer.observe(document, { subtree: true, childList: true, attributes: true,
    attributeFilter: ['data-status', 'contenteditable'] });
})()`;

/**
 * Keystroke → paint, in the page. Start: the keydown event's timeStamp (when the browser
 * received the input, so time the event waited behind a busy main thread counts). End: the
 * first frame after `observed`'s DOM changed for that key: a MutationObserver sees the
 * change, requests an animation frame, and from inside it posts a MessageChannel message;
 * that message runs only after the frame's rendering (every rAF callback, the Svelte
 * re-render of the board view, style, layout, paint) is done, the same "next paint" the
 * Event Timing API uses, but without its 16 ms reporting floor. The real Event Timing
 * entries (≥ 16 ms only, rounded to 8 ms) are kept as a cross-check. Keys count when they
 * go to `target` (an editor, or the search box whose results `observed` holds).
 */
function keyProbe(target: string, observed: string): string {
  return `(() => {
  const target = document.querySelector(${JSON.stringify(target)});
  const observed = document.querySelector(${JSON.stringify(observed)});
  if (!target || !observed) throw new Error('no element for the key probe');
  const prev = window.__benchKeys;
  if (prev && prev.target === target && prev.observed === observed) {
    Object.assign(prev, { samples: [], pending: null, slowEvents: [], longTasks: [] });
    return;
  }
  const st = { target, observed, samples: [], pending: null, slowEvents: [], longTasks: [] };
  window.__benchKeys = st;
  addEventListener('keydown', (e) => {
    if (window.__benchKeys !== st || !target.contains(e.target)) return;
    const rec = { start: e.timeStamp, handled: performance.now(), mutated: -1, painted: -1 };
    st.samples.push(rec);
    st.pending = rec;
  }, true);
  // A remote edit cannot be taken for the key's own change: the browser dispatches keydown
  // and the text insertion in one task, and records queued earlier were delivered before.
  new MutationObserver(() => {
    const rec = st.pending;
    if (!rec) return;
    st.pending = null;
    rec.mutated = performance.now();
    requestAnimationFrame(() => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => { rec.painted = performance.now(); };
      ch.port2.postMessage(null);
    });
  }).observe(observed, { subtree: true, childList: true, characterData: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.name === 'keydown') st.slowEvents.push({ start: e.startTime, duration: e.duration });
    }
  }).observe({ type: 'event', durationThreshold: 16 });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) st.longTasks.push(e.duration);
  }).observe({ type: 'longtask' });
})()`;
}

export interface LoadMarks {
  readonly interactiveAt: number;
  readonly savedAt: number;
  readonly longTasks: number;
  readonly longestTask: number;
  /** When each phase of the load ended, ms from navigation: the page's own load marks, and the HTML's arrival. */
  readonly phases: Record<string, number>;
}

/** The phases of a load in the order they happen, as reported (see LoadMarks.phases). */
export const PHASES = ['html', 'assets', ...Object.keys(LOAD_MARK)] as const;

/** Reads the HTML's arrival and the page's load marks (client/src/lib/util/load-marks.ts). */
const READ_PHASES = `(() => {
  const names = ${JSON.stringify(LOAD_MARK)};
  const out = {};
  const nav = performance.getEntriesByType('navigation')[0];
  if (nav) out.html = nav.responseEnd;
  for (const [phase, name] of Object.entries(names)) {
    const m = performance.getEntriesByName(name, 'mark')[0];
    if (m) out[phase] = m.startTime;
  }
  // The scripts and styles the page waited for before its code ran.
  const early = performance.getEntriesByType('resource').filter((r) => out.main === undefined || r.startTime < out.main);
  if (early.length > 0) out.assets = Math.max(...early.map((r) => r.responseEnd));
  return out;
})()`;

interface KeySample {
  readonly start: number;
  readonly handled: number;
  readonly mutated: number;
  readonly painted: number;
}

export interface KeyRun {
  readonly toPaint: number[];
  /** keydown → the observed DOM changed: input handling alone, before the frame's work. */
  readonly toDom: number[];
  readonly queued: number[];
  readonly missing: number;
  /** Keystrokes whose keydown Event Timing entry was ≥ 16 ms. */
  readonly slowEvents: number;
  readonly slowestEvent: number;
  readonly longTasks: number[];
}

/**
 * Polls an expression in the page. Not page.waitForFunction: with a string it evals inside
 * the page, which Parley's CSP (no 'unsafe-eval') refuses; CDP's own evaluate is exempt.
 */
export async function waitInPage(page: Page, expression: string, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await page.evaluate(expression).catch(() => false))) {
    if (performance.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** The load marks of the page's current document, once it is interactive and saved. */
export async function loadMarks(page: Page): Promise<LoadMarks> {
  await waitInPage(
    page,
    'Boolean(window.__benchLoad && window.__benchLoad.savedAt >= 0 && window.__benchLoad.interactiveAt >= 0)',
    'the board to be interactive and saved',
  );
  const marks = (await page.evaluate('window.__benchLoad')) as Omit<LoadMarks, 'phases'>;
  return { ...marks, phases: (await page.evaluate(READ_PHASES)) as Record<string, number> };
}

/**
 * Types `text` one key at a time on a fixed schedule (open loop, like a person) into
 * `selector`, timing each key to the paint of the change it makes in `observed` (by
 * default the element typed in).
 */
export async function typeMeasured(page: Page, selector: string, text: string, observed = selector): Promise<KeyRun> {
  const content = page.locator(selector);
  await content.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.press('End');
  await page.evaluate(keyProbe(selector, observed));
  const t0 = performance.now();
  for (let i = 0; i < text.length; i++) {
    const wait = t0 + i * KEY_INTERVAL_MS - performance.now();
    if (wait > 0) await sleep(wait);
    await page.keyboard.type(text[i]!);
  }
  // The last key's frame, with margin for a slow one.
  await sleep(500);
  const st = (await page.evaluate(
    '({ samples: window.__benchKeys.samples, slowEvents: window.__benchKeys.slowEvents, longTasks: window.__benchKeys.longTasks })',
  )) as { samples: KeySample[]; slowEvents: { start: number; duration: number }[]; longTasks: number[] };
  const done = st.samples.filter((s) => s.painted >= 0);
  // Entries for the keys pressed to place the cursor may arrive after the probe started.
  const firstKey = st.samples[0]?.start ?? Infinity;
  const slow = st.slowEvents.filter((e) => e.start >= firstKey - 1).map((e) => e.duration);
  return {
    toPaint: done.map((s) => s.painted - s.start),
    toDom: done.map((s) => s.mutated - s.start),
    queued: done.map((s) => s.handled - s.start),
    missing: text.length - done.length,
    slowEvents: slow.length,
    slowestEvent: Math.max(0, ...slow),
    longTasks: st.longTasks,
  };
}

/**
 * A desktop-sized context signed in as the prepared member, with the load probe and any
 * further `initScripts` (page-side source text) in every document it opens.
 */
export async function signedInContext(
  browser: Browser,
  server: BenchServer,
  token: string,
  initScripts: readonly string[] = [],
): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: DESKTOP });
  context.setDefaultTimeout(30_000);
  for (const content of [LOAD_PROBE, ...initScripts]) await context.addInitScript({ content });
  // The context's request client shares its cookie jar, so the page's first navigation is
  // already signed in and nothing else is cached: a true first visit.
  const res = await context.request.get(`${server.httpUrl}/auth/link/${token}`, { maxRedirects: 0 });
  if (res.status() !== 303) throw new Error(`bench sign-in link: HTTP ${res.status()} ${await res.text()}`);
  return context;
}

/** Chromium's processes: children of ours running its binary, and all of theirs. */
function browserProcesses(): number[] {
  // Debian's /usr/bin/chromium is a shell script that execs /usr/lib/chromium/chromium.
  const isBrowser = (pid: number) => {
    try {
      return /chrom|headless_shell/i.test(
        path.basename(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]!),
      );
    } catch {
      return false;
    }
  };
  // Not all descendants: the bench server is our child too, and must stay pinned.
  return children(process.pid)
    .filter(isBrowser)
    .flatMap((pid) => [pid, ...children(pid, true)]);
}

function children(root: number, deep = false): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parentOf) {
      if (parent === pid) {
        out.push(child);
        if (deep) walk(child);
      }
    }
  };
  walk(root);
  return out;
}

/**
 * The runner pins itself, and so every child it launches, to the generator core. Chromium
 * is the system under test here, not load: squeezed onto one core (its browser, GPU,
 * network and renderer processes, next to the generator) it would measure a machine no
 * user has (keystroke times about triple). So its processes get every core back; renderers
 * forked later inherit it from the zygote. The server stays pinned and is nearly idle here.
 */
function unpinBrowser(): string {
  // os.cpus(), not availableParallelism(): the latter honours our own pinning.
  const cpus = `0-${os.cpus().length - 1}`;
  if (!hasTaskset()) return 'unchanged';
  const pids = browserProcesses();
  if (pids.length === 0) return 'unchanged';
  for (const pid of pids) {
    try {
      execFileSync('taskset', ['-a', '-cp', cpus, String(pid)], { stdio: 'ignore' });
    } catch {
      // a helper that already exited
    }
  }
  return cpus;
}

/** Launches Chromium and gives it every core (see unpinBrowser); `browserCpus` is reported. */
export async function launchUnpinned(): Promise<{ browser: Browser; browserCpus: string }> {
  const browser = await launchBrowser();
  return { browser, browserCpus: unpinBrowser() };
}

export const ms = (n: number): number => round(n, 1);
export const roundDist = (d: Distribution): Distribution => ({
  count: d.count,
  p50: ms(d.p50),
  p95: ms(d.p95),
  p99: ms(d.p99),
  max: ms(d.max),
});

/**
 * With BENCH_PROFILE_DIR set, writes a V8 CPU profile of the page while `run` runs, and a
 * Chrome trace with the renderer's style, layout and paint work (open either in Chrome
 * DevTools' Performance panel), as the server profiles are written.
 */
export async function profiled<T>(page: Page, name: string, run: () => Promise<T>): Promise<T> {
  const dir = process.env['BENCH_PROFILE_DIR'];
  const browser = page.context().browser();
  if (!dir || !browser) return run();
  fs.mkdirSync(dir, { recursive: true });
  const stamp = Date.now();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.start');
  await browser.startTracing(page, {
    path: path.join(dir, `${name}-${stamp}.trace.json`),
    categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink.user_timing'],
  });
  try {
    return await run();
  } finally {
    await browser.stopTracing();
    const { profile } = await cdp.send('Profiler.stop');
    fs.writeFileSync(path.join(dir, `${name}-${stamp}.cpuprofile`), JSON.stringify(profile));
    await cdp.detach();
  }
}
