/**
 * End-to-end: what a keystroke costs the page. A real server, headless Chromium, the
 * drafting editor typing in a point body while the owner watches.
 */
import type { Browser } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { typeInCodeMirror } from '../helpers/browser.ts';
import { waitForSaved } from '../helpers/offline.ts';
import {
  demoLink,
  editorText,
  marker,
  nthPointId,
  poll,
  selectPoint,
  signInWithDemoLink,
  tid,
  until,
} from '../helpers/people.ts';
import type { RunningServer } from '../helpers/server.ts';
import { e2eStage } from '../helpers/stage.ts';

let server: RunningServer;
let browser: Browser;
const { scene } = e2eStage((started) => ({ server, browser } = started));

interface WriteLog {
  /** Writes made inside a keydown's task, by kind. */
  readonly inKeyTask: string[];
  /** Writes made after it, by kind. */
  readonly later: string[];
}

describe('typing', () => {
  test("TYPE1 a keystroke's task writes neither the IndexedDB copy nor localStorage: both are written once the frame has painted, and the text is saved and reaches the others", () =>
    scene('TYPE1', async (s) => {
      const A = await s.add(signInWithDemoLink(browser, demoLink(server, 'editor', 'us'), { label: 'A-editor' }));
      const B = await s.add(signInWithDemoLink(browser, demoLink(server, 'owner'), { label: 'B-owner' }));
      const pointId = await nthPointId(A.page, 1);
      const panelA = await selectPoint(A.page, pointId);
      const panelB = await selectPoint(B.page, pointId);
      await waitForSaved(A.page, 'A before typing');

      // A keydown's task is everything up to a timer queued from it; what a frame callback
      // queues comes after that frame's paint.
      await A.page.evaluate(() => {
        const log = { inKeyTask: [] as string[], later: [] as string[] };
        let inKeyTask = false;
        addEventListener(
          'keydown',
          () => {
            inKeyTask = true;
            setTimeout(() => (inKeyTask = false), 0);
          },
          true,
        );
        const watch = (proto: object, name: string, kind: string) => {
          const target = proto as Record<string, (...args: unknown[]) => unknown>;
          const original = target[name]!;
          target[name] = function (this: unknown, ...args: unknown[]) {
            (inKeyTask ? log.inKeyTask : log.later).push(kind);
            return original.apply(this, args);
          };
        };
        watch(IDBObjectStore.prototype, 'add', 'indexeddb');
        watch(IDBObjectStore.prototype, 'put', 'indexeddb');
        watch(Storage.prototype, 'setItem', 'localStorage');
        (window as unknown as { parleyWrites: WriteLog }).parleyWrites = log;
      });

      const typed = marker('Typed');
      await typeInCodeMirror(A.page, tid(panelA, 'point-body'), ` ${typed}`);
      const writes = () => A.page.evaluate(() => (window as unknown as { parleyWrites: WriteLog }).parleyWrites);
      const after = await until(
        writes,
        (w) => w.later.includes('indexeddb') && w.later.includes('localStorage'),
        'the local copy and the unsaved count to be written after the keystrokes',
      );
      expect(after.inKeyTask, 'writes inside a keydown task').toEqual([]);
      await waitForSaved(A.page, 'A after typing');
      await poll(() => editorText(tid(panelB, 'point-body').locator('.cm-content')), 'B sees the text').toContain(
        typed,
      );
      expect((await writes()).inKeyTask, 'writes inside a keydown task').toEqual([]);
      await s.shot('typed');
    }));
});
