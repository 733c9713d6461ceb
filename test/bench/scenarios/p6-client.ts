import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { listPoints, listThreads, pointText, type StakeholderId } from '@parley/shared/model';
import { DEMO_BOARD_ID } from '../../../server/src/seed/demoContent.ts';
import { DESKTOP, ensureClientBuilt } from '../../helpers/browser.ts';
import { clientFor, makeEdit, participant, type Participant } from '../lib/board.ts';
import {
  buildBigBoard,
  launchUnpinned,
  loadMarks,
  ms,
  PHASES,
  prepareDataDir,
  profiled,
  roundDist,
  signedInContext,
  TARGET_KEY_P95_MS,
  typeMeasured,
  waitInPage,
  type BigBoard,
  type BrowserMember,
  type KeyRun,
  type LoadMarks,
  type PreparedDir,
} from '../lib/browserBench.ts';
import type { Scenario, ScenarioContext, ScenarioResult } from '../lib/scenario.ts';
import type { BenchServer } from '../lib/servers.ts';
import { distribution, median, round, sleep } from '../lib/stats.ts';
import type { SyncClient } from '../lib/syncClient.ts';

const TARGET_INTERACTIVE_MS = 1_000;

/** Three remote typists: participant 0 edits the point the browser types in, 4 and 8 the next two. */
const TYPISTS = [0, 4, 8];
const TYPIST_EDITS_PER_SECOND = 5;

/** The browser's member: a drafting editor, so the point body is editable. */
const MEMBER: BrowserMember = {
  email: 'p6-browser@bench.parley',
  name: 'P6 browser',
  role: 'editor',
  stakeholderId: 'us' as StakeholderId,
};

const EDITOR = '[data-testid="point-panel"] [data-testid="point-body"] .cm-content';

/** "html 40 · main 210 · …": each phase's median over the passes, in load order. */
function phaseLine(loads: readonly LoadMarks[]): string {
  return PHASES.filter((p) => loads.every((l) => p in l.phases))
    .map((p) => `${p} ${Math.round(median(loads.map((l) => l.phases[p]!)))}`)
    .join(' · ');
}

/** Open-loop remote typing with makeEdit until stopped; resolves with the edits sent per second. */
function startTypists(clients: readonly SyncClient[], people: readonly Participant[]): { stop(): Promise<number> } {
  let running = true;
  let sent = 0;
  const t0 = performance.now();
  const loop = (async () => {
    const period = 1000 / TYPIST_EDITS_PER_SECOND;
    const nextAt = clients.map((_, i) => t0 + (period * i) / clients.length);
    const seq = clients.map(() => 0);
    while (running) {
      const now = performance.now();
      for (let i = 0; i < clients.length; i++) {
        while (nextAt[i]! <= now) {
          makeEdit(clients[i]!, people[i]!, seq[i]!, nextAt[i]!);
          seq[i]!++;
          sent++;
          nextAt[i]! += period;
        }
      }
      await sleep(5);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return sent / ((performance.now() - t0) / 1000);
    },
  };
}

interface PassResult {
  readonly cold: LoadMarks;
  readonly warm: LoadMarks;
  readonly keys: KeyRun;
  readonly quiet: KeyRun | null;
  /** A bare contenteditable added to the board's page: what the page costs a keystroke without the editor. */
  readonly inPage: KeyRun;
  readonly remoteEditsPerSecond: number;
  readonly remoteEditsShown: boolean;
  readonly pageErrors: string[];
}

async function onePass(
  browser: Browser,
  server: BenchServer,
  prepared: PreparedDir,
  board: BigBoard,
  typists: { clients: SyncClient[]; people: Participant[] },
  text: string,
  quietText: string | null,
): Promise<PassResult> {
  const context = await signedInContext(browser, server, prepared.signInToken);
  try {
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text());
    });
    const url = `${server.httpUrl}/b/${DEMO_BOARD_ID}?point=${board.firstPointId}`;
    const cold = await profiled(page, 'p6-load', async () => {
      await page.goto(url, { waitUntil: 'commit' });
      return loadMarks(page);
    });
    // Lets the first visit's IndexedDB copy of the whole board finish before typing.
    await sleep(1_500);

    // The same keys with nobody else typing: how much of the cost is our own keystroke.
    const quiet = quietText ? await typeMeasured(page, EDITOR, quietText) : null;

    const remote = startTypists(typists.clients, typists.people);
    let keys: KeyRun;
    let remoteEditsPerSecond: number;
    try {
      await sleep(300);
      keys = await profiled(page, 'p6-keys', () => typeMeasured(page, EDITOR, text));
    } finally {
      remoteEditsPerSecond = await remote.stop();
    }
    const remoteEditsShown = await page.locator(EDITOR).evaluate((el) => (el.textContent ?? '').includes('~b~0.'));
    const inPage = await typeInPageBaseline(page, text.slice(0, 20));
    await waitInPage(
      page,
      `document.querySelector('[data-testid="status-badge"]')?.getAttribute('data-status') === 'saved'`,
      'the typed text to be saved',
    );

    // A return visit: HTTP cache, service worker and the IndexedDB copy are all warm.
    await page.reload({ waitUntil: 'commit' });
    const warm = await loadMarks(page);
    return { cold, warm, keys, quiet, inPage, remoteEditsPerSecond, remoteEditsShown, pageErrors };
  } finally {
    await context.close().catch(() => undefined);
  }
}

