import fs from 'node:fs';
import * as Y from 'yjs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  addCategory,
  addPoint,
  addStakeholder,
  DEMO_STAKEHOLDERS,
  initBoard,
  openThread,
  setPosition,
  STAKEHOLDER_PALETTE,
  STANCES,
  type PointId,
  type Stance,
  type StakeholderId,
  type UserId,
} from '@parley/shared/model';
import { DEMO_BOARD_ID } from '../../../server/src/seed/demoContent.ts';
import { ensureClientBuilt } from '../../helpers/browser.ts';
import { clientFor, participant } from '../lib/board.ts';
import {
  buildBigBoard,
  launchUnpinned,
  loadMarks,
  ms,
  prepareDataDir,
  profiled,
  roundDist,
  signedInContext,
  typeMeasured,
  waitInPage,
  WORDS,
  type BrowserMember,
  type KeyRun,
  type PreparedDir,
} from '../lib/browserBench.ts';
import type { Scenario, ScenarioContext, ScenarioResult } from '../lib/scenario.ts';
import type { BenchServer } from '../lib/servers.ts';
import { distribution, median, sleep } from '../lib/stats.ts';
import { P9_TARGETS } from '../lib/targets.ts';

/** The matrix board: 500 points in 10 categories, 8 delegations, about 75% of the cells set. */
const MATRIX_POINTS = 500;
const MATRIX_CATEGORIES = 10;
const MORE_DELEGATIONS = [
  { id: 'china', name: 'China', short: 'CN' },
  { id: 'turkey', name: 'Turkey', short: 'TR' },
  { id: 'un', name: 'United Nations', short: 'UN' },
  { id: 'african-union', name: 'African Union', short: 'AU' },
];
/** Every this-many-th point gets a thread, opened by one of its delegations. */
const THREAD_EVERY = 10;

/** Remote position changes on cells in view while the matrix is open, one at a time. */
const CELL_UPDATES = 20;
const CELL_UPDATE_INTERVAL_MS = 150;

/** Typed into the board's search box on the P2 board, one key at a time. */
const SEARCH_QUERY = 'monitoring';

const MEMBER: BrowserMember = {
  email: 'p9-browser@bench.parley',
  name: 'P9 browser',
  role: 'editor',
  stakeholderId: 'us' as StakeholderId,
};

const SEARCH_INPUT = '[data-testid="search-input"]';
/** The sidebar around the search box: the results (and their count) render in it. */
const SEARCH_SIDEBAR = '#point-list';

/** Sets positions for any delegation (the owner may; a delegate only for its own). */
const OWNER = participant(1_000_003, 'owner');

const pointIdOf = (i: number) => `mx${String(i + 1).padStart(3, '0')}` as PointId;

interface MatrixBoard {
  readonly state: Uint8Array;
  readonly positions: number;
  readonly threads: number;
}

/** 500 points × 8 delegations, built with the shared mutations and encoded once. */
function buildMatrixBoard(): MatrixBoard {
  const doc = new Y.Doc();
  try {
    initBoard(doc, { title: 'P9 matrix board' });
    const delegations = [...DEMO_STAKEHOLDERS, ...MORE_DELEGATIONS].map((d, i) => {
      const color = 'color' in d ? d.color : STAKEHOLDER_PALETTE[i % STAKEHOLDER_PALETTE.length]!;
      return addStakeholder(doc, null, { ...d, id: d.id as StakeholderId, color });
    });
    const categories = Array.from({ length: MATRIX_CATEGORIES }, (_, c) => addCategory(doc, null, `Chapter ${c + 1}`));
    const seed = (d: number) => ({
      userId: `seed-${d}` as UserId,
      name: `Seed delegate ${d}`,
      stakeholderId: delegations[d]!,
    });
    let positions = 0;
    let threads = 0;
    for (let i = 0; i < MATRIX_POINTS; i++) {
      const pointId = addPoint(doc, null, {
        id: pointIdOf(i),
        // 50 points a category, in order, so the matrix shows them 1–500 top to bottom.
        categoryId: categories[Math.floor((i * MATRIX_CATEGORIES) / MATRIX_POINTS)]!,
        title: `Point ${i + 1}: ${WORDS[(i * 5) % WORDS.length]} ${WORDS[(i * 11 + 3) % WORDS.length]}`,
        body: `Working text for point ${i + 1}.`,
      });
      delegations.forEach((stakeholderId, d) => {
        // Three cells in four: every residue but 0.
        if ((i * 7 + d * 13) % 4 === 0) return;
        setPosition(doc, seed(d), {
          pointId,
          stakeholderId,
          stance: STANCES[(i * 3 + d) % STANCES.length]!,
          rationale: `${WORDS[(i + d) % WORDS.length]} ${WORDS[(i * 3 + d * 5) % WORDS.length]} (point ${i + 1})`,
        });
        positions++;
      });
      if (i % THREAD_EVERY === 0) {
        const d = (i / THREAD_EVERY) % delegations.length;
        openThread(doc, seed(d), { pointId, body: `A question on point ${i + 1}` });
        threads++;
      }
    }
    return { state: Y.encodeStateAsUpdate(doc), positions, threads };
  } finally {
    doc.destroy();
  }
}

