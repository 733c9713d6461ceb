import { Piscina } from 'piscina';
import type { ImportOutcome, ImportRequest } from './importFile.ts';

/**
 * Runs imports on a worker thread. One thread: imports are rare, and a second would take
 * the other core from the rooms on a two-core machine; a burst of imports queues instead
 * of stalling every board's event loop. The worker stays warm for a minute after use.
 */
export class ImportPool {
  private readonly pool = new Piscina<ImportRequest, ImportOutcome>({
    filename: new URL('./importWorker.ts', import.meta.url).href,
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
