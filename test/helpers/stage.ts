import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import type { Role } from '@parley/shared/permissions';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { ensureClientBuilt, launchBrowser, screenshot } from './browser.ts';
import { demoLink, signInWithDemoLink, type Person } from './people.ts';
import { startServer, type RunningServer } from './server.ts';

export interface Scene {
  /** Adds a person to this scene (closed at its end). */
  add(person: Promise<Person>): Promise<Person>;
  /** Screenshots every window of the scene: `<rule>-<step>-<label>.png`. */
  shot(step: string): Promise<void>;
}

/**
 * The stage of an e2e file: one real server (fresh data dir) and one Chromium, started in
 * beforeAll and torn down in afterAll, plus `scene` to run one test's story with its
 * windows screenshotted on failure and closed at the end.
 */
export function e2eStage(onStarted: (started: { server: RunningServer; browser: Browser }) => void): {
  scene: (rule: string, story: (s: Scene) => Promise<void>) => Promise<void>;
  /** Adds a person who stays open for the rest of the file (closed in afterAll). */
  keep: (person: Promise<Person>) => Promise<Person>;
} {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  /** Every context opened in the file, so afterAll can close what a failed test left. */
  const everyone: Person[] = [];

  beforeAll(async () => {
    await ensureClientBuilt();
    server = await startServer();
    browser = await launchBrowser();
    onStarted({ server, browser });
  }, 300_000);

  afterAll(async () => {
    for (const { label, errors } of everyone) {
      if (errors.length > 0) console.warn(`browser errors (${label}):\n  ${errors.join('\n  ')}`);
    }
    // Each step is guarded so one failure does not leak a browser or a server process.
    for (const { context } of everyone) await context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    if (server) fs.rmSync(server.dataDir, { recursive: true, force: true });
  }, 60_000);

  async function scene(rule: string, story: (s: Scene) => Promise<void>): Promise<void> {
    const people: Person[] = [];
    const s: Scene = {
      add: async (pending) => {
        const person = await pending;
        people.push(person);
        everyone.push(person);
        return person;
      },
      shot: async (step) => {
        await Promise.all(people.map((p) => screenshot(p.page, rule, `${step}-${p.label}`)));
      },
    };
    try {
      await story(s);
    } catch (err) {
      await s.shot('FAILED');
      const errors = people.flatMap((p) => p.errors.map((e) => `${p.label}: ${e}`));
      if (errors.length > 0) console.warn(`${rule} browser errors:\n  ${errors.join('\n  ')}`);
      throw err;
    } finally {
      for (const { context } of people) await context.close().catch(() => undefined);
    }
  }

  async function keep(pending: Promise<Person>): Promise<Person> {
    const person = await pending;
    everyone.push(person);
    return person;
  }

  return { scene, keep };
}

/** A window of `e2eSharedStage`: a demo person signed in through their one-click link. */
export interface DemoWindow {
  readonly label: string;
  readonly role: Role;
  readonly stakeholderId?: string;
}

/**
 * The stage of an e2e file whose tests run in order in the same windows, each building on
 * what the one before left: the server and Chromium of `e2eStage`, then (in a beforeAll of
 * its own) one window per `windows` entry, signed in in order, whose pages `onStarted`
 * receives in that order. Those windows and any added with `keep` stay open until
 * afterAll; `shot` screenshots them all (`<rule>-<step>-<label>.png`), and when a test
 * fails they are all screenshotted as `<rule>-FAILED-<label>.png`, the rule being the
 * first word of the test's title.
 */
export function e2eSharedStage<const W extends readonly DemoWindow[]>(
  windows: W,
  onStarted: (started: { server: RunningServer; browser: Browser; pages: { [K in keyof W]: Page } }) => void,
): { keep: (person: Promise<Person>) => Promise<Person>; shot: (rule: string, step: string) => Promise<void> } {
  let started: { server: RunningServer; browser: Browser } | undefined;
  const kept: Person[] = [];
  const { keep: keepOpen } = e2eStage((s) => (started = s));
  const keep = async (pending: Promise<Person>) => {
    const person = await keepOpen(pending);
    kept.push(person);
    return person;
  };
  const shot = async (rule: string, step: string) => {
    await Promise.all(kept.map((p) => screenshot(p.page, rule, `${step}-${p.label}`)));
  };
  // Registered after e2eStage's beforeAll, so the server and browser are up.
  beforeAll(async () => {
    const { server, browser } = started!;
    const pages: Page[] = [];
    for (const { label, role, stakeholderId } of windows) {
      pages.push(
        (await keep(signInWithDemoLink(browser, demoLink(server, role, stakeholderId ?? null), { label }))).page,
      );
    }
    onStarted({ server, browser, pages: pages as { [K in keyof W]: Page } });
  }, 300_000);
  beforeEach(({ task, onTestFailed }) => {
    onTestFailed(() => shot(/^[^\s:]+/.exec(task.name)?.[0] ?? 'unknown', 'FAILED'));
  });
  return { keep, shot };
}
