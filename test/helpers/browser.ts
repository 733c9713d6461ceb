/**
 * Browser helpers for the e2e tests: launches the system Chromium through playwright-core
 * (no browser downloads), opens isolated contexts, saves screenshots to test/artifacts, makes
 * sure the client bundle is built, and types into CodeMirror editors.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { REPO_ROOT } from './server.ts';

export const ARTIFACTS_DIR = path.join(REPO_ROOT, 'test', 'artifacts');

/** The Chromium binary: $CHROMIUM_PATH, else Debian's /usr/bin/chromium. */
export function chromiumPath(): string {
  const fromEnv = process.env['CHROMIUM_PATH'];
  const candidate = fromEnv && fromEnv.length > 0 ? fromEnv : '/usr/bin/chromium';
  if (!fs.existsSync(candidate)) {
    throw new Error(
      `Chromium not found at ${candidate}. Install it with \`sudo apt-get install chromium\` ` +
        'or set CHROMIUM_PATH (`node test/scripts/ensure-chromium.mjs` does this for you as root).',
    );
  }
  return candidate;
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
  });
}

export interface Viewport {
  width: number;
  height: number;
}

export const DESKTOP: Viewport = { width: 1280, height: 800 };
export const PHONE: Viewport = { width: 390, height: 844 };

export interface OpenedPage {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors seen so far (useful in failure messages). */
  errors: string[];
}

/**
 * Opens a fresh (cookie/storage-isolated) context with the given viewport and navigates a
 * page to `url`. Phone-sized viewports also get touch + mobile emulation.
 */
export async function openPage(browser: Browser, url: string, viewport: Viewport = DESKTOP): Promise<OpenedPage> {
  const opened = await openContext(browser, viewport);
  await opened.page.goto(url, { waitUntil: 'domcontentloaded' });
  return opened;
}

/**
 * Like `openPage` but does not navigate, so listeners (e.g. on websocket frames) can be
 * attached before the first request.
 */
export async function openContext(browser: Browser, viewport: Viewport = DESKTOP): Promise<OpenedPage> {
  const isPhone = viewport.width < 600;
  const context = await browser.newContext({
    viewport,
    ...(isPhone ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
  });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  return { context, page, errors };
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 80) || 'unnamed'
  );
}

/**
 * Saves a full-page screenshot to test/artifacts/<test-name>-<step>.png and returns its path.
 * Never throws: a screenshot failure must not mask the real test outcome.
 */
export async function screenshot(page: Page, testName: string, step: string): Promise<string | null> {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${slug(testName)}-${slug(step)}.png`);
  try {
    await page.screenshot({ path: file, fullPage: true, timeout: 15_000 });
    return file;
  } catch (err) {
    console.warn(`screenshot ${file} failed: ${(err as Error).message}`);
    return null;
  }
}

let clientBuilt: Promise<void> | null = null;

/**
 * Runs client/scripts/build-if-needed.mjs (vite build only when client/dist is stale).
 * Memoised per test worker; rejects with the build output when the build fails.
 */
export function ensureClientBuilt(timeoutMs = 180_000): Promise<void> {
  clientBuilt ??= new Promise<void>((resolve, reject) => {
    const script = path.join(REPO_ROOT, 'client', 'scripts', 'build-if-needed.mjs');
    if (!fs.existsSync(script)) {
      reject(new Error(`${script} does not exist; cannot build the client`));
      return;
    }
    const child = spawn(process.execPath, [script], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'production', NO_COLOR: '1' },
      detached: true, // own process group, so a timeout also stops the `vite build` it spawns
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      reject(new Error(`client build timed out after ${timeoutMs} ms\n${output}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && fs.existsSync(path.join(REPO_ROOT, 'client', 'dist', 'index.html'))) resolve();
      else reject(new Error(`client build failed (${String(code ?? signal)})\n${output}`));
    });
  });
  const result = clientBuilt;
  // A failed build may be retried by a later call (e.g. after the sources were fixed).
  result.catch(() => {
    if (clientBuilt === result) clientBuilt = null;
  });
  return result;
}

/**
 * Types `text` at the end of a CodeMirror 6 editor. `editor` is the wrapper (e.g.
 * `[data-testid=point-body]`) or the `.cm-content` element itself.
 */
export async function typeInCodeMirror(page: Page, editor: Locator, text: string): Promise<void> {
  const content = (await editor.evaluate((el) => el.classList.contains('cm-content')))
    ? editor
    : editor.locator('.cm-content');
  await content.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.press('End');
  await page.keyboard.type(text);
}