// Page-side code is source text (see LOAD_PROBE in lib/browserBench.ts).

/**
 * In every document: timestamps each websocket message as it arrives (the `onmessage`
 * handler the provider sets is wrapped, so performance.now() is taken before it runs), and
 * counts animation frames while `startFrames()` is on: a rAF loop registered before the
 * page's own callbacks, so `frame` is the number of the frame being (or last) rendered and
 * `inFrame` says whether we are inside its rendering update. `afterPaint(set)` calls `set`
 * after the paint that shows a DOM change made now: P6's rAF → MessageChannel when outside a
 * frame, and just the MessageChannel message when inside one (a rAF requested during a
 * frame's callbacks would wait for the frame after).
 */
const FRAME_PROBE = `(() => {
  if (window.top !== window) return;
  const st = { frame: 0, inFrame: false, counting: false, arrivals: 0, lastArrival: -1, lastArrivalFrame: -1 };
  window.__p9 = st;
  const endOfFrame = new MessageChannel();
  endOfFrame.port1.onmessage = () => { st.inFrame = false; };
  const tick = () => {
    if (!st.counting) return;
    st.frame++;
    st.inFrame = true;
    endOfFrame.port2.postMessage(null);
    requestAnimationFrame(tick);
  };
  st.startFrames = () => { if (!st.counting) { st.counting = true; requestAnimationFrame(tick); } };
  st.stopFrames = () => { st.counting = false; };
  st.afterPaint = (set) => {
    const post = () => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => set(performance.now());
      ch.port2.postMessage(null);
    };
    if (st.counting && st.inFrame) post(); else requestAnimationFrame(post);
  };
  const d = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage');
  Object.defineProperty(WebSocket.prototype, 'onmessage', {
    configurable: true,
    enumerable: d.enumerable,
    get() { return d.get.call(this); },
    set(handler) {
      d.set.call(this, typeof handler !== 'function' ? handler : function (event) {
        st.arrivals++;
        st.lastArrival = performance.now();
        st.lastArrivalFrame = st.frame;
        return handler.call(this, event);
      });
    },
  });
})()`;

/**
 * Matrix render: a capturing click listener notes when `nav-matrix` is clicked; a
 * MutationObserver then waits until the grid is in the DOM as a grid of all `rows` rows
 * (`aria-rowcount`, header row included) with its point rows in view rendered (the grid
 * puts only those and an overscan in the DOM), and the mark is taken after the next
 * paint. The page is a single-page app, so this stays for every visit.
 */
function matrixProbe(rows: number): string {
  return `(() => {
  if (window.__p9matrix) { window.__p9matrix.runs = []; return; }
  const st = { runs: [] };
  window.__p9matrix = st;
  addEventListener('click', (e) => {
    if (!(e.target instanceof Element) || !e.target.closest('[data-testid="nav-matrix"]')) return;
    const rec = { click: performance.now(), rows: -1, painted: -1, rendered: 0 };
    st.runs.push(rec);
    const observer = new MutationObserver(() => {
      const grid = document.querySelector('[data-testid="matrix-grid"]');
      if (!grid || Number(grid.getAttribute('aria-rowcount')) < ${rows}) return;
      const rendered = grid.querySelectorAll('[data-testid="matrix-row"]').length;
      if (rendered === 0) return;
      observer.disconnect();
      rec.rows = performance.now();
      rec.rendered = rendered;
      window.__p9.afterPaint((t) => { rec.painted = t; });
    });
    observer.observe(document.body, { subtree: true, childList: true });
  }, true);
})()`;
}

