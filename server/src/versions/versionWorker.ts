import { runVersionTask, type VersionTask, type VersionTaskResult } from './versionTasks.ts';

/** Piscina's entry point: one version task, off the server's main thread (VersionPool). */
export default function run(task: VersionTask): VersionTaskResult {
  return runVersionTask(task);
}
