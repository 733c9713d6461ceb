/**
 * End-to-end: the position matrix (`/b/<id>/matrix`) in two browser contexts at once: a
 * delegate sets positions on the board page while an observer watches the matrix.
 */
import type { Browser, Locator, Page } from 'playwright-core';
import {
  DEMO_STAKEHOLDERS,
  STANCES,
  STANDING_LABEL,
  proposeAmendment,
  type PointId,
  type Stance,
} from '@parley/shared/model';
import { describe, expect, test } from 'vitest';
import { axeViolations, describeViolations } from '../helpers/axe.ts';
import { connectClient } from '../helpers/clients.ts';
import { tokenFor } from '../helpers/security.ts';
import { actorOf } from '../helpers/tokens.ts';
import { demoLink, marker, newPerson, poll, signInWithDemoLink, signUpViaApi, tid } from '../helpers/people.ts';
import type { RunningServer } from '../helpers/server.ts';
import { e2eStage } from '../helpers/stage.ts';

let server: RunningServer;
let browser: Browser;
const { scene } = e2eStage((started) => ({ server, browser } = started));

const cell = (page: Page, pointId: string, stakeholderId: string): Locator =>
  page.locator(`#cell-${pointId}-${stakeholderId}`);

/** The id of the matrix's n-th row (0-based). */
async function rowPointId(page: Page, n: number): Promise<string> {
  const id = await tid(page, 'matrix-row').nth(n).getAttribute('data-point-id');
  if (!id) throw new Error(`matrix row #${n} has no data-point-id`);
  return id;
}

const spotlit = (page: Page, stakeholderId: string) =>
  page
    .locator(`[data-testid="point-panel"] [data-testid="position-row"][data-stakeholder-id="${stakeholderId}"]`)
    .evaluate((el) => el === document.activeElement);

/** Sets my delegation's position on the open point from its row of the point panel. */
async function setPosition(page: Page, stakeholderId: string, stance: Stance, rationale: string): Promise<void> {
  const row = page.locator(
    `[data-testid="point-panel"] [data-testid="position-row"][data-stakeholder-id="${stakeholderId}"]`,
  );
  await tid(row, 'position-stance').selectOption(stance);
  await tid(row, 'position-rationale').fill(rationale);
  await tid(row, 'position-save').click();
  await poll(async () => (await tid(row, 'position-current').textContent())?.trim()).toBe(STANDING_LABEL[stance]);
}

/** A plan long enough that the matrix renders only the rows in view: 3 chapters of 50 points, 3 delegations. */
const LONG_CHAPTERS = 3;
const LONG_POINTS_PER_CHAPTER = 50;
const LONG_POINTS = LONG_CHAPTERS * LONG_POINTS_PER_CHAPTER;
const LONG_DELEGATIONS = ['Alpha', 'Beta', 'Gamma'];

/** Point n's stance for delegation d, and its rationale. */
const longStance = (n: number, d: number): Stance => STANCES[(n + d) % STANCES.length]!;
const longRationale = (n: number, d: number) => `Reason ${n} of ${LONG_DELEGATIONS[d]}`;

function longPlan(): string {
  const lines = ['# A long plan', ''];
  for (let c = 0; c < LONG_CHAPTERS; c++) {
    lines.push(`## Chapter ${c + 1}`, '');
    for (let p = 1; p <= LONG_POINTS_PER_CHAPTER; p++) {
      const n = c * LONG_POINTS_PER_CHAPTER + p;
      lines.push(`${n}. **Clause ${n}**`, `   The text of clause ${n}.`);
      LONG_DELEGATIONS.forEach((name, d) =>
        lines.push(`   - *${name}*: ${STANDING_LABEL[longStance(n, d)]} — ${longRationale(n, d)}`),
      );
      lines.push('');
    }
  }
  return lines.join('\n');
}

/** The focused element's accessible name and its row's `aria-rowindex`. */
const focusedCell = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    return { label: el?.getAttribute('aria-label'), rowindex: el?.closest('tr')?.getAttribute('aria-rowindex') };
  });