/**
 * Cell update: `expect(id, stance)` arms the probe before the Node client sends the change;
 * a MutationObserver on the page notes when that cell's data-standing says the new stance
 * (the cell may be re-rendered, so it is looked up by id), with the last websocket
 * message's arrival before it and the frames between the two.
 */
const CELL_PROBE = `(() => {
  const st = { samples: [], pending: null };
  window.__p9cells = st;
  const f = window.__p9;
  new MutationObserver(() => {
    const rec = st.pending;
    if (!rec) return;
    const cell = document.getElementById(rec.id);
    if (!cell || cell.getAttribute('data-standing') !== rec.stance) return;
    st.pending = null;
    rec.mutated = performance.now();
    rec.arrival = f.lastArrival;
    rec.messages = f.arrivals - rec.messagesBefore;
    // The frame that paints the change, less the frame current when the update arrived.
    rec.frames = (f.inFrame ? f.frame : f.frame + 1) - f.lastArrivalFrame;
    f.afterPaint((t) => { rec.painted = t; });
  }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-standing'] });
  st.expect = (id, stance) => {
    const rec = { id, stance, armed: performance.now(), messagesBefore: f.arrivals,
      arrival: -1, mutated: -1, painted: -1, frames: -1, messages: 0 };
    st.samples.push(rec);
    st.pending = rec;
  };
  f.startFrames();
})()`;

/** Cells in view of the window and of the grid's scroll box (first rows first), with the row's point and the cell's standing. */
const CELLS_IN_VIEW = `(() => {
  const cells = [...document.querySelectorAll('[data-testid="matrix-cell"]')];
  const grid = document.querySelector('[data-testid="matrix-grid"]');
  const box = grid.parentElement.getBoundingClientRect();
  const head = grid.querySelector('thead').getBoundingClientRect();
  const inView = cells.filter((c) => {
    const r = c.getBoundingClientRect();
    return r.top >= Math.max(0, head.bottom) && r.left >= Math.max(0, box.left) &&
      r.bottom <= Math.min(innerHeight, box.bottom) && r.right <= Math.min(innerWidth, box.right);
  });
  return inView.map((c) => ({
    id: c.id,
    pointId: c.closest('tr').getAttribute('data-point-id'),
    standing: c.getAttribute('data-standing'),
  }));
})()`;

interface CellSample {
  readonly armed: number;
  readonly arrival: number;
  readonly mutated: number;
  readonly painted: number;
  readonly frames: number;
  readonly messages: number;
}

interface MatrixRun {
  readonly renderMs: number[];
  readonly toRowsMs: number[];
  /** Point rows in the DOM when the render was marked (the grid renders those in view). */
  readonly rowsInDom: number;
  readonly cells: CellSample[];
  readonly cellsInView: number;
}

function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  return errors;
}

