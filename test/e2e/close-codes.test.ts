/**
 * End-to-end: what the page does when the server closes its websocket, and when this
 * browser cannot keep a local copy. One real server for the file (fresh data dir, started
 * with PARLEY_FAULT_PRECOMMIT_MARKER so a raw client can make the room fail closed), a
 * second one with tiny message limits for the rate-limit story, and one headless Chromium.
 * Every page records its websockets' close codes (helpers/pageSockets.ts), so each story can
 * tell that the close it is about really happened, and that the page got over it by itself
 * (the same document: never reloaded by the test).
 *
 * - E2E17 4403 forbidden update: a Ukraine delegate is demoted to observer while offline
 *   with a comment pending; on reconnect the server refuses it, the page says so, drops it
 *   and reloads the board; the third refusal within a minute stops with "Start over".
 * - E2E18 4410 access changed: the owner changes a member's role while the page is open.
 * - E2E19 4429 rate limited: a fast typist on a server with tiny limits.
 * - E2E20 1011 internal error: the room fails closed while an editor types.
 * - E2E21 no local copy: IndexedDB missing in one browser and failing in another.
 *
 * The stories are independent: each works on its own point and opens its own contexts
 * (the people whose role changes are fresh members, invited through the REST API).
 */
import type { Browser, Locator, Page } from 'playwright-core';
import * as Y from 'yjs';
import { describe, expect, test } from 'vitest';
import { pointText, type PointId } from '@parley/shared/model';
import { CLOSE } from '@parley/shared/protocol';
import { typeInCodeMirror } from '../helpers/browser.ts';
import { connectClient } from '../helpers/clients.ts';
import { e2eStageWithEnv, withServer } from '../helpers/envStage.ts';
import { badgeRecords, badgeState, goOffline, goOnline, startBadgeRecorder, waitForSaved } from '../helpers/offline.ts';
import {
  breakIndexedDb,
  closeCodes,
  markDocument,
  recordSockets,
  sameDocument,
  setRole,
  socketLog,
  userIdOf,
} from '../helpers/pageSockets.ts';
import {
  LIVE_TIMEOUT,
  acceptInviteViaApi,
  createInviteViaApi,
  demoLink,
  editorText,
  expectCurrentUser,
  marker,
  newPerson,
  nthPointId,
  openThread,
  poll,
  positionRow,
  selectPoint,
  signUpViaApi,
  threadById,
  tid,
  until,
  waitForBoard,
  type Person,
} from '../helpers/people.ts';
import type { Scene } from '../helpers/stage.ts';
import { openRaw, tokenFor, updateFrame, updateOf, within } from '../helpers/security.ts';
import type { RunningServer } from '../helpers/server.ts';
import type { Role } from '@parley/shared/permissions';

/** Any update whose bytes hold this fails between apply and commit (server/src/collab/room/faults.ts). */
const FAULT_MARKER = 'E2E-PRECOMMIT-FAULT-9c4';

/** Reconnecting after a close: backoff, sync, durable acks (slow on a busy 2-core machine). */
const RESYNC_TIMEOUT = 45_000;

let server: RunningServer;
let browser: Browser;
const { scene } = e2eStageWithEnv(
  { PARLEY_FAULT_PRECOMMIT_MARKER: FAULT_MARKER },
  (started) => ({ server, browser } = started),
);

const bodyOf = (panel: Locator) => tid(panel, 'point-body').locator('.cm-content');
const notesOf = (page: Page, pointId: string) =>
  tid(panelOf(page, pointId), 'private-notes-editor').locator('.cm-content');
const panelOf = (page: Page, pointId: string) =>
  page.locator(`[data-testid="point-panel"][data-point-id="${pointId}"]`);

/** The panel of `pointId`, selecting the point first if the (re)mounted view shows another. */
async function panelShowing(page: Page, pointId: string): Promise<Locator> {
  const panel = panelOf(page, pointId);
  if (await panel.isVisible()) {
    await bodyOf(panel).waitFor({ state: 'visible' });
    return panel;
  }
  return selectPoint(page, pointId);
}

