/**
 * End-to-end: what a keystroke costs the page. A real server, headless Chromium, the
 * drafting editor typing in a point body while the owner watches.
 */
import type { Browser } from 'playwright-core';
import { describe, expect, test } from 'vitest';
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
  test("TYPE1 a keystroke's task writes neither the IndexedDB copy nor localStorage and sends no presence: all three go once the frame has painted, and the text is saved and reaches the others", () =>
    scene('TYPE1', async (s) => {
      const A = await s.add(signInWithDemoLink(browser, demoLink(server, 'editor', 'us'), { label: 'A-editor' }));
      const B = await s.add(signInWithDemoLink(browser, demoLink(server, 'owner'), { label: 'B-owner' }));
      const pointId = await nthPointId(A.page, 1);
      const panelA = await selectPoint(A.page, pointId);
      const panelB = await selectPoint(B.page, pointId);
      await waitForSaved(A.page, 'A before typing');

      // A keydown's task is everything up to a timer queued from it; what a frame callback
      // queues comes after that frame's paint. Only the writes in question count (the doc's
      // update store, the unsaved count): other work (a fetch answered, the session cached)
      // may land in between on a busy machine.
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
        const watch = (
          proto: object,
          name: string,
          kind: string,
          counts: (self: unknown, args: unknown[]) => boolean,
        ) => {
          const target = proto as Record<string, (...args: unknown[]) => unknown>;
          const original = target[name]!;
          target[name] = function (this: unknown, ...args: unknown[]) {
            if (counts(this, args)) (inKeyTask ? log.inKeyTask : log.later).push(kind);
            return original.apply(this, args);
          };
        };
        const docUpdates = (store: unknown) => (store as IDBObjectStore).name === 'updates';
        watch(IDBObjectStore.prototype, 'add', 'indexeddb', docUpdates);
        watch(IDBObjectStore.prototype, 'put', 'indexeddb', docUpdates);
        watch(Storage.prototype, 'setItem', 'localStorage', (_, [key]) => String(key).includes(':unsaved:'));
        // Presence (the cursor) is an awareness message: its first byte is 1.
        const send = WebSocket.prototype.send;
        WebSocket.prototype.send = function (this: WebSocket, data) {
          const first =
            data instanceof Uint8Array ? data[0] : data instanceof ArrayBuffer ? new Uint8Array(data)[0] : -1;
          if (first === 1) (inKeyTask ? log.inKeyTask : log.later).push('awareness');
          return send.call(this, data);
        };
        (window as unknown as { parleyWrites: WriteLog }).parleyWrites = log;
      });

      // A person's pace, so one key's deferred work is done before the next key arrives.
      const typed = marker('Typed');
      await tid(panelA, 'point-body').locator('.cm-content').click();
      await A.page.keyboard.press('Control+End');
      await A.page.keyboard.type(` ${typed}`, { delay: 150 });
      const writes = () => A.page.evaluate(() => (window as unknown as { parleyWrites: WriteLog }).parleyWrites);
      const after = await until(
        writes,
        (w) => w.later.includes('indexeddb') && w.later.includes('localStorage') && w.later.includes('awareness'),
        'the local copy, the unsaved count and the cursor to be written and sent after the keystrokes',
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
