/**
 * End-to-end: the first five minutes of a new user, as they were found when tried. One real
 * server (fresh data dir) and one headless Chromium for the file; every test opens its own
 * browser contexts and closes them when it ends, after screenshotting every window if it
 * failed. Steps are checked by polling the DOM and screenshotted into test/artifacts/.
 *
 * E2E32 the board list names my delegation (not its id); E2E33 the owner's point page
 * shows the form for its own delegation's position only, the others one click away;
 * E2E34 an archived board says "Archived — read-only" and offers no editing control;
 * E2E35 the welcome and sign-up pages say boards can be started, not only joined by
 * invitation; E2E36 long e-mails in the members panel wrap only after "@" or a hyphen or
 * before a dot, at desktop and phone width; E2E37 with the server stopped and the network
 * up the badge says "Can't reach the server — retrying" without flickering, then "unsaved
 * changes" (never a count), and reconnects when the server is back on the same port.
 * E2E37 runs last: it stops and restarts the file's server.
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { STANCE_LABEL } from '@parley/shared/model';
import { CLOSE } from '@parley/shared/protocol';
import { afterAll, describe, expect, test } from 'vitest';
import { PHONE, typeInCodeMirror } from '../helpers/browser.ts';
import { badgeRecords, badgeState, startBadgeRecorder, waitForSaved } from '../helpers/offline.ts';
import {
  acceptInviteViaApi,
  createInviteViaApi,
  demoLink,
  editorText,
  forbiddenUpdateLogs,
  marker,
  newPerson,
  nthPointId,
  poll,
  positionRow,
  selectPoint,
  signInWithDemoLink,
  signUpViaApi,
  tid,
  until,
  waitForBoard,
  type Person,
} from '../helpers/people.ts';
import { closeCodes, recordSockets } from '../helpers/pageSockets.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import { e2eStage } from '../helpers/stage.ts';

let server: RunningServer;
let browser: Browser;
const { scene } = e2eStage((started) => ({ server, browser } = started));
/** The server E2E37 starts again on the same port and data dir (the stage stops only its own). */
let restarted: RunningServer | null = null;
afterAll(async () => {
  await restarted?.stop().catch(() => undefined);
}, 60_000);

/** A fresh account, signed up through the REST API in its own context (nothing navigated). */
async function freshAccount(label: string, email?: string): Promise<{ person: Person; name: string; email: string }> {
  const name = marker(label);
  const address = email ?? `${name.toLowerCase()}@example.test`;
  const person = await newPerson(browser, label);
  await signUpViaApi(person, server, name, address);
  return { person, name, email: address };
}

const PLAN = `# Archived framework

## Security

1. **Ceasefire along the line of contact**
   Both sides hold their positions from the day of signature.
   - *Drafting team*: Support — as drafted
   - Open thread (Northern Delegation): Who verifies the line?
2. Exchange of prisoners
`;