/** Opens the points page at `pointId`, signed in, and waits until it is interactive, saved and stored locally. */
async function openBoard(context: BrowserContext, server: BenchServer, pointId: PointId): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${server.httpUrl}/b/${DEMO_BOARD_ID}?point=${pointId}`, { waitUntil: 'commit' });
  await loadMarks(page);
  // Lets the first visit's IndexedDB copy of the whole board finish, as P6 does.
  await sleep(1_500);
  return page;
}

async function measureMatrix(
  browser: Browser,
  server: BenchServer,
  prepared: PreparedDir,
  renders: number,
  errors: string[],
): Promise<MatrixRun> {
  const context = await signedInContext(browser, server, prepared.signInToken, [FRAME_PROBE]);
  const owner = await clientFor(server, OWNER, { decode: false });
  try {
    const page = await openBoard(context, server, pointIdOf(0));
    errors.push(...collectErrors(page));
    // Every point's row, each category's heading row and the header row.
    await page.evaluate(matrixProbe(MATRIX_POINTS + MATRIX_CATEGORIES + 1));
    for (let i = 0; i < renders; i++) {
      if (i > 0) {
        await page.locator('[data-testid="nav-points"]').click();
        await waitInPage(
          page,
          `!document.querySelector('[data-testid="matrix-row"]') && Boolean(document.querySelector(${JSON.stringify(SEARCH_INPUT)}))`,
          'the points page',
        );
        await sleep(500);
      }
      await profiled(page, `p9-matrix-${i}`, async () => {
        await page.locator('[data-testid="nav-matrix"]').click();
        await waitInPage(page, `window.__p9matrix.runs[${i}]?.painted >= 0`, 'the matrix to render');
      });
      await sleep(300);
    }
    const runs = (await page.evaluate('window.__p9matrix.runs')) as {
      click: number;
      rows: number;
      painted: number;
      rendered: number;
    }[];

    // Remote position changes on cells in view, one at a time, while the matrix stays open.
    await owner.connect();
    // The server pins authors to the token's identity.
    const actor = { userId: OWNER.userId, name: OWNER.name, stakeholderId: OWNER.stakeholderId };
    const inView = (await page.evaluate(CELLS_IN_VIEW)) as { id: string; pointId: string; standing: string }[];
    if (inView.length === 0) throw new Error('P9: no matrix cell in view');
    await page.evaluate(CELL_PROBE);
    await sleep(200);
    await profiled(page, 'p9-cells', async () => {
      for (let i = 0; i < CELL_UPDATES; i++) {
        const cell = inView[i % inView.length]!;
        const current = STANCES.indexOf(cell.standing as Stance);
        const stance = STANCES[(current + 1) % STANCES.length]!;
        cell.standing = stance;
        await page.evaluate(`window.__p9cells.expect(${JSON.stringify(cell.id)}, ${JSON.stringify(stance)})`);
        setPosition(owner.doc, actor, {
          pointId: cell.pointId as PointId,
          stakeholderId: cell.id.slice(`cell-${cell.pointId}-`.length) as StakeholderId,
          stance,
          rationale: `Bench update ${i + 1}`,
        });
        await sleep(CELL_UPDATE_INTERVAL_MS);
      }
      await sleep(300);
    });
    await page.evaluate('window.__p9.stopFrames()');
    const cells = (await page.evaluate('window.__p9cells.samples')) as CellSample[];
    return {
      renderMs: runs.map((r) => r.painted - r.click),
      toRowsMs: runs.map((r) => r.rows - r.click),
      rowsInDom: Math.max(...runs.map((r) => r.rendered)),
      // A change whose DOM update came before its message was sent cannot be ours.
      cells: cells.filter((c) => c.painted >= 0 && c.arrival >= c.armed),
      cellsInView: inView.length,
    };
  } finally {
    owner.destroy();
    await context.close().catch(() => undefined);
  }
}

async function measureSearch(
  browser: Browser,
  server: BenchServer,
  prepared: PreparedDir,
  firstPointId: PointId,
  passes: number,
  errors: string[],
): Promise<{ keys: KeyRun[]; count: string }> {
  const context = await signedInContext(browser, server, prepared.signInToken);
  try {
    const page = await openBoard(context, server, firstPointId);
    errors.push(...collectErrors(page));
    const keys: KeyRun[] = [];
    for (let pass = 0; pass < passes; pass++) {
      if (pass > 0) {
        await page.locator(SEARCH_INPUT).fill('');
        await sleep(500);
      }
      keys.push(
        await profiled(page, `p9-search-${pass}`, () => typeMeasured(page, SEARCH_INPUT, SEARCH_QUERY, SEARCH_SIDEBAR)),
      );
    }
    const count = (await page.locator('[data-testid="search-count"]').textContent()) ?? '';
    return { keys, count: count.trim() };
  } finally {
    await context.close().catch(() => undefined);
  }
}

async function runP9(ctx: ScenarioContext): Promise<ScenarioResult> {
  const renders = ctx.quick ? 3 : 5;
  const searchPasses = ctx.quick ? 1 : 3;
  if (!WORDS.includes(SEARCH_QUERY)) throw new Error(`P9: "${SEARCH_QUERY}" is not in the P2 board's comments`);

  await ensureClientBuilt();
  const matrixBoard = buildMatrixBoard();
  const bigBoard = buildBigBoard(1);
  const dirs: PreparedDir[] = [];
  let browser: Browser | null = null;
  const errors: string[] = [];
  try {
    dirs.push(await prepareDataDir(matrixBoard.state, MEMBER));
    dirs.push(await prepareDataDir(bigBoard.state, MEMBER));
    const launched = await launchUnpinned();
    browser = launched.browser;

    let matrix: MatrixRun;
    const matrixServer = await ctx.start({ dataDir: dirs[0]!.dataDir });
    try {
      matrix = await measureMatrix(browser, matrixServer, dirs[0]!, renders, errors);
    } finally {
      await matrixServer.stop();
    }
    let search: { keys: KeyRun[]; count: string };
    const searchServer = await ctx.start({ dataDir: dirs[1]!.dataDir });
    try {
      search = await measureSearch(browser, searchServer, dirs[1]!, bigBoard.firstPointId, searchPasses, errors);
    } finally {
      await searchServer.stop();
    }

    if (errors.length > 0) console.warn(`P9 page errors:\n  ${errors.slice(0, 10).join('\n  ')}`);
    const render = median(matrix.renderMs);
    const cellToPaint = distribution(matrix.cells.map((c) => c.painted - c.arrival));
    const cellFrames = distribution(matrix.cells.map((c) => c.frames));
    const searchToPaint = distribution(search.keys.flatMap((k) => k.toPaint));
    return {
      matrixPoints: MATRIX_POINTS,
      matrixDelegations: DEMO_STAKEHOLDERS.length + MORE_DELEGATIONS.length,
      matrixPositions: matrixBoard.positions,
      matrixBoardStateMb: Math.round(matrixBoard.state.byteLength / 1e4) / 100,
      matrixRenderMs: ms(render),
      matrixRenderMaxMs: ms(Math.max(...matrix.renderMs)),
      // Per visit: the first also loads the matrix's code if it is a chunk of its own.
      matrixRenderPassesMs: matrix.renderMs.map((t) => Math.round(t)).join(' / '),
      matrixClickToRowsMs: ms(median(matrix.toRowsMs)),
      matrixRowsInDom: matrix.rowsInDom,
      cellArrivalToDomMs: roundDist(distribution(matrix.cells.map((c) => c.mutated - c.arrival))),
      cellArrivalToPaintMs: roundDist(cellToPaint),
      cellUpdateFrames: cellFrames,
      cellUpdatesMeasured: matrix.cells.length,
      cellUpdatesMissing: CELL_UPDATES - matrix.cells.length,
      cellsInView: matrix.cellsInView,
      searchBoardStateMb: Math.round(bigBoard.state.byteLength / 1e4) / 100,
      searchQuery: SEARCH_QUERY,
      searchCount: search.count,
      searchKeyToPaintMs: roundDist(searchToPaint),
      searchKeyToDomMs: roundDist(distribution(search.keys.flatMap((k) => k.toDom))),
      searchKeysWithoutPaint: search.keys.reduce((n, k) => n + k.missing, 0),
      searchKeyEventTimingOver16: search.keys.reduce((n, k) => n + k.slowEvents, 0),
      searchKeyLongestTaskMs: ms(Math.max(0, ...search.keys.flatMap((k) => k.longTasks))),
      browserCpus: launched.browserCpus,
      pageErrors: errors.length,
      matrixRenderOk: render <= P9_TARGETS.matrixRenderMs,
      cellUpdateOk:
        matrix.cells.length > 0 &&
        cellToPaint.p95 <= P9_TARGETS.cellArrivalToPaintP95Ms &&
        cellFrames.p95 <= P9_TARGETS.cellUpdateFrames,
      searchKeyOk: searchToPaint.p95 <= P9_TARGETS.searchKeyToPaintP95Ms,
    };
  } finally {
    await browser?.close().catch(() => undefined);
    for (const d of dirs) fs.rmSync(d.dataDir, { recursive: true, force: true });
  }
}

/** P9: the position matrix of a 500-point × 8-delegation board, and in-board search over the P2 board. */
export const matrixSearchScenario: Scenario = {
  id: 'P9',
  title: 'client: 500 × 8 position matrix render and live cell update; in-board search keystroke-to-paint',
  flavors: ['parley'],
  run: async (ctx) => [
    { label: 'matrix 500 points × 8 delegations; search on the P2 board', result: await runP9(ctx) },
  ],
};
