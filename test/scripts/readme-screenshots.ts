/**
 * Regenerates the README screenshots from the real app: a fresh server, some feedback
 * written by stock clients, then people on the board in headless Chromium: the board
 * (desktop and phone), a conversation on a point, and a delegate's notifications.
 * Run: npx tsx test/scripts/readme-screenshots.ts
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import type * as Y from 'yjs';
import {
  createAnchor,
  listPoints,
  openThread,
  replyToThread,
  setPosition,
  toggleReaction,
  type Actor,
  type CommentId,
  type PointId,
  type StakeholderId,
  type ThreadId,
  type UserId,
} from '@parley/shared/model';
import { connectClient, waitFor, type StockClient } from '../helpers/clients.ts';
import { DESKTOP, PHONE, ensureClientBuilt, launchBrowser, openPage } from '../helpers/browser.ts';
import { REPO_ROOT, startServer, type RunningServer } from '../helpers/server.ts';
import { demoLinks, mintToken } from '../helpers/tokens.ts';

const out = (name: string) => path.join(REPO_ROOT, 'docs', 'screenshots', name);
const actor = (id: string, name: string, sid: string): Actor => ({
  userId: id as UserId,
  name,
  stakeholderId: sid as StakeholderId,
});
const tid = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);

/** A stock client on the demo board, signed in by a delegate token for `a`. */
async function connectAs(server: RunningServer, a: Actor): Promise<StockClient> {
  const token = await mintToken(server, { ...a, role: 'delegate' });
  const c = connectClient(server.wsUrl, 'demo', { token });
  await c.synced;
  return c;
}

/**
 * The demo person who signs in with a delegation's demo link, as an actor. Only board
 * members can be @mentioned or notified, and the token-only people above are not members.
 */
