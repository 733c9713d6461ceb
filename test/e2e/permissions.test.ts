/**
 * End-to-end: roles, invites, private notes and inert user content, with several people
 * signed in at once. One real server (fresh data dir) and one headless Chromium for the
 * file; every test opens its own browser contexts (one per person, signed in through the
 * demo's one-click links, an invite's sign-up form or the REST API) and closes them when it
 * ends, after screenshotting every window if it failed. Every step is checked by polling
 * the DOM (never fixed sleeps) and screenshotted into test/artifacts/.
 *
 * The tests are independent of each other: each works on its own point of the demo board.
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { STANCE_LABEL } from '@parley/shared/model';
import { describe, expect, test } from 'vitest';
import { screenshot, typeInCodeMirror } from '../helpers/browser.ts';
import {
  LIVE_TIMEOUT,
  TEST_PASSWORD,
  createInviteViaApi,
  demoLink,
  editorText,
  expectCurrentUser,
  forbiddenUpdateLogs,
  marker,
  newMemberViaApi,
  newPerson,
  nthPointId,
  openThread,
  poll,
  positionRow,
  receivedText,
  selectPoint,
  signInWithDemoLink,
  signUpThroughInvite,
  signUpViaApi,
  threadById,
  tid,
  waitForBoard,
  type Person,
} from '../helpers/people.ts';
import type { RunningServer } from '../helpers/server.ts';
import { e2eStage } from '../helpers/stage.ts';

let server: RunningServer;
let browser: Browser;
const { scene } = e2eStage((started) => ({ server, browser } = started));

const content = (scope: Locator, testid: 'point-title' | 'point-body' | 'private-notes') =>
  tid(scope, testid).locator('.cm-content');

/** The literal payloads of E2E9; each would set window.__xss if it were ever parsed as HTML. */
const XSS_COMMENT = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>';
const XSS_TITLE = '<svg onload="window.__xss=1">';
const XSS_NAME = '<img src=x onerror="window.__xss=1">';

/** Nothing ran, and nothing of the payloads became an element. */
async function expectInert(person: Person, where: string): Promise<void> {
  const state = await person.page.evaluate(() => ({
    xss: (window as unknown as { __xss?: unknown }).__xss,
    imgs: document.querySelectorAll('img[src="x"], img[onerror]').length,
    svgs: document.querySelectorAll('svg[onload], [onload]').length,
    scripts: Array.from(document.querySelectorAll('script')).filter((s) => s.textContent?.includes('__xss')).length,
  }));
  expect(state, `${person.label}: payload is inert (${where})`).toEqual({
    xss: undefined,
    imgs: 0,
    svgs: 0,
    scripts: 0,
  });
}

/**
 * A CodeMirror editor that must be read-only: `contenteditable="false"` (client/README.md),
 * and typing into it changes nothing.
 */
async function expectNotEditable(page: Page, editor: Locator, what: string): Promise<void> {
  const before = await editorText(editor);
  const editable = await editor.getAttribute('contenteditable');
  expect(editable, `${what}: contenteditable`).toBe('false');
  await editor.click();
  await page.keyboard.press('End');
  await page.keyboard.type('ZZ-not-allowed');
  await page.keyboard.press('Backspace');
  expect(await editorText(editor), `${what}: text unchanged after typing (contenteditable=${editable})`).toBe(before);
}

