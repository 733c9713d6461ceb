/**
 * End-to-end: the board's amendments page (`/b/<id>/amendments`) and the per-point
 * amendment actions it leads to, in four browser contexts at once: Ukraine's and European
 * partners' delegates propose, a United States delegate follows and filters the page, the
 * drafting editor edits and decides; the owner's sign-off rule is set through the document.
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { setSignOffRule } from '@parley/shared/model';
import { describe, expect, test } from 'vitest';
import { axeViolations, describeViolations } from '../helpers/axe.ts';
import { connectClient } from '../helpers/clients.ts';
import { demoLink, nthPointId, poll, selectPoint, signInWithDemoLink, tid } from '../helpers/people.ts';
import { tokenFor } from '../helpers/security.ts';
import type { RunningServer } from '../helpers/server.ts';
import { e2eStage } from '../helpers/stage.ts';
import { actorOf } from '../helpers/tokens.ts';

let server: RunningServer;
let browser: Browser;
const { scene } = e2eStage((started) => ({ server, browser } = started));

const rows = (page: Page) => tid(page, 'amendments-board-row');
const row = (page: Page, id: string) => page.locator(`[data-testid="amendments-board-row"][data-amendment-id="${id}"]`);
const card = (scope: Page | Locator, id: string) =>
  scope.locator(`[data-testid="amendment"][data-amendment-id="${id}"]`);
const openCards = (panel: Locator) =>
  tid(panel, 'amendments').locator('ul[aria-label="Open amendments"] [data-testid="amendment"]');

/** Proposes the point's text plus `addition` from the point panel; returns the new amendment's id and wording. */
async function propose(
  page: Page,
  pointId: string,
  addition: string,
  rationale: string,
): Promise<{ id: string; wording: string; panel: Locator }> {
  const panel = await selectPoint(page, pointId);
  const before = await openCards(panel).count();
  await tid(panel, 'amendment-propose').click();
  const form = tid(panel, 'amendment-propose-form');
  const wording = `${await tid(form, 'amendment-wording').inputValue()}${addition}`;
  await tid(form, 'amendment-wording').fill(wording);
  await tid(form, 'amendment-rationale').fill(rationale);
  await tid(form, 'amendment-propose-submit').click();
  await poll(() => openCards(panel).count(), 'my proposal').toBe(before + 1);
  const id = await openCards(panel).last().getAttribute('data-amendment-id');
  if (!id) throw new Error('the new amendment has no id');
  return { id, wording, panel };
}

/** The owner sets the board's sign-off rule through the document (the People panel is AMEND15's). */
async function setRule(stakeholderIds: string[]): Promise<void> {
  const owner = await tokenFor(server, 'owner', 'us', 'Board owner');
  const client = connectClient(server.wsUrl, 'demo', { token: owner.token });
  try {
    await client.synced;
    setSignOffRule(client.doc, actorOf(owner.who), { kind: 'named', stakeholderIds });
    // Sent once the server acknowledges it: the other contexts then see it.
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    client.destroy();
  }
}

/** The editor appends words to the point's text, which makes its open amendments stale. */
async function editText(page: Page, panel: Locator, words: string): Promise<void> {
  await tid(panel, 'point-body').locator('.cm-content').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.insertText(words);
}

