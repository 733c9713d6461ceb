/**
 * End-to-end: searching within a board, and every board from the board list, in two
 * browser contexts at once: one writes, the other searches and opens what it finds.
 */
import type { Browser, Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { axeViolations, describeViolations } from '../helpers/axe.ts';
import {
  demoLink,
  marker,
  newPerson,
  nthPointId,
  openThread,
  poll,
  selectPoint,
  signInWithDemoLink,
  signUpViaApi,
  tid,
} from '../helpers/people.ts';
import type { RunningServer } from '../helpers/server.ts';
import { e2eStage } from '../helpers/stage.ts';

let server: RunningServer;
let browser: Browser;
const { scene } = e2eStage((started) => ({ server, browser } = started));

/** A plan whose every point title holds the word: more hits than the list shows at once (50). */
const MANY_HITS = 80;
const MANY_WORD = 'verification';

function manyHitsPlan(): string {
  const points = Array.from({ length: MANY_HITS }, (_, i) => `${i + 1}. **Verification step ${i + 1}**\n`);
  return ['# Many hits', '', '## Steps', '', ...points].join('\n');
}

const activeHit = (page: Page) =>
  page.evaluate(() => {
    const id = document.querySelector('[data-testid="search-input"]')?.getAttribute('aria-activedescendant');
    const option = id ? document.getElementById(id) : null;
    return option?.getAttribute('aria-selected') === 'true' ? option.textContent?.trim() : null;
  });

describe('searching a board', () => {
  test('SEARCH6 "/" puts the cursor in the board’s search; a word of a comment written in another context is found live, marked in the result, and Enter opens its point with the comment in view and the word marked there; a word of a title is marked in the point’s title, and another query re-marks it without rebuilding the editor; Escape clears; the axe check is clean', () =>
    scene('SEARCH6', async (s) => {
      const A = await s.add(
        signInWithDemoLink(browser, demoLink(server, 'delegate', 'ukraine'), { label: 'A-ukraine' }),
      );
      const B = await s.add(signInWithDemoLink(browser, demoLink(server, 'observer'), { label: 'B-observer' }));
      const word = marker('Verifiable').replace('-', '');

      // B searches first: nothing yet.
      await tid(B.page, 'search-input').waitFor();
      await B.page.locator('[data-testid="point-panel"]').click({ position: { x: 5, y: 5 } });
      await B.page.keyboard.press('/');
      await expect(tid(B.page, 'search-input').evaluate((el) => el === document.activeElement)).resolves.toBe(true);
      await B.page.keyboard.type(word.toLowerCase());
      await poll(() => tid(B.page, 'search-count').textContent()).toBe('No matches');
      expect(new URL(B.page.url()).searchParams.get('q')).toBe(word.toLowerCase());

      // A writes it in a thread on point 5: B's results follow, live.
      const fifth = await nthPointId(A.page, 4);
      const panel = await selectPoint(A.page, fifth);
      await openThread(panel, `Monitoring must be ${word} by a third party.`);
      await poll(() => tid(B.page, 'search-count').textContent(), 'the live match').toBe('1 match');
      const hit = tid(B.page, 'search-hit').first();
      await expect(hit.getAttribute('data-field')).resolves.toBe('comment');
      await expect(hit.locator('mark').textContent()).resolves.toBe(word);
      await s.shot('results');
      const found = await axeViolations(B.page);
      expect(found, describeViolations(found)).toEqual([]);

      // Enter opens point 5, the comment in view with the word marked.
      await B.page.keyboard.press('Enter');
      await B.page.waitForURL((url) => url.searchParams.get('point') === fifth);
      const comment = B.page
        .locator('[data-testid="point-panel"] [data-testid="comment-body"]')
        .filter({ hasText: word });
      await poll(() => comment.locator('mark').textContent(), 'the word marked in the comment').toBe(word);
      await poll(() => comment.isVisible()).toBe(true);

      // A word of a title: the open point marks it in its title.
      await tid(B.page, 'search-input').fill('demining');
      await poll(() => tid(B.page, 'search-hit').first().getAttribute('data-field')).toBe('title');
      await tid(B.page, 'search-hit').first().click();
      await poll(() =>
        B.page.locator('[data-testid="point-panel"] [data-testid="point-title"] .cm-search-hit').textContent(),
      ).toBe('Demining');
      await s.shot('title-marked');

      // Another query re-marks the open point's text in place: the editor is not rebuilt.
      const titleEditor = B.page.locator('[data-testid="point-panel"] [data-testid="point-title"] .cm-editor');
      await titleEditor.evaluate((el) => ((el as HTMLElement).dataset['kept'] = 'yes'));
      await tid(B.page, 'search-input').fill('demin');
      await poll(() =>
        B.page.locator('[data-testid="point-panel"] [data-testid="point-title"] .cm-search-hit').textContent(),
      ).toBe('Demin');
      await expect(titleEditor.getAttribute('data-kept')).resolves.toBe('yes');

      // Ctrl+K comes back to the box from anywhere; Escape clears the search and the list returns.
      await B.page.locator('[data-testid="point-panel"]').click({ position: { x: 5, y: 5 } });
      await B.page.keyboard.press('Control+k');
      await expect(tid(B.page, 'search-input').evaluate((el) => el === document.activeElement)).resolves.toBe(true);
      await B.page.keyboard.press('Escape');
      await poll(() => tid(B.page, 'point-item').count(), 'the list back').toBe(28);
      expect(new URL(B.page.url()).searchParams.get('q')).toBeNull();
    }));

  test('SEARCH7 the point list filters by stance, delegation and threads from a form kept in the URL, and the search within the board shows only the points the filters leave', () =>
    scene('SEARCH7', async (s) => {
      const A = await s.add(
        signInWithDemoLink(browser, demoLink(server, 'delegate', 'ukraine'), { label: 'A-ukraine' }),
      );
      const B = await s.add(signInWithDemoLink(browser, demoLink(server, 'observer'), { label: 'B-observer' }));
      const third = await nthPointId(A.page, 2);
      const panel = await selectPoint(A.page, third);
      const row = panel.locator('[data-testid="position-row"][data-stakeholder-id="ukraine"]');
      await tid(row, 'position-stance').selectOption('oppose');
      await tid(row, 'position-save').click();
      await openThread(panel, `Who verifies this? ${marker('q')}`);

      await tid(B.page, 'list-filters').locator('summary').click();
      await tid(B.page, 'filter-stance').selectOption('oppose');
      await poll(() => tid(B.page, 'point-item').count(), 'the opposed points').toBe(1);
      await expect(tid(B.page, 'point-item').first().getAttribute('data-point-id')).resolves.toBe(third);
      expect(new URL(B.page.url()).searchParams.get('stance')).toBe('oppose');
      await expect(tid(B.page, 'filtered-count').textContent()).resolves.toContain('Showing 1 of 28 points');

      // Another delegation's stance: nobody else opposes it.
      await tid(B.page, 'filter-delegation').selectOption('us');
      await poll(() => tid(B.page, 'point-item').count(), 'points the US opposes').toBe(0);
      await tid(B.page, 'filter-delegation').selectOption('');
      await tid(B.page, 'filter-threads').selectOption('open');
      await poll(() => tid(B.page, 'point-item').count(), 'opposed, with open threads').toBe(1);
      await s.shot('filtered');

      // The search honours the filters: point 1's title is not among the opposed points.
      await tid(B.page, 'search-input').fill('ceasefire');
      await poll(() => tid(B.page, 'search-count').textContent()).toBe('No matches');
      await tid(B.page, 'filter-clear').click();
      await poll(() => tid(B.page, 'search-hit').count(), 'the hits once the filters are cleared').toBeGreaterThan(0);
      expect(new URL(B.page.url()).searchParams.get('stance')).toBeNull();
      expect(new URL(B.page.url()).searchParams.get('q')).toBe('ceasefire');
    }));

  test('SEARCH9 a search with more hits than one page lists the first 50, marked, with a button that shows the rest; the arrow keys move through the shown hits and down from the last one shows the next page', () =>
    scene('SEARCH9', async (s) => {
      const A = await s.add(newPerson(browser, 'A-owner'));
      await signUpViaApi(A, server, 'Search owner', `${marker('search-owner')}@example.test`);
      const created = await A.context.request.post(`${server.url}/api/boards/import`, {
        headers: { 'content-type': 'text/markdown' },
        data: manyHitsPlan(),
      });
      expect(created.status(), await created.text()).toBe(201);
      const boardId = ((await created.json()) as { id: string }).id;
      await A.page.goto(`${server.url}/b/${boardId}?q=${MANY_WORD}`, { waitUntil: 'domcontentloaded' });

      await poll(() => tid(A.page, 'search-count').textContent(), 'the count').toBe(`${MANY_HITS} matches`);
      await poll(() => tid(A.page, 'search-hit').count(), 'one page of hits').toBe(50);
      await expect(tid(A.page, 'search-hit').first().locator('mark').textContent()).resolves.toBe('Verification');
      const more = tid(A.page, 'search-more');
      await expect(more.textContent()).resolves.toContain(`Show ${MANY_HITS - 50} more`);
      await s.shot('first-page');

      // The arrow keys: up from the first goes round to the last one shown.
      await tid(A.page, 'search-input').focus();
      await expect(activeHit(A.page)).resolves.toContain('Verification step 1');
      await A.page.keyboard.press('ArrowDown');
      await expect(activeHit(A.page)).resolves.toContain('Verification step 2');
      await A.page.keyboard.press('ArrowUp');
      await A.page.keyboard.press('ArrowUp');
      await poll(() => activeHit(A.page)).toContain('Verification step 50');
      // Down from the last one shown: the next page comes, and the next hit is chosen.
      await A.page.keyboard.press('ArrowDown');
      await poll(() => activeHit(A.page), 'into the next page').toContain('Verification step 51');
      await expect(tid(A.page, 'search-hit').count()).resolves.toBe(MANY_HITS);
      await expect(more.count()).resolves.toBe(0);

      // A new query starts at one page again, and the button shows the rest.
      await tid(A.page, 'search-input').fill(`${MANY_WORD} step`);
      await poll(() => tid(A.page, 'search-hit').count(), 'one page again').toBe(50);
      await more.click();
      await poll(() => tid(A.page, 'search-hit').count(), 'every hit').toBe(MANY_HITS);
      await expect(tid(A.page, 'search-hit').last().locator('mark').allTextContents()).resolves.toEqual([
        'Verification',
        'step',
      ]);
      await s.shot('all');
    }));
});

/** The text of the option the search box points at (aria-activedescendant), if selected. */
const activeBoardHit = (page: Page) =>
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
      const first = await activeBoardHit(A.page);
      if (first !== 'demo') await A.page.keyboard.press('ArrowDown');
      await poll(() => activeBoardHit(A.page), 'the demo hit selected').toBe('demo');
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
