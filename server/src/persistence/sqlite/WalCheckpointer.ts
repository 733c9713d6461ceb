import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the WAL is checkpointed while writes keep coming. */
const DEFAULT_INTERVAL_MS = 1_000;

/*
 * The worker is plain CommonJS run with `eval`, so it starts the same under tsx, under the
 * test runner and from the CLI; it loads the same better-sqlite3 build as the server.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
parentPort.on('message', () => {
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ ok: true, checkpointed: result.checkpointed });
  } catch (err) {
    parentPort.postMessage({ ok: false, error: String((err && err.message) || err) });
  }
});
`;

type Reply = { ok: true; checkpointed: number } | { ok: false; error: string };

/**
 * Checkpoints a WAL-mode SQLite file from a worker thread. SQLite's automatic checkpoint
 * runs inside whichever commit crosses 1,000 WAL pages, and with `synchronous = FULL` it
 * copies those pages into the database file and fsyncs it, holding the event loop for up
 * to a quarter of a second here (P1 N=300: longest loop stall 250 ms, p99 latency 0.8–1.2 s;
 * without it 121 ms and 216 ms). So the server turns it off and this worker's own
 * connection checkpoints in PASSIVE mode (it never waits for, nor blocks, the server's
 * reads and writes), once a second while there are writes.
 *
 * If the worker cannot run, `onFailure` lets the owner turn automatic checkpoints back on,
 * so the WAL never grows without bound.
 */
export class WalCheckpointer {
  /** WAL frames copied into the database file so far (for tests and diagnostics). */
  checkpointedFrames = 0;
  private readonly worker: Worker;
  private readonly timer: NodeJS.Timeout;
  private dirty = false;
  private running = false;
  private failed = false;
  private closing = false;

  constructor(
    file: string,
    private readonly onFailure: (reason: string) => void,
    intervalMs = DEFAULT_INTERVAL_MS,
  ) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, file } });
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => {
      this.running = false;
      if (reply.ok) this.checkpointedFrames += Math.max(0, reply.checkpointed);
      else this.fail(reply.error);
    });
    this.worker.on('error', (err) => this.fail(err.message));
    // An error event comes first when the worker throws; an exit on its own (killed, out of
    // memory) would otherwise leave `running` set and checkpoints stopped without a word.
    this.worker.on('exit', (code) => {
      if (!this.closing) this.fail(`the checkpoint worker exited (code ${code})`);
    });
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
  }

  /** Something was written: the next tick checkpoints. */
  noteWrite(): void {
    this.dirty = true;
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.timer);
    await this.worker.terminate();
  }

  private tick(): void {
    if (!this.dirty || this.running || this.failed) return;
    this.dirty = false;
    this.running = true;
    this.worker.postMessage('checkpoint');
  }

  private fail(reason: string): void {
    if (this.failed) return;
    this.failed = true;
    clearInterval(this.timer);
    this.onFailure(reason);
  }
}
