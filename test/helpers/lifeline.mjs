/**
 * Preloaded into every server a test starts (helpers/server.ts): the test process holds
 * the server's stdin open, so when that process ends, even killed, the pipe closes and the
 * server stops too instead of running on as an orphan. SIGTERM first (a clean stop),
 * SIGKILL if it has not exited 5 s later. Unref'd: it never keeps a stopping server alive.
 * Main thread only: a preload runs in every worker too, whose stdin ends at once.
 */
import { isMainThread } from 'node:worker_threads';
if (isMainThread) {
  process.stdin.on('end', () => {
    process.kill(process.pid, 'SIGTERM');
    setTimeout(() => process.kill(process.pid, 'SIGKILL'), 5_000).unref();
  });
  process.stdin.on('error', () => undefined);
  process.stdin.resume();
  process.stdin.unref();
}
