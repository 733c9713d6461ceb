/**
 * End-to-end: boards of one's own, from the UI. One real server (fresh data dir) and one
 * headless Chromium for the file; every test opens its own browser contexts and closes them
 * when it ends, after screenshotting every window if it failed. Steps are checked by polling
 * the DOM (never fixed sleeps) and screenshotted into test/artifacts/.
 *
 * E2E22 creates a board from the "New board" form and invites a second person into it;
 * E2E23 imports a Markdown plan with its preview (and refuses bad files, creating nothing);
 * E2E24 exports from the board's menu; E2E25 manages boards from the list (rename, archive,
 * delete); E2E26 starts from the demo's shape; E2E27 re-imports an exported Markdown file.
 * The tests are independent of each other: each works with its own accounts and boards.
 */
import fs from 'node:fs';
import type { Browser, Download, Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import {
  LIVE_TIMEOUT,
  acceptInviteViaApi,
  createInviteViaApi,
  demoLink,
  expectCurrentUser,
  marker,
  newPerson,
  openThread,
  poll,
  selectPoint,
  signInWithDemoLink,
  signUpViaApi,
  threadById,
  tid,
  type Person,
} from '../helpers/people.ts';
import type { RunningServer } from '../helpers/server.ts';
import { e2eStage } from '../helpers/stage.ts';

let server: RunningServer;
let browser: Browser;
const { scene } = e2eStage((started) => ({ server, browser } = started));

const PLAN_TITLE = 'Framework for talks (imported)';
/**
 * A plan as people write it (a title, a description, `## ` categories, numbered points with
 * bodies), with the export's position and open-thread lines on its first point.
 */
const PLAN = `# ${PLAN_TITLE}

A working draft, circulated for feedback.

## Security

1. **Ceasefire along the line of contact**
   Both sides hold their positions from the day of signature.

   A second paragraph of the body.
   - *Drafting team*: Support — as drafted
   - *Northern Delegation*: Oppose — too early
   - Open thread (Northern Delegation): Who verifies the line?
2. Exchange of prisoners

## Monitoring

1) Monitoring mission
   Observers report every week.
`;
/** A position line with an unknown stance for an unknown delegation: refused, and the message names its line. */
const BAD_PLAN = `# A plan with a typo

## Security

1. **Ceasefire**
   - *Nowhere*: Perhaps
`;
const BAD_PLAN_LINE = 6;

/** An export's file name without its day and extension (a test may run across midnight). */
const undated = (fileName: string) => fileName.replace(/-\d{4}-\d{2}-\d{2}\.(md|json)$/, '');

/** Clicks `trigger` and returns the download it starts. */
async function downloadFrom(page: Page, click: () => Promise<void>): Promise<Download> {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: LIVE_TIMEOUT }), click()]);
  return download;
}

async function downloadedText(download: Download): Promise<string> {
  const file = await download.path();
  if (!file) throw new Error(`download ${download.suggestedFilename()} failed: ${String(await download.failure())}`);
  return fs.readFileSync(file, 'utf8');
}

/** The server's own export of a board, read with this person's session. */
async function serverExport(person: Person, boardId: string, format: 'md' | 'json'): Promise<string> {
  const res = await person.context.request.get(`${server.url}/api/boards/${boardId}/export?format=${format}`);
  expect(res.status(), `export ${format}`).toBe(200);
  return res.text();
}

/** A fresh account, signed up through the REST API, looking at the board list. */
async function signedUp(label: string): Promise<{ person: Person; name: string; email: string }> {
  const name = marker(label);
  const email = `${name.toLowerCase()}@example.test`;
  const person = await newPerson(browser, label);
  await signUpViaApi(person, server, name, email);
  await person.page.goto(`${server.url}/`, { waitUntil: 'domcontentloaded' });
  return { person, name, email };
}

/** The board ids this person's `GET /api/boards` lists. */
async function listedBoardIds(person: Person): Promise<string[]> {
  const res = await person.context.request.get(`${server.url}/api/boards`);
  expect(res.status()).toBe(200);
  return ((await res.json()) as { boards: { id: string }[] }).boards.map((b) => b.id);
}

