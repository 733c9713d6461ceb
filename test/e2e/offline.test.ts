/**
 * End-to-end: offline first. One real server (fresh data dir), one headless Chromium, and a
 * browser context per person, signed in through the demo's one-click links:
 *   A = the "Drafting editor" (may edit plan text and comment),
 *   B = the demo owner (may edit the same point's text).
 *
 * The app learns about the network from the window `offline` / `online` events, which
 * Chromium fires for `BrowserContext.setOffline` (helpers/offline.ts falls back to
 * dispatching them by hand, and says so in the log). Reloading offline relies on the
 * service worker (precached app shell) and on the IndexedDB copy of the board.
 *
 * Every step is checked by polling (never fixed sleeps) and screenshotted into
 * test/artifacts/ (`E2E13-…`, `E2E14-…`). The tests are independent: each works on its own
 * point of the demo board and opens (and closes) its own contexts.
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { typeInCodeMirror } from '../helpers/browser.ts';
import {
  badgeRecords,
  badgeState,
  goOffline,
  goOnline,
  routeSavedAcks,
  startBadgeRecorder,
  waitForSaved,
  waitForServiceWorker,
} from '../helpers/offline.ts';
import {
  LIVE_TIMEOUT,
  demoLink,
  editorText,
  expectCurrentUser,
  marker,
  newPerson,
  nthPointId,
  openThread,
  poll,
  selectPoint,
  signInWithDemoLink,
  tid,
  until,
  waitForBoard,
} from '../helpers/people.ts';
import type { RunningServer } from '../helpers/server.ts';
import { e2eStage } from '../helpers/stage.ts';

/** Display names of the demo people (server/src/seed/demoAccounts.ts). */
const A_NAME = 'Drafting editor';

/** Resync after coming back online: reconnect backoff, sync, durable acks. */
const RESYNC_TIMEOUT = 45_000;

let server: RunningServer;
let browser: Browser;
const { scene } = e2eStage((started) => ({ server, browser } = started));

const panelOf = (page: Page, pointId: string) =>
  page.locator(`[data-testid="point-panel"][data-point-id="${pointId}"]`);
const bodyOf = (panel: Locator) => tid(panel, 'point-body').locator('.cm-content');

/** Every status the badge showed since the recorder started (helpers/offline.ts). */
const statusesSeen = async (page: Page) => (await badgeRecords(page)).map((r) => r.status);

