/**
 * End-to-end: two people on the demo board, live. One real server (fresh data dir), one
 * headless Chromium, two isolated browser contexts, each signed in through the demo's
 * one-click sign-in links:
 *   A = the demo owner (United States): may edit plan text and set the US position,
 *   B = the Ukraine delegate.
 * Every step is checked by polling the DOM (never fixed sleeps) and screenshotted for both
 * windows into test/artifacts/.
 *
 * The tests in this file run in order and build on each other (E2E2 leaves both windows on
 * the same point, E2E3 creates the thread E2E4 replies to, ...).
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { STANCE_LABEL } from '@parley/shared/model';
import { describe, expect, test } from 'vitest';
import { PHONE, screenshot, typeInCodeMirror } from '../helpers/browser.ts';
import {
  LIVE_TIMEOUT,
  demoLink,
  marker,
  nthPointId,
  openThread,
  poll,
  selectPoint,
  signInWithDemoLink,
  threadById,
  tid,
} from '../helpers/people.ts';
import type { RunningServer } from '../helpers/server.ts';
import { e2eSharedStage } from '../helpers/stage.ts';

/** Display names of the demo people (server/src/seed/demoAccounts.ts). */
const A_NAME = 'Demo owner';
const B_NAME = 'Ukraine delegate';

let server: RunningServer;
let browser: Browser;
let A: Page;
let B: Page;

const { keep, shot } = e2eSharedStage(
  [
    { label: 'A owner', role: 'owner' },
    { label: 'B ukraine', role: 'delegate', stakeholderId: 'ukraine' },
  ],
  (started) =>
    ({
      server,
      browser,
      pages: [A, B],
    } = started),
);

const panel = (page: Page) => tid(page, 'point-panel');

let pointId = ''; // the point E2E2..E2E5 work on
let threadId = ''; // the thread E2E3 creates and E2E4 resolves