const IN_PAGE_BARE = 'p6-bare-in-page';

/**
 * The same probe on a bare contenteditable put at the top of the open point's panel, with
 * nobody else typing: the board's page around it, without CodeMirror, Yjs or the board's
 * view updating on each key. Removed afterwards.
 */
async function typeInPageBaseline(page: Page, text: string): Promise<KeyRun> {
  await page.evaluate(`(() => {
    const el = document.createElement('div');
    el.id = ${JSON.stringify(IN_PAGE_BARE)};
    el.contentEditable = 'true';
    el.style.minHeight = '2em';
    el.textContent = 'x';
    document.querySelector('[data-testid="point-panel"]').prepend(el);
  })()`);
  try {
    return await typeMeasured(page, `#${IN_PAGE_BARE}`, text);
  } finally {
    await page.evaluate(`document.getElementById(${JSON.stringify(IN_PAGE_BARE)})?.remove()`);
  }
}

/** The floor of the method: the same probe on a bare contenteditable in the same browser. */
async function baseline(browser: Browser, keysToType: string): Promise<KeyRun> {
  const context = await browser.newContext({ viewport: DESKTOP });
  try {
    const page = await context.newPage();
    await page.setContent('<div id="bare" contenteditable="true" style="min-height:4em">x</div>');
    return await typeMeasured(page, '#bare', keysToType);
  } finally {
    await context.close().catch(() => undefined);
  }
}

/** Whether the server holds what the browser typed in the point body. */
async function typedTextStored(server: BenchServer, board: BigBoard, typed: string): Promise<boolean> {
  const check = await clientFor(server, participant(1_000_002, 'observer'), { decode: true });
  try {
    await check.connect();
    return (pointText(check.doc, board.firstPointId, 'body')?.toString() ?? '').includes(typed.trim());
  } finally {
    check.destroy();
  }
}

