/**
 * End-to-end: the board's versions page (`/b/<id>/versions`) in three browser contexts at
 * once: the drafting editor publishes rounds and restores a point's text from one, a
 * Ukraine delegate changes a position in between, an observer compares the rounds.
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { STANDING_LABEL, type Stance } from '@parley/shared/model';
import { describe, expect, test } from 'vitest';
import { axeViolations, describeViolations } from '../helpers/axe.ts';
import {
  demoLink,
  editorText,
  nthPointId,
  poll,
  positionRow,
  selectPoint,
  signInWithDemoLink,
  tid,
  until,
} from '../helpers/people.ts';
import type { RunningServer } from '../helpers/server.ts';
import { e2eStage } from '../helpers/stage.ts';

let server: RunningServer;
let browser: Browser;
const { scene } = e2eStage((started) => ({ server, browser } = started));

const versionItem = (page: Page, name: string) => tid(page, 'version-item').filter({ hasText: name });

/** Opens the versions page from the board's tabs. */
async function openVersions(page: Page): Promise<void> {
  await tid(page, 'nav-versions').click();
  await page.waitForURL(/\/b\/demo\/versions/);
  await tid(page, 'versions-page').waitFor({ state: 'visible' });
}

/** Publishes the board as it is now from the versions page; resolves once it is listed. */
async function publish(page: Page, name: string, note = ''): Promise<string> {
  const form = tid(page, 'version-publish-form');
  await tid(form, 'version-name').fill(name);
  await tid(form, 'version-note').fill(note);
  await tid(form, 'version-publish').click();
  await poll(() => versionItem(page, name).count(), `“${name}” listed`).toBe(1);
  const id = await versionItem(page, name).getAttribute('data-version-id');
  if (!id) throw new Error(`“${name}” has no id`);
  return id;
}

const saved = (page: Page) =>
  until(
    () => tid(page, 'status-badge').getAttribute('data-status'),
    (s) => s === 'saved',
    'everything saved',
  );

/** The editor appends words to the open point's text. */
async function appendToBody(page: Page, panel: Locator, words: string): Promise<void> {
  await tid(panel, 'point-body').locator('.cm-content').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.insertText(words);
}

/** The focused change's `data-change` key, if focus is on one. */
const focusedChange = (page: Page) =>
  page.evaluate(() => document.activeElement?.closest('[data-change]')?.getAttribute('data-change') ?? null);