describe('board live (two windows)', () => {
  test('E2E1 both windows (signed in by demo links) load the demo board: 28 points, demo label, all saved, their role', async () => {
    for (const page of [A, B]) {
      await poll(() => tid(page, 'point-item').count(), 'point-item count').toBe(28);
      await tid(page, 'demo-label').waitFor({ state: 'visible' });
      await poll(() => tid(page, 'status-badge').getAttribute('data-status'), 'status badge').toBe('saved');
      await poll(async () => (await tid(page, 'board-title').textContent())?.trim() ?? '').not.toBe('');
      await poll(() => tid(page, 'category').count(), 'category count').toBe(4);
    }
    // The identity comes from the session the sign-in link started, not from the URL.
    expect(await tid(A, 'current-user').getAttribute('data-role')).toBe('owner');
    expect(await tid(A, 'current-user').getAttribute('data-stakeholder-id')).toBe('us');
    expect(await tid(B, 'current-user').getAttribute('data-role')).toBe('delegate');
    expect(await tid(B, 'current-user').getAttribute('data-stakeholder-id')).toBe('ukraine');
    await shot('E2E1', 'loaded');
  });

  test('E2E2 A edits a point body and B sees the text live', async () => {
    const first = tid(A, 'point-item').first();
    pointId = (await first.getAttribute('data-point-id')) ?? '';
    expect(pointId).not.toBe('');
    await selectPoint(A, pointId);
    await selectPoint(B, pointId);
    await poll(async () => (await tid(panel(A), 'point-number').textContent())?.trim()).toBe(
      (await first.getAttribute('data-number')) ?? '',
    );
    const bodyB = tid(panel(B), 'point-body').locator('.cm-content');
    await poll(() => bodyB.textContent()).toContain('Working text for');
    await shot('E2E2', 'selected');

    const text = ` ${marker('Owner-edit')}`;
    await typeInCodeMirror(A, tid(panel(A), 'point-body'), text);
    await poll(() => tid(panel(A), 'point-body').locator('.cm-content').textContent()).toContain(text.trim());
    await poll(() => bodyB.textContent(), 'B sees A typing').toContain(text.trim());
    await shot('E2E2', 'edited');
  });

  test('E2E3 B opens a thread and A sees it', async () => {
    const text = marker('Ukraine-question');
    await tid(panel(B), 'thread-new').click();
    await tid(panel(B), 'thread-new-body').fill(`Can we clarify this? ${text}`);
    await tid(panel(B), 'thread-new-submit').click();

    const threadB = tid(panel(B), 'thread').filter({ hasText: text });
    await threadB.waitFor({ state: 'visible' });
    threadId = (await threadB.getAttribute('data-thread-id')) ?? '';
    expect(threadId).not.toBe('');
    expect(await threadB.getAttribute('data-resolved')).toBe('false');

    const threadA = threadById(A, threadId);
    await threadA.waitFor({ state: 'visible', timeout: LIVE_TIMEOUT });
    await poll(() => tid(threadA, 'comment-body').first().textContent()).toContain(text);
    await poll(() => tid(threadA, 'comment-author').first().textContent()).toContain(B_NAME);
    expect(await threadA.getAttribute('data-resolved')).toBe('false');
    await shot('E2E3', 'thread-opened');
  });

  test('E2E4 B replies and A sees it; A resolves and B sees the thread resolved', async () => {
    const reply = marker('Ukraine-reply');
    const threadB = threadById(B, threadId);
    await tid(threadB, 'thread-reply-body').fill(`Following up: ${reply}`);
    await tid(threadB, 'thread-reply-submit').click();
    await poll(() => tid(threadB, 'comment').count()).toBe(2);

    const threadA = threadById(A, threadId);
    await poll(() => tid(threadA, 'comment').count(), 'A sees the reply').toBe(2);
    await poll(() => tid(threadA, 'comment-body').nth(1).textContent()).toContain(reply);
    await shot('E2E4', 'replied');

    const resolveA = tid(threadA, 'thread-resolve');
    expect((await resolveA.textContent())?.trim()).toBe('Resolve');
    await resolveA.click();
    await poll(() => threadA.getAttribute('data-resolved')).toBe('true');
    await poll(() => threadB.getAttribute('data-resolved'), 'B sees the thread resolved').toBe('true');
    await poll(async () => (await tid(threadB, 'thread-resolve').textContent())?.trim()).toBe('Reopen');
    await shot('E2E4', 'resolved');
  });

  test('E2E5 A sets the US position with a rationale and B sees it', async () => {
    const rationale = marker('US-rationale');
    const label = STANCE_LABEL['support-with-changes'];
    const rowA = panel(A).locator('[data-testid="position-row"][data-stakeholder-id="us"]');
    await tid(rowA, 'position-stance').selectOption('support-with-changes');
    await tid(rowA, 'position-rationale').fill(`Acceptable if the timeline is tightened. ${rationale}`);
    await tid(rowA, 'position-save').click();
    await poll(async () => (await tid(rowA, 'position-current').textContent())?.trim()).toBe(label);

    // B (Ukraine) sees the US stance and its rationale in the US row.
    const rowB = panel(B).locator('[data-testid="position-row"][data-stakeholder-id="us"]');
    await poll(async () => (await tid(rowB, 'position-current').textContent())?.trim(), 'B sees the US stance').toBe(
      label,
    );
    await poll(() => rowB.textContent(), 'B sees the US rationale').toContain(rationale);
    // B cannot edit another delegation's position.
    expect(await tid(rowB, 'position-stance').count()).toBe(0);
    await shot('E2E5', 'position-set');
  });

  test('E2E6 presence: each window lists the other person and shows them on the point they look at', async () => {
    const inList = (page: Page, name: string) =>
      tid(tid(page, 'presence-list'), 'presence-user').and(page.locator(`[title*="${name}"]`));
    await inList(A, B_NAME).waitFor({ state: 'visible', timeout: LIVE_TIMEOUT });
    await inList(B, A_NAME).waitFor({ state: 'visible', timeout: LIVE_TIMEOUT });
    // Distinct people get distinct ids.
    const idA = await inList(B, A_NAME).getAttribute('data-user-id');
    const idB = await inList(A, B_NAME).getAttribute('data-user-id');
    expect(idA).toBeTruthy();
    expect(idB).toBeTruthy();
    expect(idA).not.toBe(idB);
    // Both look at the E2E2 point: its list item shows the other person as a viewer.
    const viewer = (page: Page, userId: string) =>
      page.locator(
        `[data-testid="point-item"][data-point-id="${pointId}"] [data-testid="point-viewer"][data-user-id="${userId}"]`,
      );
    await viewer(A, idB!).waitFor({ state: 'visible', timeout: LIVE_TIMEOUT });
    await viewer(B, idA!).waitFor({ state: 'visible', timeout: LIVE_TIMEOUT });
    await shot('E2E6', 'presence');
  });

  test('E2E15 a long thread shows its opening and latest comments; new replies land below the fold; "Show earlier replies" reveals the rest in order', async () => {
    const tag = marker('long');
    const longId = await openThread(panel(B), `Long discussion ${tag}`);
    const threadB = threadById(B, longId);
    const reply = async (n: number) => {
      await tid(threadB, 'thread-reply-body').fill(`Reply ${n} ${tag}`);
      await tid(threadB, 'thread-reply-submit').click();
      await poll(() => tid(threadB, 'comment').count()).toBe(n + 1);
    };
    for (let n = 1; n <= 7; n++) await reply(n);
    // B had the thread on screen as it grew: nothing it was showing folded away.
    expect(await tid(threadB, 'thread-show-earlier').count()).toBe(0);

    // A opens the point afresh: the opening comment, a fold for replies 1-4, replies 5-7.
    const first = await nthPointId(A, 0);
    await selectPoint(A, first === pointId ? await nthPointId(A, 1) : first);
    await selectPoint(A, pointId);
    const threadA = threadById(A, longId);
    const bodies = () => tid(threadA, 'comment-body').allTextContents();
    await poll(bodies, 'A sees the folded thread').toEqual([
      `Long discussion ${tag}`,
      `Reply 5 ${tag}`,
      `Reply 6 ${tag}`,
      `Reply 7 ${tag}`,
    ]);
    const fold = tid(threadA, 'thread-show-earlier');
    expect((await fold.textContent())?.trim()).toBe('Show 4 earlier replies');
    await shot('E2E15', 'folded');

    // A reply arriving live goes below the fold; the fold still stands for the same four.
    await reply(8);
    await poll(bodies, 'A sees reply 8 below the fold').toEqual([
      `Long discussion ${tag}`,
      `Reply 5 ${tag}`,
      `Reply 6 ${tag}`,
      `Reply 7 ${tag}`,
      `Reply 8 ${tag}`,
    ]);
    expect((await fold.textContent())?.trim()).toBe('Show 4 earlier replies');

    await fold.click();
    const all = [`Long discussion ${tag}`, ...Array.from({ length: 8 }, (_, i) => `Reply ${i + 1} ${tag}`)];
    await poll(bodies, 'A sees the whole conversation').toEqual(all);
    expect(await tid(threadB, 'comment-body').allTextContents()).toEqual(all);
    expect(await fold.count()).toBe(0);
    // Keyboard focus stays in the conversation, on the first revealed reply.
    expect(await threadA.evaluate((el) => el.contains(document.activeElement))).toBe(true);
    await shot('E2E15', 'unfolded');
  });

  test('E2E7 the board is usable at phone width (390x844): list and panel reachable, no horizontal scroll', async () => {
    const phone = await keep(
      signInWithDemoLink(browser, demoLink(server, 'delegate', 'europe'), { viewport: PHONE, label: 'phone europe' }),
    );
    const page = phone.page;
    const noHorizontalScroll = async (where: string) =>
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth),
        `horizontal scroll (${where})`,
      ).toBeLessThanOrEqual(PHONE.width);
    const panelFits = async (pointIdShown: string) => {
      const phonePanel = page.locator(`[data-testid="point-panel"][data-point-id="${pointIdShown}"]`);
      await phonePanel.waitFor({ state: 'visible' });
      await tid(phonePanel, 'point-body').locator('.cm-content').waitFor({ state: 'visible' });
      const box = await phonePanel.boundingBox();
      expect(box).not.toBeNull();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width + 1);
      return phonePanel;
    };
    /** Makes a point-item visible: on a phone the list is folded behind `point-list-toggle`. */
    const revealInList = async (item: Locator) => {
      if (!(await item.isVisible())) await tid(page, 'point-list-toggle').click();
      await item.scrollIntoViewIfNeeded();
      await item.waitFor({ state: 'visible' });
    };
    const itemById = (id: string) => page.locator(`[data-testid="point-item"][data-point-id="${id}"]`);

    await poll(() => tid(page, 'point-item').count()).toBe(28);
    await poll(() => tid(page, 'status-badge').getAttribute('data-status')).toBe('saved');
    await tid(page, 'point-panel').waitFor({ state: 'visible' });
    await noHorizontalScroll('initial');
    await screenshot(page, 'E2E7', 'phone-initial');

    // The list is reachable, and picking a point shows its panel.
    const second = tid(page, 'point-item').nth(1);
    const secondId = (await second.getAttribute('data-point-id')) ?? '';
    await revealInList(second);
    await noHorizontalScroll('list open');
    await screenshot(page, 'E2E7', 'phone-list');
    await second.click();
    await panelFits(secondId);
    await noHorizontalScroll('second point');
    await screenshot(page, 'E2E7', 'phone-panel');

    // Back to the point worked on above: its edit and thread are visible on the phone too.
    await revealInList(itemById(pointId));
    await itemById(pointId).click();
    const phonePanel = await panelFits(pointId);
    await poll(() => tid(phonePanel, 'point-body').locator('.cm-content').textContent()).toContain('Owner-edit-');
    await poll(() => phonePanel.locator(`[data-testid="thread"][data-thread-id="${threadId}"]`).count()).toBe(1);
    await noHorizontalScroll('edited point');
    await screenshot(page, 'E2E7', 'phone-edited-point');
  });
});