describe('e2e: the first five minutes', () => {
  test('E2E32 the board list names my delegation, not its id', () =>
    scene('E2E32', async (s) => {
      const owner = await s.add(signInWithDemoLink(browser, demoLink(server, 'owner'), { label: 'owner' }));
      const ua = await s.add(
        signInWithDemoLink(browser, demoLink(server, 'delegate', 'ukraine'), { label: 'ukraine' }),
      );
      for (const [person, name] of [
        [owner, 'United States'],
        [ua, 'Ukraine'],
      ] as const) {
        await person.page.goto(`${server.url}/`, { waitUntil: 'domcontentloaded' });
        const item = person.page.locator('[data-testid="board-item"][data-board-id="demo"]');
        await item.waitFor({ state: 'visible' });
        await poll(async () => (await tid(item, 'board-stakeholder').textContent())?.trim()).toBe(
          `Your delegation: ${name}`,
        );
      }
      // The list payload carries the name, and the board's own route says the same.
      const list = await owner.context.request.get(`${server.url}/api/boards`);
      const demo = ((await list.json()) as { boards: Record<string, unknown>[] }).boards.find(
        (b) => b['id'] === 'demo',
      );
      expect(demo).toMatchObject({ stakeholderId: 'us', stakeholderName: 'United States', archived: false });
      const one = await ua.context.request.get(`${server.url}/api/boards/demo`);
      expect(one.status()).toBe(200);
      expect(((await one.json()) as { board: unknown }).board).toMatchObject({
        id: 'demo',
        role: 'delegate',
        stakeholderId: 'ukraine',
        stakeholderName: 'Ukraine',
        archived: false,
      });
      await s.shot('board-list');
    }));

  test("E2E33 the owner's point page shows the form for its own delegation only; another delegation's is one click away", () =>
    scene('E2E33', async (s) => {
      const owner = await s.add(signInWithDemoLink(browser, demoLink(server, 'owner'), { label: 'owner' }));
      const ua = await s.add(
        signInWithDemoLink(browser, demoLink(server, 'delegate', 'ukraine'), { label: 'ukraine' }),
      );
      const pointId = await nthPointId(owner.page, 6);
      const panel = await selectPoint(owner.page, pointId);
      const panelU = await selectPoint(ua.page, pointId);

      // One form: the owner's own delegation (the United States); the others offer a button.
      await tid(positionRow(panel, 'us'), 'position-stance').waitFor({ state: 'visible' });
      expect(await tid(panel, 'position-stance').count(), 'one stance control on the page').toBe(1);
      for (const sid of ['russia', 'ukraine', 'europe']) {
        expect(await tid(positionRow(panel, sid), 'position-stance').count(), `no form for ${sid}`).toBe(0);
        expect(await tid(positionRow(panel, sid), 'position-edit').count(), `a button for ${sid}`).toBe(1);
      }
      expect(await tid(positionRow(panel, 'us'), 'position-edit').count()).toBe(0);
      await s.shot('collapsed');

      // One click opens Ukraine's form (focus in its stance), the owner sets it, the
      // delegate sees it live; "Close" folds it again.
      const rowU = positionRow(panel, 'ukraine');
      await tid(rowU, 'position-edit').click();
      await tid(rowU, 'position-stance').waitFor({ state: 'visible' });
      expect(await tid(rowU, 'position-stance').evaluate((el) => el === document.activeElement)).toBe(true);
      expect(await tid(panel, 'position-stance').count()).toBe(2);
      await tid(rowU, 'position-stance').selectOption('oppose');
      await tid(rowU, 'position-save').click();
      await poll(async () => (await tid(rowU, 'position-current').textContent())?.trim()).toBe(STANCE_LABEL.oppose);
      await poll(
        async () => (await tid(positionRow(panelU, 'ukraine'), 'position-current').textContent())?.trim(),
        'the Ukraine delegate sees the position the owner set',
      ).toBe(STANCE_LABEL.oppose);
      await s.shot('set-for-ukraine');
      await tid(rowU, 'position-edit-close').click();
      await poll(() => tid(rowU, 'position-stance').count()).toBe(0);
      expect(await tid(rowU, 'position-edit').evaluate((el) => el === document.activeElement)).toBe(true);

      // The delegate, as before: a form on its own row, nothing (not even a button) elsewhere.
      expect(await tid(panelU, 'position-stance').count()).toBe(1);
      expect(await tid(positionRow(panelU, 'ukraine'), 'position-stance').count()).toBe(1);
      expect(await tid(panelU, 'position-edit').count()).toBe(0);
    }));

  test('E2E34 an archived board says "Archived — read-only" and offers no editing control, to its owner and a delegate', () =>
    scene('E2E34', async (s) => {
      const refusedBefore = forbiddenUpdateLogs(server).length;
      const { person: owner } = await freshAccount('Archivist');
      await s.add(Promise.resolve(owner));
      const created = await owner.context.request.post(`${server.url}/api/boards/import`, {
        headers: { 'content-type': 'text/markdown' },
        data: PLAN,
      });
      expect(created.status(), await created.text()).toBe(201);
      const boardId = ((await created.json()) as { id: string }).id;
      const { person: delegate } = await freshAccount('Northern');
      await s.add(Promise.resolve(delegate));
      await acceptInviteViaApi(
        delegate,
        server,
        await createInviteViaApi(owner, server, 'delegate', 'northern-delegation', boardId),
      );
      await recordSockets(delegate.context);

      // The owner archives it from the board list.
      await owner.page.goto(`${server.url}/`, { waitUntil: 'domcontentloaded' });
      const item = owner.page.locator(`[data-testid="board-item"][data-board-id="${boardId}"]`);
      await tid(item, 'board-archive').click();
      await owner.page
        .locator(`[data-testid="board-list-archived"] [data-board-id="${boardId}"]`)
        .first()
        .waitFor({ state: 'visible' });

      const readOnly = async (page: Page, who: string) => {
        await page.goto(`${server.url}/b/${boardId}`, { waitUntil: 'domcontentloaded' });
        await waitForBoard(page, 2);
        const notice = tid(page, 'board-archived');
        await notice.waitFor({ state: 'visible' });
        expect((await notice.textContent())?.trim()).toBe('Archived — read-only');
        const pointId = await nthPointId(page, 0);
        const panel = await selectPoint(page, pointId);
        await tid(panel, 'thread').first().waitFor({ state: 'visible' });
        for (const id of [
          'point-add',
          'category-add',
          'thread-new',
          'thread-reply-body',
          'thread-resolve',
          'thread-delete',
          'comment-edit',
          'comment-delete',
          'position-stance',
          'position-edit',
          'position-save',
          'stakeholder-add',
        ]) {
          expect(await tid(page, id).count(), `${who}: no ${id} on an archived board`).toBe(0);
        }
        for (const editor of await page.locator('.cm-content').all()) {
          expect(await editor.getAttribute('contenteditable'), `${who}: read-only text`).toBe('false');
        }
        expect(await page.locator('[data-testid="point-item"][draggable="true"]').count()).toBe(0);
      };
      await readOnly(owner.page, 'owner');
      // Owners still manage who is on it (the server allows that on an archived board).
      await tid(owner.page, 'members-open').waitFor({ state: 'visible' });
      await s.shot('owner');
      await readOnly(delegate.page, 'delegate');
      await s.shot('delegate');

      // Nothing was even tried: no refused update, no 4403 close.
      expect(forbiddenUpdateLogs(server).length).toBe(refusedBefore);
      expect(await closeCodes(delegate.page, boardId)).not.toContain(CLOSE.forbiddenUpdate);
    }));

  test('E2E35 the welcome and sign-up pages say a new user can start a board, not only join by invitation', () =>
    scene('E2E35', async (s) => {
      const visitor = await s.add(newPerson(browser, 'visitor'));
      await visitor.page.goto(`${server.url}/signup`, { waitUntil: 'domcontentloaded' });
      const intro = tid(visitor.page, 'signup-intro');
      await intro.waitFor({ state: 'visible' });
      expect(await intro.textContent()).toMatch(/start a board of your own/i);
      expect(await visitor.page.locator('main').textContent()).not.toMatch(/by invitation/i);
      await visitor.page.goto(`${server.url}/`, { waitUntil: 'domcontentloaded' });
      await tid(visitor.page, 'signin-cta').waitFor({ state: 'visible' });
      expect(await visitor.page.locator('main').textContent()).not.toMatch(/shared by invitation/i);
      expect(await visitor.page.locator('main').textContent()).toMatch(/start a board of your own/i);
    }));

  test('E2E36 a long e-mail in the members panel wraps only after "@" or a hyphen or before a dot, never inside a word, at desktop and phone width', () =>
    scene('E2E36', async (s) => {
      // A member with a long address, seen by the owner at desktop and at phone width.
      const local = 'alexandra.konstantinopoulou-vandenberghe';
      const email = `${local}.${Math.random().toString(36).slice(2, 6)}@ministry-of-foreign-affairs.example.europa.eu`;
      const { person: member } = await freshAccount('Longmail', email);
      await s.add(Promise.resolve(member));
      const desk = await s.add(signInWithDemoLink(browser, demoLink(server, 'owner'), { label: 'owner-desk' }));
      await acceptInviteViaApi(member, server, await createInviteViaApi(desk, server, 'delegate', 'europe'));
      const phone = await s.add(
        signInWithDemoLink(browser, demoLink(server, 'owner'), { label: 'owner-phone', viewport: PHONE }),
      );
      for (const person of [desk, phone]) {
        await tid(person.page, 'members-open').click();
        const row = tid(person.page, 'member-row').filter({ hasText: email.slice(0, 20) });
        await row.waitFor({ state: 'visible' });
        const address = tid(row, 'member-email');
        expect(await address.getAttribute('title')).toBe(email);
        const breaks = await lineBreaks(address);
        expect(breaks.text, 'the whole address is shown').toBe(email);
        expect(breaks.at.length, `${person.label}: the address wraps`).toBeGreaterThan(0);
        for (const i of breaks.at) {
          const around = `${breaks.text.slice(Math.max(0, i - 8), i)}|${breaks.text.slice(i, i + 8)}`;
          expect(
            breaks.text[i - 1] === '@' || breaks.text[i - 1] === '-' || breaks.text[i] === '.',
            `${person.label}: a line break at "${around}"`,
          ).toBe(true);
        }
        const box = await address.boundingBox();
        const viewport = person.page.viewportSize();
        expect(box!.x + box!.width, `${person.label}: the address fits`).toBeLessThanOrEqual(viewport!.width);
      }
      await s.shot('members');
    }));

  test('E2E37 with the server down and the network up the badge says "Can\'t reach the server — retrying", then "unsaved changes"; the board reconnects when it is back', () =>
    scene('E2E37', async (s) => {
      const owner = await s.add(signInWithDemoLink(browser, demoLink(server, 'owner'), { label: 'owner' }));
      const page = owner.page;
      const pointId = await nthPointId(page, 3);
      const panel = await selectPoint(page, pointId);
      await waitForSaved(page, 'before the server stops');
      let attempts = 0;
      page.on('websocket', (ws) => {
        if (/\/demo(\?|$)/.test(ws.url())) attempts++;
      });

      const port = server.port;
      const dataDir = server.dataDir;
      await server.stop();
      await startBadgeRecorder(page);
      const down = await until(
        () => badgeState(page),
        (b) => b.status === 'offline' && b.connection === 'disconnected',
        'the badge after the server stopped',
      );
      expect(down.label).toBe("Can't reach the server — retrying");
      expect(await tid(page, 'status-badge').getAttribute('data-network')).toBe('online');
      expect(await page.evaluate(() => navigator.onLine)).toBe(true);
      // Several refused retries later it still says so: no flicker through "Connecting…".
      await until(
        () => attempts,
        (n) => n >= 3,
        'three reconnection attempts',
      );
      expect(
        (await badgeRecords(page)).map((r) => r.status),
        'statuses shown while the server was down',
      ).toEqual(['offline']);
      expect((await badgeState(page)).label).toBe("Can't reach the server — retrying");
      await s.shot('1-server-down');

      // Typing meanwhile: "unsaved changes", never a count of them.
      const text = marker('typed-while-down');
      await typeInCodeMirror(page, tid(panel, 'point-body'), ` ${text}`);
      const unsaved = await until(
        () => badgeState(page),
        (b) => b.status === 'offline' && b.unsaved > 1,
        'the badge with unsaved changes',
      );
      expect(unsaved.label).toBe("Can't reach the server — unsaved changes kept on this device");
      const visible = await tid(page, 'status-badge').evaluate((el) => (el as HTMLElement).innerText);
      expect(visible, 'no count anywhere in the badge').not.toMatch(/\d/);
      await s.shot('2-unsaved');

      // The server is back on the same port: the board reconnects by itself and saves.
      restarted = await startServer({ dataDir, env: { PORT: String(port) } });
      expect(restarted.port).toBe(port);
      server = restarted;
      await waitForSaved(page, 'after the server is back');
      await s.shot('3-back');

      // Someone else opening the board now sees what was typed while the server was down.
      const ua = await s.add(
        signInWithDemoLink(browser, demoLink(server, 'delegate', 'ukraine'), { label: 'ukraine' }),
      );
      const panelU = await selectPoint(ua.page, pointId);
      await poll(() => editorText(tid(panelU, 'point-body')), 'the text typed while down').toContain(text);
    }));
});

/**
 * Where the element's text wraps: the index of the first character of every line after
 * the first, found from the characters' rendered positions.
 */
async function lineBreaks(el: Locator): Promise<{ text: string; at: number[] }> {
  return el.evaluate((node) => {
    const chars: { text: string; top: number }[] = [];
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      const data = t.textContent ?? '';
      for (let i = 0; i < data.length; i++) {
        const range = document.createRange();
        range.setStart(t, i);
        range.setEnd(t, i + 1);
        const rect = range.getClientRects()[0];
        chars.push({ text: data[i]!, top: rect ? Math.round(rect.top) : NaN });
      }
    }
    const at: number[] = [];
    for (let i = 1; i < chars.length; i++) if (chars[i]!.top > chars[i - 1]!.top + 2) at.push(i);
    return { text: chars.map((c) => c.text).join(''), at };
  });
}