/** Signs in through a demo link in a fresh context whose websockets are recorded. */
async function demoPerson(
  s: Scene,
  srv: RunningServer,
  role: Role,
  stakeholderId: string | null,
  label: string,
  prepare?: (p: Person) => Promise<void>,
): Promise<Person> {
  const link = demoLink(srv, role, stakeholderId);
  const person = await s.add(newPerson(browser, label));
  await recordSockets(person.context);
  await prepare?.(person);
  await person.page.goto(link.url, { waitUntil: 'domcontentloaded' });
  await person.page.waitForURL(/\/b\/demo(\?|$)/);
  await waitForBoard(person.page);
  await expectCurrentUser(person.page, role, stakeholderId);
  return person;
}

/** A fresh member invited by `owner` (REST API), signed up and on the board, sockets recorded. */
async function freshMember(
  s: Scene,
  owner: Person,
  who: { label: string; role: Role; stakeholderId: string | null },
): Promise<Person & { userId: string; name: string }> {
  const name = marker(who.label);
  const inviteUrl = await createInviteViaApi(owner, server, who.role, who.stakeholderId);
  const person = await s.add(newPerson(browser, who.label));
  await recordSockets(person.context);
  await signUpViaApi(person, server, name, `${name.toLowerCase()}@example.test`);
  await acceptInviteViaApi(person, server, inviteUrl);
  await person.page.goto(`${server.url}/b/demo`, { waitUntil: 'domcontentloaded' });
  await waitForBoard(person.page);
  await expectCurrentUser(person.page, who.role, who.stakeholderId);
  return { ...person, userId: await userIdOf(person, server), name };
}

/** Waits until the page's connection is up and everything it changed is saved. */
async function waitLive(page: Page, what: string, timeout = RESYNC_TIMEOUT) {
  return until(
    () => badgeState(page),
    (b) => b.status === 'saved' && b.unsaved === 0 && b.connection === 'connected',
    `${what}: connected, badge "saved" with nothing unsaved`,
    timeout,
  );
}

/** `author` types into the point's body and `watcher` sees it: the session is live both ways. */
async function liveEdit(author: Person, watcher: Person, pointId: string, label: string): Promise<string> {
  const text = ` ${marker(label)}`;
  await typeInCodeMirror(author.page, tid(await panelShowing(author.page, pointId), 'point-body'), text);
  await poll(
    async () => editorText(bodyOf(await panelShowing(watcher.page, pointId))),
    `${watcher.label} sees ${author.label}'s "${text.trim()}"`,
  ).toContain(text.trim());
  return text.trim();
}

/** The editing affordances a delegate has and an observer has not, on the shown point. */
async function affordances(page: Page, pointId: string) {
  const panel = panelOf(page, pointId);
  return {
    threadNew: await tid(panel, 'thread-new').count(),
    stances: await tid(panel, 'position-stance').count(),
    notes: await tid(panel, 'private-notes').count(),
  };
}

