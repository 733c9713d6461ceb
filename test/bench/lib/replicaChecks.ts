import fs from 'node:fs';
import * as Y from 'yjs';

/** Shared by P2 and P5: deterministic content, completeness checks, CPU contention. */

/** Max clock per Yjs client id. */
export function stateVector(doc: Y.Doc): Map<number, number> {
  return Y.decodeStateVector(Y.encodeStateVector(doc));
}

/** Merges state vectors (max per client): what a replica holding all of them covers. */
export function unionOf(docs: readonly Y.Doc[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const doc of docs) {
    for (const [client, clock] of stateVector(doc)) out.set(client, Math.max(clock, out.get(client) ?? 0));
  }
  return out;
}

/** Whether a replica holds everything written: a cheap completeness check after a sync. */
export function covers(doc: Y.Doc, expected: ReadonlyMap<number, number>): boolean {
  const have = stateVector(doc);
  for (const [client, clock] of expected) if ((have.get(client) ?? 0) < clock) return false;
  return true;
}

/**
 * Time a process spent runnable but waiting for its core (ms, from /proc/<pid>/schedstat).
 * The server core is shared with whatever else runs on this machine: a stall with little
 * CPU behind it and a large wait here is the machine, not the server.
 */
export function runQueueWaitMs(pid: number): number {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return Number.NaN;
  }
}
