import { Piscina } from 'piscina';
import type { ImportOutcome, ImportRequest } from './importFile.ts';

/**
 * The worker's module, beside this one: `importWorker.ts` where the server runs from its
 * sources (tsx: dev, tests), `importWorker.js` in the build `npm start` runs, where this
 * code is bundled into dist/main.js and the worker is its own entry (server/build.mjs).
 */
const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './importWorker.ts' : './importWorker.js',
  import.meta.url,
);

/**
 * Runs imports on a worker thread. One thread: imports are rare, and a second would take
 * the other core from the rooms on a two-core machine; a burst of imports queues instead
 * of stalling every board's event loop. The worker stays warm for a minute after use.
 */
export class ImportPool {
  private readonly pool = new Piscina<ImportRequest, ImportOutcome>({
    filename: WORKER_URL.href,
    minThreads: 0,
    maxThreads: 1,
    idleTimeout: 60_000,
  });

  run(req: ImportRequest): Promise<ImportOutcome> {
    // The file's bytes move to the worker instead of being copied (a view of a shared
    // buffer is copied first: transferring it would detach the rest).
    const whole = req.bytes.byteOffset === 0 && req.bytes.byteLength === req.bytes.buffer.byteLength;
    const bytes = whole ? req.bytes : req.bytes.slice();
    return this.pool.run({ ...req, bytes }, { transferList: [bytes.buffer as ArrayBuffer] });
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}
