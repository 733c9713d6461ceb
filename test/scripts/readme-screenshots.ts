/**
 * Regenerates the README screenshots from the real app: a fresh server, some feedback
 * written by stock clients, then two people on the board in headless Chromium.
 * Run: npx tsx test/scripts/readme-screenshots.ts
 */
import path from 'node:path';
import {
  listPoints,
  openThread,
  replyToThread,
  setPosition,
  type Actor,
  type StakeholderId,
  type UserId,
} from '@parley/shared/model';
import { connectClient, waitFor } from '../helpers/clients.ts';
import { DESKTOP, PHONE, ensureClientBuilt, launchBrowser, openPage } from '../helpers/browser.ts';
import { REPO_ROOT, startServer } from '../helpers/server.ts';
import { demoLinks, mintToken } from '../helpers/tokens.ts';

const out = (name: string) => path.join(REPO_ROOT, 'docs', 'screenshots', name);
const actor = (id: string, name: string, sid: string): Actor => ({
  userId: id as UserId,
  name,
  stakeholderId: sid as StakeholderId,
});

await ensureClientBuilt();
const server = await startServer();
try {
  // Each person writes through their own connection, as a delegate of their stakeholder:
  // the server only accepts positions and comments that name the connection's own user.
  const ua = actor('u-olena', 'Olena K.', 'ukraine');
  const eu = actor('u-marie', 'Marie D.', 'europe');
  const us = actor('u-alice', 'Alice M.', 'us');
  const ru = actor('u-pavel', 'Pavel S.', 'russia');
  const clients = new Map<Actor, Awaited<ReturnType<typeof connectClient>>>();
  for (const a of [ua, eu, us, ru]) {
    const token = await mintToken(server, { ...a, role: 'delegate' });
    const c = connectClient(server.wsUrl, 'demo', { token });
    await c.synced;
    clients.set(a, c);
  }
  const doc = (a: Actor) => clients.get(a)!.doc;
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
  const t = openThread(doc(ua), ua, { pointId: p1!.id, body: 'Who verifies compliance in the first 30 days?' });
  await waitFor(() => doc(eu).getMap('threads').has(t), 'the thread to reach Marie');
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
  await browser.close();
} finally {
  await server.stop();
}
console.log('screenshots written to docs/screenshots/');
