/**
 * End-to-end: notifications and the live board list, in two browser contexts at once. One
 * real server (fresh data dir) and one headless Chromium for the file; each test opens its
 * own contexts (signed in through the demo's one-click links) and closes them at its end.
 *
 * E2E49: B @mentions A in a comment; A's bell counts it live on both of A's devices (and
 * the board list's badge), A opens it and lands on the thread, in view, and the other device
 * shows it read. E2E50: the board list follows a rename and who opens the board, live.
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { PHONE } from '../helpers/browser.ts';
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
import { e2eStage } from '../helpers/stage.ts';
import { axeViolations, describeViolations } from '../helpers/axe.ts';

let server: RunningServer;
let browser: Browser;
const { scene } = e2eStage((started) => ({ server, browser } = started));

/** Display names of the demo people (server/src/seed/demoAccounts.ts). */
const OWNER_NAME = 'Demo owner';
const UKRAINE_NAME = 'Ukraine delegate';

const bell = (page: Page) => tid(page, 'notifications-bell');
const bellLabel = (page: Page) => bell(page).getAttribute('aria-label');

async function userId(page: Page): Promise<string> {
  const res = await page.context().request.get(`${server.url}/api/auth/me`);
  expect(res.status()).toBe(200);
  return ((await res.json()) as { user: { id: string } }).user.id;
}

/** Whether the element is wholly inside the page's viewport. */
async function inViewport(page: Page, el: Locator): Promise<boolean> {
  const box = await el.boundingBox();
  const view = page.viewportSize();
  if (!box || !view) return false;
  // The header is sticky: the element must be below it, not under it.
  const header =
    (await tid(page, 'notifications-bell').evaluate((b) => b.closest('header')?.getBoundingClientRect().bottom)) ?? 0;
  return box.y >= header - 1 && box.y + Math.min(box.height, view.height - header) <= view.height + 1 && box.height > 0;
}

/**
 * B opens a thread on the point shown that @mentions A, in the composer: "@" and the start
 * of A's name, A chosen from the suggestions, then the text.
 */
async function mentionInNewThread(page: Page, pointId: string, aUserId: string, text: string): Promise<string> {
  const panel = await selectPoint(page, pointId);
  await tid(panel, 'thread-new').click();
  const body = tid(panel, 'thread-new-body');
  await body.pressSequentially('@Demo o');
  await panel.locator(`[data-testid="mention-option"][data-user-id="${aUserId}"]`).click();
  await body.pressSequentially(`can the US side confirm the dates? ${text}`);
  await tid(panel, 'thread-new-submit').click();
  const thread = tid(panel, 'thread').filter({ hasText: text });
  await thread.waitFor({ state: 'visible' });
  return (await thread.getAttribute('data-thread-id')) ?? '';
}

