import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { ensureClientBuilt, launchBrowser, screenshot } from './browser.ts';
import type { Person } from './people.ts';
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

  return { scene };
}