describe('permissions, invites, private notes (several people at once)', () => {
  test('E2E8 a Ukraine delegate cannot edit plan text or other stances; its own stance reaches the editor live', () =>
    scene('E2E8', async (s) => {
      const refusedBefore = forbiddenUpdateLogs(server).length;
      const ua = await s.add(
        signInWithDemoLink(browser, demoLink(server, 'delegate', 'ukraine'), { label: 'ukraine' }),
      );
      const ed = await s.add(signInWithDemoLink(browser, demoLink(server, 'editor', 'us'), { label: 'editor' }));
      const pointId = await nthPointId(ua.page, 2);
      const panelU = await selectPoint(ua.page, pointId);
      const panelE = await selectPoint(ed.page, pointId);
      await s.shot('selected');

      // Plan structure: the editor is offered add-point / add-category, the delegate is not.
      await tid(ed.page, 'point-add').first().waitFor({ state: 'visible' });
      await tid(ed.page, 'category-add').waitFor({ state: 'visible' });
      expect(await tid(ua.page, 'point-add').count(), 'delegate: no point-add').toBe(0);
      expect(await tid(ua.page, 'category-add').count(), 'delegate: no category-add').toBe(0);

      // Plan text: the title and body editors refuse the delegate's typing.
      const titleU = content(panelU, 'point-title');
      const bodyU = content(panelU, 'point-body');
      await poll(() => editorText(bodyU)).toContain('Working text for');
      const titleBefore = await editorText(titleU);
      const bodyBefore = await editorText(bodyU);
      await expectNotEditable(ua.page, titleU, 'delegate: point title');
      await expectNotEditable(ua.page, bodyU, 'delegate: point body');
      await s.shot('typed-into-plan-text');

      // Barrier: an edit by the editor after the attempt reaches the delegate, and it is
      // the only change the editor sees: nothing the delegate typed arrived.
      const edit = ` ${marker('editor-edit')}`;
      await typeInCodeMirror(ed.page, tid(panelE, 'point-body'), edit);
      await poll(() => editorText(bodyU), 'delegate sees the editor edit').toBe(bodyBefore + edit);
      expect(await editorText(content(panelE, 'point-body'))).toBe(bodyBefore + edit);
      expect(await editorText(content(panelE, 'point-title'))).toBe(titleBefore);
      expect(await editorText(titleU)).toBe(titleBefore);

      // Stances: a control on Ukraine's row only.
      const ruRowU = positionRow(panelU, 'russia');
      const uaRowU = positionRow(panelU, 'ukraine');
      await ruRowU.waitFor({ state: 'visible' });
      await tid(uaRowU, 'position-stance').waitFor({ state: 'visible' });
      for (const sid of ['russia', 'us', 'europe']) {
        const row = positionRow(panelU, sid);
        expect(await tid(row, 'position-stance').count(), `delegate: no stance control for ${sid}`).toBe(0);
        expect(await tid(row, 'position-save').count(), `delegate: no save for ${sid}`).toBe(0);
      }

      // Setting Ukraine's position works, and the editor sees it live.
      const rationale = marker('UA-rationale');
      await tid(uaRowU, 'position-stance').selectOption('oppose');
      await tid(uaRowU, 'position-rationale').fill(`Not without guarantees. ${rationale}`);
      await tid(uaRowU, 'position-save').click();
      await poll(async () => (await tid(uaRowU, 'position-current').textContent())?.trim()).toBe(STANCE_LABEL.oppose);
      const uaRowE = positionRow(panelE, 'ukraine');
      await poll(
        async () => (await tid(uaRowE, 'position-current').textContent())?.trim(),
        'editor sees the Ukraine stance',
      ).toBe(STANCE_LABEL.oppose);
      await poll(
        () => tid(uaRowE, 'position-rationale-current').textContent(),
        'editor sees the Ukraine rationale',
      ).toContain(rationale);
      // An editor is not a Ukraine delegate either.
      expect(await tid(uaRowE, 'position-stance').count(), 'editor: no stance control for ukraine').toBe(0);

      // Still connected: the client never even sent a refused update.
      expect(await tid(ua.page, 'status-badge').getAttribute('data-connection')).toBe('connected');
      expect(forbiddenUpdateLogs(server).slice(refusedBefore), 'server refused updates').toEqual([]);
      await s.shot('position-set');

      // The members panel: the delegate and the editor may read the member list but manage
      // nothing (stakeholders, members and invites are the owner's).
      for (const p of [ua, ed]) {
        await tid(p.page, 'members-open').click();
        await tid(p.page, 'members-panel').waitFor({ state: 'visible' });
        await poll(
          () => tid(tid(p.page, 'members-panel'), 'member-row').count(),
          `${p.label}: members listed`,
        ).toBeGreaterThan(0);
      }
      for (const [p, ids] of [
        [ua, ['stakeholder-add', 'invite-create', 'invite-role', 'member-role', 'member-remove']],
        [ed, ['stakeholder-add', 'stakeholder-edit', 'invite-create', 'invite-role', 'member-role', 'member-remove']],
      ] as const) {
        for (const id of ids) expect(await tid(p.page, id).count(), `${p.label}: no ${id}`).toBe(0);
      }
      await s.shot('members-panel');
    }));

  test('E2E9 XSS payloads in a comment, a point title and a user name render as inert text; CSP script-src self', () =>
    scene('E2E9', async (s) => {
      const owner = await s.add(signInWithDemoLink(browser, demoLink(server, 'owner'), { label: 'owner' }));
      const ed = await s.add(signInWithDemoLink(browser, demoLink(server, 'editor', 'us'), { label: 'editor' }));
      const ua = await s.add(
        signInWithDemoLink(browser, demoLink(server, 'delegate', 'ukraine'), { label: 'ukraine' }),
      );

      // The page's CSP allows scripts from this origin only.
      const response = await owner.page.goto(`${server.url}/b/demo`, { waitUntil: 'domcontentloaded' });
      const csp = response?.headers()['content-security-policy'] ?? '';
      expect(csp, 'content-security-policy header').toContain("script-src 'self'");
      expect(/script-src[^;]*'unsafe-inline'/.test(csp), 'script-src allows no inline scripts').toBe(false);
      await waitForBoard(owner.page);

      const pointId = await nthPointId(ua.page, 4);
      const panels = new Map<Person, Locator>();
      for (const p of [owner, ed, ua]) panels.set(p, await selectPoint(p.page, pointId));
      const panelOf = (p: Person) => panels.get(p)!;

      // 1. A delegate posts a comment with markup.
      const threadId = await openThread(panelOf(ua), XSS_COMMENT);
      for (const p of [owner, ed, ua]) {
        const body = tid(threadById(panelOf(p), threadId), 'comment-body').first();
        await poll(() => body.textContent(), `${p.label} sees the comment as text`).toBe(XSS_COMMENT);
        await expectInert(p, 'comment');
      }
      await s.shot('comment');

      // 2. An editor types markup into the point title.
      const titleE = content(panelOf(ed), 'point-title');
      await titleE.click();
      await ed.page.keyboard.press('Control+A');
      await ed.page.keyboard.type(XSS_TITLE);
      await poll(() => editorText(titleE)).toBe(XSS_TITLE);
      const item = (p: Person) => p.page.locator(`[data-testid="point-item"][data-point-id="${pointId}"]`);
      for (const p of [owner, ed, ua]) {
        await poll(() => editorText(content(panelOf(p), 'point-title')), `${p.label} sees the title`).toBe(XSS_TITLE);
        await poll(() => item(p).textContent(), `${p.label} sees the title in the list`).toContain(XSS_TITLE);
        await expectInert(p, 'title');
      }
      await s.shot('title');

      // 3. The owner invites someone who signs up with markup as a name, and comments.
      const inviteUrl = await createInviteViaApi(owner, server, 'delegate', 'europe');
      const x = await s.add(newPerson(browser, 'markup-name'));
      await signUpThroughInvite(
        x.page,
        inviteUrl,
        { name: XSS_NAME, email: `xss-${marker('u')}@example.test` },
        (step) => screenshot(x.page, 'E2E9', step),
      );
      await waitForBoard(x.page);
      await expectCurrentUser(x.page, 'delegate', 'europe');
      await poll(() => tid(x.page, 'current-user').textContent(), 'own name as text').toContain(XSS_NAME);
      const panelX = await selectPoint(x.page, pointId);
      panels.set(x, panelX);
      const reply = marker('reply-from-markup-name');
      const threadX = threadById(panelX, threadId);
      await tid(threadX, 'thread-reply-body').fill(reply);
      await tid(threadX, 'thread-reply-submit').click();
      for (const p of [owner, ed, ua, x]) {
        const comment = tid(threadById(panelOf(p), threadId), 'comment').filter({ hasText: reply });
        await comment.waitFor({ state: 'visible', timeout: LIVE_TIMEOUT });
        await poll(
          () => tid(comment, 'comment-author').textContent(),
          `${p.label} sees the author name as text`,
        ).toContain(XSS_NAME);
      }
      // Presence and the members panel show the name as text too.
      await poll(
        () =>
          tid(tid(owner.page, 'presence-list'), 'presence-user').evaluateAll(
            (els, name) => els.some((e) => (e.getAttribute('title') ?? '').includes(name)),
            XSS_NAME,
          ),
        'owner: presence shows the name',
      ).toBe(true);
      await tid(owner.page, 'members-open').click();
      const members = tid(owner.page, 'members-panel');
      await members.waitFor({ state: 'visible' });
      await poll(() => tid(members, 'member-row').filter({ hasText: XSS_NAME }).count(), 'members panel').toBe(1);
      await s.shot('name');

      // Nothing anywhere ran or became markup, and the editors' text is exactly what was typed.
      for (const p of [owner, ed, ua, x]) await expectInert(p, 'end');
      expect(await editorText(content(panelOf(ua), 'point-title'))).toBe(XSS_TITLE);
    }));

  test('E2E10 an owner invites a Ukraine delegate in the members panel; the invitee signs up, comments, and is listed', () =>
    scene('E2E10', async (s) => {
      const owner = await s.add(signInWithDemoLink(browser, demoLink(server, 'owner'), { label: 'owner' }));
      // The owner looks at the point the invitee will comment on, then opens the members panel
      // (a modal) and keeps it open to see the new member arrive.
      const pointId = await nthPointId(owner.page, 6);
      const panelO = await selectPoint(owner.page, pointId);
      await tid(owner.page, 'members-open').click();
      const members = tid(owner.page, 'members-panel');
      await members.waitFor({ state: 'visible' });
      await poll(() => tid(members, 'member-row').count(), 'demo members listed').toBeGreaterThanOrEqual(7);
      const rowsBefore = await tid(members, 'member-row').count();
      await tid(members, 'invite-role').selectOption('delegate');
      await tid(members, 'invite-stakeholder').selectOption('ukraine');
      await tid(members, 'invite-create').click();
      const linkInput = tid(members, 'invite-link');
      await linkInput.waitFor({ state: 'visible' });
      await poll(() => linkInput.inputValue(), 'invite link').toMatch(/^https?:\/\/[^/]+\/invite\/[^/?#]+$/);
      expect(await linkInput.getAttribute('readonly')).not.toBeNull();
      const inviteUrl = (await linkInput.inputValue()).replace(/^https?:\/\/[^/]+/, server.url);
      await s.shot('invite-created');

      // A fresh browser opens the link, signs up, and lands on the board as a Ukraine delegate.
      const name = marker('Olena');
      const email = `${name.toLowerCase()}@example.test`;
      const inv = await s.add(newPerson(browser, 'invitee'));
      await signUpThroughInvite(inv.page, inviteUrl, { name, email }, (step) => s.shot(step));
      await waitForBoard(inv.page);
      await expectCurrentUser(inv.page, 'delegate', 'ukraine');
      await poll(() => tid(inv.page, 'current-user').textContent()).toContain(name);
      await s.shot('joined');

      // The new delegate can comment, and the owner sees it live, authored by the new name.
      const panelI = await selectPoint(inv.page, pointId);
      expect(await tid(positionRow(panelI, 'ukraine'), 'position-stance').count(), 'stance control for ukraine').toBe(
        1,
      );
      const text = marker('first-comment');
      const threadId = await openThread(panelI, `Hello from the new delegate ${text}`);
      const threadO = threadById(panelO, threadId);
      await threadO.waitFor({ state: 'visible', timeout: LIVE_TIMEOUT });
      await poll(() => tid(threadO, 'comment-author').first().textContent()).toContain(name);

      // The owner's members panel, open all along, lists the new member live (socket.io
      // members:changed), as a delegate.
      await members.waitFor({ state: 'visible' });
      const row = tid(members, 'member-row').filter({ hasText: name });
      await poll(() => row.count(), 'owner sees the new member').toBe(1);
      expect(await row.getAttribute('data-role')).toBe('delegate');
      expect(await row.getAttribute('data-user-id')).toBeTruthy();
      await poll(() => tid(members, 'member-row').count()).toBe(rowsBefore + 1);
      await s.shot('member-listed');

      // A made-up invite link says so instead of offering to join.
      const stranger = await s.add(newPerson(browser, 'bad-link'));
      await stranger.page.goto(`${server.url}/invite/${'0'.repeat(43)}`, { waitUntil: 'domcontentloaded' });
      await tid(stranger.page, 'invite-error').waitFor({ state: 'visible' });
      expect(await tid(stranger.page, 'invite-accept').count()).toBe(0);
      await s.shot('bad-link');
    }));

  test('E2E11 an observer sees the board read-only; a signed-out visitor is sent to sign-in and back', () =>
    scene('E2E11', async (s) => {
      const refusedBefore = forbiddenUpdateLogs(server).length;
      const ua = await s.add(
        signInWithDemoLink(browser, demoLink(server, 'delegate', 'ukraine'), { label: 'ukraine' }),
      );
      const obs = await s.add(signInWithDemoLink(browser, demoLink(server, 'observer'), { label: 'observer' }));
      const pointId = await nthPointId(ua.page, 10);
      const panelU = await selectPoint(ua.page, pointId);
      const panelO = await selectPoint(obs.page, pointId);

      // Something to look at: a thread and a position by the delegate; the observer sees both live.
      const question = marker('ua-question');
      const threadId = await openThread(panelU, `Who verifies this? ${question}`);
      const rowU = positionRow(panelU, 'ukraine');
      await tid(rowU, 'position-stance').selectOption('undecided');
      await tid(rowU, 'position-save').click();
      const threadO = threadById(panelO, threadId);
      await threadO.waitFor({ state: 'visible', timeout: LIVE_TIMEOUT });
      await poll(() => tid(threadO, 'comment-body').first().textContent()).toContain(question);
      await poll(async () =>
        (await tid(positionRow(panelO, 'ukraine'), 'position-current').textContent())?.trim(),
      ).toBe(STANCE_LABEL.undecided);
      await s.shot('observer-sees');

      // No controls to write anything.
      for (const id of [
        'thread-new',
        'thread-reply-body',
        'thread-reply-submit',
        'thread-resolve',
        'thread-delete',
        'comment-edit',
        'comment-delete',
        'position-stance',
        'position-rationale',
        'position-save',
        'point-add',
        'category-add',
        'stakeholder-add',
        'private-notes',
      ]) {
        expect(await tid(obs.page, id).count(), `observer: no ${id}`).toBe(0);
      }
      await expectNotEditable(obs.page, content(panelO, 'point-title'), 'observer: point title');
      await expectNotEditable(obs.page, content(panelO, 'point-body'), 'observer: point body');
      expect(await tid(obs.page, 'status-badge').getAttribute('data-connection')).toBe('connected');
      expect(forbiddenUpdateLogs(server).slice(refusedBefore), 'server refused updates').toEqual([]);
      await tid(obs.page, 'members-open').click();
      await poll(() => tid(tid(obs.page, 'members-panel'), 'member-row').count()).toBeGreaterThan(0);
      for (const id of ['stakeholder-add', 'invite-create', 'member-role', 'member-remove']) {
        expect(await tid(obs.page, id).count(), `observer: no ${id}`).toBe(0);
      }
      await s.shot('observer-read-only');

      // Signed out: /b/demo sends the visitor to sign-in, and no board is shown.
      const visitor = await s.add(newPerson(browser, 'visitor'));
      await visitor.page.goto(`${server.url}/b/demo`, { waitUntil: 'domcontentloaded' });
      await visitor.page.waitForURL((url) => url.pathname === '/signin');
      expect(new URL(visitor.page.url()).searchParams.get('next')).toBe('/b/demo');
      await tid(visitor.page, 'signin-email').waitFor({ state: 'visible' });
      expect(await tid(visitor.page, 'point-item').count()).toBe(0);
      await s.shot('signed-out');

      // A wrong password is refused on the form; the right one returns to the board.
      const inviteUrl = await createInviteViaApi(
        await s.add(signInWithDemoLink(browser, demoLink(server, 'owner'), { label: 'owner' })),
        server,
        'observer',
        null,
      );
      const member = await s.add(newPerson(browser, 'api-signup'));
      const email = `${marker('reader')}@example.test`;
      await signUpViaApi(member, server, 'Second observer', email);
      // Signed in but not (yet) a member: the board says so and shows nothing of it.
      await member.page.goto(`${server.url}/b/demo`, { waitUntil: 'domcontentloaded' });
      await tid(member.page, 'not-member').waitFor({ state: 'visible' });
      expect(await tid(member.page, 'point-item').count()).toBe(0);
      await s.shot('not-member');
      const accept = await member.context.request.post(
        `${server.url}/api/invites/${inviteUrl.split('/invite/')[1]}/accept`,
      );
      expect(accept.status()).toBe(200);
      await tid(visitor.page, 'signin-email').fill(email);
      await tid(visitor.page, 'signin-password').fill('wrong-password-123');
      await tid(visitor.page, 'signin-submit').click();
      await tid(visitor.page, 'signin-error').waitFor({ state: 'visible' });
      await s.shot('signin-error');
      await tid(visitor.page, 'signin-password').fill(TEST_PASSWORD);
      await tid(visitor.page, 'signin-submit').click();
      await visitor.page.waitForURL((url) => url.pathname === '/b/demo');
      await waitForBoard(visitor.page);
      await expectCurrentUser(visitor.page, 'observer', null);
      await s.shot('signed-in');

      // Signing out ends the session: the board sends the visitor to sign-in again.
      await tid(visitor.page, 'current-user').click();
      await tid(visitor.page, 'signout').click();
      await visitor.page.waitForURL((url) => url.pathname === '/signin');
      await visitor.page.goto(`${server.url}/b/demo`, { waitUntil: 'domcontentloaded' });
      await visitor.page.waitForURL((url) => url.pathname === '/signin');
      await tid(visitor.page, 'signin-email').waitFor({ state: 'visible' });
      await s.shot('signed-out-again');
    }));

  test('E2E45 "Sign out everywhere" on one device sends the same person on another device to sign-in at once', () =>
    scene('E2E45', async (s) => {
      const owner = await s.add(signInWithDemoLink(browser, demoLink(server, 'owner'), { label: 'owner' }));
      const email = `${marker('two-devices')}@example.test`;
      const desk = await s.add(
        newMemberViaApi(browser, server, owner, {
          label: 'desk',
          name: 'Two devices',
          email,
          role: 'observer',
          stakeholderId: null,
        }),
      );
      // The same person on a second device: a session of its own, signed in on the form.
      const phone = await s.add(newPerson(browser, 'phone'));
      await phone.page.goto(`${server.url}/signin?next=/b/demo`, { waitUntil: 'domcontentloaded' });
      await tid(phone.page, 'signin-email').fill(email);
      await tid(phone.page, 'signin-password').fill(TEST_PASSWORD);
      await tid(phone.page, 'signin-submit').click();
      await phone.page.waitForURL((url) => url.pathname === '/b/demo');
      await waitForBoard(phone.page);

      await tid(desk.page, 'current-user').click();
      await tid(desk.page, 'signout-everywhere').click();
      await desk.page.waitForURL((url) => url.pathname === '/signin');
      // The other device is told by the server (its sockets close), not by a reload.
      await phone.page.waitForURL((url) => url.pathname === '/signin', { timeout: 5_000 });
      await tid(phone.page, 'signin-email').waitFor({ state: 'visible' });
      await s.shot('phone-signed-out');
      await phone.page.goto(`${server.url}/b/demo`, { waitUntil: 'domcontentloaded' });
      await phone.page.waitForURL((url) => url.pathname === '/signin');
    }));

  test('E2E12 private notes reach the other Ukraine member live and never the Russia delegate', () =>
    scene('E2E12', async (s) => {
      const owner = await s.add(signInWithDemoLink(browser, demoLink(server, 'owner'), { label: 'owner' }));
      const ua1 = await s.add(
        signInWithDemoLink(browser, demoLink(server, 'delegate', 'ukraine'), { label: 'ukraine-1' }),
      );
      const ua2 = await s.add(
        newMemberViaApi(
          browser,
          server,
          owner,
          {
            label: 'ukraine-2',
            name: 'Second Ukrainian',
            email: `${marker('ua2')}@example.test`,
            role: 'delegate',
            stakeholderId: 'ukraine',
          },
          { recordSockets: true },
        ),
      );
      const ru = await s.add(
        signInWithDemoLink(browser, demoLink(server, 'delegate', 'russia'), { label: 'russia', recordSockets: true }),
      );
      const pointId = await nthPointId(ua1.page, 8);
      const panelU1 = await selectPoint(ua1.page, pointId);
      const panelU2 = await selectPoint(ua2.page, pointId);
      const panelR = await selectPoint(ru.page, pointId);
      const panelO = await selectPoint(owner.page, pointId);
      await tid(panelU1, 'private-notes').waitFor({ state: 'visible' });
      await tid(panelU2, 'private-notes').waitFor({ state: 'visible' });
      await s.shot('selected');

      // Ukraine writes a note (inserted in one go, so it travels as one string).
      const note = marker('UA-private-note');
      const notesU1 = content(panelU1, 'private-notes');
      await notesU1.click();
      await ua1.page.keyboard.press('Control+End');
      await ua1.page.keyboard.insertText(note);
      await poll(() => editorText(notesU1)).toContain(note);
      await poll(
        () => editorText(content(panelU2, 'private-notes')),
        'the other Ukraine member sees the note',
      ).toContain(note);
      await s.shot('note-written');

      // Russia writes its own note: a barrier (Russia's sockets are live), and the reverse check.
      const ruNote = marker('RU-private-note');
      const notesR = content(panelR, 'private-notes');
      await notesR.click();
      await ru.page.keyboard.press('Control+End');
      await ru.page.keyboard.insertText(ruNote);
      await poll(() => editorText(notesR)).toContain(ruNote);
      // A public change made after the note also reaches Russia: its board socket is live.
      const rowU1 = positionRow(panelU1, 'ukraine');
      await tid(rowU1, 'position-stance').selectOption('support');
      await tid(rowU1, 'position-save').click();
      await poll(async () =>
        (await tid(positionRow(panelR, 'ukraine'), 'position-current').textContent())?.trim(),
      ).toBe(STANCE_LABEL.support);

      // Neither Russia nor the owner (United States) sees the Ukraine note, in the DOM or on the wire.
      expect(await tid(panelR, 'private-notes').filter({ hasText: note }).count(), 'russia: no UA note section').toBe(
        0,
      );
      expect(await ru.page.locator('body').textContent(), 'russia page text').not.toContain(note);
      expect(await owner.page.locator('body').textContent(), 'owner page text').not.toContain(note);
      // The wire check can see a note: the other Ukraine member's frames carry it, and Russia's own.
      expect(receivedText(ua2, note), 'the note travels to the other Ukraine member').toBe(true);
      expect(
        ru.sockets.some((w) => /demo(~|%7E)russia/i.test(w.url) && w.received.length > 0),
        `russia has its own notes socket (sockets: ${ru.sockets.map((w) => w.url).join(', ')})`,
      ).toBe(true);
      expect(receivedText(ru, note), 'a frame to russia carried the Ukraine note').toBe(false);
      const uaNotesSockets = ru.sockets.filter((w) => /demo(~|%7E)ukraine/i.test(w.url));
      expect(
        uaNotesSockets.map((w) => w.received.length),
        'russia received nothing on the Ukraine notes doc',
      ).toEqual(uaNotesSockets.map(() => 0));
      expect(await tid(panelO, 'private-notes').filter({ hasText: note }).count()).toBe(0);
      // ...and Ukraine does not see Russia's.
      expect(await ua1.page.locator('body').textContent()).not.toContain(ruNote);
      expect(await ua2.page.locator('body').textContent()).not.toContain(ruNote);
      await s.shot('isolated');

      // The note is stored: the other member still sees it after a reload.
      await ua2.page.reload({ waitUntil: 'domcontentloaded' });
      await waitForBoard(ua2.page);
      const again = await selectPoint(ua2.page, pointId);
      await poll(() => editorText(content(again, 'private-notes')), 'note after reload').toContain(note);
      await s.shot('after-reload');
    }));
});
