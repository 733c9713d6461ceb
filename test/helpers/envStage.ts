/**
 * E2E stages whose server needs an environment of its own (an injected fault, tiny rate
 * limits), built on `e2eStage` (stage.ts) rather than beside it.
 */
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startServer, type RunningServer } from './server.ts';
import { e2eStage } from './stage.ts';

/**
 * `e2eStage` whose server is started with `env` added to its environment: the variables are
 * set on this test process just before the stage starts the server (which inherits them)
 * and put back as soon as it has started.
 */
export function e2eStageWithEnv(
  env: Record<string, string>,
  onStarted: (started: { server: RunningServer; browser: Browser }) => void,
): ReturnType<typeof e2eStage> {
  const saved = new Map<string, string | undefined>();
  const restore = () => {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    saved.clear();
  };
  // Registered before e2eStage's beforeAll, so it runs first.
  beforeAll(() => {
    for (const [key, value] of Object.entries(env)) {
      saved.set(key, process.env[key]);
      process.env[key] = value;
    }
  });
  afterAll(restore);
  return e2eStage((started) => {
    restore();
    onStarted(started);
  });
}

/**
 * A further server for the enclosing `describe` (started in its beforeAll with `env`,
 * stopped and its data dir removed in its afterAll); the file's browser and `scene` serve
 * it as well.
 */
export function withServer(env: Record<string, string>, onStarted: (server: RunningServer) => void): void {
  let server: RunningServer | undefined;
  beforeAll(async () => {
    server = await startServer({ env });
    onStarted(server);
  }, 120_000);
  afterAll(async () => {
    await server?.stop().catch(() => undefined);
    if (server) fs.rmSync(server.dataDir, { recursive: true, force: true });
  }, 60_000);
}