async function runP6(ctx: ScenarioContext, scale = 1): Promise<ScenarioResult> {
  const passes = ctx.quick ? 1 : 3;
  const keyCount = ctx.quick ? 30 : 60;
  const base = 'the quick brown fox jumps over the lazy dog ';
  const passText = (pass: number) => ` p${pass} ${base.repeat(3)}`.slice(0, keyCount);
  const quietText = ctx.quick ? null : ` q ${base}`.slice(0, 30);

  await ensureClientBuilt();
  const board = buildBigBoard(scale);
  const prepared = await prepareDataDir(board.state, MEMBER);
  let server: BenchServer | null = null;
  let browser: Browser | null = null;
  const clients: SyncClient[] = [];
  try {
    server = await ctx.start({ dataDir: prepared.dataDir });
    const people = TYPISTS.map((i) => participant(i, 'editor'));
    for (const p of people) clients.push(await clientFor(server, p, { decode: false }));
    for (const c of clients) await c.connect();
    if (listThreads(clients[0]!.doc).length === 0) throw new Error('P6: the typists see no threads');
    const launched = await launchUnpinned();
    browser = launched.browser;
    const { browserCpus } = launched;

    const results: PassResult[] = [];
    for (let pass = 0; pass < passes; pass++) {
      results.push(await onePass(browser, server, prepared, board, { clients, people }, passText(pass), quietText));
    }
    const floor = await baseline(browser, base.slice(0, ctx.quick ? 20 : 40));
    const stored = await typedTextStored(server, board, passText(passes - 1));

    const keyToPaint = distribution(results.flatMap((r) => r.keys.toPaint));
    const interactive = results.map((r) => r.cold.interactiveAt);
    const errors = results.flatMap((r) => r.pageErrors);
    if (errors.length > 0) console.warn(`P6 page errors:\n  ${errors.slice(0, 10).join('\n  ')}`);
    return {
      boardStateMb: round(board.state.byteLength / 1e6, 2),
      points: listPoints(clients[0]!.doc).length,
      comments: board.comments,
      interactiveMs: ms(median(interactive)),
      // Per pass: the first also pays for a freshly launched browser.
      interactivePassesMs: interactive.map((t) => Math.round(t)).join(' / '),
      savedMs: ms(median(results.map((r) => r.cold.savedAt))),
      loadLongestTaskMs: ms(median(results.map((r) => r.cold.longestTask))),
      loadPhasesMs: phaseLine(results.map((r) => r.cold)),
      warmInteractiveMs: ms(median(results.map((r) => r.warm.interactiveAt))),
      warmPhasesMs: phaseLine(results.map((r) => r.warm)),
      warmSavedMs: ms(median(results.map((r) => r.warm.savedAt))),
      keyToPaintMs: roundDist(keyToPaint),
      keyToDomMs: roundDist(distribution(results.flatMap((r) => r.keys.toDom))),
      keyQueuedMs: roundDist(distribution(results.flatMap((r) => r.keys.queued))),
      keysWithoutPaint: results.reduce((n, r) => n + r.keys.missing, 0),
      keyEventTimingOver16: results.reduce((n, r) => n + r.keys.slowEvents, 0),
      keyEventTimingMaxMs: Math.max(...results.map((r) => r.keys.slowestEvent)),
      keyLongTasks: results.reduce((n, r) => n + r.keys.longTasks.length, 0),
      keyLongestTaskMs: ms(Math.max(0, ...results.flatMap((r) => r.keys.longTasks))),
      ...(quietText
        ? { quietKeyToPaintMs: roundDist(distribution(results.flatMap((r) => r.quiet?.toPaint ?? []))) }
        : {}),
      baselineKeyToPaintMs: roundDist(distribution(floor.toPaint)),
      // The browser's own keydown → next presentation for the bare contenteditable, as a
      // cross-check of the floor (Event Timing reports only entries of 16 ms and more).
      baselineKeyEventTimingOver16: floor.slowEvents,
      baselineKeys: floor.toPaint.length,
      inPageBaselineKeyToPaintMs: roundDist(distribution(results.flatMap((r) => r.inPage.toPaint))),
      inPageBaselineKeyEventTimingOver16: results.reduce((n, r) => n + r.inPage.slowEvents, 0),
      inPageBaselineKeys: results.reduce((n, r) => n + r.inPage.toPaint.length, 0),
      browserCpus,
      remoteEditsPerSecond: round(median(results.map((r) => r.remoteEditsPerSecond)), 1),
      remoteEditsShown: results.every((r) => r.remoteEditsShown),
      typedTextSaved: stored,
      pageErrors: errors.length,
      interactiveOk: median(interactive) <= TARGET_INTERACTIVE_MS,
      keyToPaintOk: keyToPaint.p95 <= TARGET_KEY_P95_MS,
    };
  } finally {
    for (const c of clients) c.destroy();
    await browser?.close().catch(() => undefined);
    await server?.stop();
    fs.rmSync(prepared.dataDir, { recursive: true, force: true });
  }
}

/** P6: the P2-sized board opened in Chromium, then typed in while three others type. */
export const clientScenario: Scenario = {
  id: 'P6',
  title: 'client: 1.9 MB board in Chromium, interactive time and keystroke-to-paint with 3 remote typists',
  flavors: ['parley'],
  run: async (ctx) => [{ label: 'board 28 points, 5,600 comments', result: await runP6(ctx) }],
};

/**
 * P6 on a board five times the size (140 points, 28,000 comments): how interactive time and
 * keystroke → paint grow with the board (no target; they should grow far slower than it).
 */
export const clientScenarioLarge: Scenario = {
  id: 'P6/x5',
  title: 'client: the P6 board five times over, interactive time and keystroke-to-paint with 3 remote typists',
  flavors: ['parley'],
  run: async (ctx) => [{ label: 'board 140 points, 28,000 comments', result: await runP6(ctx, 5) }],
};