describe('e2e: boards of one’s own', () => {
  test('E2E22 a new user creates a board with two delegations from the UI, invites a delegate, and sees their comment live', () =>
    scene('E2E22', async (s) => {
      const { person: creator } = await signedUp('Creator');
      await s.add(Promise.resolve(creator));
      const page = creator.page;
      // "You are not on any board yet" offers a new board.
      await tid(page, 'board-new').click();
      await page.waitForURL(/\/new$/);
      await tid(page, 'new-board-form').waitFor({ state: 'visible' });
      await s.shot('form');

      // Nothing typed: the title's error is shown next to it and nothing is created.
      await tid(page, 'new-board-submit').click();
      await tid(page, 'new-board-title-error').waitFor({ state: 'visible' });
      expect(await tid(page, 'new-board-title').getAttribute('aria-invalid')).toBe('true');
      expect(await tid(page, 'new-board-title').getAttribute('aria-describedby')).toBe(
        await tid(page, 'new-board-title-error').getAttribute('id'),
      );
      expect(await tid(page, 'new-stakeholder-error').count(), 'each unnamed delegation says so').toBe(2);
      expect(await listedBoardIds(creator)).toEqual([]);

      const title = marker('Ceasefire talks');
      await tid(page, 'new-board-title').fill(title);
      await tid(page, 'new-board-description').fill('Round 1 of the framework, for the two delegations.');
      // Two delegations (the form starts with two rows); a third is added and removed again.
      await tid(page, 'new-stakeholder-add').click();
      await poll(() => tid(page, 'new-stakeholder').count()).toBe(3);
      await tid(page, 'new-stakeholder-remove').nth(2).click();
      await poll(() => tid(page, 'new-stakeholder').count()).toBe(2);
      const names = tid(page, 'new-stakeholder-name');
      await names.nth(0).fill('Drafting team');
      await names.nth(1).fill('Northern Delegation');
      // Short labels follow the names; colours start different.
      expect(await tid(page, 'new-stakeholder-short').nth(0).inputValue()).toBe('DT');
      expect(await tid(page, 'new-stakeholder-short').nth(1).inputValue()).toBe('ND');
      const colors = await tid(page, 'new-stakeholder-color').evaluateAll((els) =>
        els.map((el) => (el as HTMLInputElement).value),
      );
      expect(new Set(colors).size).toBe(2);
      await tid(page, 'new-board-own').selectOption({ label: 'Drafting team' });
      await s.shot('filled');
      await tid(page, 'new-board-submit').click();

      // The creator lands on the new board, as its owner, in the drafting team.
      await page.waitForURL((url) => /^\/b\/[^/]+$/.test(url.pathname) && !url.pathname.endsWith('/demo'));
      const boardId = decodeURIComponent(new URL(page.url()).pathname.slice(3));
      expect(await listedBoardIds(creator)).toEqual([boardId]);
      await poll(() => tid(page, 'board-title').textContent()).toBe(title);
      const user = tid(page, 'current-user');
      await poll(() => user.getAttribute('data-role')).toBe('owner');
      const ownSid = await user.getAttribute('data-stakeholder-id');
      expect(ownSid).toBeTruthy();
      await poll(() => tid(page, 'status-badge').getAttribute('data-status')).toBe('saved');
      expect(await tid(page, 'point-item').count(), 'an empty start has no points').toBe(0);

      // The owner gives it a category and a point to talk about.
      await tid(page, 'category-add').click();
      await tid(page, 'category-add-title').fill('Humanitarian questions');
      await tid(page, 'category-add-submit').click();
      await tid(page, 'category').waitFor({ state: 'visible' });
      await tid(page, 'point-add').click();
      await tid(page, 'point-add-title').fill('Exchange of detainees');
      await tid(page, 'point-add-submit').click();
      await poll(() => tid(page, 'point-item').count()).toBe(1);
      const pointId = await tid(page, 'point-item').first().getAttribute('data-point-id');
      if (!pointId) throw new Error('the new point has no id');
      const panelO = await selectPoint(page, pointId);

      // Both delegations are on the board; the owner invites a delegate of the other one.
      await tid(page, 'members-open').click();
      const members = tid(page, 'members-panel');
      await members.waitFor({ state: 'visible' });
      await poll(() => tid(members, 'stakeholder-row').count()).toBe(2);
      await tid(members, 'invite-role').selectOption('delegate');
      await tid(members, 'invite-stakeholder').selectOption({ label: 'Northern Delegation' });
      const otherSid = await tid(members, 'invite-stakeholder').inputValue();
      expect(otherSid).not.toBe(ownSid);
      await tid(members, 'invite-create').click();
      const linkInput = tid(members, 'invite-link');
      await linkInput.waitFor({ state: 'visible' });
      await poll(() => linkInput.inputValue()).toMatch(/\/invite\/[^/?#]+$/);
      const inviteUrl = (await linkInput.inputValue()).replace(/^https?:\/\/[^/]+/, server.url);
      await page.keyboard.press('Escape');
      await s.shot('invited');

      // A second person opens the link in another browser, signs up and lands on the board.
      const guest = await s.add(newPerson(browser, 'delegate'));
      const guestName = marker('Nadia');
      await guest.page.goto(inviteUrl, { waitUntil: 'domcontentloaded' });
      await tid(guest.page, 'signup-name').fill(guestName);
      await tid(guest.page, 'signup-email').fill(`${guestName.toLowerCase()}@example.test`);
      await tid(guest.page, 'signup-password').fill('correct-horse-battery-staple');
      await tid(guest.page, 'signup-submit').click();
      await guest.page.waitForURL((url) => url.pathname === `/b/${boardId}`);
      await expectCurrentUser(guest.page, 'delegate', otherSid);
      await poll(() => tid(guest.page, 'board-title').textContent()).toBe(title);
      await poll(() => tid(guest.page, 'point-item').count()).toBe(1);

      // The delegate comments; the creator sees it live, by the delegate's name.
      const panelG = await selectPoint(guest.page, pointId);
      const threadId = await openThread(panelG, `Our delegation asks for a timetable ${marker('c')}`);
      const threadO = threadById(panelO, threadId);
      await threadO.waitFor({ state: 'visible', timeout: LIVE_TIMEOUT });
      await poll(() => tid(threadO, 'comment-author').first().textContent()).toContain(guestName);
      await s.shot('commented');

      // Both list the board: the creator as owner, the guest as a delegate.
      await page.goto(`${server.url}/`, { waitUntil: 'domcontentloaded' });
      const link = page.locator(`[data-testid="board-link"][data-board-id="${boardId}"]`);
      await poll(() => link.getAttribute('data-role')).toBe('owner');
      expect(await link.textContent()).toContain(title);
    }));

  test('E2E23 a Markdown plan is previewed, counted and imported only on confirmation; a bad file shows its line (and column for JSON) and creates nothing', () =>
    scene('E2E23', async (s) => {
      const { person } = await signedUp('Importer');
      await s.add(Promise.resolve(person));
      const page = person.page;
      await tid(page, 'board-new').click();
      await page.waitForURL(/\/new$/);
      await tid(page, 'new-board-start-import').check();
      const fileInput = tid(page, 'import-file');
      await fileInput.waitFor({ state: 'visible' });
      expect(await tid(page, 'new-board-submit').isDisabled(), 'nothing to create before a file').toBe(true);

      // A bad file: the error, with its line number, is shown next to the file input.
      await fileInput.setInputFiles({ name: 'broken.md', mimeType: 'text/markdown', buffer: Buffer.from(BAD_PLAN) });
      const error = tid(page, 'import-error');
      await error.waitFor({ state: 'visible' });
      expect(await error.textContent()).toMatch(new RegExp(`line ${BAD_PLAN_LINE}\\b`, 'i'));
      expect(await fileInput.getAttribute('aria-invalid')).toBe('true');
      expect(await fileInput.getAttribute('aria-describedby')).toContain(await error.getAttribute('id'));
      expect(await tid(page, 'import-preview').count()).toBe(0);
      expect(await tid(page, 'new-board-submit').isDisabled()).toBe(true);
      await s.shot('bad-file');
      // Unreadable JSON: its line and column.
      await fileInput.setInputFiles({
        name: 'broken.json',
        mimeType: 'application/json',
        buffer: Buffer.from('{\n  "meta": {\n    "title": ,\n  }\n}\n'),
      });
      await poll(() => error.textContent()).toMatch(/line 3, column \d+/i);
      expect(await tid(page, 'new-board-submit').isDisabled()).toBe(true);
      expect(await listedBoardIds(person), 'a bad file creates nothing').toEqual([]);

      // A good plan: its preview counts what will be created; nothing exists yet.
      await fileInput.setInputFiles({ name: 'plan.md', mimeType: 'text/markdown', buffer: Buffer.from(PLAN) });
      const preview = tid(page, 'import-preview');
      await preview.waitFor({ state: 'visible' });
      expect(await tid(page, 'import-error').count()).toBe(0);
      const count = (kind: string) =>
        page.locator(`[data-testid="import-preview-count"][data-kind="${kind}"]`).textContent();
      expect(await count('categories')).toBe('2 categories');
      expect(await count('points')).toBe('3 points');
      expect(await count('stakeholders')).toBe('2 stakeholders');
      expect(await count('positions')).toBe('2 positions');
      expect(await count('threads')).toBe('1 thread');
      expect(await count('comments')).toBe('1 comment');
      expect(await preview.textContent()).toContain(PLAN_TITLE);
      // The title field shows the file's title.
      await poll(() => tid(page, 'new-board-title').inputValue()).toBe(PLAN_TITLE);
      await s.shot('preview');
      expect(await listedBoardIds(person), 'a preview creates nothing').toEqual([]);

      await tid(page, 'new-board-submit').click();
      await page.waitForURL((url) => /^\/b\/[^/]+$/.test(url.pathname));
      const boardId = decodeURIComponent(new URL(page.url()).pathname.slice(3));
      expect(await listedBoardIds(person)).toEqual([boardId]);
      await poll(() => tid(page, 'board-title').textContent()).toBe(PLAN_TITLE);
      await poll(() => tid(page, 'point-item').count()).toBe(3);
      await poll(() => tid(page, 'category').count()).toBe(2);
      const titles = await tid(page, 'point-item').evaluateAll((els) => els.map((el) => el.textContent ?? ''));
      expect(titles[0]).toContain('Ceasefire along the line of contact');
      expect(titles[2]).toContain('Monitoring mission');
      await poll(() => tid(page, 'current-user').getAttribute('data-role')).toBe('owner');
      await poll(() => tid(page, 'status-badge').getAttribute('data-status')).toBe('saved');
      await s.shot('imported');
    }));
  test("E2E26 the demo's shape prefills its four delegations, chosen by keyboard, and makes a board of four empty categories; /new signed out goes to sign-in", () =>
    scene('E2E26', async (s) => {
      const { person } = await signedUp('Shaper');
      await s.add(Promise.resolve(person));
      const page = person.page;
      await tid(page, 'board-new').click();
      await page.waitForURL(/\/new$/);
      // The title has the focus; Shift+Tab reaches the starts, and an arrow key picks the next one.
      await poll(() => tid(page, 'new-board-title').evaluate((el) => el === document.activeElement)).toBe(true);
      await tid(page, 'new-board-start-empty').focus();
      await page.keyboard.press('ArrowRight');
      await poll(() => tid(page, 'new-board-start-demo-shape').isChecked()).toBe(true);
      await poll(() => tid(page, 'new-stakeholder').count()).toBe(4);
      const names = await tid(page, 'new-stakeholder-name').evaluateAll((els) =>
        els.map((el) => (el as HTMLInputElement).value),
      );
      expect(names).toEqual(['United States', 'Russia', 'Ukraine', 'European partners']);
      await tid(page, 'new-board-own').selectOption({ label: 'Ukraine' });
      const title = marker('Shaped board');
      await tid(page, 'new-board-title').fill(title);
      await s.shot('demo-shape');
      await tid(page, 'new-board-title').press('Enter');

      await page.waitForURL((url) => /^\/b\/[^/]+$/.test(url.pathname));
      await poll(() => tid(page, 'board-title').textContent()).toBe(title);
      await poll(() => tid(page, 'category').count()).toBe(4);
      expect(await tid(page, 'point-item').count()).toBe(0);
      await poll(() => tid(page, 'current-user').getAttribute('data-role')).toBe('owner');
      expect(await tid(page, 'current-user').textContent()).toContain('Ukraine');
      await s.shot('created');

      // Signed out, /new asks to sign in first and comes back.
      const stranger = await s.add(newPerson(browser, 'signed-out'));
      await stranger.page.goto(`${server.url}/new`, { waitUntil: 'domcontentloaded' });
      await stranger.page.waitForURL((url) => url.pathname === '/signin' && url.searchParams.get('next') === '/new');
    }));

  test('E2E25 an owner renames, archives, unarchives and deletes a board from the list; a delegate gets none of these controls', () =>
    scene('E2E25', async (s) => {
      const { person: owner } = await signedUp('Owner');
      await s.add(Promise.resolve(owner));
      const title = marker('Board to manage');
      const created = await owner.context.request.post(`${server.url}/api/boards`, {
        data: { title, stakeholders: [{ name: 'Alpha' }, { name: 'Beta' }], ownStakeholder: 'Alpha' },
      });
      expect(created.status(), await created.text()).toBe(201);
      const boardId = ((await created.json()) as { id: string }).id;
      const exported = JSON.parse(await serverExport(owner, boardId, 'json')) as {
        stakeholders: { id: string; name: string }[];
      };
      const beta = exported.stakeholders.find((x) => x.name === 'Beta')?.id;
      if (!beta) throw new Error('no Beta stakeholder on the new board');
      const { person: delegate } = await signedUp('Delegate');
      await s.add(Promise.resolve(delegate));
      await acceptInviteViaApi(delegate, server, await createInviteViaApi(owner, server, 'delegate', beta, boardId));

      const item = (p: Person) => p.page.locator(`[data-testid="board-item"][data-board-id="${boardId}"]`);
      const link = (p: Person) => p.page.locator(`[data-testid="board-link"][data-board-id="${boardId}"]`);
      for (const p of [owner, delegate]) {
        await p.page.goto(`${server.url}/`, { waitUntil: 'domcontentloaded' });
        await link(p).waitFor({ state: 'visible' });
      }
      // Only the owner is offered rename, archive and delete.
      expect(await tid(item(delegate), 'board-rename').count()).toBe(0);
      expect(await tid(item(delegate), 'board-archive').count()).toBe(0);
      expect(await tid(item(delegate), 'board-delete').count()).toBe(0);
      expect(await link(delegate).getAttribute('data-role')).toBe('delegate');

      // Rename (Escape cancels; Enter saves).
      await tid(item(owner), 'board-rename').click();
      const input = tid(item(owner), 'board-rename-title');
      await poll(() => input.evaluate((el) => el === document.activeElement)).toBe(true);
      expect(await input.inputValue()).toBe(title);
      const renamed = marker('Renamed board');
      await input.fill(renamed);
      await owner.page.keyboard.press('Enter');
      await poll(() => link(owner).locator('.title').textContent()).toBe(renamed);
      await delegate.page.reload({ waitUntil: 'domcontentloaded' });
      await poll(() => link(delegate).locator('.title').textContent()).toBe(renamed);
      await s.shot('renamed');

      // Archive: listed apart, for the owner and the delegate; unarchive brings it back.
      await tid(item(owner), 'board-archive').click();
      const archivedList = tid(owner.page, 'board-list-archived');
      await poll(() => archivedList.locator(`[data-board-id="${boardId}"][data-testid="board-link"]`).count()).toBe(1);
      expect(await link(owner).getAttribute('data-archived')).toBe('true');
      expect(await tid(item(owner), 'board-archive').textContent()).toContain('Unarchive');
      expect(await tid(item(owner), 'board-rename').count(), 'archived is read-only: no rename').toBe(0);
      await delegate.page.reload({ waitUntil: 'domcontentloaded' });
      await poll(() => tid(delegate.page, 'board-list-archived').locator('[data-testid="board-link"]').count()).toBe(1);
      await s.shot('archived');
      await tid(item(owner), 'board-archive').click();
      await poll(() => tid(owner.page, 'board-list-archived').count()).toBe(0);
      await poll(() => tid(owner.page, 'board-list').locator(`[data-board-id="${boardId}"]`).count()).toBeGreaterThan(
        0,
      );

      // Delete asks for the title typed again; a wrong one cannot be sent.
      await tid(item(owner), 'board-delete').click();
      const confirm = tid(item(owner), 'board-delete-title');
      await confirm.waitFor({ state: 'visible' });
      const submit = tid(item(owner), 'board-delete-submit');
      await confirm.fill(renamed.toUpperCase());
      expect(await submit.isDisabled()).toBe(true);
      await confirm.fill(renamed);
      expect(await submit.isDisabled()).toBe(false);
      await s.shot('delete-confirm');
      await submit.click();
      await poll(() => link(owner).count()).toBe(0);
      await tid(owner.page, 'board-new').waitFor({ state: 'visible' }); // "not on any board yet" again
      expect(await listedBoardIds(owner)).toEqual([]);
      expect(await listedBoardIds(delegate)).toEqual([]);
      await s.shot('deleted');
    }));

  test('E2E27 the Markdown the board menu downloads, imported from the New board form, exports the same Markdown', () =>
    scene('E2E27', async (s) => {
      const owner = await s.add(signInWithDemoLink(browser, demoLink(server, 'owner'), { label: 'owner' }));
      const page = owner.page;
      await tid(page, 'board-menu').click();
      const first = await downloadFrom(page, () => tid(page, 'export-md').click());
      const markdown = await downloadedText(first);
      const file = await first.path();
      if (!file) throw new Error('no downloaded file');

      await page.goto(`${server.url}/new`, { waitUntil: 'domcontentloaded' });
      await tid(page, 'new-board-start-import').check();
      await tid(page, 'import-file').setInputFiles({
        name: first.suggestedFilename(),
        mimeType: 'text/markdown',
        buffer: fs.readFileSync(file),
      });
      await tid(page, 'import-preview').waitFor({ state: 'visible' });
      const count = (kind: string) =>
        page.locator(`[data-testid="import-preview-count"][data-kind="${kind}"]`).textContent();
      expect(await count('categories')).toBe('4 categories');
      expect(await count('points')).toBe('28 points');
      await tid(page, 'new-board-submit').click();
      await page.waitForURL((url) => /^\/b\/[^/]+$/.test(url.pathname) && url.pathname !== '/b/demo');
      await poll(() => tid(page, 'point-item').count()).toBe(28);
      await s.shot('imported');

      await tid(page, 'board-menu').click();
      const second = await downloadFrom(page, () => tid(page, 'export-md').click());
      expect(undated(second.suggestedFilename())).toBe(undated(first.suggestedFilename()));
      expect(await downloadedText(second)).toBe(markdown);
    }));

  test('E2E24 the board menu exports Markdown and JSON as downloads named after the board', () =>
    scene('E2E24', async (s) => {
      const owner = await s.add(signInWithDemoLink(browser, demoLink(server, 'owner'), { label: 'owner' }));
      const page = owner.page;
      const menu = tid(page, 'board-menu');
      await menu.click();
      expect(await menu.getAttribute('aria-expanded')).toBe('true');
      await tid(page, 'export-md').waitFor({ state: 'visible' });
      await s.shot('menu-open');

      const md = await downloadFrom(page, () => tid(page, 'export-md').click());
      expect(md.suggestedFilename()).toMatch(/^[a-z0-9-]+-\d{4}-\d{2}-\d{2}\.md$/);
      expect(md.suggestedFilename()).not.toMatch(/^board-/); // named after the title, not a fallback
      const mdText = await downloadedText(md);
      expect(mdText).toBe(await serverExport(owner, 'demo', 'md'));
      expect(mdText).toMatch(/^# .+\n/);
      // The menu closes after the download and hands focus back to its button.
      await poll(() => tid(page, 'export-md').count()).toBe(0);
      await poll(() => menu.evaluate((el) => el === document.activeElement)).toBe(true);

      // By keyboard: Enter opens the menu on its first item, ArrowDown moves to JSON.
      await page.keyboard.press('Enter');
      await tid(page, 'export-json').waitFor({ state: 'visible' });
      await page.keyboard.press('ArrowDown');
      await poll(() => tid(page, 'export-json').evaluate((el) => el === document.activeElement)).toBe(true);
      const json = await downloadFrom(page, () => page.keyboard.press('Enter'));
      expect(json.suggestedFilename()).toMatch(/^[a-z0-9-]+-\d{4}-\d{2}-\d{2}\.json$/);
      expect(undated(json.suggestedFilename())).toBe(undated(md.suggestedFilename()));
      const board = JSON.parse(await downloadedText(json)) as { meta: { title: string }; points: unknown[] };
      expect(board.points).toHaveLength(28);
      expect(board).toEqual(JSON.parse(await serverExport(owner, 'demo', 'json')));
      await s.shot('exported');
    }));
});