describe('server closes and a missing local copy, as the user lives them', () => {
  test('E2E17 a refused change (4403) is announced, dropped and the board reloads; the third refusal within a minute stops with "Start over", which works', () =>
    scene('E2E17', async (s) => {
      const owner = await demoPerson(s, server, 'owner', 'us', 'owner');
      const d = await freshMember(s, owner, { label: 'ua-delegate', role: 'delegate', stakeholderId: 'ukraine' });
      const pointId = await nthPointId(owner.page, 5);
      await selectPoint(owner.page, pointId);
      await selectPoint(d.page, pointId);
      const mark = await markDocument(d.page);
      // A private note of Ukraine's, which an observer must no longer see.
      const note = marker('ua-private-note');
      await typeInCodeMirror(d.page, notesOf(d.page, pointId), note);
      await waitLive(d.page, 'the delegate after writing a private note');
      const localCopies = () => d.page.evaluate(async () => (await indexedDB.databases()).map((db) => db.name));
      const notesCopy = `parley:${d.userId}:demo~ukraine`;
      await poll(localCopies, 'this device keeps a copy of the notes').toContain(notesCopy);
      await s.shot('1-both-on-the-point');

      /**
       * One refusal, the way a user meets it: offline, the delegate opens a thread; the owner
       * meanwhile makes them an observer; back online, the thread (in the reconnect's sync
       * step 2) is refused with 4403.
       */
      const refuse = async (round: number) => {
        const offline = await goOffline(d.context, d.page);
        const pending = marker(`offline-comment-${round}`);
        const threadId = await openThread(await panelShowing(d.page, pointId), pending);
        await until(
          () => badgeState(d.page),
          (b) => b.status === 'offline' && b.unsaved > 0,
          `round ${round}: the offline comment is counted as unsaved`,
        );
        await setRole(owner, server, d.userId, 'observer', null);
        const refusedBefore = (await closeCodes(d.page, 'demo')).filter((c) => c === CLOSE.forbiddenUpdate).length;
        await goOnline(d.context, d.page, offline.via);
        await until(
          async () => (await closeCodes(d.page, 'demo')).filter((c) => c === CLOSE.forbiddenUpdate).length,
          (n) => n > refusedBefore,
          `round ${round}: the board socket closed with 4403`,
          RESYNC_TIMEOUT,
        );
        return { pending, threadId };
      };

      // Refusal 1: the notice, the comment gone, a working board from the server.
      const first = await refuse(1);
      const notice = tid(d.page, 'notice');
      await notice.waitFor({ state: 'visible', timeout: LIVE_TIMEOUT });
      const noticeText = (await notice.textContent()) ?? '';
      expect(noticeText).toContain('The server refused the change you made while offline');
      expect(noticeText).toContain('Observers cannot change the board');
      expect(noticeText).toContain('the board was reloaded from the server');
      await expectCurrentUser(d.page, 'observer', null);
      await waitLive(d.page, 'the delegate after the first refusal');
      await poll(() => affordances(d.page, pointId), 'an observer now: no editing controls, no notes').toEqual({
        threadNew: 0,
        stances: 0,
        notes: 0,
      });
      expect(await d.page.locator('body').textContent()).not.toContain(note);
      await poll(localCopies, "this device forgot Ukraine's notes").not.toContain(notesCopy);
      await poll(() => threadById(d.page, first.threadId).count(), 'the refused comment is gone').toBe(0);
      expect(await tid(d.page, 'fatal-banner').count()).toBe(0);
      await liveEdit(owner, d, pointId, 'owner-after-refusal-1');
      expect(await threadById(owner.page, first.threadId).count(), 'the owner never got the comment').toBe(0);
      expect(await sameDocument(d.page, mark), 'the page was not reloaded').toBe(true);
      await s.shot('2-first-refusal-notice');

      // Back to delegate (a 4410 the page follows): the user can write again, and it is seen.
      await setRole(owner, server, d.userId, 'delegate', 'ukraine');
      await expectCurrentUser(d.page, 'delegate', 'ukraine');
      await waitLive(d.page, 'the delegate after being made a delegate again');
      // Ukraine's notes are back, from the server, and writable.
      await poll(async () => editorText(notesOf(d.page, pointId)), 'the private note is back').toBe(note);
      await typeInCodeMirror(d.page, notesOf(d.page, pointId), ' more');
      await waitLive(d.page, 'the delegate after adding to the note');
      const again = marker('comment-after-refusal-1');
      const againId = await openThread(await panelShowing(d.page, pointId), again);
      await threadById(owner.page, againId).waitFor({ state: 'visible', timeout: LIVE_TIMEOUT });
      await tid(d.page, 'notice').getByRole('button', { name: 'Dismiss' }).click();
      await s.shot('3-writing-again');

      // Refusal 2 (a notice again), then refusal 3 within the minute: the fatal banner.
      await refuse(2);
      await poll(() => tid(d.page, 'notice').textContent(), 'the second notice').toContain('refused');
      await expectCurrentUser(d.page, 'observer', null);
      await waitLive(d.page, 'the delegate after the second refusal');
      await setRole(owner, server, d.userId, 'delegate', 'ukraine');
      await expectCurrentUser(d.page, 'delegate', 'ukraine');
      await waitLive(d.page, 'the delegate, a delegate again');
      const third = await refuse(3);
      const banner = tid(d.page, 'fatal-banner');
      await banner.waitFor({ state: 'visible', timeout: LIVE_TIMEOUT });
      expect(await banner.textContent()).toContain('your changes were refused 3 times within a minute');
      const startOver = banner.getByRole('button', { name: 'Start over' });
      await startOver.waitFor({ state: 'visible' });
      expect(await tid(d.page, 'notice').count(), 'the banner replaces the notice').toBe(0);
      await poll(async () => (await badgeState(d.page)).status, 'badge "fatal"').toBe('fatal');
      // Stopped: it does not reconnect (and resend) by itself.
      const socketsAtStop = (await socketLog(d.page, 'demo')).length;
      await owner.page.waitForTimeout(1_500);
      expect((await socketLog(d.page, 'demo')).length, 'no reconnect after stopping').toBe(socketsAtStop);
      await s.shot('4-third-refusal-fatal');

      // "Start over": a fresh session from the server, live again, the refused comment gone.
      await startOver.click();
      await banner.waitFor({ state: 'detached', timeout: LIVE_TIMEOUT });
      await waitLive(d.page, 'the delegate after "Start over"');
      await expectCurrentUser(d.page, 'observer', null);
      await poll(() => threadById(d.page, third.threadId).count(), 'the third refused comment is gone').toBe(0);
      await liveEdit(owner, d, pointId, 'owner-after-start-over');
      // Made a delegate again, the user writes and the owner sees it.
      await setRole(owner, server, d.userId, 'delegate', 'ukraine');
      await expectCurrentUser(d.page, 'delegate', 'ukraine');
      await waitLive(d.page, 'the delegate, finally a delegate again');
      const last = marker('comment-after-start-over');
      const lastId = await openThread(await panelShowing(d.page, pointId), last);
      await threadById(owner.page, lastId).waitFor({ state: 'visible', timeout: LIVE_TIMEOUT });
      await poll(() => tid(threadById(owner.page, lastId), 'comment-author').first().textContent()).toContain(d.name);
      await waitLive(d.page, 'the delegate after writing');
      expect(await sameDocument(d.page, mark), 'the page was never reloaded').toBe(true);
      expect((await closeCodes(d.page, 'demo')).filter((c) => c === CLOSE.forbiddenUpdate)).toHaveLength(3);
      await s.shot('5-started-over');
    }));

  test("E2E18 the owner changes a member's role (4410): the open page follows without a reload, losing and gaining controls", () =>
    scene('E2E18', async (s) => {
      const owner = await demoPerson(s, server, 'owner', 'us', 'owner');
      const m = await freshMember(s, owner, { label: 'member', role: 'delegate', stakeholderId: 'ukraine' });
      const pointId = await nthPointId(owner.page, 7);
      await selectPoint(owner.page, pointId);
      await selectPoint(m.page, pointId);
      const mark = await markDocument(m.page);
      expect(await affordances(m.page, pointId)).toEqual({ threadNew: 1, stances: 1, notes: 1 });
      await tid(positionRow(panelOf(m.page, pointId), 'ukraine'), 'position-stance').waitFor({ state: 'visible' });
      await s.shot('1-delegate');

      // Demoted to observer: the page learns it from the server's close, re-reads who it is
      // and reconnects; every editing control goes, the board stays live.
      await setRole(owner, server, m.userId, 'observer', null);
      await expectCurrentUser(m.page, 'observer', null);
      await poll(() => affordances(m.page, pointId), 'the observer has no editing controls').toEqual({
        threadNew: 0,
        stances: 0,
        notes: 0,
      });
      await waitLive(m.page, 'the member after the demotion');
      expect(await closeCodes(m.page, 'demo')).toContain(CLOSE.accessChanged);
      await liveEdit(owner, m, pointId, 'owner-to-observer');
      expect(
        await tid(panelOf(m.page, pointId), 'point-body').locator('.cm-content').getAttribute('contenteditable'),
      ).toBe('false');
      expect(await sameDocument(m.page, mark), 'the page was not reloaded').toBe(true);
      await s.shot('2-observer');

      // Made a Russia delegate: a stance control on Russia's row only, Russia's notes, and a
      // comment the owner sees live under the member's name.
      await setRole(owner, server, m.userId, 'delegate', 'russia');
      await expectCurrentUser(m.page, 'delegate', 'russia');
      const panel = panelOf(m.page, pointId);
      await tid(positionRow(panel, 'russia'), 'position-stance').waitFor({ state: 'visible', timeout: LIVE_TIMEOUT });
      expect(await tid(positionRow(panel, 'ukraine'), 'position-stance').count()).toBe(0);
      await poll(() => affordances(m.page, pointId)).toEqual({ threadNew: 1, stances: 1, notes: 1 });
      await poll(() => tid(panel, 'private-notes').textContent()).toContain('Russia');
      await waitLive(m.page, 'the member as a Russia delegate');
      const comment = marker('from-the-new-russia-delegate');
      const threadId = await openThread(panel, comment);
      const threadO = threadById(owner.page, threadId);
      await threadO.waitFor({ state: 'visible', timeout: LIVE_TIMEOUT });
      await poll(() => tid(threadO, 'comment-author').first().textContent()).toContain(m.name);
      await waitLive(m.page, 'the member after commenting');
      expect((await closeCodes(m.page, 'demo')).filter((c) => c === CLOSE.accessChanged)).toHaveLength(2);
      expect(await sameDocument(m.page, mark), 'the page was never reloaded').toBe(true);
      await s.shot('3-russia-delegate');
    }));

  test('E2E20 the room fails closed (1011) while an editor types: both pages reconnect by themselves and nothing typed is lost', () =>
    scene('E2E20', async (s) => {
      const a = await demoPerson(s, server, 'editor', 'us', 'A-editor');
      const b = await demoPerson(s, server, 'owner', 'us', 'B-owner');
      const pointId = await nthPointId(a.page, 9);
      const panelA = await selectPoint(a.page, pointId);
      const panelB = await selectPoint(b.page, pointId);
      const marks = [await markDocument(a.page), await markDocument(b.page)];
      const before = marker('before');
      await typeInCodeMirror(a.page, tid(panelA, 'point-body'), ` ${before}`);
      await poll(() => editorText(bodyOf(panelB)), 'B sees the text typed before the fault').toContain(before);
      await waitForSaved(a.page, 'A before the fault');
      await s.shot('1-before');

      // The faulty update comes from a raw websocket client (a stock page that typed the marker
      // would resend it after every reload of the room), based on the server's board.
      const snapshot = connectClient(server.wsUrl, 'demo', { token: (await tokenFor(server, 'observer', null)).token });
      await within(snapshot.synced, 20_000, 'a snapshot of the board');
      const base = new Y.Doc();
      Y.applyUpdate(base, Y.encodeStateAsUpdate(snapshot.doc));
      snapshot.destroy();
      const faulty = updateOf(base, (doc) => pointText(doc, pointId as PointId, 'body')!.insert(0, `${FAULT_MARKER} `));
      const raw = openRaw(`${server.wsUrl}/yjs/demo?token=${(await tokenFor(server, 'editor', 'us', 'Faulty')).token}`);
      await within(raw.opened, 20_000, 'the raw client to connect');

      // A keeps typing while the room fails: keystrokes land before, on and after the close,
      // some of them while A is disconnected (the badge shows them unsaved then).
      await startBadgeRecorder(a.page);
      const during = `${marker('during')} typed on while the room fails and reloads`;
      await bodyOf(panelA).click();
      await a.page.keyboard.press('Control+End');
      await a.page.keyboard.press('End');
      const typing = a.page.keyboard.type(` ${during}`, { delay: 30 });
      await poll(() => editorText(bodyOf(panelB)), 'B sees A typing').toContain(during.slice(0, 4));
      raw.ws.send(updateFrame(faulty));
      expect((await within(raw.closed, 20_000, 'the faulty connection to close')).code).toBe(CLOSE.internalError);
      await typing;
      for (const p of [a, b]) {
        await until(
          () => closeCodes(p.page, 'demo'),
          (codes) => codes.includes(CLOSE.internalError),
          `${p.label}: the board socket closed with 1011`,
        );
      }
      const records = await badgeRecords(a.page);
      expect(
        records.some((r) => r.status === 'offline' && Number(r.unsaved) > 0),
        `A typed while disconnected: ${JSON.stringify(records)}`,
      ).toBe(true);
      await s.shot('2-fault');

      // Both reconnect by themselves; A types on; everything reaches B and the server.
      await waitLive(a.page, 'A after the fault');
      const after = marker('after');
      await typeInCodeMirror(a.page, tid(panelA, 'point-body'), ` ${after}`);
      const expected = `${before} ${during} ${after}`;
      await poll(() => editorText(bodyOf(panelA)), 'A has everything it typed').toContain(expected);
      await poll(() => editorText(bodyOf(panelB)), 'B ends with everything A typed', RESYNC_TIMEOUT).toBe(
        await editorText(bodyOf(panelA)),
      );
      await waitLive(a.page, 'A at the end');
      await waitLive(b.page, 'B at the end');
      expect((await badgeState(a.page)).label).toBe('All changes saved');
      const exported = await b.context.request.get(`${server.url}/api/boards/demo/export?format=json`);
      const stored = JSON.stringify(await exported.json());
      expect(stored, 'the server has all of it').toContain(expected);
      expect(stored, 'and never the faulty update').not.toContain(FAULT_MARKER);
      expect(await editorText(bodyOf(panelB))).not.toContain(FAULT_MARKER);
      for (const [i, p] of [a, b].entries()) {
        expect(await sameDocument(p.page, marks[i]!), `${p.label} was not reloaded`).toBe(true);
      }
      await s.shot('3-after');
    }));

  test('E2E21 without a working IndexedDB (missing in one browser, failing in another) the board opens, syncs live, and says it keeps no offline copy', () =>
    scene('E2E21', async (s) => {
      const a = await demoPerson(s, server, 'editor', 'us', 'A-no-indexeddb', (p) =>
        breakIndexedDb(p.context, 'missing'),
      );
      const b = await demoPerson(s, server, 'owner', 'us', 'B-indexeddb-fails', (p) =>
        breakIndexedDb(p.context, 'failing'),
      );
      for (const p of [a, b]) {
        expect(await p.page.evaluate(() => typeof window.indexedDB), `${p.label}: IndexedDB broken`).toBe(
          p === a ? 'undefined' : 'object',
        );
      }
      const pointId = await nthPointId(a.page, 11);
      await selectPoint(a.page, pointId);
      await selectPoint(b.page, pointId);
      await liveEdit(a, b, pointId, 'from-A');
      await liveEdit(b, a, pointId, 'from-B');
      for (const p of [a, b]) {
        await waitLive(p.page, p.label);
        const badge = tid(p.page, 'status-badge');
        expect(await badge.getAttribute('data-local-copy'), `${p.label}: the badge knows`).toBe('unavailable');
        expect(await badge.getAttribute('title'), `${p.label}: and says so`).toContain('cannot keep an offline copy');
      }
      await s.shot('1-live-without-local-copy');

      // Offline, an edit is kept in the tab only, and the badge says so; back online it is saved.
      const offline = await goOffline(a.context, a.page);
      const offlineText = marker('offline-no-copy');
      await typeInCodeMirror(a.page, tid(panelOf(a.page, pointId), 'point-body'), ` ${offlineText}`);
      await until(
        () => badgeState(a.page),
        (st) => st.status === 'offline' && st.unsaved > 0,
        'A offline with an unsaved change',
      );
      expect(await tid(a.page, 'status-badge').getAttribute('title')).toContain(
        'keep the tab open until they are saved',
      );
      await s.shot('2-offline');
      await goOnline(a.context, a.page, offline.via);
      await waitLive(a.page, 'A back online');
      await poll(() => editorText(bodyOf(panelOf(b.page, pointId))), 'B gets the offline edit').toContain(offlineText);
      await s.shot('3-back-online');
    }));
});

