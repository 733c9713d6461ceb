import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LIFELINE = path.join(REPO_ROOT, 'test/helpers/lifeline.mjs');

export interface RunningServer {
  readonly port: number;
  readonly url: string;
  readonly wsUrl: string;
  readonly dataDir: string;
  readonly process: ChildProcess;
  /** Every JSON log line the server printed so far. */
  readonly logs: Record<string, unknown>[];
  /** Every line of stdout that is not a JSON log line (what a person reads). */
  readonly plainOutput: string[];
  /** Stops the server; resolves with its exit code (or signal) once it has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | string | null>;
}

export interface StartOptions {
  /** Reuse a data dir (for restart tests); a fresh temp dir by default. */
  dataDir?: string;
  env?: Record<string, string>;
  /** What `node` runs: the TypeScript sources through tsx by default (the build: `[dist/main.js]`). */
  nodeArgs?: string[];
}

export function tempDataDir(prefix = 'parley-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Starts the real server (`server/src/main.ts`) as a child process on port 0 and waits for
 * its "listening" log line, which carries the bound port.
 */
export async function startServer(opts: StartOptions = {}): Promise<RunningServer> {
  const dataDir = opts.dataDir ?? tempDataDir();
  const nodeArgs = [
    '--import',
    LIFELINE,
    ...(opts.nodeArgs ?? ['--import', 'tsx', path.join(REPO_ROOT, 'server/src/main.ts')]),
  ];
  const child = spawn(process.execPath, nodeArgs, {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      PARLEY_DATA_DIR: dataDir,
      LOG_FORMAT: 'json',
      LOG_LEVEL: process.env['PARLEY_TEST_LOG_LEVEL'] ?? 'info',
      ...opts.env,
    },
    // stdin is the lifeline (lifeline.mjs): it closes when this process ends.
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const plainOutput: string[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | string | null>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal));
  });

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in time\n${stderr}`)), 30_000);
    const lines = readline.createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        plainOutput.push(line);
        return;
      }
      logs.push(entry);
      if (entry['msg'] === 'listening' && typeof entry['port'] === 'number') {
        clearTimeout(timer);
        resolve(entry['port']);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${String(code)}) before listening\n${stderr}`));
    });
  });

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    dataDir,
    process: child,
    logs,
    plainOutput,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
