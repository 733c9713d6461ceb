/**
 * End-to-end: amendments (issue 13) in three and four browser contexts at once: Ukraine's
 * delegate proposes wording, European partners endorse, the owner sets the sign-off rule,
 * the drafting editor decides through the server, and every context follows live, in the
 * point and in its History tab.
 */
import type { Browser, Locator } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { axeViolations, describeViolations } from '../helpers/axe.ts';
import { goOffline, goOnline, waitForSaved } from '../helpers/offline.ts';
import {
  demoLink,
  editorText,
  marker,
  nthPointId,
  poll,
  selectPoint,
  signInWithDemoLink,
  tid,
} from '../helpers/people.ts';
import type { RunningServer } from '../helpers/server.ts';
import { e2eStage } from '../helpers/stage.ts';

let server: RunningServer;
let browser: Browser;
const { scene } = e2eStage((started) => ({ server, browser } = started));

const openAmendments = (panel: Locator) => tid(panel, 'amendments').locator('ul[aria-label="Open amendments"]');
const decided = (panel: Locator) => tid(panel, 'amendments-decided');
const body = (panel: Locator) => editorText(tid(panel, 'point-body'));
const historyEntries = (panel: Locator) => tid(tid(panel, 'point-history'), 'history-entry');
const summaries = (panel: Locator) => tid(historyEntries(panel), 'history-summary').allTextContents();