describe('a server with tiny message limits', () => {
  let limited: RunningServer;
  withServer({ PARLEY_MESSAGES_PER_SECOND: '5', PARLEY_MESSAGE_BURST: '15' }, (srv) => (limited = srv));

  test('E2E19 a fast typist is rate limited (4429): the page backs off, reconnects by itself and loses nothing', () =>
    scene('E2E19', async (s) => {
      const a = await demoPerson(s, limited, 'editor', 'us', 'A-fast-typist');
      const b = await demoPerson(s, limited, 'observer', null, 'B-observer');
      const pointId = await nthPointId(a.page, 3);
      const panelA = await selectPoint(a.page, pointId);
      const panelB = await selectPoint(b.page, pointId);
      const mark = await markDocument(a.page);
      await waitLive(a.page, 'A before typing');
      const bodyBefore = await editorText(bodyOf(panelA));

      // Far more than 5 messages a second (an update and a cursor move per key).
      const text = ` ${marker('fast')} ${'the quick brown fox jumps over the lazy dog '.repeat(2).trim()}`;
      await typeInCodeMirror(a.page, tid(panelA, 'point-body'), text);
      expect(await editorText(bodyOf(panelA))).toBe(bodyBefore + text);
      await until(
        () => closeCodes(a.page, 'demo'),
        (codes) => codes.includes(CLOSE.rateLimited),
        'A: the board socket closed with 4429',
      );
      await s.shot('1-rate-limited');

      await poll(() => editorText(bodyOf(panelB)), 'B ends with the full text', RESYNC_TIMEOUT).toBe(bodyBefore + text);
      await waitLive(a.page, 'A after the rate limit');
      expect((await badgeState(a.page)).label).toBe('All changes saved');
      expect(await editorText(bodyOf(panelA))).toBe(bodyBefore + text);
      const sockets = await socketLog(a.page, 'demo');
      const limitedCloses = sockets.filter((x) => x.code === CLOSE.rateLimited).length;
      console.info(`E2E19: ${sockets.length} board sockets, ${limitedCloses} closed with 4429`);
      expect(sockets.length, 'reconnected after the 4429').toBeGreaterThan(1);
      expect(sockets.length, 'backed off: no reconnect storm').toBeLessThan(40);
      for (const [i, closed] of sockets.entries()) {
        const next = sockets[i + 1];
        if (closed.code !== CLOSE.rateLimited || !next) continue;
        expect(next.createdAt - closed.closedAt!, 'the reconnect after a 4429 waits (backoff)').toBeGreaterThanOrEqual(
          100,
        );
      }
      expect(limited.logs.some((l) => l['msg'] === 'message rate exceeded; closing')).toBe(true);
      expect(await sameDocument(a.page, mark), 'the page was not reloaded').toBe(true);
      await s.shot('2-recovered');
    }));
});
