import { ensureClientBuilt } from './browser.ts';

/**
 * The e2e project's global setup: the client is built (if its sources changed) once, before
 * any e2e file starts. Two files run at once, and each asking for the build itself could
 * start two `vite build`s writing the same dist/ (a page then loads half of each).
 */
export default async function setup(): Promise<void> {
  await ensureClientBuilt();
}