describe('offline first', () => {
  test('E2E13 an editor works offline (text and a comment), reloads offline, and on reconnecting both edits merge and the conflict is shown', () =>
    scene('E2E13', async (s) => {
      const A = await s.add(signInWithDemoLink(browser, demoLink(server, 'editor', 'us'), { label: 'A-editor' }));
      const B = await s.add(signInWithDemoLink(browser, demoLink(server, 'owner'), { label: 'B-owner' }));
      const pointId = await nthPointId(A.page, 2);
      const panelA = await selectPoint(A.page, pointId);
      const panelB = await selectPoint(B.page, pointId);
      await waitForSaved(A.page, 'A before going offline');
      await waitForSaved(B.page, 'B before A goes offline');
      // The app shell must be precached before the network goes, or the reload cannot work.
      const worker = await waitForServiceWorker(A.page);
      console.info(`E2E13: A's page is controlled by ${worker}`);
      const bodyBefore = await editorText(bodyOf(panelA));
      expect(bodyBefore, 'the demo point has working text').toContain('Working text for');
      await s.shot('1-both-saved');

      // A goes offline: the badge says so at once (the open socket is dropped by the app).
      const offline = await goOffline(A.context, A.page);
      console.info(`E2E13: A's app noticed going offline via ${offline.via}; navigator.onLine=${offline.onLine}`);
      expect(offline.onLine, 'navigator.onLine in A while offline').toBe(false);
      expect((await badgeState(A.page)).connection).toBe('disconnected');
      await startBadgeRecorder(A.page);
      await s.shot('2-A-offline');

      // A edits the point's body and opens a thread, both offline.
      const markA = marker('DraftedOffline');
      await typeInCodeMirror(A.page, tid(panelA, 'point-body'), ` ${markA}`);
      await poll(() => editorText(bodyOf(panelA)), 'A sees its own offline edit').toContain(markA);
      const commentA = marker('OfflineComment');
      const threadId = await openThread(panelA, `Written on the train: ${commentA}`);
      const afterEdits = await until(
        () => badgeState(A.page),
        (b) => b.status === 'offline' && b.unsaved > 0,
        'A: badge offline with unsaved changes',
      );
      expect(afterEdits.label).toBe('Offline — unsaved changes kept on this device');
      expect(await statusesSeen(A.page), 'A never says saved while offline').not.toContain('saved');
      await s.shot('3-A-edited-offline');

      // A reloads, still offline: the service worker serves the shell, the board comes
      // back from the local copy with the edits, and the changes are still unsaved.
      A.page.on('dialog', (d) => void d.accept().catch(() => undefined));
      const reloaded = await A.page.reload({ waitUntil: 'domcontentloaded' });
      expect(reloaded?.ok(), 'the offline reload got a page').toBe(true);
      expect(reloaded?.fromServiceWorker(), 'the offline reload was answered by the service worker').toBe(true);
      await until(
        () => tid(A.page, 'point-item').count(),
        (n) => n === 28,
        'A after the offline reload: 28 point-items from the local copy',
      );
      await expectCurrentUser(A.page, 'editor', 'us');
      const panelA2 = panelOf(A.page, pointId);
      if (!(await panelA2.isVisible())) await selectPoint(A.page, pointId);
      await bodyOf(panelA2).waitFor({ state: 'visible' });
      await poll(() => editorText(bodyOf(panelA2)), 'A after reload: offline edit kept').toContain(markA);
      await poll(
        () => tid(panelA2, 'thread').filter({ hasText: commentA }).count(),
        'A after reload: offline comment kept',
      ).toBe(1);
      const afterReload = await until(
        () => badgeState(A.page),
        (b) => b.status === 'offline' && b.unsaved > 0,
        'A after reload: badge offline with unsaved changes',
      );
      expect(afterReload.unsaved, 'the unsaved count survives the reload').toBe(afterEdits.unsaved);
      expect(afterReload.label).toBe('Offline — unsaved changes kept on this device');
      expect(await A.page.evaluate(() => navigator.onLine)).toBe(false);
      await startBadgeRecorder(A.page);
      await s.shot('4-A-reloaded-offline');

      // Meanwhile B edits the same body; it reaches the server (B's badge says saved).
      const markB = marker('OwnerOnline');
      await typeInCodeMirror(B.page, tid(panelB, 'point-body'), ` ${markB}`);
      await poll(() => editorText(bodyOf(panelB)), 'B sees its own edit').toContain(markB);
      await waitForSaved(B.page, 'B after editing');
      expect(await editorText(bodyOf(panelB)), "B cannot see A's offline edit yet").not.toContain(markA);
      expect(await editorText(bodyOf(panelA2)), "A cannot see B's edit while offline").not.toContain(markB);
      const stillOffline = await badgeState(A.page);
      expect(stillOffline.status).toBe('offline');
      expect(stillOffline.unsaved).toBeGreaterThan(0);
      expect(await statusesSeen(A.page), 'A never said saved while offline after the reload').not.toContain('saved');
      await s.shot('5-B-edited-A-still-offline');

      // A comes back online: both converge, A is told what changed while away, and saved.
      await goOnline(A.context, A.page, offline.via);
      await poll(() => editorText(bodyOf(panelA2)), "A gets B's edit", RESYNC_TIMEOUT).toContain(markB);
      expect(await editorText(bodyOf(panelA2))).toContain(markA);
      await poll(() => editorText(bodyOf(panelB)), "B gets A's offline edit", RESYNC_TIMEOUT).toContain(markA);
      expect(await editorText(bodyOf(panelB))).toContain(markB);
      await poll(() => editorText(bodyOf(panelB)), 'both bodies converge').toBe(await editorText(bodyOf(panelA2)));
      const threadB = panelOf(B.page, pointId).locator(`[data-testid="thread"][data-thread-id="${threadId}"]`);
      await threadB.waitFor({ state: 'visible', timeout: RESYNC_TIMEOUT });
      await poll(() => tid(threadB, 'comment-body').first().textContent(), "B sees A's offline comment").toContain(
        commentA,
      );
      await poll(() => tid(threadB, 'comment-author').first().textContent()).toContain(A_NAME);

      const away = tid(A.page, 'away-summary');
      await away.waitFor({ state: 'visible', timeout: RESYNC_TIMEOUT });
      const textItem = away.locator(`[data-testid="away-item"][data-kind="text"][data-point-id="${pointId}"]`);
      await textItem.waitFor({ state: 'visible' });
      const conflict = away.locator(`[data-testid="away-conflict"][data-point-id="${pointId}"]`);
      await conflict.waitFor({ state: 'visible' });
      const bodyDiff = conflict.locator('[data-field="body"]');
      await bodyDiff.waitFor({ state: 'visible' });
      const inserted = (await bodyDiff.locator('ins').allTextContents()).join('');
      const deleted = (await bodyDiff.locator('del').allTextContents()).join('');
      expect(inserted, "the diff shows B's text as added by others").toContain(markB);
      expect(deleted, "nothing of A's text was removed").not.toContain(markA);
      expect(await bodyDiff.textContent(), "the diff is from A's version: A's text is in it").toContain(markA);

      await waitForSaved(A.page, 'A after coming back online', RESYNC_TIMEOUT);
      await waitForSaved(B.page, 'B after the merge', RESYNC_TIMEOUT);
      await s.shot('6-back-online-merged');

      // "Saved" was true: a fresh window (the owner again, new context) loads the merged
      // point and A's comment from the server.
      const C = await s.add(signInWithDemoLink(browser, demoLink(server, 'owner'), { label: 'C-fresh-owner' }));
      const panelC = await selectPoint(C.page, pointId);
      await poll(() => editorText(bodyOf(panelC)), 'a fresh window loads both edits').toContain(markA);
      expect(await editorText(bodyOf(panelC))).toContain(markB);
      await poll(() => tid(panelC, 'thread').filter({ hasText: commentA }).count()).toBe(1);
      await s.shot('7-fresh-window');
    }));

  test('E2E14 the badge is honest: "syncing" while the server\'s saved acks are held back, never "saved" while offline', () =>
    scene('E2E14', async (s) => {
      // The editor again, in a fresh context whose board websockets go through Playwright,
      // so the server's "saved" acknowledgements (message 100) can be held back.
      const A = await s.add(newPerson(browser, 'A-editor-routed'));
      const gate = await routeSavedAcks(A.page);
      const link = demoLink(server, 'editor', 'us');
      await A.page.goto(link.url, { waitUntil: 'domcontentloaded' });
      await A.page.waitForURL(/\/b\/demo(\?|$)/);
      await waitForBoard(A.page);
      await expectCurrentUser(A.page, 'editor', 'us');
      expect(gate.sockets, 'the board websocket is routed').toBeGreaterThan(0);
      expect(gate.acksSeen, 'the server acknowledged the first sync through the route').toBeGreaterThan(0);

      const pointId = await nthPointId(A.page, 3);
      const panel = await selectPoint(A.page, pointId);
      await waitForSaved(A.page, 'A before holding acks back');
      await s.shot('1-saved');

      // Hold the acks back and edit: the update reaches the server (which acknowledges it,
      // and the ack is dropped), but the badge must stay "syncing", never "saved".
      gate.hold = true;
      const droppedBefore = gate.acksDropped;
      await startBadgeRecorder(A.page);
      const held = marker('HeldAck');
      await typeInCodeMirror(A.page, tid(panel, 'point-body'), ` ${held}`);
      await poll(() => editorText(bodyOf(panel))).toContain(held);
      await until(
        () => gate.acksDropped,
        (n) => n > droppedBefore,
        'the server acknowledging the edit (ack dropped by the route)',
      );
      // Everything typed has been acknowledged by the server (the last ack was dropped
      // after the last keystroke went out): still "syncing".
      const acksAfterTyping = gate.acksDropped;
      await until(
        () => badgeState(A.page),
        (b) => b.status === 'syncing' && b.unsaved > 0,
        'badge "syncing" with unsaved changes while acks are held back',
      );
      // A second observation point: another edit is acknowledged (and dropped) too.
      await A.page.keyboard.type('!');
      await until(
        () => gate.acksDropped,
        (n) => n > acksAfterTyping,
        'a further ack (dropped)',
      );
      const whileHeld = await badgeState(A.page);
      expect(whileHeld.status, 'badge while acks are held back').toBe('syncing');
      expect(whileHeld.unsaved).toBeGreaterThan(0);
      expect(whileHeld.label).toBe('Syncing…');
      const heldRecords = await badgeRecords(A.page);
      expect(heldRecords[0], 'the recorder started on a saved board').toMatchObject({ status: 'saved', unsaved: '0' });
      expect(
        heldRecords.slice(1).map((r) => r.status),
        `never "saved" after the edit while acks are held back: ${JSON.stringify(heldRecords)}`,
      ).not.toContain('saved');
      await s.shot('2-acks-held-syncing');

      // Let acks through again: the next acknowledgement (for a later edit) settles it.
      gate.hold = false;
      const seenBeforeRelease = gate.acksSeen;
      await A.page.keyboard.type('?');
      await until(
        () => gate.acksSeen,
        (n) => n > seenBeforeRelease,
        'an ack after the release',
      );
      await waitForSaved(A.page, 'A once acks flow again');
      await s.shot('3-acks-released-saved');

      // Offline: after a local edit the badge says "offline" with the count, never "saved",
      // and only turns "saved" once reconnected and acknowledged.
      const offline = await goOffline(A.context, A.page);
      expect(offline.onLine).toBe(false);
      await startBadgeRecorder(A.page);
      const off = marker('OfflineEdit');
      await typeInCodeMirror(A.page, tid(panel, 'point-body'), ` ${off}`);
      await poll(() => editorText(bodyOf(panel))).toContain(off);
      const afterEdit = await until(
        () => badgeState(A.page),
        (b) => b.status === 'offline' && b.unsaved > 0,
        'badge offline with unsaved changes',
      );
      expect(afterEdit.label).toBe('Offline — unsaved changes kept on this device');
      // More offline work (a comment), still never "saved".
      const comment = marker('OfflineNote');
      await openThread(panel, comment);
      await until(
        () => badgeState(A.page),
        (b) => b.status === 'offline' && b.unsaved > afterEdit.unsaved,
        'the comment counted as another unsaved change',
      );
      expect(await statusesSeen(A.page), 'never "saved" while offline').not.toContain('saved');
      await s.shot('4-offline-unsaved');

      // Back online: "saved" only after reconnecting; the server has both.
      const seenBeforeOnline = gate.acksSeen;
      await goOnline(A.context, A.page, offline.via);
      await waitForSaved(A.page, 'A after reconnecting', RESYNC_TIMEOUT);
      expect(gate.acksSeen, 'saved came with a server acknowledgement').toBeGreaterThan(seenBeforeOnline);
      const records = await badgeRecords(A.page);
      const firstSaved = records.findIndex((r) => r.status === 'saved');
      const connectedBefore = records.slice(0, firstSaved).map((r) => r.status);
      expect(connectedBefore, 'the badge went through connecting/syncing before "saved"').toEqual(
        expect.arrayContaining(['offline']),
      );
      expect(connectedBefore.some((st) => st === 'connecting' || st === 'syncing')).toBe(true);
      await s.shot('5-online-saved');

      // A fresh window proves the server stored the offline work.
      const C = await s.add(signInWithDemoLink(browser, demoLink(server, 'owner'), { label: 'C-fresh-owner' }));
      const panelC = await selectPoint(C.page, pointId);
      await poll(() => editorText(bodyOf(panelC)), 'the server has the offline edit', LIVE_TIMEOUT).toContain(off);
      expect(await editorText(bodyOf(panelC))).toContain(held);
      await poll(() => tid(panelC, 'thread').filter({ hasText: comment }).count()).toBe(1);
      await s.shot('6-fresh-window');
    }));
});