describe('the amendments page', () => {
  test('AMEND20 the amendments page lists the board’s open amendments live (point, field, delegation, proposer, rationale, answers, sign-off, Stale); filtering by delegation, by “Pending my sign-off” and by “Stale only” narrows it with a count and an empty state per filter, and survives a reload; a row opens its point with the amendment in view; axe is clean', () =>
    scene('AMEND20', async (s) => {
      const U = await s.add(signInWithDemoLink(browser, demoLink(server, 'delegate', 'us'), { label: 'U-us' }));
      const A = await s.add(
        signInWithDemoLink(browser, demoLink(server, 'delegate', 'ukraine'), { label: 'A-ukraine' }),
      );
      const C = await s.add(signInWithDemoLink(browser, demoLink(server, 'delegate', 'europe'), { label: 'C-europe' }));
      const E = await s.add(signInWithDemoLink(browser, demoLink(server, 'editor'), { label: 'E-editor' }));

      // The United States delegate opens the page from the board's tabs: nothing yet.
      await tid(U.page, 'nav-amendments').click();
      await U.page.waitForURL(/\/b\/demo\/amendments$/);
      await expect(tid(U.page, 'nav-amendments').getAttribute('aria-current')).resolves.toBe('page');
      await poll(() => tid(U.page, 'amendments-board-empty').textContent(), 'the empty page').toContain(
        'No open amendments.',
      );

      // Ukraine and European partners propose on two points: both show up live.
      const p1 = await nthPointId(A.page, 3);
      const p2 = await nthPointId(A.page, 4);
      const ua = await propose(A.page, p1, ' Monitored by both sides.', 'Names who monitors it.');
      const eu = await propose(C.page, p2, ' Reviewed yearly.', 'A fixed review.');
      await poll(() => rows(U.page).count(), 'both proposals, live').toBe(2);
      await expect(tid(U.page, 'amendments-board-count').textContent()).resolves.toContain('2 open amendments');
      // Newest first.
      await expect(rows(U.page).first().getAttribute('data-amendment-id')).resolves.toBe(eu.id);
      const uaRow = row(U.page, ua.id);
      const uaText = await uaRow.textContent();
      expect(uaText).toMatch(/#\d+\s*Point 4:/);
      for (const part of ['Text', 'Ukraine', 'Names who monitors it.', '0 endorsements', '0 objections'])
        expect(uaText).toContain(part);
      await expect(uaRow.getAttribute('data-stale')).resolves.toBe('false');
      await expect(tid(uaRow, 'amendments-board-signoff').count()).resolves.toBe(0);

      // The owner's rule: the United States and Ukraine sign off. Pending shows live.
      await setRule(['us', 'ukraine']);
      await poll(() => tid(uaRow, 'amendments-board-pending').textContent(), 'pending, live').toContain(
        'pending United States',
      );
      await expect(tid(row(U.page, eu.id), 'amendments-board-pending').textContent()).resolves.toContain(
        'pending United States, Ukraine',
      );
      await expect(tid(uaRow, 'amendments-board-signoff').textContent()).resolves.toContain('signed by Ukraine');

      // By delegation, in the URL, across a reload; an empty state for a delegation with none.
      await tid(U.page, 'amendments-filter-from').selectOption('europe');
      await poll(() => rows(U.page).count(), 'European partners’ only').toBe(1);
      await expect(rows(U.page).getAttribute('data-amendment-id')).resolves.toBe(eu.id);
      await expect(tid(U.page, 'amendments-board-count').textContent()).resolves.toContain('1 of 2 open amendments');
      expect(U.page.url()).toContain('from=europe');
      await U.page.reload();
      await poll(() => rows(U.page).count(), 'filtered after a reload').toBe(1);
      await expect(tid(U.page, 'amendments-filter-from').inputValue()).resolves.toBe('europe');
      await tid(U.page, 'amendments-filter-from').selectOption('russia');
      await poll(() => tid(U.page, 'amendments-board-empty').textContent()).toContain(
        'No open amendments from Russia.',
      );
      await tid(U.page, 'amendments-filter-from').selectOption('');
      await poll(() => rows(U.page).count()).toBe(2);

      // Pending my sign-off: both wait for the United States.
      await tid(U.page, 'amendments-filter-mine').check();
      await poll(() => rows(U.page).count(), 'pending the United States').toBe(2);
      expect(U.page.url()).toContain('pending=mine');

      // A row opens its point, the amendment in view and focused; the US endorses it there.
      await tid(uaRow, 'amendments-board-link').click();
      await U.page.waitForURL((url) => url.searchParams.get('amendment') === ua.id);
      const panelU = U.page.locator(`[data-testid="point-panel"][data-point-id="${p1}"]`);
      await panelU.waitFor({ state: 'visible' });
      await poll(
        () => U.page.evaluate(() => document.activeElement?.getAttribute('data-amendment-id') ?? null),
        'the amendment focused',
      ).toBe(ua.id);
      await tid(card(panelU, ua.id), 'amendment-endorse').click();
      await poll(() => tid(card(panelU, ua.id), 'amendment-endorse').getAttribute('aria-pressed')).toBe('true');

      // Back on the page (still filtered): only European partners’ waits for me now.
      await U.page.goBack();
      await poll(() => rows(U.page).count(), 'only what still waits for me').toBe(1);
      await expect(rows(U.page).getAttribute('data-amendment-id')).resolves.toBe(eu.id);
      await expect(tid(U.page, 'amendments-filter-mine').isChecked()).resolves.toBe(true);
      await expect(row(U.page, ua.id).count()).resolves.toBe(0);
      await tid(U.page, 'amendments-filter-mine').uncheck();
      await poll(() => tid(row(U.page, ua.id), 'amendments-board-answers').textContent()).toContain('1 endorsement');

      // Stale only: nothing, until the editor edits European partners' point.
      await tid(U.page, 'amendments-filter-stale').check();
      await poll(() => tid(U.page, 'amendments-board-empty').textContent()).toBe('No open amendments that are stale.');
      const panelE = await selectPoint(E.page, p2);
      await editText(E.page, panelE, ' Editor’s note.');
      await poll(() => rows(U.page).count(), 'stale, live').toBe(1);
      await expect(rows(U.page).getAttribute('data-amendment-id')).resolves.toBe(eu.id);
      await expect(tid(rows(U.page), 'amendments-board-stale').textContent()).resolves.toBe('Stale');
      await U.page.reload();
      await poll(() => rows(U.page).count(), 'stale after a reload').toBe(1);
      await s.shot('stale');
      const found = await axeViolations(U.page);
      expect(found, describeViolations(found)).toEqual([]);
    }));

  test('AMEND21 on a point: withdrawing asks for confirmation first; the editor’s refusal message goes once he types a new note or another delegation’s endorsement arrives; the proposer rebases a stale amendment with edited wording (prefilled with its own, previewed against the text as it stands), and the new diff shows in another context; axe is clean with the form and the dialog open; a decided amendment leaves the amendments page unless “Show decided” is on, and its row opens the point’s “Decided” list at it', () =>
    scene('AMEND21', async (s) => {
      const A = await s.add(
        signInWithDemoLink(browser, demoLink(server, 'delegate', 'ukraine'), { label: 'A-ukraine' }),
      );
      const C = await s.add(signInWithDemoLink(browser, demoLink(server, 'delegate', 'europe'), { label: 'C-europe' }));
      const E = await s.add(signInWithDemoLink(browser, demoLink(server, 'editor'), { label: 'E-editor' }));
      await setRule(['europe', 'ukraine']);
      const pointId = await nthPointId(A.page, 11);
      const ua = await propose(A.page, pointId, ' Checked every quarter.', '');
      const panelE = await selectPoint(E.page, pointId);
      const panelC = await selectPoint(C.page, pointId);
      const cardE = card(panelE, ua.id);
      await cardE.waitFor({ state: 'visible' });

      // Refused until European partners sign off; a new note (a new attempt) clears the message.
      const refusal = tid(cardE, 'amendment-decision-error');
      await tid(cardE, 'amendment-accept').click();
      await poll(() => refusal.textContent(), 'the refusal').toBe(
        'Accepting needs sign-off from European partners first.',
      );
      await expect(refusal.getAttribute('role')).resolves.toBe('alert');
      await tid(cardE, 'amendment-decision-note').fill('Second reading');
      await poll(() => refusal.count(), 'cleared by a new note').toBe(0);
      await tid(cardE, 'amendment-accept').click();
      await poll(() => refusal.count(), 'refused again').toBe(1);
      // European partners endorse: the editor's message goes, live.
      await tid(card(panelC, ua.id), 'amendment-endorse').click();
      await poll(() => refusal.count(), 'cleared by the endorsement').toBe(0);

      // The editor edits the text: stale. Ukraine rebases with edited wording.
      await editText(E.page, panelE, ' Editor’s clause.');
      const cardA = card(ua.panel, ua.id);
      await poll(() => tid(cardA, 'amendment-stale').isVisible(), 'stale for Ukraine').toBe(true);
      await tid(cardA, 'amendment-rebase-edit').click();
      const form = tid(cardA, 'amendment-rebase-form');
      await expect(tid(form, 'amendment-rebase-wording').inputValue()).resolves.toBe(ua.wording);
      // The preview reads against the text as it stands: the editor's clause would go.
      await expect(tid(form, 'amendment-rebase-preview').locator('del').allTextContents()).resolves.toEqual(
        expect.arrayContaining([expect.stringContaining('Editor’s clause')]),
      );
      const edited = `${ua.wording} Editor’s clause. Audited yearly.`;
      await tid(form, 'amendment-rebase-wording').fill(edited);
      await poll(() => tid(form, 'amendment-rebase-preview').locator('del').count()).toBe(0);
      await s.shot('rebase-form');
      const formViolations = await axeViolations(A.page);
      expect(formViolations, describeViolations(formViolations)).toEqual([]);
      await tid(form, 'amendment-rebase-submit').click();
      await poll(() => tid(cardE, 'amendment-stale').count(), 'no longer stale for the editor').toBe(0);
      await poll(
        () => tid(cardE, 'amendment-diff').locator('ins').allTextContents(),
        'the edited wording, live',
      ).toEqual(expect.arrayContaining([expect.stringContaining('Audited yearly.')]));
      await expect(tid(cardE, 'amendment-diff').locator('del').count()).resolves.toBe(0);

      // Withdrawing asks first: "Keep it" keeps it open; confirming withdraws it for everyone.
      const dialog = tid(A.page, 'amendment-withdraw-dialog');
      await tid(cardA, 'amendment-withdraw').click();
      await dialog.waitFor({ state: 'visible' });
      await expect(dialog.textContent()).resolves.toContain(`Withdraw amendment #`);
      await s.shot('withdraw-dialog');
      const dialogViolations = await axeViolations(A.page);
      expect(dialogViolations, describeViolations(dialogViolations)).toEqual([]);
      await tid(dialog, 'amendment-withdraw-cancel').click();
      await dialog.waitFor({ state: 'detached' });
      await expect(cardA.getAttribute('data-status')).resolves.toBe('open');
      await tid(cardA, 'amendment-withdraw').click();
      await tid(dialog, 'amendment-withdraw-confirm').click();
      await poll(() => card(panelE, ua.id).getAttribute('data-status'), 'withdrawn, live').toBe('withdrawn');
      await expect(openCards(panelE).count()).resolves.toBe(0);

      // Off the amendments page, unless "Show decided" is on; its row opens "Decided" at it.
      await tid(E.page, 'nav-amendments').click();
      await tid(E.page, 'amendments-board').waitFor({ state: 'visible' });
      await poll(() => row(E.page, ua.id).count(), 'not among the open ones').toBe(0);
      await tid(E.page, 'amendments-filter-decided').check();
      await poll(() => tid(row(E.page, ua.id), 'amendments-board-status').textContent()).toBe('Withdrawn');
      await tid(row(E.page, ua.id), 'amendments-board-link').click();
      await poll(() => tid(E.page, 'amendments-decided').getAttribute('open'), '“Decided” opened').toBe('');
      await poll(
        () => E.page.evaluate(() => document.activeElement?.getAttribute('data-amendment-id') ?? null),
        'the withdrawn amendment focused',
      ).toBe(ua.id);
    }));
});
