/**
 * End-to-end: a board the size of the benchmark's P2 board (28 points, 5,600 comments)
 * opens with a first screen of bounded size: what is mounted follows what is shown, not
 * what the board holds, so a later feature cannot silently mount everything.
 */
import type { Browser } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { listPoints, listThreads, openThread, replyToThread } from '@parley/shared/model';
import { FOLD_KEEP_LATEST } from '../../client/src/lib/state/thread-fold.ts';
import { LOAD_MARK } from '../../client/src/lib/util/load-marks.ts';
import { connectClient, waitFor } from '../helpers/clients.ts';
import { demoLink, signInWithDemoLink, tid } from '../helpers/people.ts';
import { tokenFor } from '../helpers/security.ts';
import type { RunningServer } from '../helpers/server.ts';
import { e2eStage } from '../helpers/stage.ts';
import { actorOf } from '../helpers/tokens.ts';

const THREADS_PER_POINT = 4;
const COMMENTS_PER_THREAD = 50;
/** What the open point may show: each thread's opening comment and its latest few. */
const SHOWN_PER_THREAD = 1 + FOLD_KEEP_LATEST;
/**
 * Elements in the whole page once the board is interactive. Measured at about 1,700 for
 * this board when written; the bound leaves room for the page to grow, not to mount threads
 * or comments of points nobody opened (each of those adds ~20 elements, 5,600 of them).
 */
const MAX_ELEMENTS = 3_000;

let server: RunningServer;
let browser: Browser;
const { scene } = e2eStage((started) => ({ server, browser } = started));

describe('a big board', () => {
  test('OPEN3 a first visit to a board marks the phases of its load in the order they happen, for the benchmark and the DevTools timeline', () =>
    scene('OPEN3', async (s) => {
      const A = await s.add(signInWithDemoLink(browser, demoLink(server, 'observer'), { label: 'A-observer' }));
      await A.page.locator('[data-testid="point-panel"] [data-testid="point-title"] .cm-content').first().waitFor();
      const names: string[] = Object.values(LOAD_MARK);
      const marks = await A.page.evaluate(
        (wanted) =>
          performance
            .getEntriesByType('mark')
            .filter((m) => wanted.includes(m.name))
            .map((m) => ({ name: m.name, at: m.startTime })),
        names,
      );
      // Each once, in load order: nothing of this board was on the device, so its points
      // come with the first sync, after the socket opened.
      expect(marks.map((m) => m.name)).toEqual(names);
      const at = marks.map((m) => m.at);
      expect(at).toEqual([...at].sort((a, b) => a - b));
    }));

  test('OPEN2 the first render of a board with 5,600 comments mounts what the first screen shows: the open point with its folded threads, the list, and a bounded number of elements', () =>
    scene('OPEN2', async (s) => {
      const editor = await tokenFor(server, 'editor', 'us', 'Seeding editor');
      const writer = connectClient(server.wsUrl, 'demo', { token: editor.token });
      const watcher = connectClient(server.wsUrl, 'demo', { token: (await tokenFor(server, 'observer', null)).token });
      try {
        await Promise.all([writer.synced, watcher.synced]);
        const actor = actorOf(editor.who);
        for (const point of listPoints(writer.doc)) {
          for (let t = 0; t < THREADS_PER_POINT; t++) {
            Y.transact(writer.doc, () => {
              const id = openThread(writer.doc, actor, { pointId: point.id, body: `Thread ${t} on ${point.number}` });
              for (let c = 1; c < COMMENTS_PER_THREAD; c++) replyToThread(writer.doc, actor, id, `Reply ${c}`);
            });
          }
        }
        const total = 28 * THREADS_PER_POINT * COMMENTS_PER_THREAD;
        // Relayed only once committed: when the watcher has them all, so does the store.
        await waitFor(
          () => listThreads(watcher.doc).reduce((n, t) => n + t.comments.length, 0) === total,
          'every comment to be stored',
          60_000,
        );
      } finally {
        writer.destroy();
        watcher.destroy();
      }

      const A = await s.add(signInWithDemoLink(browser, demoLink(server, 'editor', 'us'), { label: 'A-editor' }));
      await A.page
        .locator('[data-testid="point-panel"] [data-testid="point-body"] .cm-content[contenteditable="true"]')
        .waitFor();
      const counts = await A.page.evaluate(() => ({
        elements: document.querySelectorAll('*').length,
        points: document.querySelectorAll('[data-testid="point-item"]').length,
        threads: document.querySelectorAll('[data-testid="thread"]').length,
        comments: document.querySelectorAll('[data-testid="comment"]').length,
      }));
      console.info(`OPEN2: first screen of a 5,600-comment board: ${JSON.stringify(counts)}`);
      await s.shot('first-screen');
      expect(counts.points).toBe(28);
      expect(counts.threads).toBe(THREADS_PER_POINT);
      expect(counts.comments).toBeLessThanOrEqual(THREADS_PER_POINT * SHOWN_PER_THREAD);
      expect(counts.elements).toBeLessThanOrEqual(MAX_ELEMENTS);
      await expect(tid(A.page, 'thread').first().isVisible()).resolves.toBe(true);
    }));
});
