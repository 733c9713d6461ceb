/**
 * End-to-end: the position matrix (`/b/<id>/matrix`) in two browser contexts at once: a
 * delegate sets positions on the board page while an observer watches the matrix.
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { DEMO_STAKEHOLDERS, STANDING_LABEL, type Stance } from '@parley/shared/model';
import { describe, expect, test } from 'vitest';
import { axeViolations, describeViolations } from '../helpers/axe.ts';
import { demoLink, marker, poll, signInWithDemoLink, tid } from '../helpers/people.ts';
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

describe('the position matrix', () => {
  test('MATRIX3 the demo board as a matrix of 28 points by 4 delegations, each cell named by point, delegation and stance, changing live as a delegate sets positions; "disputed" filters the rows from the URL; the axe check is clean', () =>
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
});
