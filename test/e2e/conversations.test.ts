/**
 * End-to-end: comments as people expect them (issue 16), two people on the demo board at
 * once. One real server (fresh data dir), one Chromium, two contexts signed in by the demo
 * links:
 *   A = the demo owner (United States): edits the plan text and comments,
 *   B = the Ukraine delegate: reads the text, comments and reacts.
 * The tests run in order on one point and build on each other: E2E40 opens the anchored
 * thread the later ones reply and react in.
 */
import type { Locator, Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { editorText, marker, nthPointId, poll, selectPoint, threadById, tid } from '../helpers/people.ts';
import { e2eSharedStage } from '../helpers/stage.ts';
import { axeViolations, describeViolations } from '../helpers/axe.ts';

let A: Page;
let B: Page;
const { shot } = e2eSharedStage(
  [
    { label: 'A owner', role: 'owner' },
    { label: 'B ukraine', role: 'delegate', stakeholderId: 'ukraine' },
  ],
  (started) =>
    ({
      pages: [A, B],
    } = started),
);

const panel = (page: Page) => tid(page, 'point-panel');
const body = (page: Page) => tid(panel(page), 'point-body').locator('.cm-content');

let threadId = '';

/** Selects `words` in an editable CodeMirror text with the keyboard, as a person would. */
async function selectWords(page: Page, content: Locator, words: string): Promise<void> {
  const text = await editorText(content);
  const at = text.indexOf(words);
  expect(at, `"${words}" in the text`).toBeGreaterThanOrEqual(0);
  await content.click();
  await page.keyboard.press('Control+Home');
  for (let i = 0; i < at; i++) await page.keyboard.press('ArrowRight');
  for (let i = 0; i < words.length; i++) await page.keyboard.press('Shift+ArrowRight');
}

/** Selects `words` in a CodeMirror text with the mouse (a drag), as on a read-only text. */
async function dragSelect(page: Page, content: Locator, words: string): Promise<void> {
  // Measured and dragged with the page still (a smooth scroll may be under way).
  await page.evaluate(() => window.scrollTo({ top: 0, behavior: 'instant' }));
  const box = await content.evaluate((root, wanted) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const at = node.textContent?.indexOf(wanted) ?? -1;
      if (at < 0) continue;
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + 1);
      const first = range.getBoundingClientRect();
      range.setStart(node, at + wanted.length - 1);
      range.setEnd(node, at + wanted.length);
      const last = range.getBoundingClientRect();
      return {
        x0: first.left + 1,
        y0: (first.top + first.bottom) / 2,
        x1: last.right - 1,
        y1: (last.top + last.bottom) / 2,
      };
    }
    return null;
  }, words);
  expect(box, `"${words}" in the text`).not.toBeNull();
  await page.mouse.move(box!.x0, box!.y0);
  await page.mouse.down();
  await page.mouse.move((box!.x0 + box!.x1) / 2, box!.y1, { steps: 4 });
  await page.mouse.move(box!.x1, box!.y1, { steps: 4 });
  await page.mouse.up();
}

/** The page as it stands is axe-clean (WCAG 2 A/AA). */
async function expectAxeClean(page: Page, where: string): Promise<void> {
  await page.waitForTimeout(250); // fades settle: axe reads colours as painted
  expect(describeViolations(await axeViolations(page)), `axe: ${where}`).toBe('');
}

const highlight = (page: Page) => body(page).locator(`.cm-thread-anchor[data-thread-id="${threadId}"]`);