describe('amendments', () => {
  test('AMEND14 a delegate proposes wording for a point’s text and every other context sees it live as a word diff against the current text, with only the actions each may take; another delegation’s endorsement shows live; the axe check is clean', () =>
    scene('AMEND14', async (s) => {
      const A = await s.add(
        signInWithDemoLink(browser, demoLink(server, 'delegate', 'ukraine'), { label: 'A-ukraine' }),
      );
      const B = await s.add(signInWithDemoLink(browser, demoLink(server, 'editor'), { label: 'B-editor' }));
      const C = await s.add(signInWithDemoLink(browser, demoLink(server, 'delegate', 'europe'), { label: 'C-europe' }));
      const pointId = await nthPointId(A.page, 6);
      const panelA = await selectPoint(A.page, pointId);
      const panelB = await selectPoint(B.page, pointId);
      const panelC = await selectPoint(C.page, pointId);
      const original = await body(panelA);

      // Ukraine's delegate proposes on a copy of the point's text.
      await tid(panelA, 'amendment-propose').click();
      const form = tid(panelA, 'amendment-propose-form');
      await expect(tid(form, 'amendment-wording').inputValue()).resolves.toBe(original);
      const [first, ...rest] = original.split(' ');
      const wording = ['Jointly', ...rest, 'Verified by both sides.'].join(' ');
      await tid(form, 'amendment-wording').fill(wording);
      await tid(form, 'amendment-rationale').fill('Names who verifies it.');
      await tid(form, 'amendment-propose-submit').click();
      await poll(() => openAmendments(panelA).locator('[data-testid="amendment"]').count()).toBe(1);

      // Live in the editor's context: numbered, by whom, the word diff against the text now.
      const cardB = openAmendments(panelB).locator('[data-testid="amendment"]');
      await poll(() => cardB.count(), 'the proposal, live').toBe(1);
      await expect(cardB.locator('h3').textContent()).resolves.toMatch(/#\d+\s*Ukraine\s*Text/);
      await expect(cardB.textContent()).resolves.toContain('Names who verifies it.');
      const diff = tid(cardB, 'amendment-diff');
      await expect(diff.locator('ins').allTextContents()).resolves.toEqual(
        expect.arrayContaining([
          expect.stringContaining('Jointly'),
          expect.stringContaining('Verified by both sides.'),
        ]),
      );
      await expect(diff.locator('del').first().textContent()).resolves.toContain(first);
      // Each sees only what it may do: the editor decides, Europe answers, Ukraine manages its own.
      await expect(tid(cardB, 'amendment-accept').isVisible()).resolves.toBe(true);
      await expect(tid(cardB, 'amendment-withdraw').count()).resolves.toBe(0);
      const cardA = openAmendments(panelA).locator('[data-testid="amendment"]');
      await expect(tid(cardA, 'amendment-withdraw').isVisible()).resolves.toBe(true);
      await expect(tid(cardA, 'amendment-endorse').count()).resolves.toBe(0);
      await expect(tid(cardA, 'amendment-accept').count()).resolves.toBe(0);
      const cardC = openAmendments(panelC).locator('[data-testid="amendment"]');
      await poll(() => tid(cardC, 'amendment-endorse').isVisible()).toBe(true);
      await expect(tid(cardC, 'amendment-withdraw').count()).resolves.toBe(0);
      await expect(tid(cardC, 'amendment-accept').count()).resolves.toBe(0);

      // Europe endorses with a note: Ukraine and the editor see it without reloading.
      await tid(cardC, 'amendment-note').fill('Agreed: clearer.');
      await tid(cardC, 'amendment-endorse').click();
      for (const card of [cardA, cardB]) {
        const answer = card.locator('[data-testid="amendment-answer"][data-stakeholder-id="europe"]');
        await poll(() => answer.getAttribute('data-stance'), 'the endorsement, live').toBe('endorse');
        await expect(answer.textContent()).resolves.toContain('Agreed: clearer.');
      }
      await expect(tid(cardC, 'amendment-endorse').getAttribute('aria-pressed')).resolves.toBe('true');
      await s.shot('endorsed');
      for (const p of [A, B, C]) {
        const found = await axeViolations(p.page);
        expect(found, `${p.label}: ${describeViolations(found)}`).toEqual([]);
      }
    }));

  test('AMEND15 under the rule “United States and Ukraine must sign off”, set by the owner in the People panel (axe-clean), every context shows who has signed off and who is pending; the editor’s accept is refused with the server’s reason inline until the United States endorses, and again once an edit makes the wording stale; once Ukraine rebases it, accepting writes the wording into the point for everyone and the amendment shows under Decided as accepted', () =>
    scene('AMEND15', async (s) => {
      const A = await s.add(
        signInWithDemoLink(browser, demoLink(server, 'delegate', 'ukraine'), { label: 'A-ukraine' }),
      );
      const B = await s.add(signInWithDemoLink(browser, demoLink(server, 'editor'), { label: 'B-editor' }));
      const C = await s.add(signInWithDemoLink(browser, demoLink(server, 'delegate', 'europe'), { label: 'C-europe' }));
      const pointId = await nthPointId(A.page, 9);
      const panelA = await selectPoint(A.page, pointId);
      const panelB = await selectPoint(B.page, pointId);
      const panelC = await selectPoint(C.page, pointId);

      await tid(panelA, 'amendment-propose').click();
      const form = tid(panelA, 'amendment-propose-form');
      const wording = `${await tid(form, 'amendment-wording').inputValue()} Reviewed every six months.`;
      await tid(form, 'amendment-wording').fill(wording);
      await tid(form, 'amendment-propose-submit').click();
      const cardA = openAmendments(panelA).locator('[data-testid="amendment"]');
      const cardB = openAmendments(panelB).locator('[data-testid="amendment"]');
      await poll(() => cardB.count(), 'the proposal, live').toBe(1);
      const amendmentId = await cardB.getAttribute('data-amendment-id');
      await expect(tid(cardB, 'amendment-stale').count()).resolves.toBe(0);

      // The owner, in a fourth context, sets the board's sign-off rule in the People panel.
      // Ukraine signed off by proposing; the United States is pending, everywhere.
      const D = await s.add(signInWithDemoLink(browser, demoLink(server, 'owner'), { label: 'D-owner' }));
      await tid(D.page, 'members-open').click();
      const rule = tid(D.page, 'signoff-section');
      await rule.waitFor({ state: 'visible' });
      await expect(tid(rule, 'signoff-current').textContent()).resolves.toBe('No sign-off is needed: editors decide.');
      await tid(rule, 'signoff-mode-named').check();
      for (const sid of ['us', 'ukraine'])
        await rule.locator(`[data-testid="signoff-delegation"][data-stakeholder-id="${sid}"]`).check();
      await tid(rule, 'signoff-save').click();
      await poll(() => tid(rule, 'signoff-current').textContent(), 'the rule in force').toBe(
        'United States and Ukraine must endorse an amendment before it is accepted.',
      );
      await s.shot('sign-off-rule');
      const ruleViolations = await axeViolations(D.page);
      expect(ruleViolations, describeViolations(ruleViolations)).toEqual([]);
      const cardC = openAmendments(panelC).locator('[data-testid="amendment"]');
      for (const card of [cardA, cardB, cardC]) {
        await poll(() => tid(card, 'amendment-signed').textContent(), 'who signed off').toBe('signed by Ukraine');
        await expect(tid(card, 'amendment-pending').textContent()).resolves.toContain('pending United States');
      }
      await tid(cardB, 'amendment-accept').click();
      const refusal = tid(cardB, 'amendment-decision-error');
      await poll(() => refusal.textContent(), 'the sign-off refusal').toBe(
        'Accepting needs sign-off from United States first.',
      );
      await expect(refusal.getAttribute('role')).resolves.toBe('alert');
      await s.shot('refused-sign-off');

      // The editor belongs to the United States and endorses for it: nobody is pending any more.
      await tid(cardB, 'amendment-endorse').click();
      await poll(() => tid(cardA, 'amendment-signed').textContent(), 'the US sign-off, live').toBe(
        'signed by United States, Ukraine',
      );
      await expect(tid(cardA, 'amendment-pending').count()).resolves.toBe(0);

      // The editor changes the text: the amendment turns stale everywhere, and accepting is refused.
      await tid(panelB, 'point-body').locator('.cm-content').click();
      await B.page.keyboard.press('Control+End');
      await B.page.keyboard.insertText(' Editor’s addition.');
      await poll(() => tid(cardA, 'amendment-stale').isVisible(), 'stale for Ukraine').toBe(true);
      await tid(cardB, 'amendment-accept').click();
      await poll(() => refusal.textContent(), 'the stale refusal').toContain('The text changed since');
      await s.shot('refused-stale');

      // Ukraine rebases: the same wording now stands against the edited text.
      await tid(cardA, 'amendment-rebase').click();
      await poll(() => tid(cardB, 'amendment-stale').count(), 'no longer stale').toBe(0);
      await tid(cardB, 'amendment-decision-note').fill('Adopted at the second reading.');
      await tid(cardB, 'amendment-accept').click();

      for (const panel of [panelA, panelB, panelC]) {
        await poll(() => body(panel), 'the accepted wording in the point').toBe(wording);
        await poll(() => openAmendments(panel).count(), 'no open amendment left').toBe(0);
        const done = decided(panel);
        await done.locator('summary').click();
        const card = done.locator(`[data-testid="amendment"][data-amendment-id="${amendmentId}"]`);
        await expect(card.getAttribute('data-status')).resolves.toBe('accepted');
        await expect(tid(card, 'amendment-decision').textContent()).resolves.toContain(
          'Adopted at the second reading.',
        );
        // Decided: nobody is offered an action on it any more.
        await expect(card.locator('button').count()).resolves.toBe(0);
      }
      await s.shot('accepted');
      const found = await axeViolations(B.page);
      expect(found, describeViolations(found)).toEqual([]);
    }));

  test('AMEND17 while the owner, offline, types in the middle and at the end of a point’s text, the editor accepts Ukraine’s amendment to it (endorsed by European partners and the United States under the rule “United States and Ukraine”); once the owner is back every context has the accepted wording and the typed words. The point’s History tab, open in another context, shows live the text entry naming the amendment, its delegation, endorsers, sign-offs and the editor, marked as an amendment’s change, with the wording’s inserted words as <ins>, below the owner’s direct edit and above the proposal and the endorsements; the tabs follow the ARIA pattern, the axe check is clean, and another point opens on its Point tab, its History saying “No history yet.” when nobody has changed it', () =>
    scene('AMEND17', async (s) => {
      const A = await s.add(
        signInWithDemoLink(browser, demoLink(server, 'delegate', 'ukraine'), { label: 'A-ukraine' }),
      );
      const B = await s.add(signInWithDemoLink(browser, demoLink(server, 'editor'), { label: 'B-editor' }));
      const C = await s.add(signInWithDemoLink(browser, demoLink(server, 'delegate', 'europe'), { label: 'C-europe' }));
      const D = await s.add(signInWithDemoLink(browser, demoLink(server, 'owner'), { label: 'D-owner' }));

      // The owner makes the rule "United States and Ukraine" (it may already be, after AMEND15).
      await tid(D.page, 'members-open').click();
      const rule = tid(D.page, 'signoff-section');
      await rule.waitFor({ state: 'visible' });
      await tid(rule, 'signoff-mode-named').check();
      for (const sid of ['russia', 'europe'])
        await rule.locator(`[data-testid="signoff-delegation"][data-stakeholder-id="${sid}"]`).uncheck();
      for (const sid of ['us', 'ukraine'])
        await rule.locator(`[data-testid="signoff-delegation"][data-stakeholder-id="${sid}"]`).check();
      await tid(rule, 'signoff-save').click();
      await poll(() => tid(rule, 'signoff-current').textContent(), 'the rule in force').toBe(
        'United States and Ukraine must endorse an amendment before it is accepted.',
      );
      await D.page.keyboard.press('Escape');
      await tid(D.page, 'members-panel').waitFor({ state: 'hidden' });

      const pointId = await nthPointId(A.page, 12);
      const [panelA, panelB, panelC, panelD] = [
        await selectPoint(A.page, pointId),
        await selectPoint(B.page, pointId),
        await selectPoint(C.page, pointId),
        await selectPoint(D.page, pointId),
      ];
      const original = await body(panelA);

      // The Point tab is the default; European partners' delegate opens History and keeps it open.
      await expect(tid(panelC, 'point-tab-point').getAttribute('aria-selected')).resolves.toBe('true');
      await expect(tid(panelC, 'point-history').isVisible()).resolves.toBe(false);
      await tid(panelC, 'point-tab-history').click();
      const historyC = tid(panelC, 'point-history');
      await historyC.waitFor({ state: 'visible' });
      await expect(tid(panelC, 'point-main').isVisible()).resolves.toBe(false);

      // Ukraine proposes; European partners and the editor (for the United States) endorse.
      await tid(panelA, 'amendment-propose').click();
      const form = tid(panelA, 'amendment-propose-form');
      const added = 'Both sides report quarterly.';
      const wording = `${original} ${added}`;
      await tid(form, 'amendment-wording').fill(wording);
      await tid(form, 'amendment-propose-submit').click();
      const cardB = openAmendments(panelB).locator('[data-testid="amendment"]');
      await poll(() => cardB.count(), 'the proposal, live').toBe(1);
      const number = Number(((await cardB.locator('.num').textContent()) ?? '').replace('#', ''));
      expect(number).toBeGreaterThan(0);
      const cardD = openAmendments(panelD).locator('[data-testid="amendment"]');
      await poll(() => cardD.count(), 'the proposal, live for the owner').toBe(1);
      // C answers from its Point tab, then goes back to History.
      await tid(panelC, 'point-tab-point').click();
      const cardC = openAmendments(panelC).locator('[data-testid="amendment"]');
      await poll(() => tid(cardC, 'amendment-endorse').isVisible()).toBe(true);
      await tid(cardC, 'amendment-endorse').click();
      await tid(panelC, 'point-tab-history').click();
      await tid(cardB, 'amendment-endorse').click();
      await poll(() => tid(cardB, 'amendment-signed').textContent(), 'both sign-offs').toBe(
        'signed by United States, Ukraine',
      );
      const proposed = `Ukraine proposed amendment #${number} to the body (Ukraine delegate)`;
      const endorsedEU = `European partners delegate for European partners endorsed amendment #${number}`;
      const endorsedUS = `Drafting editor for United States endorsed amendment #${number}`;
      await poll(() => summaries(panelC), 'the proposal and endorsements in History, live').toEqual(
        expect.arrayContaining([proposed, endorsedEU, endorsedUS]),
      );

      // The owner goes offline and types in the middle and at the end of the same text.
      await waitForSaved(D.page, 'the owner before going offline');
      const offline = await goOffline(D.context, D.page);
      const mid = marker('Midway');
      const tail = marker('Tail');
      await tid(panelD, 'point-body').locator('.cm-content').click();
      await D.page.keyboard.press('Control+Home');
      await D.page.keyboard.press('Control+ArrowRight');
      await D.page.keyboard.insertText(` ${mid}`);
      await D.page.keyboard.press('Control+End');
      await D.page.keyboard.insertText(` ${tail}`);
      await poll(() => body(panelD), 'the owner’s own offline words').toContain(tail);

      // Meanwhile the editor accepts: the wording is written for everyone online.
      await tid(cardB, 'amendment-accept').click();
      for (const panel of [panelA, panelB]) {
        await poll(() => body(panel), 'the accepted wording in the point').toBe(wording);
      }
      await s.shot('accepted-owner-offline');

      // C's History, open all along, shows the amendment's change as it lands.
      const accepted =
        `Body changed by amendment #${number} by Ukraine, endorsed by European partners and United States, ` +
        'signed off by United States and Ukraine, accepted by Drafting editor';
      await poll(() => summaries(panelC), 'the amendment’s change in History, live').toContain(accepted);

      // The owner comes back and finishes with a word typed online: everyone ends with the
      // wording and every typed word, in one text, and History (still open) gains the edit.
      await goOnline(D.context, D.page, offline.via);
      await waitForSaved(D.page, 'the owner back online');
      const last = marker('Online');
      await tid(panelD, 'point-body').locator('.cm-content').click();
      await D.page.keyboard.press('Control+End');
      await D.page.keyboard.insertText(` ${last}`);
      await waitForSaved(D.page, 'the owner’s online word');
      const direct = 'Body edited directly by Demo owner';
      await poll(() => summaries(panelC), 'the owner’s edit in History, live').toContain(direct);
      for (const panel of [panelA, panelB, panelD]) {
        await poll(() => body(panel), 'the wording and the owner’s words').toEqual(
          expect.stringMatching(new RegExp(`${mid}[\\s\\S]*${added.replace('.', '\\.')}`)),
        );
        for (const word of [tail, last]) await expect(body(panel)).resolves.toContain(word);
      }
      const finalText = await body(panelA);
      for (const panel of [panelB, panelD]) await poll(() => body(panel), 'one text').toBe(finalText);
      await tid(panelC, 'point-tab-point').click();
      await poll(() => body(panelC), 'one text, in C').toBe(finalText);

      // History again in C (fetched anew on opening): the amendment's entry, marked as such, with its diff.
      await tid(panelC, 'point-tab-history').click();
      await poll(() => summaries(panelC), 'History reopened').toEqual(expect.arrayContaining([accepted, direct]));
      const all = await summaries(panelC);
      expect(all.indexOf(direct), 'newest first').toBeLessThan(all.indexOf(accepted));
      expect(all.indexOf(accepted)).toBeLessThan(all.indexOf(endorsedUS));
      expect(all.indexOf(endorsedUS)).toBeLessThan(all.indexOf(proposed));
      expect(all).toContain(`amendment #${number} accepted by Drafting editor`);
      const entry = historyEntries(panelC).filter({
        has: C.page.locator('[data-testid="history-summary"]', { hasText: accepted }),
      });
      await expect(entry.getAttribute('data-cause')).resolves.toBe('amendment');
      await expect(tid(entry, 'history-cause').textContent()).resolves.toContain(`Amendment #${number}`);
      await expect(entry.locator('time').getAttribute('datetime')).resolves.toMatch(/^\d{4}-\d\d-\d\dT/);
      await expect(tid(entry, 'history-diff').locator('ins').allTextContents()).resolves.toEqual(
        expect.arrayContaining([expect.stringContaining(added)]),
      );
      const directEntry = historyEntries(panelC).filter({
        has: C.page.locator('[data-testid="history-summary"]', { hasText: direct }),
      });
      await expect(tid(directEntry, 'history-cause').count()).resolves.toBe(0);
      await expect(historyC.locator('ol > li').count()).resolves.toBe(all.length);
      await s.shot('history');
      const found = await axeViolations(C.page);
      expect(found, describeViolations(found)).toEqual([]);

      // The tabs by keyboard, in Ukraine's context: the arrows move and open, aria follows.
      const tabPoint = tid(panelA, 'point-tab-point');
      const tabHistory = tid(panelA, 'point-tab-history');
      await tabPoint.focus();
      await A.page.keyboard.press('ArrowRight');
      await expect(tabHistory.getAttribute('aria-selected')).resolves.toBe('true');
      await expect(tabPoint.getAttribute('aria-selected')).resolves.toBe('false');
      await expect(A.page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).resolves.toBe(
        'point-tab-history',
      );
      const historyA = tid(panelA, 'point-history');
      await expect(tabHistory.getAttribute('aria-controls')).resolves.toBe(await historyA.getAttribute('id'));
      await expect(historyA.getAttribute('role')).resolves.toBe('tabpanel');
      await poll(() => summaries(panelA), 'History opened in A').toEqual(expect.arrayContaining([accepted, direct]));
      await A.page.keyboard.press('ArrowLeft');
      await expect(tabPoint.getAttribute('aria-selected')).resolves.toBe('true');
      await tid(panelA, 'point-main').waitFor({ state: 'visible' });

      // Another point opens on its Point tab; one nobody has changed has no history yet.
      await tabHistory.click();
      const untouched = await selectPoint(A.page, await nthPointId(A.page, 20));
      await expect(tid(untouched, 'point-tab-point').getAttribute('aria-selected')).resolves.toBe('true');
      await tid(untouched, 'point-tab-history').click();
      await poll(() => tid(untouched, 'history-empty').textContent(), 'the empty state').toBe('No history yet.');
    }));
});