describe('e2e: notifications and the live board list', () => {
  test('E2E49 B @mentions A in a comment: A’s bell counts it live on A’s desktop and phone, the notification lands A on the thread in view, and it shows read on the phone, whose notification then opens the board at the thread too; put away and opened again, the phone shows what it missed, once', () =>
    scene('E2E49', async (s) => {
      const A = await s.add(signInWithDemoLink(browser, demoLink(server, 'owner'), { label: 'A-owner' }));
      const B = await s.add(
        signInWithDemoLink(browser, demoLink(server, 'delegate', 'ukraine'), { label: 'B-ukraine' }),
      );
      // A's phone: another session of the same person, on the board list.
      const phone = await s.add(
        signInWithDemoLink(browser, demoLink(server, 'owner'), { label: 'A-phone', viewport: PHONE }),
      );
      const A2 = phone.page;
      await A2.goto(`${server.url}/`, { waitUntil: 'domcontentloaded' });
      await tid(A2, 'board-link').first().waitFor();
      await poll(() => bellLabel(A.page), 'A starts with nothing unread').toBe('Notifications, none unread');
      await poll(() => bellLabel(A2), 'A’s phone too').toBe('Notifications, none unread');

      // A reads the first point; B comments on a point further down the list.
      await selectPoint(A.page, await nthPointId(A.page, 0));
      const pointId = await nthPointId(B.page, 9);
      const pointNumber = await tid(B.page, 'point-item').nth(9).getAttribute('data-number');
      const text = marker('Mention');
      const aId = await userId(A.page);
      const threadId = await mentionInNewThread(B.page, pointId, aId, text);
      expect(threadId).not.toBe('');
      // Live, without a reload: the badge on both devices and the board's badge on the list.
      await poll(() => bellLabel(A.page), 'A’s bell counts the mention').toBe('Notifications, 1 unread');
      await poll(() => bellLabel(A2), 'A’s phone counts it too').toBe('Notifications, 1 unread');
      await poll(
        () =>
          A2.locator('[data-testid="board-item"][data-board-id="demo"] [data-testid="board-unread"]').getAttribute(
            'data-unread',
          ),
        'the board list’s badge',
      ).toBe('1');
      // B is not told of B's own comment.
      expect(await bellLabel(B.page)).toBe('Notifications, none unread');
      await s.shot('badge');

      // A opens the bell: the mention, unread, who and what, with the comment's excerpt.
      await bell(A.page).click();
      const panel = tid(A.page, 'notifications-panel');
      await panel.waitFor();
      expect(await bell(A.page).getAttribute('aria-expanded')).toBe('true');
      const item = tid(panel, 'notification').first();
      expect(await item.getAttribute('data-unread')).toBe('true');
      expect(await item.getAttribute('data-kind')).toBe('mention');
      const said = (await tid(item, 'notification-text').textContent())?.replace(/\s+/g, ' ').trim();
      expect(said).toMatch(new RegExp(`^Unread: ${UKRAINE_NAME} mentioned you in a thread on point ${pointNumber}$`));
      expect(await tid(item, 'notification-excerpt').first().textContent()).toContain(text);
      const violations = await axeViolations(A.page);
      expect(violations, describeViolations(violations)).toEqual([]);
      await s.shot('panel');
      // Escape closes it and gives focus back to the bell.
      await A.page.keyboard.press('Escape');
      await panel.waitFor({ state: 'detached' });
      expect(await bell(A.page).evaluate((el) => el === document.activeElement)).toBe(true);

      // Opened by keyboard, the notification lands A on the thread, scrolled into view.
      await A.page.keyboard.press('Enter');
      await panel.waitFor();
      await item.click();
      await A.page.waitForURL((url) => url.searchParams.get('point') === pointId && url.searchParams.has('thread'));
      expect(new URL(A.page.url()).searchParams.get('thread')).toBe(threadId);
      const thread = threadById(A.page, threadId);
      await thread.waitFor({ state: 'visible', timeout: LIVE_TIMEOUT });
      expect(await thread.textContent()).toContain(text);
      await poll(() => inViewport(A.page, thread), 'the thread is in view').toBe(true);
      // And stays there once the point's editors have loaded.
      await A.page.waitForTimeout(1_500);
      expect(await inViewport(A.page, thread), 'the thread is still in view').toBe(true);
      await poll(() => thread.evaluate((el) => el === document.activeElement), 'focus is on the thread').toBe(true);
      await poll(() => bellLabel(A.page), 'read').toBe('Notifications, none unread');
      await s.shot('landed');

      // Read on every device: A's other tab, without a reload.
      await poll(() => bellLabel(A2), 'read on A’s phone').toBe('Notifications, none unread');
      await poll(
        () => A2.locator('[data-testid="board-item"][data-board-id="demo"] [data-testid="board-unread"]').count(),
        'the board list’s badge goes',
      ).toBe(0);
      await bell(A2).click();
      const item2 = tid(tid(A2, 'notifications-panel'), 'notification').first();
      await poll(() => item2.getAttribute('data-unread'), 'shown read').toBe('false');
      await s.shot('read-elsewhere');

      // From the board list, at phone width: the board opens at the thread, which stays in view.
      await item2.click();
      await A2.waitForURL((url) => url.searchParams.get('thread') === threadId);
      const thread2 = threadById(A2, threadId);
      await thread2.waitFor({ state: 'visible', timeout: LIVE_TIMEOUT });
      await poll(() => inViewport(A2, thread2), 'the thread is in view on the phone').toBe(true);
      await A2.waitForTimeout(1_500);
      expect(await inViewport(A2, thread2), 'the thread is still in view on the phone').toBe(true);
      await s.shot('landed-phone');

      // The phone is put away; B mentions A again meanwhile. Opened again, the phone shows
      // what it missed, once, as the desktop (live all along) does.
      await A2.close();
      const missed = marker('Missed');
      const replyB = tid(threadById(B.page, threadId), 'thread-reply-body');
      await replyB.pressSequentially('@Demo o');
      await B.page.locator(`[data-testid="mention-option"][data-user-id="${aId}"]`).click();
      await replyB.pressSequentially(`one more thing: ${missed}`);
      await tid(threadById(B.page, threadId), 'thread-reply-submit').click();
      await poll(() => bellLabel(A.page), 'the desktop is told live').toBe('Notifications, 1 unread');
      const back = await phone.context.newPage();
      await back.goto(`${server.url}/`, { waitUntil: 'domcontentloaded' });
      await poll(() => bellLabel(back), 'the phone catches up').toBe('Notifications, 1 unread');
      await bell(back).click();
      const listed = tid(tid(back, 'notifications-panel'), 'notification');
      await poll(() => listed.filter({ hasText: missed }).count(), 'listed once').toBe(1);
      expect(await listed.count(), 'each notification once').toBe(2);
    }));

  test('E2E50 the board list is live: an owner’s rename shows in a member’s list at once, and so does the owner opening the board (online, by name)', () =>
    scene('E2E50', async (s) => {
      const owner = await s.add(signInWithDemoLink(browser, demoLink(server, 'owner'), { label: 'B-owner' }));
      const member = await s.add(
        signInWithDemoLink(browser, demoLink(server, 'delegate', 'ukraine'), { label: 'A-ukraine' }),
      );
      const ownerId = await userId(owner.page);
      // Both on their board lists: nobody has the demo board open.
      for (const page of [owner.page, member.page]) {
        await page.goto(`${server.url}/`, { waitUntil: 'domcontentloaded' });
        await tid(page, 'board-link').first().waitFor();
      }
      const item = member.page.locator('[data-testid="board-item"][data-board-id="demo"]');
      await poll(() => tid(item, 'board-online').count(), 'nobody is online on the board').toBe(0);

      // The owner renames the board from their list; the member's list follows, unreloaded.
      const title = marker('Renamed board');
      const ownerItem = owner.page.locator('[data-testid="board-item"][data-board-id="demo"]');
      await tid(ownerItem, 'board-rename').click();
      await tid(ownerItem, 'board-rename-title').fill(title);
      await tid(ownerItem, 'board-rename-submit').click();
      await poll(async () => (await item.locator('.title').textContent())?.trim(), 'the rename shows live').toBe(title);
      await s.shot('renamed');

      // The owner opens the board: the member's list shows them online, by name.
      await tid(ownerItem, 'board-link').click();
      await owner.page.waitForURL(/\/b\/demo(\?|$)/);
      const online = tid(item, 'board-online');
      await poll(() => online.getAttribute('data-user-ids'), 'the owner is online').toBe(ownerId);
      expect((await online.textContent())?.replace(/\s+/g, ' ')).toContain(`Online now: ${OWNER_NAME}`);
      const violations = await axeViolations(member.page);
      expect(violations, describeViolations(violations)).toEqual([]);
      await s.shot('online');

      // And leaves again: no longer online.
      await owner.page.goto(`${server.url}/`, { waitUntil: 'domcontentloaded' });
      await poll(() => online.count(), 'the owner has left').toBe(0);
    }));

  test('E2E51 the board’s activity feed lists what happened newest first and follows it live: B’s new thread and reply show on top of A’s open feed, and an entry opens its thread; “Mark all read” clears a later mention', () =>
    scene('E2E51', async (s) => {
      const A = await s.add(signInWithDemoLink(browser, demoLink(server, 'owner'), { label: 'A-owner' }));
      const B = await s.add(
        signInWithDemoLink(browser, demoLink(server, 'delegate', 'ukraine'), { label: 'B-ukraine' }),
      );
      await tid(A.page, 'activity-open').click();
      const feed = tid(A.page, 'activity-panel');
      await feed.waitFor();
      await poll(async () => (await tid(feed, 'activity-loading').count()) === 0, 'the feed has loaded').toBe(true);
      const before = await tid(feed, 'activity-entry').count();

      // B opens a thread: it shows on top of A's feed, live, under its point.
      const pointId = await nthPointId(B.page, 2);
      const text = marker('Activity');
      const panel = await selectPoint(B.page, pointId);
      const threadId = await openThread(panel, `Who chairs the working group? ${text}`);
      const top = tid(feed, 'activity-entry').first();
      await poll(() => top.textContent(), 'the new thread is on top').toContain(text);
      expect(await top.getAttribute('data-point-id')).toBe(pointId);
      expect(await tid(feed, 'activity-entry').count()).toBe(before + 1);

      // B replies: a second entry on top, live.
      const thread = threadById(B.page, threadId);
      await tid(thread, 'thread-reply-body').fill(`The Swiss offered. ${marker('reply')}`);
      await tid(thread, 'thread-reply-submit').click();
      await poll(() => tid(feed, 'activity-entry').count(), 'the reply is listed').toBe(before + 2);
      expect(await tid(feed, 'history-entry').first().getAttribute('data-kind')).toBe('comment');
      const violations = await axeViolations(A.page);
      expect(violations, describeViolations(violations)).toEqual([]);
      await s.shot('feed');

      // An entry opens its point at the thread, which lands in view; the sheet closes.
      await top.locator('a').first().click();
      await feed.waitFor({ state: 'detached' });
      await A.page.waitForURL((url) => url.searchParams.get('thread') === threadId);
      const landed = threadById(A.page, threadId);
      await landed.waitFor({ state: 'visible' });
      await poll(() => inViewport(A.page, landed), 'the thread is in view').toBe(true);

      // B mentions A in another reply: A's bell counts it; "Mark all read" clears it, in place.
      const mention = marker('Mention-all');
      const reply = tid(thread, 'thread-reply-body');
      await reply.pressSequentially('@Demo o');
      await thread.locator(`[data-testid="mention-option"][data-user-id="${await userId(A.page)}"]`).click();
      await reply.pressSequentially(`what do you think? ${mention}`);
      await tid(thread, 'thread-reply-submit').click();
      await poll(() => bellLabel(A.page), 'A is told').toBe('Notifications, 1 unread');
      await bell(A.page).click();
      const inbox = tid(A.page, 'notifications-panel');
      const first = tid(inbox, 'notification').first();
      expect(await first.getAttribute('data-unread')).toBe('true');
      expect(await tid(first, 'notification-excerpt').first().textContent()).toContain(mention);
      await tid(inbox, 'notifications-read-all').click();
      await poll(() => bellLabel(A.page), 'all read').toBe('Notifications, none unread');
      expect(await first.getAttribute('data-unread')).toBe('false');
      expect(await tid(inbox, 'notifications-read-all').isDisabled()).toBe(true);
    }));
});
