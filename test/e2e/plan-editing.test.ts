/**
 * End-to-end: editors change the whole plan from the UI, live for everyone. One real server
 * (fresh data dir), one headless Chromium, two browser contexts on the demo board:
 *   A = the drafting editor, who moves, deletes, restores and undoes,
 *   B = the demo owner, who watches (and makes a concurrent edit of their own),
 * plus, in E2E31, the Ukraine delegate, who is offered none of it.
 * Every step is checked by polling the DOM (never fixed sleeps); screenshots go to
 * test/artifacts/. The tests share the board and read its current state from the page,
 * so each works wherever the previous one left the points; every test keeps 28 points.
 */
import type { Browser, Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import {
  demoLink,
  forbiddenUpdateLogs,
  marker,
  openThread,
  poll,
  positionRow,
  selectPoint,
  signInWithDemoLink,
  threadById,
  tid,
} from '../helpers/people.ts';
import type { RunningServer } from '../helpers/server.ts';
import { e2eSharedStage } from '../helpers/stage.ts';
import { axeViolationLines } from '../helpers/axe.ts';

let server: RunningServer;
let browser: Browser;
let A: Page;
let B: Page;

const { keep, shot } = e2eSharedStage(
  [
    { label: 'A-editor', role: 'editor' },
    { label: 'B-owner', role: 'owner' },
  ],
  (started) =>
    ({
      server,
      browser,
      pages: [A, B],
    } = started),
);

const item = (page: Page, pointId: string) => page.locator(`[data-testid="point-item"][data-point-id="${pointId}"]`);
const section = (page: Page, categoryId: string) =>
  page.locator(`[data-testid="category"][data-category-id="${categoryId}"]`);
const panel = (page: Page) => tid(page, 'point-panel');

/** The point ids in list order. */
const order = (page: Page) =>
  tid(page, 'point-item').evaluateAll((els) => els.map((el) => el.getAttribute('data-point-id') ?? ''));

/** The point ids of one category, in order. */
const pointsOf = (page: Page, categoryId: string) =>
  tid(section(page, categoryId), 'point-item').evaluateAll((els) =>
    els.map((el) => el.getAttribute('data-point-id') ?? ''),
  );

/** The category ids in list order. */
const categoryIds = (page: Page) =>
  tid(page, 'category').evaluateAll((els) => els.map((el) => el.getAttribute('data-category-id') ?? ''));

const categoryTitles = (page: Page) =>
  tid(page, 'category-title').evaluateAll((els) => els.map((el) => el.textContent?.trim() ?? ''));

const numberOf = async (page: Page, pointId: string) => Number(await item(page, pointId).getAttribute('data-number'));

/** Which category a point is listed under. */
const categoryOf = (page: Page, pointId: string) =>
  item(page, pointId).evaluate((el) => el.closest('[data-testid="category"]')?.getAttribute('data-category-id') ?? '');

/** The focused element's point id, if it is a point item. */
const focusedPoint = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    return el?.getAttribute('data-testid') === 'point-item' ? el.getAttribute('data-point-id') : null;
  });

const announced = (page: Page) => tid(page, 'plan-announcer').textContent();

/** Both windows list the points in this order. */
async function bothShowOrder(expected: string[], what: string) {
  await poll(() => order(A), `A: ${what}`).toEqual(expected);
  await poll(() => order(B), `B: ${what}`).toEqual(expected);
}

/** Opens the point panel's actions menu by keyboard and chooses an item by ↓ and Enter. */
async function chooseFromPointMenu(page: Page, testid: string) {
  const trigger = tid(panel(page), 'point-actions');
  await trigger.focus();
  await page.keyboard.press('Enter');
  await tid(page, 'point-actions-items').waitFor({ state: 'visible' });
  for (let i = 0; i < 6; i++) {
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? '');
    if (focused === testid) break;
    await page.keyboard.press('ArrowDown');
  }
  expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(testid);
  await page.keyboard.press('Enter');
}

async function categoryMenu(page: Page, categoryId: string, testid: string) {
  await tid(section(page, categoryId), 'category-menu').click();
  await tid(section(page, categoryId), testid).click();
}

