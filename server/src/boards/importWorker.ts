import { importFile, type ImportOutcome, type ImportRequest } from './importFile.ts';

/** Piscina's entry point: one import, off the server's main thread (ImportPool). */
export default function run(req: ImportRequest): ImportOutcome {
  return importFile(req);
}
