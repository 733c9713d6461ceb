/**
 * End-to-end: two browsers on two Parley instances sharing one PostgreSQL and one Redis
 * (issue 18's "tried as a new user would"). They edit one board live; the instance that
 * owns the board is killed, the other takes it over, and nothing either browser was shown
 * as saved is lost.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureClientBuilt, launchBrowser, typeInCodeMirror } from '../helpers/browser.ts';
import { waitForSaved } from '../helpers/offline.ts';
import {
  demoLink,
  marker,
  nthPointId,
  openThread,
  poll,
  selectPoint,
  signInWithDemoLink,
  tid,
  waitForBoard,
  type Person,
} from '../helpers/people.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';
import {
  createDatabase,
  startPostgres,
  startRedis,
  type RunningPostgres,
  type RunningRedis,
} from '../helpers/services.ts';

let postgres: RunningPostgres;
let redis: RunningRedis;
let env: Record<string, string>;
const servers: RunningServer[] = [];
let browser: Browser;
const people: Person[] = [];

async function instance(port = 0): Promise<RunningServer> {
  const server = await startServer({ env: { ...env, PORT: String(port) } });
  servers.push(server);
  return server;
}

async function ownsDemo(server: RunningServer): Promise<boolean> {
  const health = (await (await fetch(`${server.url}/healthz`)).json()) as { boardsOwned: number };
  return health.boardsOwned > 0;
}

beforeAll(async () => {
  await ensureClientBuilt();
  postgres = await startPostgres();
  redis = await startRedis();
  env = {
    PARLEY_DATABASE_URL: await createDatabase(postgres.url),
    PARLEY_REDIS_URL: redis.url,
    PARLEY_LEASE_MS: '1500',
  };
  browser = await launchBrowser();
}, 300_000);

afterAll(async () => {
  for (const { context } of people) await context.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  for (const server of servers) await server.stop().catch(() => undefined);
  await redis?.stop();
  await postgres?.stop();
}, 60_000);

describe('two instances, one board', () => {
  test('E2E39 two browsers on two instances (one PostgreSQL, one Redis) see each other’s edits live; when the instance serving the board is killed, the other takes it over, the browser left on it keeps editing, and after the killed instance restarts every edit either browser was shown as saved is on the board', async () => {
    const first = await instance();
    const second = await instance();
    const editor = await signInWithDemoLink(browser, demoLink(first, 'editor'), { label: 'A-editor-on-1' });
    people.push(editor);
    // The owner may write the plan text too: whichever instance is killed, the one left can type.
    const chair = await signInWithDemoLink(browser, demoLink(second, 'owner'), { label: 'B-owner-on-2' });
    people.push(chair);

    // Live both ways, whichever instance serves the board.
    const pointId = await nthPointId(editor.page, 0);
    const editorPanel = await selectPoint(editor.page, pointId);
    const typed = marker('Typed on one');
    await typeInCodeMirror(editor.page, tid(editorPanel, 'point-body'), ` ${typed}.`);
    const chairPanel = await selectPoint(chair.page, pointId);
    await poll(() => tid(chairPanel, 'point-body').textContent()).toContain(typed);
    const asked = marker('Asked on two');
    await openThread(chairPanel, asked);
    await poll(() => tid(editorPanel, 'thread').allTextContents()).toContainEqual(expect.stringContaining(asked));
    await waitForSaved(editor.page, 'the editor’s edit');
    await waitForSaved(chair.page, 'the owner’s thread');

    // Kill the owner; the browser on the other instance goes on once it has taken over.
    const [owner, survivor] = (await ownsDemo(first)) ? [first, second] : [second, first];
    const [left, stranded] = owner === first ? [chair, editor] : [editor, chair];
    const ownerPort = owner.port;
    await owner.stop('SIGKILL');
    const leftPanel = left.page.locator(`[data-testid="point-panel"][data-point-id="${pointId}"]`);
    const after = marker('Typed after the kill');
    await typeInCodeMirror(left.page, tid(leftPanel, 'point-body'), ` ${after}.`);
    await waitForSaved(left.page, 'the edit made after the owner was killed', 60_000);
    expect(await ownsDemo(survivor)).toBe(true);

    // The killed instance comes back on its port; its browser reconnects by itself.
    await instance(ownerPort);
    const strandedPanel = stranded.page.locator(`[data-testid="point-panel"][data-point-id="${pointId}"]`);
    await poll(() => tid(strandedPanel, 'point-body').textContent(), undefined, 60_000).toContain(after);
    await waitForSaved(stranded.page, 'the stranded browser after its instance restarted', 60_000);

    // A browser that opens the board afresh, on a third instance, finds all of it.
    const third = await instance();
    const reader = await signInWithDemoLink(browser, demoLink(third, 'observer'), { label: 'C-observer-on-3' });
    people.push(reader);
    await waitForBoard(reader.page);
    const readerPanel = await selectPoint(reader.page, pointId);
    const body = (await tid(readerPanel, 'point-body').textContent()) ?? '';
    expect(body).toContain(typed);
    expect(body).toContain(after);
    await poll(() => tid(readerPanel, 'thread').allTextContents()).toContainEqual(expect.stringContaining(asked));
  });
});