describe('e2e: editors change the plan', () => {
  test('E2E28: an editor moves a point by keyboard (Alt+↓, Alt+↑, across a category) and the other window sees the numbers live', async () => {
    const [cat1, cat2] = await categoryIds(A);
    if (!cat1 || !cat2) throw new Error('the demo board has fewer than two categories');
    const start = await order(A);
    const first = await pointsOf(A, cat1);
    const p = first[1]!;
    const n = await numberOf(A, p);

    // Alt+↓ on the focused item: one place down, focus stays on it, announced politely.
    await item(A, p).focus();
    await A.keyboard.press('Alt+ArrowDown');
    const down = [...start];
    [down[n - 1], down[n]] = [down[n]!, down[n - 1]!];
    await bothShowOrder(down, 'the point one place down');
    await poll(() => numberOf(B, p), 'B renumbers the moved point').toBe(n + 1);
    await poll(() => focusedPoint(A), 'focus stays on the moved point').toBe(p);
    await poll(() => announced(A)).toBe(`Point ${n} moved to ${n + 1}`);
    expect(await tid(A, 'plan-announcer').getAttribute('role')).toBe('status');
    await shot('E2E28', 'alt-down');

    // Alt+↑: back where it was.
    await A.keyboard.press('Alt+ArrowUp');
    await bothShowOrder(start, 'the point back in place');
    await poll(() => focusedPoint(A)).toBe(p);
    await poll(() => announced(A)).toBe(`Point ${n + 1} moved to ${n}`);

    // The last point of the first category goes down into the second (its number stays)…
    const last = first[first.length - 1]!;
    const lastNumber = await numberOf(A, last);
    await item(A, last).focus();
    await A.keyboard.press('Alt+ArrowDown');
    await poll(() => categoryOf(B, last), 'B sees it in the second category').toBe(cat2);
    await poll(async () => (await pointsOf(B, cat2))[0]).toBe(last);
    expect(await numberOf(B, last)).toBe(lastNumber);
    await poll(() => focusedPoint(A)).toBe(last);
    await poll(() => announced(A)).toContain(`Point ${lastNumber} moved to ${lastNumber}, into `);
    await shot('E2E28', 'across');
    // …and back up into the first.
    await A.keyboard.press('Alt+ArrowUp');
    await poll(() => categoryOf(B, last)).toBe(cat1);
    await bothShowOrder(start, 'the point back at the end of the first category');
    await poll(() => focusedPoint(A)).toBe(last);

    // In the point panel (focus not in a text editor) Alt+↓ moves the shown point too.
    await selectPoint(A, p);
    await tid(panel(A), 'point-actions').focus();
    await A.keyboard.press('Alt+ArrowDown');
    await poll(() => numberOf(B, p), 'moved from the panel').toBe(n + 1);
    await poll(() => tid(panel(A), 'point-number').textContent()).toBe(String(n + 1));
    await A.keyboard.press('Alt+ArrowUp');
    await bothShowOrder(start, 'moved back from the panel');
    // In the body's text editor Alt+↑ is the editor's, not a move.
    await tid(panel(A), 'point-body').locator('.cm-content').click();
    await A.keyboard.press('Alt+ArrowUp');
    await new Promise((r) => setTimeout(r, 300));
    expect(await order(A)).toEqual(start);
    expect(forbiddenUpdateLogs(server)).toEqual([]);
  });

  test('E2E29: "Move to…" in the point actions menu moves a point into another category at a chosen place, seen live', async () => {
    const cats = await categoryIds(A);
    const [cat1, , cat3] = cats;
    if (!cat1 || !cat3) throw new Error('the demo board has fewer than three categories');
    const p = (await pointsOf(A, cat1))[0]!;
    const target = await pointsOf(A, cat3);
    await selectPoint(A, p);

    await chooseFromPointMenu(A, 'point-move-to');
    const dialog = tid(A, 'move-dialog');
    await dialog.waitFor({ state: 'visible' });
    // Focus is in the dialog, on its first control.
    expect(await A.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('move-category');
    await tid(dialog, 'move-category').selectOption(cat3);
    // The places of the chosen category: its top, then after each of its points.
    const places = await tid(dialog, 'move-position').locator('option').allTextContents();
    expect(places).toHaveLength(target.length + 1);
    expect(places[0]).toMatch(/^Top of /);
    const afterSecond = await numberOf(A, target[1]!);
    expect(places[2]).toMatch(new RegExp(`^After ${afterSecond}\\. `));
    await tid(dialog, 'move-position').selectOption({ index: 2 });
    await shot('E2E29', 'dialog');
    expect(await axeViolationLines(A), 'the Move to… dialog is axe-clean').toEqual([]);
    await tid(dialog, 'move-submit').click();
    await dialog.waitFor({ state: 'detached' });

    const expected = [...target.slice(0, 2), p, ...target.slice(2)];
    await poll(() => pointsOf(A, cat3)).toEqual(expected);
    await poll(() => pointsOf(B, cat3), 'B sees it after the second point of the category').toEqual(expected);
    const number = await numberOf(B, p);
    expect(number).toBe((await numberOf(B, target[1]!)) + 1);
    await poll(() => tid(panel(A), 'point-number').textContent()).toBe(String(number));
    await poll(() => announced(A)).toContain(`moved to ${number}`);
    // Focus went back to the menu's button.
    expect(await A.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('point-actions');
    await shot('E2E29', 'moved');

    // Back to the top of the first category, so the board is as it was.
    await chooseFromPointMenu(A, 'point-move-to');
    await tid(dialog, 'move-category').selectOption(cat1);
    await tid(dialog, 'move-position').selectOption({ index: 0 });
    await tid(dialog, 'move-submit').click();
    await poll(async () => (await pointsOf(B, cat1))[0]).toBe(p);
  });

  test('E2E30: an editor deletes a point, it is gone for both and the numbers close up; Undo brings it back with its positions and threads; Ctrl+Z undoes only their own move', async () => {
    const start = await order(A);
    const p = start[4]!;
    const q = start[5]!;
    const n = await numberOf(A, p);

    // B (owner, United States) gives the point a position and a thread first.
    const panelB = await selectPoint(B, p);
    const row = positionRow(panelB, 'us');
    if ((await tid(row, 'position-stance').count()) === 0) await tid(row, 'position-edit').click();
    await tid(row, 'position-stance').selectOption('oppose');
    await tid(row, 'position-save').click();
    await poll(async () => (await tid(row, 'position-current').textContent())?.trim()).toBe('Oppose');
    const threadText = marker('Kept-thread');
    const threadId = await openThread(panelB, threadText);

    await selectPoint(A, p);
    await chooseFromPointMenu(A, 'point-delete');
    for (const page of [A, B]) {
      await poll(() => item(page, p).count(), 'the deleted point leaves the list').toBe(0);
      await poll(() => tid(page, 'point-item').count()).toBe(27);
      await poll(() => numberOf(page, q), 'the numbers close up').toBe(n);
    }
    // A's selection moved to the next point; the notice offers Undo, politely.
    await poll(() => panel(A).getAttribute('data-point-id')).toBe(q);
    // B was looking at it too: B now sees the point at its number, not point 1.
    await poll(() => panel(B).getAttribute('data-point-id'), "B's view moves to the next point").toBe(q);
    const notice = tid(A, 'undo-notice');
    await notice.waitFor({ state: 'visible' });
    expect((await notice.textContent())?.replace(/\s+/g, ' ')).toContain(`Point ${n} deleted.`);
    expect(await notice.evaluate((el) => el.closest('[role="status"]') !== null)).toBe(true);
    expect(await tid(B, 'undo-notice').count(), 'only the deleter is offered Undo').toBe(0);
    await shot('E2E30', 'deleted');
    expect(await axeViolationLines(A), 'the undo notice is axe-clean').toEqual([]);

    await tid(notice, 'undo-notice-undo').click();
    await bothShowOrder(start, 'the point back in its place');
    await poll(() => numberOf(B, p)).toBe(n);
    await notice.waitFor({ state: 'detached' });
    // Its position and thread came back with it, for both.
    for (const page of [A, B]) {
      const shown = await selectPoint(page, p);
      await poll(async () => (await tid(positionRow(shown, 'us'), 'position-current').textContent())?.trim()).toBe(
        'Oppose',
      );
      await threadById(shown, threadId).waitFor({ state: 'visible' });
      await poll(() => tid(threadById(shown, threadId), 'comment-body').first().textContent()).toContain(threadText);
    }
    await shot('E2E30', 'restored');

    // Ctrl+Z after a move undoes that move only: B's later move of another point stays.
    const mine = start[10]!;
    const theirs = start[20]!;
    await item(A, mine).focus();
    await A.keyboard.press('Alt+ArrowDown');
    await poll(() => numberOf(B, mine)).toBe(12);
    await item(B, theirs).focus();
    await B.keyboard.press('Alt+ArrowDown');
    await poll(() => numberOf(A, theirs), 'A sees B’s move').toBe(22);
    await item(A, start[0]!).focus();
    await A.keyboard.press('Control+z');
    await poll(() => numberOf(A, mine), 'A’s move undone').toBe(11);
    await poll(() => numberOf(B, mine), 'B sees A’s move undone').toBe(11);
    await poll(() => announced(A)).toBe('Undone: move of point 11');
    expect(await numberOf(A, theirs), 'B’s move stays').toBe(22);
    expect(await numberOf(B, theirs)).toBe(22);
    // Ctrl+Shift+Z redoes it; the point menu's "Undo move of point 11" undoes it again.
    await A.keyboard.press('Control+Shift+z');
    await poll(() => numberOf(B, mine), 'redone').toBe(12);
    await poll(() => announced(A)).toBe('Redone: move of point 11');
    await tid(panel(A), 'point-actions').click();
    await poll(() => tid(A, 'plan-undo').textContent()).toContain('Undo move of point 11');
    await tid(A, 'plan-undo').click();
    await poll(() => numberOf(B, mine)).toBe(11);
    // Nothing more of A's to undo than the restore and the delete: A's undo never reverts B's move.
    expect(await numberOf(B, theirs)).toBe(22);
    await item(B, theirs).focus();
    await B.keyboard.press('Alt+ArrowUp');
    await bothShowOrder(start, 'B moved their point back');
    await shot('E2E30', 'undo');
    expect(forbiddenUpdateLogs(server)).toEqual([]);
  });

  test('E2E31: category rename, move and delete (points go where chosen) are seen live; drag and drop moves a point; a delegate gets none of it', async () => {
    const [cat1, cat2, cat3, cat4] = await categoryIds(A);
    if (!cat1 || !cat2 || !cat3 || !cat4) throw new Error('the demo board has fewer than four categories');

    // Rename (inline: Enter saves).
    const title = marker('Guarantees');
    await categoryMenu(A, cat2, 'category-rename');
    await tid(A, 'category-rename-title').fill(title);
    await A.keyboard.press('Enter');
    await poll(() => tid(section(B, cat2), 'category-title').textContent(), 'B sees the new title').toBe(title);
    await poll(() => A.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('category-menu');

    // The category menu, open, is axe-clean; Escape closes it and focus is back on its button.
    await tid(section(A, cat2), 'category-menu').click();
    await tid(section(A, cat2), 'category-menu-items').waitFor({ state: 'visible' });
    expect(await axeViolationLines(A), 'the category menu is axe-clean').toEqual([]);
    await A.keyboard.press('Escape');
    await tid(section(A, cat2), 'category-menu-items').waitFor({ state: 'detached' });
    expect(await A.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('category-menu');

    // Move up: the second category becomes the first, and the numbers follow.
    const firstOfCat2 = (await pointsOf(A, cat2))[0]!;
    await categoryMenu(A, cat2, 'category-move-up');
    await poll(() => categoryIds(B), 'B sees the categories reordered').toEqual([cat2, cat1, cat3, cat4]);
    await poll(() => numberOf(B, firstOfCat2)).toBe(1);
    await categoryMenu(A, cat2, 'category-move-down');
    await poll(() => categoryIds(B)).toEqual([cat1, cat2, cat3, cat4]);
    await shot('E2E31', 'renamed-moved');

    // Drag and drop (the mouse, as a person drags): the last point of the first category,
    // dropped on the upper half of the second point of the second, lands before it.
    const dragged = (await pointsOf(A, cat1)).at(-1)!;
    const before = await pointsOf(A, cat2);
    const source = item(A, dragged);
    const onto = item(A, before[1]!);
    // Both in view (the list scrolls in its own box): the target scrolled to, then the source if needed.
    await onto.scrollIntoViewIfNeeded();
    await source.scrollIntoViewIfNeeded();
    const from = (await source.boundingBox())!;
    const to = (await onto.boundingBox())!;
    await A.mouse.move(from.x + 40, from.y + from.height / 2);
    await A.mouse.down();
    await A.mouse.move(from.x + 50, from.y + from.height / 2 + 10, { steps: 3 });
    await A.mouse.move(to.x + 40, to.y + 5, { steps: 8 });
    await poll(() => onto.evaluate((el) => el.closest('li')?.classList.contains('drop-before'))).toBe(true);
    await shot('E2E31', 'dragging');
    await A.mouse.up();
    const dropped = [before[0]!, dragged, ...before.slice(1)];
    await poll(() => pointsOf(A, cat2)).toEqual(dropped);
    await poll(() => pointsOf(B, cat2), 'B sees the dropped point').toEqual(dropped);
    await shot('E2E31', 'dropped');

    // Delete a category that holds points: asked where they go; they land at its end.
    const held = await pointsOf(A, cat3);
    const into = await pointsOf(A, cat4);
    await categoryMenu(A, cat3, 'category-delete');
    const dialog = tid(A, 'category-delete-dialog');
    await dialog.waitFor({ state: 'visible' });
    await tid(dialog, 'category-delete-target').selectOption(cat4);
    await shot('E2E31', 'delete-dialog');
    expect(await axeViolationLines(A), 'the delete dialog is axe-clean').toEqual([]);
    await tid(dialog, 'category-delete-submit').click();
    await poll(() => categoryIds(B), 'B sees the category gone').toEqual([cat1, cat2, cat4]);
    await poll(() => pointsOf(B, cat4), 'its points at the end of the chosen one').toEqual([...into, ...held]);
    expect(await tid(B, 'point-item').count()).toBe(28);

    // An empty category goes at once, no questions.
    const empty = marker('Empty');
    await tid(A, 'category-add').click();
    await tid(A, 'category-add-title').fill(empty);
    await tid(A, 'category-add-submit').click();
    await poll(() => categoryTitles(B)).toContain(empty);
    const emptyId = (await categoryIds(A))[3]!;
    await categoryMenu(A, emptyId, 'category-delete');
    await poll(() => categoryTitles(B), 'the empty category is gone').not.toContain(empty);
    expect(await tid(A, 'category-delete-dialog').count()).toBe(0);
    await shot('E2E31', 'deleted');

    // A delegate sees the changes but none of the controls, and Alt+↓ moves nothing.
    const delegate = await keep(
      signInWithDemoLink(browser, demoLink(server, 'delegate', 'ukraine'), { label: 'C-ukraine' }),
    );
    const D = delegate.page;
    await poll(() => categoryIds(D)).toEqual([cat1, cat2, cat4]);
    expect(await tid(D, 'category-menu').count()).toBe(0);
    expect(await tid(D, 'point-actions').count()).toBe(0);
    expect(await tid(D, 'category-add').count()).toBe(0);
    const some = (await order(D))[3]!;
    expect(await item(D, some).getAttribute('draggable')).toBeNull();
    const shown = await order(D);
    await item(D, some).focus();
    await D.keyboard.press('Alt+ArrowDown');
    await D.keyboard.press('Control+z');
    await new Promise((r) => setTimeout(r, 300));
    expect(await order(D)).toEqual(shown);
    expect(await order(A)).toEqual(shown);
    await shot('E2E31', 'delegate');
    expect(forbiddenUpdateLogs(server)).toEqual([]);
  });
});