async function demoDelegate(server: RunningServer, token: string, sid: string): Promise<Actor> {
  const res = await fetch(`${server.url}/api/boards/demo/members`, { headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`members: HTTP ${res.status} ${await res.text()}`);
  const { members } = (await res.json()) as {
    members: { userId: string; name: string; role: string; stakeholderId: string | null }[];
  };
  const m = members.find((x) => x.role === 'delegate' && x.stakeholderId === sid);
  if (!m) throw new Error(`no demo delegate for ${sid}`);
  return actor(m.userId, m.name, sid);
}

/** A thread's comments in a client's copy of the board, if it has the thread yet. */
const commentsOf = (doc: Y.Doc, threadId: ThreadId) =>
  (doc.getMap('threads').get(threadId) as Y.Map<unknown> | undefined)?.get('comments') as
    Y.Array<Y.Map<unknown>> | undefined;

/** A thread on the words `quote` of the point's body, so the panel highlights them. */
function openAnchoredThread(doc: Y.Doc, a: Actor, pointId: PointId, quote: string, body: string, mentions: UserId[]) {
  const text = (doc.getMap('points').get(pointId) as Y.Map<unknown>).get('body') as Y.Text;
  const from = text.toString().indexOf(quote);
  if (from < 0) throw new Error(`"${quote}" is not in the point's body`);
  return openThread(doc, a, { pointId, body, mentions, anchor: createAnchor(text, from, from + quote.length, 'body') });
}

await ensureClientBuilt();
const server = await startServer();
try {
  // Each person writes through their own connection, as a delegate of their stakeholder:
  // the server only accepts positions and comments that name the connection's own user.
  const ua = actor('u-olena', 'Olena K.', 'ukraine');
  const eu = actor('u-marie', 'Marie D.', 'europe');
  const us = actor('u-alice', 'Alice M.', 'us');
  const ru = actor('u-pavel', 'Pavel S.', 'russia');
  const clients = new Map<Actor, StockClient>();
  for (const a of [ua, eu, us, ru]) clients.set(a, await connectAs(server, a));
  // The US delegate of the demo links: mentioned below, and the one whose bell is shown.
  const usDemo = await demoDelegate(server, await mintToken(server, { ...ua, role: 'delegate' }), 'us');
  clients.set(usDemo, await connectAs(server, usDemo));
  const doc = (a: Actor) => clients.get(a)!.doc;
  // Each step waits until the actor's copy has what it answers (the server relays in order).
  const reached = (a: Actor, threadId: ThreadId, comments: number) =>
    waitFor(() => commentsOf(doc(a), threadId)?.length === comments, `${comments} comment(s) to reach ${a.name}`);

  const [p1, p2, p3] = listPoints(doc(us));
  setPosition(doc(us), us, { pointId: p1!.id, stakeholderId: us.stakeholderId, stance: 'support' });
  setPosition(doc(ua), ua, {
    pointId: p1!.id,
    stakeholderId: ua.stakeholderId,
    stance: 'support-with-changes',
    rationale: 'Monitoring must start on day one.',
  });
  setPosition(doc(ru), ru, { pointId: p1!.id, stakeholderId: ru.stakeholderId, stance: 'undecided' });
  setPosition(doc(eu), eu, { pointId: p2!.id, stakeholderId: eu.stakeholderId, stance: 'oppose' });
  setPosition(doc(us), us, { pointId: p3!.id, stakeholderId: us.stakeholderId, stance: 'support' });

  // The conversation: a thread on words of point 1 that @mentions the US demo delegate,
  // their answer, reactions, then a reply that tells them (they take part now).
  const anchored = openAnchoredThread(
    doc(ua),
    ua,
    p1!.id,
    "the drafting team's proposal",
    `@${usDemo.name} can your monitors be on the line from the first day of the ceasefire?`,
    [usDemo.userId],
  );
  await reached(usDemo, anchored, 1);
  replyToThread(doc(usDemo), usDemo, anchored, 'Yes: a first team within a week, the full mission within 30 days.');
  const first = commentsOf(doc(ua), anchored)!.get(0).get('id') as CommentId;
  for (const a of [eu, ru, usDemo]) {
    await reached(a, anchored, 2);
    toggleReaction(doc(a), a, anchored, first, 'thumbs-up');
  }
  toggleReaction(doc(eu), eu, anchored, first, 'eyes');
  replyToThread(doc(eu), eu, anchored, 'The partner missions can share their observer roster with both teams.');
  // A second thread on the same point, without an anchor.
  const t = openThread(doc(ua), ua, { pointId: p1!.id, body: 'Who verifies compliance in the first 30 days?' });
  await reached(eu, t, 1);
  replyToThread(doc(eu), eu, t, 'We can offer observers from the partner missions.');
  for (const c of clients.values()) {
    await waitFor(() => c.provider.ws?.bufferedAmount === 0, 'seed edits to be sent');
  }
  await new Promise((r) => setTimeout(r, 300));
  for (const c of clients.values()) c.destroy();

  const links = demoLinks(server);
  const link = (role: string, sid: string | null) =>
    links.find((l) => l.role === role && l.stakeholderId === sid)!.url.replace(/^http:\/\/localhost:\d+/, server.url);
  const browser = await launchBrowser();
  const alice = await openPage(browser, link('delegate', 'us'), DESKTOP);
  const olena = await openPage(browser, link('delegate', 'ukraine'), DESKTOP);
  await olena.page.locator('[data-testid="point-panel"]').waitFor();
  await alice.page.locator('[data-testid="presence-user"]').nth(1).waitFor();
  await alice.page.waitForTimeout(500); // let remote cursors and avatars settle for the picture
  await alice.page.screenshot({ path: out('board-desktop.png') });
  const phone = await openPage(browser, link('delegate', 'europe'), PHONE);
  await phone.page.locator('[data-testid="point-panel"]').waitFor();
  await phone.page.waitForTimeout(300);
  await phone.page.screenshot({ path: out('board-phone.png') });
  await conversationShot(olena.page, p1!.id, anchored);
  await notificationsShot(alice.page);
  await browser.close();
} finally {
  await server.stop();
}
console.log('screenshots written to docs/screenshots/');

/** Point 1's panel with the anchored thread: its highlight in the body, the quote, the chip, the reactions. */
async function conversationShot(page: Page, pointId: PointId, threadId: ThreadId): Promise<void> {
  // Tall enough for the whole panel: an element taller than the window is captured while
  // scrolled, with the sticky header drawn across it.
  await page.setViewportSize({ width: DESKTOP.width, height: 2200 });
  await page.locator(`[data-testid="point-item"][data-point-id="${pointId}"]`).click();
  const panel = page.locator(`[data-testid="point-panel"][data-point-id="${pointId}"]`);
  await panel.locator(`.cm-thread-anchor[data-thread-id="${threadId}"]`).first().waitFor();
  const thread = panel.locator(`[data-testid="thread"][data-thread-id="${threadId}"]`);
  // The chip needs the member list, fetched on demand: wait for it rather than a plain "@Name".
  await thread.locator('[data-testid="mention-chip"]').waitFor();
  await thread.locator('[data-testid="reaction"]').first().waitFor();
  await page.waitForTimeout(300);
  await panel.screenshot({ path: out('conversation-desktop.png') });
}

/** The bell's badge and its panel open, on the page of the person mentioned and replied to. */
async function notificationsShot(page: Page): Promise<void> {
  const bell = tid(page, 'notifications-bell');
  // A mention and a reply: two unread.
  await page.locator('[data-testid="notifications-bell"][data-unread="2"]').waitFor();
  await bell.click();
  await tid(page, 'notifications-panel').locator('[data-testid="notification"]').nth(1).waitFor();
  await page.waitForTimeout(300);
  await page.screenshot({ path: out('notifications-desktop.png') });
}
