/**
 * The admin CLI (`npm run parley -- …`) run as an operator would, against a server's data
 * dir. Each call spawns npm + tsx (~1 s).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { REPO_ROOT, type RunningServer } from './server.ts';

const execFileAsync = promisify(execFile);

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `parley <args>` with PARLEY_DATA_DIR set to the server's data dir (and `env` added);
 * resolves with the exit code and output, also when the command fails.
 */
export async function runCli(
  server: Pick<RunningServer, 'dataDir'>,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileAsync('npm', ['run', '--silent', 'parley', '--', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, PARLEY_DATA_DIR: server.dataDir, ...env },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
