import { ACTIVITY_KINDS } from '@parley/shared/protocol';
import { boardOfDoc } from '../persistence/fencing.ts';
import type { PendingUpdate } from '../persistence/Storage.ts';

const ACTIVITY = new Set<string>(ACTIVITY_KINDS);

/**
 * The boards a committed batch brought activity rows to (the notification drain's work).
 * Most commits are typing, with text rows or none: they start no drain.
 */
export function boardsWithActivity(batch: readonly PendingUpdate[]): Set<string> {
  const boards = new Set<string>();
  for (const entry of batch) {
    if (entry.history?.some((row) => ACTIVITY.has(row.detail.kind))) boards.add(boardOfDoc(entry.docName));
  }
  return boards;
}
