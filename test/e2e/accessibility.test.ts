/**
 * End-to-end: every page is axe-clean (WCAG 2 A and AA rules). One real server (fresh data
 * dir) and one headless Chromium for the file. axe-core's own source (the exact version in
 * test/package.json) is injected into each page as it stands after the step, `axe.run` is
 * asked for the wcag2a / wcag2aa rules, and a test fails listing every violation with the
 * elements it found it on.
 *
 * A11Y1 the signed-out pages (welcome, sign-in, sign-up, invite, not-found); A11Y2 the
 * signed-in pages at desktop width (board list, new board, a board with a point open, the
 * members panel, not a member, an archived board); A11Y3 the same at phone width, and the
 * board as a delegate.
 */
import type { Browser, Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { PHONE } from '../helpers/browser.ts';
import {
  acceptInviteViaApi,
  createInviteViaApi,
  demoLink,
  marker,
  newPerson,
  nthPointId,
  selectPoint,
  signInWithDemoLink,
  signUpViaApi,
  tid,
  until,
  waitForBoard,
} from '../helpers/people.ts';
import type { RunningServer } from '../helpers/server.ts';
import { e2eStage, type Scene } from '../helpers/stage.ts';
import { axeViolations, describeViolations } from '../helpers/axe.ts';

let server: RunningServer;
let browser: Browser;
const { scene } = e2eStage((started) => ({ server, browser } = started));

/** Checks the page with axe and collects what it finds under `where` (the test fails at its end, listing all). */
async function check(s: Scene, page: Page, where: string, found: string[]): Promise<void> {
  // Let transitions and fades settle (axe computes contrast from the colours as painted).
  await page.waitForTimeout(250);
  const violations = await axeViolations(page);
  if (violations.length > 0) {
    found.push(`${where}:\n${describeViolations(violations)}`);
    await s.shot(`violations-${where}`);
  }
}

function expectClean(found: string[]): void {
  expect(found, `axe found WCAG 2 A/AA violations:\n\n${found.join('\n\n')}`).toEqual([]);
}

async function waitVisible(page: Page, id: string): Promise<void> {
  await tid(page, id).first().waitFor({ state: 'visible' });
}

describe('e2e: accessibility (axe, WCAG 2 A/AA)', () => {
  test('A11Y1 the signed-out pages are axe-clean: welcome, sign-in, sign-up, an invite, not-found', () =>
    scene('A11Y1', async (s) => {
      const found: string[] = [];
      const owner = await s.add(signInWithDemoLink(browser, demoLink(server, 'owner'), { label: 'owner' }));
      const inviteUrl = await createInviteViaApi(owner, server, 'delegate', 'ukraine');
      const visitor = await s.add(newPerson(browser, 'visitor'));
      const page = visitor.page;

      await page.goto(`${server.url}/`, { waitUntil: 'domcontentloaded' });
      await waitVisible(page, 'signin-cta');
      await check(s, page, 'welcome', found);

      await page.goto(`${server.url}/signin`, { waitUntil: 'domcontentloaded' });
      await page.locator('form').first().waitFor({ state: 'visible' });
      await check(s, page, 'sign-in', found);

      await page.goto(`${server.url}/signup`, { waitUntil: 'domcontentloaded' });
      await waitVisible(page, 'signup-name');
      await check(s, page, 'sign-up', found);
      // A refused sign-up shows its errors in place.
      await tid(page, 'signup-submit').click();
      await page.waitForTimeout(200);
      await check(s, page, 'sign-up-errors', found);

      await page.goto(inviteUrl, { waitUntil: 'domcontentloaded' });
      await waitVisible(page, 'invite-view');
      await waitVisible(page, 'signup-name');
      await check(s, page, 'invite', found);

      await page.goto(`${server.url}/no/such/page`, { waitUntil: 'domcontentloaded' });
      await page.locator('main h1').first().waitFor({ state: 'visible' });
      await check(s, page, 'not-found', found);

      expectClean(found);
    }));

  test('A11Y2 the signed-in pages are axe-clean: board list, new board, a board with a point open, the members panel, not a member, an archived board', () =>
    scene('A11Y2', async (s) => {
      const found: string[] = [];
      const owner = await s.add(signInWithDemoLink(browser, demoLink(server, 'owner'), { label: 'owner' }));
      const page = owner.page;
      // Members of every kind in the members panel: an observer ("No stakeholder") and a
      // delegate of the light-coloured stakeholder (Ukraine's ochre avatar).
      for (const [role, sid] of [
        ['observer', null],
        ['delegate', 'ukraine'],
      ] as const) {
        const name = marker(`A11y ${role}`);
        const member = await s.add(newPerson(browser, `member-${role}`));
        await signUpViaApi(member, server, name, `${name.toLowerCase().replace(/\s+/g, '.')}@example.test`);
        await acceptInviteViaApi(member, server, await createInviteViaApi(owner, server, role, sid));
      }

      const pointId = await nthPointId(page, 2);
      await selectPoint(page, pointId);
      await check(s, page, 'board-point-open', found);

      await tid(page, 'members-open').click();
      await waitVisible(page, 'members-panel');
      await page.locator('[data-testid="member-row"][data-role="observer"]').first().waitFor({ state: 'visible' });
      await check(s, page, 'members-panel', found);
      await page.keyboard.press('Escape');

      await page.goto(`${server.url}/`, { waitUntil: 'domcontentloaded' });
      await waitVisible(page, 'board-item');
      await check(s, page, 'board-list', found);

      await page.goto(`${server.url}/new`, { waitUntil: 'domcontentloaded' });
      await waitVisible(page, 'new-board-form');
      await check(s, page, 'new-board', found);
      await tid(page, 'new-board-submit').click();
      await waitVisible(page, 'new-board-title-error');
      await check(s, page, 'new-board-errors', found);

      // Someone on no board: the empty list, and a board they are not on.
      const name = marker('Stranger');
      const stranger = await s.add(newPerson(browser, 'stranger'));
      await signUpViaApi(stranger, server, name, `${name.toLowerCase()}@example.test`);
      await stranger.page.goto(`${server.url}/`, { waitUntil: 'domcontentloaded' });
      await waitVisible(stranger.page, 'board-new');
      await check(s, stranger.page, 'board-list-empty', found);
      await stranger.page.goto(`${server.url}/b/demo`, { waitUntil: 'domcontentloaded' });
      await stranger.page.locator('main h1').first().waitFor({ state: 'visible' });
      await until(
        () => stranger.page.locator('main h1').first().textContent(),
        (t) => !!t && !/loading/i.test(t),
        'the not-a-member page',
      );
      await check(s, stranger.page, 'not-a-member', found);

      // A board of the stranger's own, archived: the read-only notice.
      const created = await stranger.context.request.post(`${server.url}/api/boards/import`, {
        headers: { 'content-type': 'text/markdown' },
        data: '# An archived plan\n\n## Security\n\n1. **Ceasefire**\n   Both sides hold their positions.\n',
      });
      expect(created.status(), await created.text()).toBe(201);
      const boardId = ((await created.json()) as { id: string }).id;
      const archived = await stranger.context.request.patch(`${server.url}/api/boards/${boardId}`, {
        data: { archived: true },
      });
      expect(archived.status()).toBe(200);
      await stranger.page.goto(`${server.url}/b/${boardId}`, { waitUntil: 'domcontentloaded' });
      await waitForBoard(stranger.page, 1);
      await waitVisible(stranger.page, 'board-archived');
      await check(s, stranger.page, 'archived-board', found);

      expectClean(found);
    }));

  test('A11Y3 at phone width the board with a point open, the members panel and the board list are axe-clean, also for a delegate', () =>
    scene('A11Y3', async (s) => {
      const found: string[] = [];
      const owner = await s.add(
        signInWithDemoLink(browser, demoLink(server, 'owner'), { label: 'owner-phone', viewport: PHONE }),
      );
      // On a phone the list is folded away: open the point by its address.
      const pointId = await nthPointId(owner.page, 4);
      await owner.page.goto(`${server.url}/b/demo?point=${pointId}`, { waitUntil: 'domcontentloaded' });
      await waitForBoard(owner.page);
      await owner.page.locator(`[data-testid="point-panel"][data-point-id="${pointId}"]`).waitFor({ state: 'visible' });
      await check(s, owner.page, 'phone-board-point-open', found);
      await tid(owner.page, 'members-open').click();
      await waitVisible(owner.page, 'members-panel');
      await tid(owner.page, 'member-row').first().waitFor({ state: 'visible' });
      await check(s, owner.page, 'phone-members-panel', found);
      await owner.page.goto(`${server.url}/`, { waitUntil: 'domcontentloaded' });
      await waitVisible(owner.page, 'board-item');
      await check(s, owner.page, 'phone-board-list', found);

      const delegate = await s.add(
        signInWithDemoLink(browser, demoLink(server, 'delegate', 'ukraine'), { label: 'ukraine' }),
      );
      await selectPoint(delegate.page, pointId);
      await waitForBoard(delegate.page);
      await check(s, delegate.page, 'delegate-board-point-open', found);

      expectClean(found);
    }));
});
