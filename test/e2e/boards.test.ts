/**
 * End-to-end: boards of one's own, from the UI. One real server (fresh data dir) and one
 * headless Chromium for the file; every test opens its own browser contexts and closes them
 * when it ends, after screenshotting every window if it failed. Steps are checked by polling
 * the DOM (never fixed sleeps) and screenshotted into test/artifacts/.
 *
 * E2E22 creates a board from the "New board" form and invites a second person into it;
 * E2E23 imports a Markdown plan with its preview (and refuses a bad file, creating nothing);
 * E2E24 exports from the board's menu. The tests are independent of each other.
 */
import fs from 'node:fs';
import type { Browser, Download, Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { LIVE_TIMEOUT, demoLink, poll, signInWithDemoLink, tid, type Person } from '../helpers/people.ts';
import type { RunningServer } from '../helpers/server.ts';
import { e2eStage } from '../helpers/stage.ts';

let server: RunningServer;
let browser: Browser;
const { scene } = e2eStage((started) => ({ server, browser } = started));

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

describe('e2e: boards of one’s own', () => {
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
      expect(json.suggestedFilename().replace(/\.json$/, '')).toBe(md.suggestedFilename().replace(/\.md$/, ''));
      const board = JSON.parse(await downloadedText(json)) as { meta: { title: string }; points: unknown[] };
      expect(board.points).toHaveLength(28);
      expect(board).toEqual(JSON.parse(await serverExport(owner, 'demo', 'json')));
      await s.shot('exported');
    }));
});
