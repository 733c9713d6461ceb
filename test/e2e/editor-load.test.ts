/**
 * End-to-end: the editor's code (CodeMirror, loaded as its own chunk when a board opens)
 * fails to load in one browser, as after a new version is deployed under an open tab, while
 * a second person keeps editing. One real server, one headless Chromium, two contexts.
 */
import type { Browser } from 'playwright-core';
import { expect, test } from 'vitest';
import { typeInCodeMirror } from '../helpers/browser.ts';
import {
  demoLink,
  marker,
  newPerson,
  nthPointId,
  poll,
  selectPoint,
  signInWithDemoLink,
  tid,
  waitForBoard,
} from '../helpers/people.ts';
import type { RunningServer } from '../helpers/server.ts';
import { e2eStage } from '../helpers/stage.ts';

/** The editor's chunk, whatever its content hash (client/src/lib/editor/load.ts). */
const EDITOR_CHUNK = /\/assets\/collab-editor-[^/]*\.js/;

let server: RunningServer;
let browser: Browser;
const { scene } = e2eStage((started) => ({ server, browser } = started));

test("E2E16 when the editor's code cannot load, the point's text stays shown and follows others' edits, the person is told why, and a reload brings editing back", () =>
  scene('E2E16', async (s) => {
    const srv = server;
    const B = await s.add(signInWithDemoLink(browser, demoLink(srv, 'editor'), { label: 'B-editor' }));
    const A = await s.add(newPerson(browser, 'A-owner'));
    await A.context.route(EDITOR_CHUNK, (route) => route.abort('failed'));
    await A.page.goto(demoLink(srv, 'owner').url, { waitUntil: 'domcontentloaded' });
    await A.page.waitForURL(/\/b\/demo(\?|$)/);
    await waitForBoard(A.page);

    const pointId = await nthPointId(A.page, 3);
    await A.page.locator(`[data-testid="point-item"][data-point-id="${pointId}"]`).click();
    const panelA = A.page.locator(`[data-testid="point-panel"][data-point-id="${pointId}"]`);
    const bodyA = tid(panelA, 'point-body');
    await tid(panelA, 'editor-unavailable').first().waitFor({ state: 'visible' });
    expect(await bodyA.locator('.cm-content').count()).toBe(0);
    const before = (await bodyA.innerText()).trim();
    expect(before.length).toBeGreaterThan(0);
    expect(A.errors.join('\n')).toContain('the editor could not be loaded');
    await s.shot('editor-unavailable');

    // B edits the same text; A, unable to edit, still reads it as it changes.
    const panelB = await selectPoint(B.page, pointId);
    const typed = marker('E2E16-B');
    await typeInCodeMirror(B.page, tid(panelB, 'point-body'), ` ${typed}`);
    await poll(() => bodyA.innerText(), "B's words in A's read-only text").toContain(typed);

    // The chunk is reachable again (the network came back, or the tab reloads onto the new
    // version): the reload the notice offers brings the editor.
    await A.context.unroute(EDITOR_CHUNK);
    await tid(panelA, 'editor-unavailable').first().getByRole('button', { name: 'Reload the page' }).click();
    await waitForBoard(A.page);
    const panelA2 = await selectPoint(A.page, pointId);
    expect(await tid(panelA2, 'editor-unavailable').count()).toBe(0);
    const answer = marker('E2E16-A');
    await typeInCodeMirror(A.page, tid(panelA2, 'point-body'), ` ${answer}`);
    await poll(() => tid(panelB, 'point-body').innerText(), "A's words at B after the reload").toContain(answer);
    await s.shot('after-reload');
  }));
