/**
 * End-to-end: the negotiation record (`/b/<id>/record`) in three browser contexts. The
 * owner publishes a version, the drafting editor changes a point, a position and opens a
 * thread, and a delegate's record shows all of it, prints to PDF on A4 and Letter with
 * page numbers, and downloads as a Word document.
 */
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { strFromU8, unzipSync } from 'fflate';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describe, expect, test } from 'vitest';
import { STANCE_LABEL, type Stance } from '@parley/shared/model';
import { axeViolations, describeViolations } from '../helpers/axe.ts';
import { waitForSaved } from '../helpers/offline.ts';
import {
  demoLink,
  marker,
  nthPointId,
  openThread,
  poll,
  positionRow,
  selectPoint,
  signInWithDemoLink,
  tid,
} from '../helpers/people.ts';
import { typeInCodeMirror } from '../helpers/browser.ts';
import type { RunningServer } from '../helpers/server.ts';
import { e2eStage } from '../helpers/stage.ts';

let server: RunningServer;
let browser: Browser;
const { scene } = e2eStage((started) => ({ server, browser } = started));

/** Every page's text of a PDF, as pdf.js reads it (Chromium compresses its streams). */
async function pdfText(bytes: Buffer): Promise<string[]> {
  const pdf = await getDocument({ data: new Uint8Array(bytes), useSystemFonts: false }).promise;
  const pages: string[] = [];
  for (let n = 1; n <= pdf.numPages; n++) {
    const content = await (await pdf.getPage(n)).getTextContent();
    pages.push(content.items.map((i) => ('str' in i ? i.str : '')).join(' '));
  }
  await pdf.destroy();
  return pages;
}

const collapse = (s: string) => s.replace(/\s+/g, ' ');
/** Without whitespace: pdf.js splits ligatures ("ﬁ") into items of their own, spaced apart. */
const squash = (s: string) => s.replace(/\s+/g, '');

async function publish(page: Page, name: string): Promise<string> {
  const res = await page.request.post(`${server.url}/api/boards/demo/versions`, {
    data: { name },
    headers: { origin: server.url },
  });
  expect(res.status()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

describe('negotiation record', () => {
  test('ROUND17 the record page shows the matrix with stance symbols and words, each changed point’s word diff against the version and the open threads; it prints to PDF on A4 and Letter with the title, the changed words and page numbers, downloads as a Word document whose added words are a tracked insertion by their author, and the axe check is clean', () =>
    scene('ROUND17', async (s) => {
      const editor = await s.add(signInWithDemoLink(browser, demoLink(server, 'editor'), { label: 'A-editor' }));
      const owner = await s.add(signInWithDemoLink(browser, demoLink(server, 'owner'), { label: 'B-owner' }));
      const version = await publish(editor.page, 'Round 1 draft');

      // The owner changes a point's text and its own delegation's position, and opens a thread.
      const pointId = await nthPointId(owner.page, 2);
      const panel = await selectPoint(owner.page, pointId);
      const added = marker('Monitored jointly');
      await typeInCodeMirror(owner.page, tid(panel, 'point-body'), ` ${added}.`);
      const row = positionRow(panel, 'us');
      const before = (await tid(row, 'position-current').textContent())!.trim();
      const after: Stance = before === STANCE_LABEL.oppose ? 'support' : 'oppose';
      await tid(row, 'position-stance').selectOption(after);
      await tid(row, 'position-save').click();
      await poll(async () => (await tid(row, 'position-current').textContent())?.trim()).toBe(STANCE_LABEL[after]);
      const question = marker('Who verifies the line');
      await openThread(panel, question);
      await waitForSaved(owner.page, 'the owner’s changes');

      const reader = await s.add(
        signInWithDemoLink(browser, demoLink(server, 'delegate', 'ukraine'), { label: 'C-ukraine' }),
      );
      const page = reader.page;
      await page.goto(`${server.url}/b/demo/record?from=${version}`);
      await tid(page, 'record-matrix').waitFor({ state: 'visible' });
      const title = (await tid(page, 'record-title').textContent())!.trim();
      await expect(tid(page, 'record-against').textContent()).resolves.toContain('Record against Round 1 draft');

      // The matrix: symbol and words in every cell, and what a changed position was.
      const matrixRow = tid(page, 'record-matrix').locator('tbody tr').nth(2);
      await expect(matrixRow.locator('.standing-symbol').count()).resolves.toBe(4);
      const rowText = collapse((await matrixRow.textContent()) ?? '');
      expect(rowText).toContain(STANCE_LABEL[after]);
      expect(rowText).toContain(`was ${before}`);

      // The changed point's word diff, and the open thread with its comment.
      const diff = tid(page, 'record-point').and(page.locator(`[data-point-id="${pointId}"]`));
      await expect(tid(diff, 'record-point-diff').locator('ins').allTextContents()).resolves.toEqual([
        expect.stringContaining(added),
      ]);
      await expect(tid(page, 'record-thread').filter({ hasText: question }).count()).resolves.toBe(1);
      await s.shot('record');

      const found = await axeViolations(page);
      expect(found, describeViolations(found)).toEqual([]);

      // Printed: no picker or buttons, the title, the changed words, a page number on each page.
      for (const format of ['A4', 'Letter'] as const) {
        const pages = (await pdfText(await page.pdf({ format }))).map(squash);
        const text = pages.join('');
        expect(pages.length, format).toBeGreaterThan(1);
        for (const words of [title, added, question]) expect(text, format).toContain(squash(words));
        expect(text, format).not.toContain('DownloadWord');
        pages.forEach((p, i) => expect(p, `${format} page ${i + 1}`).toContain(`${i + 1}/${pages.length}`));
      }

      // The Word document downloads.
      const [download] = await Promise.all([page.waitForEvent('download'), tid(page, 'record-docx').click()]);
      expect(download.suggestedFilename()).toMatch(/-record-\d{4}-\d{2}-\d{2}\.docx$/);
      const file = await download.path();
      // Its text: the added words as a tracked insertion by the person who typed them.
      const xml = strFromU8(unzipSync(new Uint8Array(fs.readFileSync(file)))['word/document.xml']!);
      expect(xml).toContain(title);
      const insertions = [...xml.matchAll(/<w:ins\b([^>]*)>([\s\S]*?)<\/w:ins>/g)];
      const ours = insertions.find(([, , body]) => body!.includes(added));
      expect(ours?.[1], 'a w:ins holding the added words').toContain('w:author="Demo owner"');

      // Without ?from= the record is against the latest version; the picker sets ?from=.
      await publish(editor.page, 'Round 2 draft');
      await page.goto(`${server.url}/b/demo/record`);
      await poll(() => tid(page, 'record-against').textContent()).toContain('Record against Round 2 draft');
      await tid(page, 'record-version').selectOption(version);
      await poll(() => new URL(page.url()).searchParams.get('from')).toBe(version);
      await poll(() => tid(page, 'record-against').textContent()).toContain('Record against Round 1 draft');
    }));
});
