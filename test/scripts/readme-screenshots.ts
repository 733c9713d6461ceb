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

const out = (name: string) => path.join(REPO_ROOT, 'docs', 'screenshots', name);
const actor = (id: string, name: string, sid: string): Actor => ({
  userId: id as UserId,
  name,
  stakeholderId: sid as StakeholderId,
});

await ensureClientBuilt();
const server = await startServer();
try {
  const seed = connectClient(server.wsUrl, 'demo');
  await seed.synced;
  const points = listPoints(seed.doc);
  const [p1, p2, p3] = points;
  const ua = actor('u-olena', 'Olena K.', 'ukraine');
  const eu = actor('u-marie', 'Marie D.', 'europe');
  const us = actor('u-alice', 'Alice M.', 'us');
  const ru = actor('u-pavel', 'Pavel S.', 'russia');
  setPosition(seed.doc, us, { pointId: p1!.id, stakeholderId: us.stakeholderId, stance: 'support' });
  setPosition(seed.doc, ua, {
    pointId: p1!.id,
    stakeholderId: ua.stakeholderId,
    stance: 'support-with-changes',
    rationale: 'Monitoring must start on day one.',
  });
  setPosition(seed.doc, ru, { pointId: p1!.id, stakeholderId: ru.stakeholderId, stance: 'undecided' });
  setPosition(seed.doc, eu, { pointId: p2!.id, stakeholderId: eu.stakeholderId, stance: 'oppose' });
  setPosition(seed.doc, us, { pointId: p3!.id, stakeholderId: us.stakeholderId, stance: 'support' });
  const t = openThread(seed.doc, ua, { pointId: p1!.id, body: 'Who verifies compliance in the first 30 days?' });
  replyToThread(seed.doc, eu, t, 'We can offer observers from the partner missions.');
  await waitFor(() => seed.provider.ws?.bufferedAmount === 0, 'seed edits to be sent');
  seed.destroy();

  const browser = await launchBrowser();
  const alice = await openPage(browser, `${server.url}/b/demo?name=Alice%20M.&stakeholder=us`, DESKTOP);
  const olena = await openPage(browser, `${server.url}/b/demo?name=Olena%20K.&stakeholder=ukraine`, DESKTOP);
  await olena.page.locator('[data-testid="point-panel"]').waitFor();
  await alice.page.locator('[data-testid="presence-user"]').nth(1).waitFor();
  await alice.page.waitForTimeout(500); // let remote cursors and avatars settle for the picture
  await alice.page.screenshot({ path: out('board-desktop.png') });
  const phone = await openPage(browser, `${server.url}/b/demo?name=Marie%20D.&stakeholder=europe`, PHONE);
  await phone.page.locator('[data-testid="point-panel"]').waitFor();
  await phone.page.waitForTimeout(300);
  await phone.page.screenshot({ path: out('board-phone.png') });
  await browser.close();
} finally {
  await server.stop();
}
console.log('screenshots written to docs/screenshots/');