/** Whether the element is within the grid's scroll box, below its header row. */
const inGridView = (target: Locator) =>
  target.evaluate((el) => {
    const grid = el.closest('[role="grid"]')!;
    const box = grid.parentElement!.getBoundingClientRect();
    const head = grid.querySelector('thead')!.getBoundingClientRect();
    const r = el.getBoundingClientRect();
    return r.top >= head.bottom - 1 && r.bottom <= box.bottom + 1;
  });

describe('the position matrix', () => {
  test('MATRIX3 the demo board as a matrix of 28 points by 4 delegations, each cell named by point, delegation and stance, changing live as a delegate sets positions and marking a delegation’s open amendment; "disputed" filters the rows from the URL; the axe check is clean', () =>
    scene('MATRIX3', async (s) => {
      const A = await s.add(
        signInWithDemoLink(browser, demoLink(server, 'delegate', 'ukraine'), { label: 'A-ukraine' }),
      );
      const B = await s.add(signInWithDemoLink(browser, demoLink(server, 'observer'), { label: 'B-observer' }));

      // B goes from the board to the matrix by the header's link.
      await tid(B.page, 'nav-matrix').click();
      await expect(B.page.waitForURL(/\/b\/demo\/matrix$/)).resolves.toBeUndefined();
      await poll(() => tid(B.page, 'matrix-row').count(), 'the matrix rows').toBe(28);
      expect(await tid(B.page, 'matrix-delegation').allTextContents()).toEqual(DEMO_STAKEHOLDERS.map((d) => d.name));
      expect(await tid(B.page, 'matrix-cell').count()).toBe(28 * 4);
      const first = await rowPointId(B.page, 0);
      await expect(cell(B.page, first, 'ukraine').getAttribute('aria-label')).resolves.toBe(
        'Point 1, Ukraine: No position yet',
      );
      await expect(tid(B.page, 'matrix-summary').textContent()).resolves.toBe(
        '0 of 28 points supported by every delegation; 0 disputed',
      );
      await s.shot('empty');

      // A opposes point 1 for Ukraine: B's cell and the row's agreement follow, live.
      const rationale = marker('UA-rationale');
      await setPosition(A.page, 'ukraine', 'oppose', `Not while the ceasefire line is open. ${rationale}`);
      await poll(() => cell(B.page, first, 'ukraine').getAttribute('data-standing'), 'the cell turning').toBe('oppose');
      await expect(cell(B.page, first, 'ukraine').getAttribute('aria-label')).resolves.toBe('Point 1, Ukraine: Oppose');
      await expect(
        B.page.locator(`[data-testid="matrix-row"][data-point-id="${first}"]`).getAttribute('data-agreement'),
      ).resolves.toBe('disputed');
      await poll(() => tid(B.page, 'matrix-summary').textContent()).toBe(
        '0 of 28 points supported by every delegation; 1 disputed',
      );
      // The rationale is the cell's description, shown on keyboard focus.
      await cell(B.page, first, 'ukraine').focus();
      const tip = tid(B.page, 'matrix-tip');
      await expect(cell(B.page, first, 'ukraine').getAttribute('aria-describedby')).resolves.toBe('matrix-tip');
      await expect(tip.isVisible()).resolves.toBe(true);
      await expect(tip.textContent()).resolves.toContain(rationale);

      // Russia proposes wording for point 1 (a stock client): B's Russia cell marks it, live.
      const russia = await tokenFor(server, 'delegate', 'russia', 'Russian drafter');
      const drafter = connectClient(server.wsUrl, 'demo', { token: russia.token });
      try {
        await drafter.synced;
        proposeAmendment(drafter.doc, actorOf(russia.who), {
          pointId: first as PointId,
          field: 'body',
          wording: `A new wording ${rationale}`,
          rationale: '',
        });
        await poll(() => cell(B.page, first, 'russia').getAttribute('aria-label'), 'the amendment marker').toBe(
          'Point 1, Russia: No position yet, 1 open amendment',
        );
        await expect(
          cell(B.page, first, 'russia').locator('[data-testid="matrix-amendments"]').textContent(),
        ).resolves.toBe('1');
      } finally {
        drafter.destroy();
      }

      // "Disputed" leaves point 1 alone, and the filter lives in the URL.
      await tid(B.page, 'filter-agreement').selectOption('disputed');
      await poll(() => tid(B.page, 'matrix-row').count(), 'the disputed rows').toBe(1);
      expect(B.page.url()).toContain('agreement=disputed');
      await expect(tid(B.page, 'matrix-shown').textContent()).resolves.toContain('Showing 1 of 28 points');
      await s.shot('disputed');
      await B.page.reload();
      await poll(() => tid(B.page, 'matrix-row').count(), 'the disputed rows after a reload').toBe(1);
      await expect(tid(B.page, 'filter-agreement').inputValue()).resolves.toBe('disputed');

      // No position yet, for Ukraine: every point but the first.
      await tid(B.page, 'filter-agreement').selectOption('');
      await tid(B.page, 'filter-delegation').selectOption('ukraine');
      await tid(B.page, 'filter-stance').selectOption('none');
      await poll(() => tid(B.page, 'matrix-row').count(), 'points without a Ukrainian position').toBe(27);

      const found = await axeViolations(B.page);
      expect(found, describeViolations(found)).toEqual([]);
    }));

  test('MATRIX4 the arrow keys move between the cells of the grid, one of which is in the tab order, and Enter or a click opens the point with that delegation’s position in view and focused', () =>
    scene('MATRIX4', async (s) => {
      const A = await s.add(signInWithDemoLink(browser, demoLink(server, 'observer'), { label: 'A-observer' }));
      await A.page.goto(`${server.url}/b/demo/matrix`);
      await poll(() => tid(A.page, 'matrix-row').count()).toBe(28);
      const [p1, p2] = [await rowPointId(A.page, 0), await rowPointId(A.page, 1)];
      await expect(A.page.locator('[data-testid="matrix-cell"][tabindex="0"]').count()).resolves.toBe(1);

      await cell(A.page, p1, 'us').focus();
      await A.page.keyboard.press('ArrowRight');
      await A.page.keyboard.press('ArrowDown');
      const focused = () => A.page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
      await expect(focused()).resolves.toBe('Point 2, Russia: No position yet');
      await A.page.keyboard.press('End');
      await expect(focused()).resolves.toBe('Point 2, European partners: No position yet');
      await A.page.keyboard.press('Enter');
      await A.page.waitForURL((url) => url.pathname === '/b/demo' && url.searchParams.get('point') === p2);
      expect(new URL(A.page.url()).searchParams.get('position')).toBe('europe');
      await poll(() => spotlit(A.page, 'europe'), 'the Europe row focused').toBe(true);
      await s.shot('opened-by-keyboard');

      // Back to the matrix, and a click on a cell.
      await A.page.goBack();
      await poll(() => tid(A.page, 'matrix-row').count()).toBe(28);
      await cell(A.page, p1, 'russia').click();
      await A.page.waitForURL(
        (url) => url.searchParams.get('point') === p1 && url.searchParams.get('position') === 'russia',
      );
      await poll(() => spotlit(A.page, 'russia'), 'the Russia row focused').toBe(true);
    }));

  test('MATRIX7 a matrix too long to render whole (150 points) has only the rows in view in the DOM and says how many rows it has (aria-rowcount, aria-rowindex); a position set in another tab changes its cell and rollups live; PageDown, End, Ctrl+Home and Ctrl+End reach rows not rendered yet, scrolled in and focused with their rationale shown; the focused row stays while scrolled away; a filter that shrinks the grid shows the rows in view', () =>
    scene('MATRIX7', async (s) => {
      const A = await s.add(newPerson(browser, 'A-owner'));
      await signUpViaApi(A, server, 'Matrix owner', `${marker('matrix-owner')}@example.test`);
      const created = await A.context.request.post(`${server.url}/api/boards/import`, {
        headers: { 'content-type': 'text/markdown' },
        data: longPlan(),
      });
      expect(created.status(), await created.text()).toBe(201);
      const boardId = ((await created.json()) as { id: string }).id;
      await A.page.goto(`${server.url}/b/${boardId}/matrix`, { waitUntil: 'domcontentloaded' });

      // Every point's row, every chapter's heading row and the header row.
      const rowCount = String(LONG_POINTS + LONG_CHAPTERS + 1);
      const grid = tid(A.page, 'matrix-grid');
      await poll(() => grid.getAttribute('aria-rowcount'), 'the grid’s row count').toBe(rowCount);
      await poll(() => tid(A.page, 'matrix-row').count(), 'the first rows').toBeGreaterThan(5);
      const rendered = await tid(A.page, 'matrix-row').count();
      expect(rendered, 'rows in the DOM').toBeLessThan(LONG_POINTS / 2);
      await expect(tid(A.page, 'matrix-category').first().textContent()).resolves.toContain('1. Chapter 1');
      // The header row is 1 and chapter 1's heading 2.
      await expect(tid(A.page, 'matrix-row').first().getAttribute('aria-rowindex')).resolves.toBe('3');
      await expect(tid(A.page, 'matrix-shown').textContent()).resolves.toContain(`${LONG_POINTS} points`);
      await s.shot('top');

      // Alpha opposes point 3 (open until now) in another tab: its cell, its row, its chapter's line and the board's follow.
      const third = await rowPointId(A.page, 2);
      const thirdRow = A.page.locator(`[data-testid="matrix-row"][data-point-id="${third}"]`);
      const alpha = ((await tid(thirdRow, 'matrix-cell').first().getAttribute('id')) ?? '').slice(
        `cell-${third}-`.length,
      );
      await expect(thirdRow.getAttribute('data-agreement')).resolves.toBe('open');
      const chapterLine = () => tid(A.page, 'matrix-category').first().textContent();
      await expect(chapterLine()).resolves.toContain('38 disputed');
      const other = await A.context.newPage();
      await other.goto(`${server.url}/b/${boardId}?point=${third}`, { waitUntil: 'domcontentloaded' });
      await setPosition(other, alpha, 'oppose', 'Not in this form.');
      await other.close();
      await poll(() => cell(A.page, third, alpha).getAttribute('data-standing'), 'the cell turning').toBe('oppose');
      await expect(thirdRow.getAttribute('data-agreement')).resolves.toBe('disputed');
      await poll(chapterLine, 'chapter 1’s line').toContain('39 disputed');
      await poll(() => tid(A.page, 'matrix-summary').textContent(), 'the board’s line').toContain('114 disputed');

      // PageDown from the first cell: ten rows on, then on to the last row, which was not in the DOM.
      const lastRow = A.page.locator('[data-testid="matrix-row"][aria-rowindex="' + rowCount + '"]');
      await expect(lastRow.count()).resolves.toBe(0);
      await tid(A.page, 'matrix-cell').first().focus();
      await expect(focusedCell(A.page)).resolves.toEqual({
        label: `Point 1, Alpha: ${STANDING_LABEL[longStance(1, 0)]}`,
        rowindex: '3',
      });
      await A.page.keyboard.press('PageDown');
      await poll(() => focusedCell(A.page), 'ten rows down').toEqual({
        label: `Point 11, Alpha: ${STANDING_LABEL[longStance(11, 0)]}`,
        rowindex: '13',
      });
      for (let i = 0; i < 4; i++) await A.page.keyboard.press('PageDown');
      await poll(() => focusedCell(A.page), 'chapter 2’s first point').toEqual({
        label: `Point 51, Alpha: ${STANDING_LABEL[longStance(51, 0)]}`,
        rowindex: '54',
      });
      // Its chapter's heading row came in with it.
      await expect(
        tid(A.page, 'matrix-category').filter({ hasText: '2. Chapter 2' }).getAttribute('aria-rowindex'),
      ).resolves.toBe('53');
      for (let i = 0; i < LONG_POINTS / 10; i++) await A.page.keyboard.press('PageDown');
      await poll(() => focusedCell(A.page), 'the last row by PageDown').toEqual({
        label: `Point ${LONG_POINTS}, Alpha: ${STANDING_LABEL[longStance(LONG_POINTS, 0)]}`,
        rowindex: rowCount,
      });
      await A.page.keyboard.press('End');
      await poll(() => focusedCell(A.page), 'the last cell').toEqual({
        label: `Point ${LONG_POINTS}, Gamma: ${STANDING_LABEL[longStance(LONG_POINTS, 2)]}`,
        rowindex: rowCount,
      });
      const focused = A.page.locator(':focus');
      await expect(inGridView(focused)).resolves.toBe(true);
      await expect(tid(A.page, 'matrix-tip').textContent()).resolves.toContain(longRationale(LONG_POINTS, 2));
      await expect(tid(A.page, 'matrix-row').count()).resolves.toBeLessThan(LONG_POINTS / 2);
      await expect(A.page.locator('[data-testid="matrix-row"][aria-rowindex="3"]').count()).resolves.toBe(0);
      await s.shot('bottom');

      // Ctrl+Home back to the first cell, Ctrl+End to the last, each scrolled in and focused.
      await A.page.keyboard.press('Control+Home');
      await poll(() => focusedCell(A.page), 'the first cell').toEqual({
        label: `Point 1, Alpha: ${STANDING_LABEL[longStance(1, 0)]}`,
        rowindex: '3',
      });
      await expect(inGridView(A.page.locator(':focus'))).resolves.toBe(true);
      await A.page.keyboard.press('Control+End');
      await poll(() => focusedCell(A.page), 'the last cell again').toEqual({
        label: `Point ${LONG_POINTS}, Gamma: ${STANDING_LABEL[longStance(LONG_POINTS, 2)]}`,
        rowindex: rowCount,
      });

      // Scrolled by hand to the middle: the rows there are rendered, and the focused cell's row stays (focus is not lost).
      await grid.evaluate((el) => el.parentElement!.scrollTo({ top: el.parentElement!.scrollHeight / 2 }));
      await poll(
        () => A.page.locator('[data-testid="matrix-row"][data-point-id]').filter({ hasText: 'Clause 75' }).count(),
        'the middle rows',
      ).toBe(1);
      await expect(focusedCell(A.page)).resolves.toEqual({
        label: `Point ${LONG_POINTS}, Gamma: ${STANDING_LABEL[longStance(LONG_POINTS, 2)]}`,
        rowindex: rowCount,
      });
      await expect(A.page.locator('[data-testid="matrix-cell"][tabindex="0"]').count()).resolves.toBe(1);
      await A.page.keyboard.press('ArrowUp');
      await poll(() => focusedCell(A.page), 'one row up, scrolled back').toEqual({
        label: `Point ${LONG_POINTS - 1}, Gamma: ${STANDING_LABEL[longStance(LONG_POINTS - 1, 2)]}`,
        rowindex: String(LONG_POINTS + LONG_CHAPTERS),
      });
      await expect(inGridView(A.page.locator(':focus'))).resolves.toBe(true);

      // Filtered to the disputed points (still too many to render whole) while scrolled near the end: the grid
      // shrinks under the scroll position and shows the rows now in view, not a blank.
      await tid(A.page, 'filter-agreement').selectOption('disputed');
      await poll(() => grid.getAttribute('aria-rowcount'), 'the disputed rows').toBe(String(114 + LONG_CHAPTERS + 1));
      await poll(
        () => tid(A.page, 'matrix-row').evaluateAll((rows) => rows.length),
        'rows rendered after filtering',
      ).toBeGreaterThan(5);
      const rowsInView = () =>
        grid.evaluate((el) => {
          const box = el.parentElement!.getBoundingClientRect();
          return Array.from(el.querySelectorAll('[data-testid="matrix-row"]')).filter((row) => {
            const r = row.getBoundingClientRect();
            return r.bottom > box.top && r.top < box.bottom;
          }).length;
        });
      await poll(rowsInView, 'rows in view after filtering').toBeGreaterThan(10);
      const found = await axeViolations(A.page);
      expect(found, describeViolations(found)).toEqual([]);
    }));
});
