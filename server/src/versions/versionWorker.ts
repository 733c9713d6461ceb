import { recordDocx, type RecordInput } from './recordDocx.ts';
import { runVersionTask, type VersionTask, type VersionTaskResult } from './versionTasks.ts';

/** The record's Word document, laid out on the worker (it takes tens of milliseconds). */
export interface DocxTask {
  readonly kind: 'record-docx';
  readonly input: RecordInput;
}

export type VersionWorkerTask = VersionTask | DocxTask;
export type VersionWorkerResult = VersionTaskResult | { readonly kind: 'docx'; readonly bytes: Uint8Array };

/** Piscina's entry point: one task, off the server's main thread (VersionPool). */
export default async function run(task: VersionWorkerTask): Promise<VersionWorkerResult> {
  if (task.kind === 'record-docx') return { kind: 'docx', bytes: new Uint8Array(await recordDocx(task.input)) };
  return runVersionTask(task);
}
