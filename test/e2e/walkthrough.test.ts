/**
 * End-to-end: issue 12's "Done when", tried as a new user would, in one story with two
 * browsers: sign up, create a board from a Markdown plan, invite a delegate who states a
 * position, move and delete points, export Markdown, re-import it, and get the same board.
 * One real server (fresh data dir) and Chromium; screenshots go to test/artifacts/.
 */
import fs from 'node:fs';
import type { Browser, Download, Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import {
  LIVE_TIMEOUT,
  expectCurrentUser,
  marker,
  newPerson,
  poll,
  positionRow,
  selectPoint,
  tid,
} from '../helpers/people.ts';
import type { RunningServer } from '../helpers/server.ts';
import { e2eStage } from '../helpers/stage.ts';

let server: RunningServer;
let browser: Browser;
const { scene } = e2eStage((started) => ({ server, browser } = started));

const PLAN = `# Framework for the talks

A first draft, for every delegation's feedback.

## Security

1. **Ceasefire along the line of contact**
   Both sides hold their positions from the day of signature.
2. Exchange of prisoners
   All for all, within thirty days.
3. Demining of agricultural land

## Monitoring

1. Monitoring mission
   Observers report every week.
`;

const PASSWORD = 'correct-horse-battery-staple';

async function signUpInTheUi(page: Page, name: string): Promise<void> {
  await tid(page, 'signup-name').fill(name);
  await tid(page, 'signup-email').fill(`${name.toLowerCase()}@example.test`);
  await tid(page, 'signup-password').fill(PASSWORD);
  await tid(page, 'signup-submit').click();
}

async function downloadMarkdown(page: Page): Promise<{ text: string; name: string }> {
  await tid(page, 'board-menu').click();
  const [download]: [Download, void] = await Promise.all([
    page.waitForEvent('download', { timeout: LIVE_TIMEOUT }),
    tid(page, 'export-md').click(),
  ]);
  const file = await download.path();
  if (!file) throw new Error(`download failed: ${String(await download.failure())}`);
  return { text: fs.readFileSync(file, 'utf8'), name: download.suggestedFilename() };
}

async function importMarkdown(page: Page, name: string, text: string): Promise<string> {
  await page.goto(`${server.url}/new`, { waitUntil: 'domcontentloaded' });
  await tid(page, 'new-board-start-import').check();
  await tid(page, 'import-file').setInputFiles({ name, mimeType: 'text/markdown', buffer: Buffer.from(text) });
  await tid(page, 'import-preview').waitFor({ state: 'visible' });
  const before = new URL(page.url()).pathname;
  await tid(page, 'new-board-submit').click();
  await page.waitForURL((url) => /^\/b\/[^/]+$/.test(url.pathname) && url.pathname !== before);
  return decodeURIComponent(new URL(page.url()).pathname.slice(3));
}

const titles = (page: Page) =>
  tid(page, 'point-item').evaluateAll((els) =>
    els.map(
      (el) =>
        `${el.getAttribute('data-number')}. ${el
          .querySelector('.title')
          ?.textContent?.replace(/^Point \d+:\s*/, '')
          .trim()}`,
    ),
  );

describe('e2e: the first five minutes of a drafting team', () => {
  test('E2E38 a new user signs up, imports a Markdown plan, invites a delegate who states a position, moves and deletes points, and an exported Markdown re-imports to the same board', () =>
    scene('E2E38', async (s) => {
      // Sign up in the UI, as a stranger would.
      const owner = await s.add(newPerson(browser, 'owner'));
      const page = owner.page;
      await page.goto(`${server.url}/signup`, { waitUntil: 'domcontentloaded' });
      await signUpInTheUi(page, marker('Dana'));
      await tid(page, 'board-new').waitFor({ state: 'visible', timeout: LIVE_TIMEOUT });

      // A board from the team's Markdown plan; the importer owns it as the drafting team.
      const boardId = await importMarkdown(page, 'framework.md', PLAN);
      await poll(() => titles(page)).toEqual([
        '1. Ceasefire along the line of contact',
        '2. Exchange of prisoners',
        '3. Demining of agricultural land',
        '4. Monitoring mission',
      ]);
      await expectCurrentUser(page, 'owner', await tid(page, 'current-user').getAttribute('data-stakeholder-id'));
      await s.shot('imported');

      // The owner adds a delegation and invites a delegate of it.
      await tid(page, 'members-open').click();
      const members = tid(page, 'members-panel');
      await members.waitFor({ state: 'visible' });
      await tid(members, 'stakeholder-add').click();
      await tid(members, 'stakeholder-add-name').fill('Northern Delegation');
      await tid(members, 'stakeholder-add-short').fill('ND');
      await tid(members, 'stakeholder-add-submit').click();
      await poll(() => tid(members, 'stakeholder-row').count()).toBe(2);
      await tid(members, 'invite-role').selectOption('delegate');
      await tid(members, 'invite-stakeholder').selectOption({ label: 'Northern Delegation' });
      const delegationId = await tid(members, 'invite-stakeholder').inputValue();
      await tid(members, 'invite-create').click();
      const link = tid(members, 'invite-link');
      await poll(() => link.inputValue()).toMatch(/\/invite\/[^/?#]+$/);
      const inviteUrl = (await link.inputValue()).replace(/^https?:\/\/[^/]+/, server.url);
      await page.keyboard.press('Escape');

      // The delegate signs up through the link and states a position on point 1.
      const delegate = await s.add(newPerson(browser, 'delegate'));
      await delegate.page.goto(inviteUrl, { waitUntil: 'domcontentloaded' });
      await signUpInTheUi(delegate.page, marker('Nadia'));
      await delegate.page.waitForURL((url) => url.pathname === `/b/${boardId}`);
      await expectCurrentUser(delegate.page, 'delegate', delegationId);
      const first = await tid(page, 'point-item').first().getAttribute('data-point-id');
      if (!first) throw new Error('no first point');
      const row = positionRow(await selectPoint(delegate.page, first), delegationId);
      await tid(row, 'position-stance').selectOption('oppose');
      await tid(row, 'position-rationale').fill('Too early for a line of contact');
      await tid(row, 'position-save').click();
      const ownerRow = positionRow(await selectPoint(page, first), delegationId);
      await poll(() => tid(ownerRow, 'position-current').textContent()).toMatch(/Oppose/);
      await s.shot('position-stated');

      // The owner moves point 2 down by keyboard and deletes point 3; the delegate sees both.
      const second = page.locator('[data-testid="point-item"][data-number="2"]');
      await second.focus();
      await page.keyboard.press('Alt+ArrowDown');
      const afterMove = [
        '1. Ceasefire along the line of contact',
        '2. Demining of agricultural land',
        '3. Exchange of prisoners',
        '4. Monitoring mission',
      ];
      await poll(() => titles(page)).toEqual(afterMove);
      await poll(() => titles(delegate.page)).toEqual(afterMove);
      const doomed = await page.locator('[data-testid="point-item"][data-number="3"]').getAttribute('data-point-id');
      const panel = await selectPoint(page, doomed!);
      await tid(panel, 'point-actions').click();
      await tid(page, 'point-delete').click();
      await tid(page, 'undo-notice').waitFor({ state: 'visible' });
      const afterDelete = [
        '1. Ceasefire along the line of contact',
        '2. Demining of agricultural land',
        '3. Monitoring mission',
      ];
      await poll(() => titles(page)).toEqual(afterDelete);
      await poll(() => titles(delegate.page)).toEqual(afterDelete);
      await s.shot('moved-and-deleted');

      // Export, re-import as a new board, export again: the same Markdown.
      const exported = await downloadMarkdown(page);
      expect(exported.text).toContain('Northern Delegation');
      expect(exported.text).toContain('Too early for a line of contact');
      expect(exported.text).not.toContain('Exchange of prisoners');
      const copyId = await importMarkdown(page, exported.name, exported.text);
      expect(copyId).not.toBe(boardId);
      await poll(() => titles(page)).toEqual(afterDelete);
      const again = await downloadMarkdown(page);
      expect(again.text).toBe(exported.text);
      await s.shot('reimported');
    }));
});