describe('conversations (two windows)', () => {
  test('E2E40 A selects words of a point and comments on them: B sees the thread with the quote and the span highlighted; the highlight follows A\'s edit before it; a click on it shows the thread; once A deletes the span both read "The commented text was deleted" with the quote', async () => {
    const pointId = await nthPointId(A, 2);
    await selectPoint(A, pointId);
    await selectPoint(B, pointId);
    const words = 'Placeholder wording';
    await selectWords(A, body(A), words);

    const comment = tid(panel(A), 'comment-on-selection');
    await comment.waitFor({ state: 'visible' });
    expect(await comment.getAttribute('aria-keyshortcuts')).toBe('Control+Alt+M');
    await expectAxeClean(A, 'the Comment button on a selection');
    await shot('E2E40', 'selected');
    await comment.click();
    await poll(() => tid(panel(A), 'thread-new-quote').textContent(), 'the form quotes the selection').toBe(words);
    await shot('E2E40', 'form');
    expect(await comment.count(), 'the Comment button goes with the selection it was for').toBe(0);
    const question = marker('Which-wording');
    await tid(panel(A), 'thread-new-body').fill(`Is this final? ${question}`);
    await tid(panel(A), 'thread-new-submit').click();

    const threadA = tid(panel(A), 'thread').filter({ hasText: question });
    await threadA.waitFor({ state: 'visible' });
    threadId = (await threadA.getAttribute('data-thread-id')) ?? '';
    expect(threadId).not.toBe('');
    const threadB = threadById(B, threadId);
    await threadB.waitFor({ state: 'visible' });
    await poll(() => tid(threadB, 'thread-quote').textContent(), 'B sees the quote').toContain(words);
    await poll(() => highlight(B).allTextContents(), 'B sees the span highlighted').toEqual([words]);
    await poll(() => highlight(A).allTextContents(), 'A sees the span highlighted').toEqual([words]);
    await shot('E2E40', 'anchored');
    await expectAxeClean(B, 'an anchored thread and its highlight');

    // A types before the span: the highlight stays on the same words in both windows.
    const edit = marker('Edited');
    await body(A).click();
    await A.keyboard.press('Control+Home');
    await A.keyboard.type(`${edit} `);
    await poll(() => editorText(body(B)), 'B sees the edit').toContain(edit);
    await poll(() => highlight(B).allTextContents(), 'the highlight follows the edit').toEqual([words]);
    await poll(() => highlight(A).allTextContents()).toEqual([words]);

    // A click on the highlight brings its thread into view, its quote focused.
    await highlight(B).first().click();
    await poll(() =>
      B.evaluate(() => document.activeElement?.closest('[data-testid="thread"]')?.getAttribute('data-thread-id')),
    ).toBe(threadId);

    // A click on the quote selects the span in the text; A deletes it.
    await tid(threadA, 'thread-quote').click();
    await poll(() => A.evaluate(() => getSelection()?.toString() ?? ''), 'the quote selects its span').toBe(words);
    await A.keyboard.press('Backspace');
    for (const [page, thread] of [
      [A, threadA],
      [B, threadB],
    ] as const) {
      const gone = tid(thread, 'thread-quote-deleted');
      await gone.waitFor({ state: 'visible' });
      expect(await gone.textContent()).toContain('The commented text was deleted');
      expect(await gone.textContent()).toContain(words);
      await poll(() => highlight(page).count(), 'no highlight is left').toBe(0);
    }
    await shot('E2E40', 'span-deleted');

    // B, a delegate, cannot edit the text but comments on it the same way.
    await dragSelect(B, body(B), 'Working text');
    await tid(panel(B), 'comment-on-selection').click();
    await poll(() => tid(panel(B), 'thread-new-quote').textContent(), "B's form quotes B's selection").toBe(
      'Working text',
    );
    await tid(panel(B), 'thread-new-body').press('Escape');
    await poll(() => tid(panel(B), 'thread-new-form').count(), 'Escape closes the form').toBe(0);

    // From the keyboard, Tab reaches the Comment button after the text.
    await selectWords(A, body(A), 'Working');
    await A.keyboard.press('Tab');
    await poll(() => A.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(
      'comment-on-selection',
    );
    await A.keyboard.press('Enter');
    await poll(() => tid(panel(A), 'thread-new-quote').textContent(), 'the button opens the form').toBe('Working');
    await A.keyboard.press('Escape');

    // The keyboard way: Ctrl+Alt+M on a selection, announced on the text as its shortcut.
    expect(await body(A).getAttribute('aria-keyshortcuts')).toBe('Control+Alt+M');
    expect(await body(B).getAttribute('aria-keyshortcuts'), 'not where it does nothing').toBeNull();
    await selectWords(A, body(A), 'Working text');
    await A.keyboard.press('Control+Alt+M');
    await poll(() => tid(panel(A), 'thread-new-quote').textContent(), 'Ctrl+Alt+M opens the form').toBe('Working text');
    await poll(() => A.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('thread-new-body');
    await A.keyboard.press('Escape');
  });

  test('E2E41 A\'s cursor shows in B\'s text only while A is in it; while A types a reply B sees "Demo owner (United States) is typing…" in that thread, gone once A sends', async () => {
    await body(A).click();
    await A.keyboard.press('End');
    await poll(() => tid(panel(B), 'point-body').locator('.cm-ySelectionCaret').count(), "B sees A's cursor").toBe(1);

    const threadA = threadById(A, threadId);
    const threadB = threadById(B, threadId);
    const reply = tid(threadA, 'thread-reply-body');
    await reply.click();
    await poll(
      () => tid(panel(B), 'point-body').locator('.cm-ySelectionCaret').count(),
      "A's cursor leaves B's text with A",
    ).toBe(0);

    const text = marker('Agreed');
    await A.keyboard.type(`We agree. ${text}`, { delay: 20 });
    await poll(() => tid(threadB, 'typing-note').textContent(), 'B sees A typing').toContain(
      'Demo owner (United States) is typing…',
    );
    expect(await tid(panel(B), 'typing-note').count(), 'only in that thread').toBe(1);
    await shot('E2E41', 'typing');
    await A.keyboard.press('Control+Enter');
    await poll(() => tid(threadB, 'comment-body').last().textContent(), 'B sees the reply').toContain(text);
    await poll(() => tid(threadB, 'typing-note').count(), '"typing…" goes when A sends').toBe(0);

    // A new thread being written on the point shows in the point's threads, until its box is left.
    await tid(panel(B), 'thread-new').click();
    await tid(panel(B), 'thread-new-body').pressSequentially('A question');
    const onPoint = tid(panel(A), 'threads-typing').locator('[data-testid="typing-note"]');
    await poll(() => onPoint.textContent(), 'A sees B writing a new thread').toContain(
      'Ukraine delegate (Ukraine) is typing…',
    );
    await tid(panel(B), 'thread-new-body').press('Escape');
    await poll(() => onPoint.count(), 'gone when B leaves the form').toBe(0);
  });

  test('E2E42 A types "@Ukr" in a reply: the list suggests the Ukraine delegate (by delegation), A picks them with the keyboard and sends; both windows show the mention as a chip, not a link', async () => {
    const threadA = threadById(A, threadId);
    const reply = tid(threadA, 'thread-reply-body');
    await reply.click();
    await A.keyboard.type('Thanks @Ukr');
    const list = tid(threadA, 'mention-list');
    await list.waitFor({ state: 'visible' });
    expect(await list.getAttribute('role')).toBe('listbox');
    const option = tid(list, 'mention-option').first();
    expect(await option.textContent()).toContain('Ukraine delegate');
    expect(await option.textContent()).toContain('Ukraine');
    expect(await reply.getAttribute('aria-activedescendant')).toBe(await option.getAttribute('id'));
    await shot('E2E42', 'suggested');
    await expectAxeClean(A, 'the mention list');
    await A.keyboard.press('Enter');
    await poll(() => reply.inputValue()).toBe('Thanks @Ukraine delegate ');
    expect(await list.count(), 'the list closes on a choice').toBe(0);
    const text = marker('please-check');
    await A.keyboard.type(text);
    await A.keyboard.press('Control+Enter');

    for (const page of [A, B]) {
      const last = tid(threadById(page, threadId), 'comment').filter({ hasText: text });
      const chip = tid(last, 'mention-chip');
      await poll(() => chip.textContent(), `${page === A ? 'A' : 'B'} sees the chip`).toBe('@Ukraine delegate');
      expect(await chip.evaluate((el) => el.tagName), 'a chip, not a link').toBe('SPAN');
      expect(await last.locator('a').count()).toBe(0);
    }
    await shot('E2E42', 'chip');
  });

  test('E2E43 A reacts 👍 to the first comment: B sees 1; B adds the same: 2 for both; A takes hers back: 1, pressed for B only', async () => {
    const first = (page: Page) => tid(threadById(page, threadId), 'comment').first();
    const thumbs = (page: Page) => tid(first(page), 'reaction').and(page.locator('[data-reaction="thumbs-up"]'));
    await tid(first(A), 'reaction-add').click();
    await tid(first(A), 'reaction-picker').waitFor({ state: 'visible' });
    await expectAxeClean(A, 'the reaction picker');
    await first(A).locator('[data-testid="reaction-choice"][data-reaction="thumbs-up"]').click();
    await poll(() => thumbs(B).getAttribute('data-count'), 'B sees 1').toBe('1');
    expect(await thumbs(B).getAttribute('aria-pressed')).toBe('false');
    await poll(() => thumbs(A).getAttribute('aria-pressed')).toBe('true');
    await poll(() => thumbs(B).getAttribute('title')).toBe('Demo owner reacted with thumbs up');

    await thumbs(B).click();
    for (const page of [A, B]) await poll(() => thumbs(page).getAttribute('data-count')).toBe('2');
    await shot('E2E43', 'two');
    await thumbs(A).click();
    for (const page of [A, B]) await poll(() => thumbs(page).getAttribute('data-count')).toBe('1');
    expect(await thumbs(A).getAttribute('aria-pressed')).toBe('false');
    expect(await thumbs(B).getAttribute('aria-pressed')).toBe('true');
  });

  test('E2E44 a 10,000-character comment shows folded with "Show more" (aria-expanded), and unfolds', async () => {
    const long = `${marker('Long')} ${'Several paragraphs of detailed reasoning. '.repeat(400)}`.slice(0, 10_000);
    const threadA = threadById(A, threadId);
    await tid(threadA, 'thread-reply-body').fill(long);
    await tid(threadA, 'thread-reply-submit').click();
    const comment = tid(threadById(B, threadId), 'comment').last();
    const text = tid(comment, 'comment-body');
    await poll(() => text.getAttribute('data-folded'), 'B sees it folded').toBe('true');
    const height = await text.evaluate((el) => el.getBoundingClientRect().height);
    expect(height, 'clipped to about eight lines').toBeLessThan(250);
    const more = tid(comment, 'comment-more');
    expect(await more.textContent()).toBe('Show more');
    expect(await more.getAttribute('aria-expanded')).toBe('false');
    await shot('E2E44', 'folded');
    await expectAxeClean(B, 'a folded comment, reactions and a mention chip');
    await more.click();
    await poll(() => more.textContent()).toBe('Show less');
    expect(await more.getAttribute('aria-expanded')).toBe('true');
    expect(await text.evaluate((el) => el.getBoundingClientRect().height)).toBeGreaterThan(height * 3);
  });
});
