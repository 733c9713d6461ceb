/**
 * End-to-end: searching every board one is on, from the board list, in two browser
 * contexts at once: a delegate writes on the demo board, its owner searches from the list
 * and lands on what it found.
 */
import type { Browser, Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { axeViolations, describeViolations } from '../helpers/axe.ts';
import {
  demoLink,
  marker,
  nthPointId,
  openThread,
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

/** The text of the option the search box points at (aria-activedescendant), if selected. */
const activeHit = (page: Page) =>
  page.evaluate(() => {
    const input = document.querySelector('[data-testid="all-boards-search"] input');
    const id = input?.getAttribute('aria-activedescendant');
    const option = id ? document.getElementById(id) : null;
    return option?.getAttribute('aria-selected') === 'true' ? (option.getAttribute('data-board-id') ?? null) : null;
  });

describe('searching every board from the board list', () => {
  test('XSEARCH6 the board list searches every board the person is on: a word written in another context on the demo board and in an imported board of their own is found on both, grouped by board with the word marked; the query is in the URL; arrow keys and Enter open the comment on its board with the word marked there; the axe check is clean', () =>
    scene('XSEARCH6', async (s) => {
      const A = await s.add(signInWithDemoLink(browser, demoLink(server, 'owner', 'us'), { label: 'A-owner' }));
      const B = await s.add(
        signInWithDemoLink(browser, demoLink(server, 'delegate', 'ukraine'), { label: 'B-ukraine' }),
      );
      const word = marker('Fjordquill').replace('-', '');

      // A imports a plan of their own whose point holds the word (the API the "New board" page uses).
      const imported = await A.page.request.post(`${server.url}/api/boards/import?title=Coastal%20annex`, {
        headers: { 'content-type': 'text/markdown' },
        data: `# Coastal annex\n\n## Ports\n1. **${word} inspections**\n   Both ports agree.\n`,
      });
      expect(imported.status()).toBe(201);
      const annexId = ((await imported.json()) as { id: string }).id;

      // B writes the word in a comment on the demo's third point.
      const third = await nthPointId(B.page, 2);
      const panel = await selectPoint(B.page, third);
      await openThread(panel, `Who pays for the ${word} crews?`);

      // A searches from the board list: both boards, grouped, the word marked.
      await A.page.goto(`${server.url}/`);
      const input = A.page.locator('[data-testid="all-boards-search"] input');
      await input.fill(word.toLowerCase());
      await poll(() => tid(A.page, 'all-boards-hit').count(), 'hits on both boards').toBe(2);
      await expect(tid(A.page, 'all-boards-search-board').count()).resolves.toBe(2);
      const boards = await tid(A.page, 'all-boards-hit').evaluateAll((els) =>
        els.map((el) => [el.getAttribute('data-board-id'), el.getAttribute('data-field')]),
      );
      expect(boards).toEqual(
        expect.arrayContaining([
          ['demo', 'comment'],
          [annexId, 'title'],
        ]),
      );
      for (const mark of await A.page.locator('[data-testid="all-boards-hit"] mark').allTextContents()) {
        expect(mark).toBe(word);
      }
      await expect(tid(A.page, 'all-boards-search-status').textContent()).resolves.toBe('2 matches on 2 boards');
      expect(new URL(A.page.url()).searchParams.get('q')).toBe(word.toLowerCase());
      await s.shot('results');
      const found = await axeViolations(A.page);
      expect(found, describeViolations(found)).toEqual([]);

      // Arrow keys move through the results; Enter on the demo's comment opens it there.
      await input.focus();
      const first = await activeHit(A.page);
      if (first !== 'demo') await A.page.keyboard.press('ArrowDown');
      await poll(() => activeHit(A.page), 'the demo hit selected').toBe('demo');
      await A.page.keyboard.press('Enter');
      await A.page.waitForURL((url) => url.pathname === '/b/demo' && url.searchParams.get('point') === third);
      const comment = A.page
        .locator('[data-testid="point-panel"] [data-testid="comment-body"]')
        .filter({ hasText: word });
      await poll(() => comment.locator('mark').textContent(), 'the word marked in the comment').toBe(word);
      await poll(() => comment.isVisible()).toBe(true);
      await s.shot('opened');

      // Back returns to the results.
      await A.page.goBack();
      await poll(() => tid(A.page, 'all-boards-hit').count(), 'the results again').toBe(2);
    }));
});