describe('the versions page', () => {
  test('ROUND12 the Versions tab fits the sidebar beside the other three; an editor publishes named versions (listed newest first with author, time and note; an empty name is refused inline), a delegate or observer sees no publish form; an observer compares two rounds and sees exactly a delegate’s position change (from → to, in words) and the editor’s concurrent text edit (a word diff with <ins>), inline and side by side, with “Changes only”; “Next change” and j / k move focus between the changes and announce “Change n of m”; a reload keeps the comparison and its view; the editor restores the point’s text from the first round after confirming (observers are not offered it), every context has the old text live, the point’s history says “restored from the version”, and the second round against the live board shows it; axe is clean', () =>
    scene('ROUND12', async (s) => {
      const E = await s.add(signInWithDemoLink(browser, demoLink(server, 'editor'), { label: 'E-editor' }));
      const D = await s.add(
        signInWithDemoLink(browser, demoLink(server, 'delegate', 'ukraine'), { label: 'D-ukraine' }),
      );
      const O = await s.add(signInWithDemoLink(browser, demoLink(server, 'observer'), { label: 'O-observer' }));

      // Four tabs in the narrowest sidebar (300 px below 1200 px wide), none cut off.
      await D.page.setViewportSize({ width: 1100, height: 800 });
      const clipped = await D.page.evaluate(() =>
        Array.from(
          document.querySelectorAll<HTMLElement>('nav[aria-label="Board pages"], nav[aria-label="Board pages"] a'),
        )
          .filter((el) => el.scrollWidth > el.clientWidth || el.getBoundingClientRect().right > 300)
          .map((el) => el.textContent),
      );
      expect(clipped).toEqual([]);
      await D.page.setViewportSize({ width: 1280, height: 800 });

      // The editor publishes Round 1; an empty name is refused first.
      await openVersions(E.page);
      await tid(E.page, 'versions-empty').waitFor({ state: 'visible' });
      await tid(E.page, 'version-publish').click();
      await expect(tid(E.page, 'version-publish-error').getAttribute('role')).resolves.toBe('alert');
      const round1 = await publish(E.page, 'Round 1', 'First circulation.');
      await expect(versionItem(E.page, 'Round 1').textContent()).resolves.toMatch(/First circulation\./);

      // The delegate changes Ukraine's position on point 3 while the editor edits its text.
      const pointId = await nthPointId(D.page, 2);
      const panelD = await selectPoint(D.page, pointId);
      const row = positionRow(panelD, 'ukraine');
      const before = ((await tid(row, 'position-current').textContent()) ?? '').trim();
      const stance: Stance = before === STANDING_LABEL.oppose ? 'support' : 'oppose';
      await E.page.goBack();
      const panelE = await selectPoint(E.page, pointId);
      const original = await editorText(tid(panelE, 'point-body'));
      await Promise.all([
        (async () => {
          await tid(row, 'position-stance').selectOption(stance);
          await tid(row, 'position-rationale').fill('Needs a review clause.');
          await tid(row, 'position-save').click();
        })(),
        appendToBody(E.page, panelE, ' Reviewed every year.'),
      ]);
      await poll(async () => (await tid(row, 'position-current').textContent())?.trim()).toBe(STANDING_LABEL[stance]);
      await poll(() => editorText(tid(panelD, 'point-body')), 'the edit, live').toBe(
        `${original} Reviewed every year.`,
      );
      await saved(D.page);
      await saved(E.page);

      // Round 2.
      await openVersions(E.page);
      await poll(() => versionItem(E.page, 'Round 1').count()).toBe(1);
      const round2 = await publish(E.page, 'Round 2');
      // Newest first.
      await expect(tid(E.page, 'version-item').first().getAttribute('data-version-id')).resolves.toBe(round2);

      // The observer: no publish form; compares Round 1 → Round 2.
      await openVersions(O.page);
      await poll(() => tid(O.page, 'version-item').count(), 'both rounds').toBe(2);
      await expect(tid(O.page, 'version-publish-form').count()).resolves.toBe(0);
      const itemText = await versionItem(O.page, 'Round 1').textContent();
      expect(itemText).toContain('First circulation.');
      expect(itemText).toMatch(/ago|just now/);
      await tid(O.page, 'compare-from').selectOption(round1);
      await tid(O.page, 'compare-to').selectOption(round2);
      await O.page.waitForURL(
        (url) => url.searchParams.get('from') === round1 && url.searchParams.get('to') === round2,
      );
      const cards = tid(O.page, 'compare-point');
      await poll(() => cards.count(), 'one point changed').toBe(1);
      const card = cards.first();
      await expect(card.getAttribute('data-point-id')).resolves.toBe(pointId);
      await expect(tid(card, 'compare-badge').allTextContents()).resolves.toEqual([
        'Text changed',
        '1 position changed',
      ]);
      await expect(tid(O.page, 'compare-count').textContent()).resolves.toMatch(/^2 changes on 1 point$/);
      const diff = tid(card, 'compare-body-diff');
      await expect(diff.locator('ins').allTextContents()).resolves.toEqual([
        expect.stringContaining('Reviewed every year.'),
      ]);
      await expect(diff.locator('del').count()).resolves.toBe(0);
      const position = tid(card, 'compare-position');
      await expect(position.count()).resolves.toBe(1);
      await expect(position.getAttribute('data-stakeholder-id')).resolves.toBe('ukraine');
      await expect(tid(position, 'compare-position-from').textContent()).resolves.toContain(
        before === STANDING_LABEL.none ? 'No position' : before,
      );
      await expect(tid(position, 'compare-position-to').textContent()).resolves.toContain(STANDING_LABEL[stance]);
      const wanted = await axeViolations(O.page);
      expect(wanted, describeViolations(wanted)).toEqual([]);

      // Side by side: the old text | the new one with the insertion; then back.
      await tid(O.page, 'compare-view-side').click();
      await poll(() => O.page.url()).toContain('view=side');
      await expect(tid(card, 'compare-body-diff-old').locator('ins').count()).resolves.toBe(0);
      await expect(tid(card, 'compare-body-diff-old').textContent()).resolves.toContain(original.slice(0, 20));
      await expect(tid(card, 'compare-body-diff-new').locator('ins').allTextContents()).resolves.toEqual([
        expect.stringContaining('Reviewed every year.'),
      ]);
      await s.shot('side-by-side');
      // Changes only: the unchanged run before the insertion is cut to its end.
      await tid(O.page, 'compare-changes-only').check();
      await poll(() => O.page.url()).toContain('changes=only');
      expect(original.length).toBeGreaterThan(80);
      await poll(() => tid(card, 'compare-body-diff-new').locator('.gap').count(), 'context cut').toBe(1);
      await tid(O.page, 'compare-changes-only').uncheck();
      await tid(O.page, 'compare-view-inline').click();
      await poll(() => tid(card, 'compare-body-diff').count()).toBe(1);
      expect(O.page.url()).not.toContain('view=side');

      // Jumping between the changes: the button, then j and k.
      const announcer = tid(O.page, 'compare-announcer');
      await tid(O.page, 'compare-next').click();
      await poll(() => focusedChange(O.page)).toBe(`point:${pointId}:body`);
      await poll(() => announcer.textContent()).toBe('Change 1 of 2: Point 3, text');
      await O.page.keyboard.press('j');
      await poll(() => focusedChange(O.page)).toBe(`point:${pointId}:positions`);
      await poll(() => announcer.textContent()).toBe('Change 2 of 2: Point 3, positions');
      await O.page.keyboard.press('k');
      await poll(() => focusedChange(O.page)).toBe(`point:${pointId}:body`);
      await expect(announcer.getAttribute('aria-live')).resolves.toBe('polite');

      // A reload keeps the comparison and its view.
      await tid(O.page, 'compare-view-side').click();
      await poll(() => O.page.url()).toContain('view=side');
      await O.page.reload();
      await poll(() => tid(O.page, 'compare-point').count(), 'the comparison after a reload').toBe(1);
      await expect(tid(O.page, 'compare-from').inputValue()).resolves.toBe(round1);
      await expect(tid(O.page, 'compare-to').inputValue()).resolves.toBe(round2);
      await expect(tid(O.page, 'compare-body-diff-new').count()).resolves.toBe(1);
      // Observers restore nothing.
      await expect(tid(O.page, 'compare-restore-body').count()).resolves.toBe(0);

      // The editor restores the text from Round 1, after confirming; everyone has it live.
      await E.page.goto(`${server.url}/b/demo/versions?from=${round1}&to=${round2}`);
      const cardE = E.page.locator(`[data-testid="compare-point"][data-point-id="${pointId}"]`);
      await tid(cardE, 'compare-restore-body').click();
      const dialog = tid(E.page, 'compare-restore-dialog');
      await dialog.waitFor({ state: 'visible' });
      await expect(dialog.textContent()).resolves.toContain('Round 1');
      const inDialog = await axeViolations(E.page);
      expect(inDialog, describeViolations(inDialog)).toEqual([]);
      await tid(dialog, 'compare-restore-confirm').click();
      await dialog.waitFor({ state: 'detached' });
      await tid(cardE, 'compare-restored').waitFor({ state: 'visible' });
      await poll(() => editorText(tid(panelD, 'point-body')), 'the old text, live').toBe(original);
      // The point's history says where the text came from.
      await tid(panelD, 'point-tab-history').click();
      const restored = tid(panelD, 'history-entry').and(D.page.locator('[data-cause="version"]'));
      await poll(() => restored.count(), 'the restore in the history').toBe(1);
      await expect(tid(restored, 'history-summary').textContent()).resolves.toContain(
        'restored from the version "Round 1"',
      );

      // Round 2 → live now shows the text going back.
      await tid(O.page, 'compare-from').selectOption(round2);
      await tid(O.page, 'compare-to').selectOption('live');
      await poll(() => O.page.url()).toContain('to=live');
      const back = O.page.locator(`[data-testid="compare-point"][data-point-id="${pointId}"]`);
      await poll(() => tid(back, 'compare-body-diff-old').locator('del').allTextContents(), 'the restore').toEqual([
        expect.stringContaining('Reviewed every year.'),
      ]);
      await expect(tid(back, 'compare-body-diff-new').locator('ins').count()).resolves.toBe(0);
      await s.shot('restored');
      const found = await axeViolations(O.page);
      expect(found, describeViolations(found)).toEqual([]);
      await tid(E.page, 'nav-points').click();
      const panelBack = await selectPoint(E.page, pointId);
      await poll(() => editorText(tid(panelBack, 'point-body')), 'the old text for the editor').toBe(original);
    }));

  test('ROUND13 a delegate opens the Versions page: by default the latest version against the live board (“No changes between …” when nothing changed), no publish form; “Open” shows that version’s board read-only (its categories, numbered points, text and positions, labelled as a past version) in the URL across a reload, and “Back” returns to the comparison; nothing is wider than a phone’s screen; axe is clean', () =>
    scene('ROUND13', async (s) => {
      const E = await s.add(signInWithDemoLink(browser, demoLink(server, 'editor'), { label: 'E-editor' }));
      const D = await s.add(signInWithDemoLink(browser, demoLink(server, 'delegate', 'europe'), { label: 'D-europe' }));
      const firstId = await nthPointId(D.page, 0);
      const firstBody = await editorText(tid(await selectPoint(D.page, firstId), 'point-body'));
      await openVersions(E.page);
      const baseline = await publish(E.page, 'Baseline');

      await openVersions(D.page);
      await poll(() => tid(D.page, 'compare-empty').textContent(), 'nothing changed since').toBe(
        'No changes between “Baseline” and the live board.',
      );
      await expect(tid(D.page, 'compare-from').inputValue()).resolves.toBe(baseline);
      await expect(tid(D.page, 'compare-to').inputValue()).resolves.toBe('live');
      await expect(tid(D.page, 'version-publish-form').count()).resolves.toBe(0);

      await tid(versionItem(D.page, 'Baseline'), 'version-open').click();
      await D.page.waitForURL((url) => url.searchParams.get('open') === baseline);
      const view = tid(D.page, 'version-board');
      await view.waitFor({ state: 'visible' });
      await expect(view.textContent()).resolves.toMatch(/Past version · read-only\s*Baseline/);
      await expect(tid(view, 'version-point').count()).resolves.toBe(28);
      const first = D.page.locator(`[data-testid="version-point"][data-point-id="${firstId}"]`);
      await expect(tid(first, 'version-point-body').textContent()).resolves.toBe(firstBody);
      await expect(first.textContent()).resolves.toMatch(/^\s*1\./);
      await expect(view.locator('input, textarea, [contenteditable="true"]').count()).resolves.toBe(0);
      await D.page.reload();
      await tid(D.page, 'version-board').waitFor({ state: 'visible' });
      await s.shot('open');
      const found = await axeViolations(D.page);
      expect(found, describeViolations(found)).toEqual([]);

      await tid(D.page, 'version-board-back').click();
      await poll(() => new URL(D.page.url()).searchParams.get('open'), 'back to the comparison').toBe(null);
      await tid(D.page, 'compare-empty').waitFor({ state: 'visible' });

      // At phone width the page stacks: nothing wider than the screen.
      await D.page.setViewportSize({ width: 390, height: 844 });
      await tid(versionItem(D.page, 'Baseline'), 'version-open').click();
      await tid(D.page, 'version-board').waitFor({ state: 'visible' });
      await poll(() => D.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await s.shot('phone');
    }));
});
