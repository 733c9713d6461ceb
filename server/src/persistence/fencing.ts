import { parseDocName } from '@parley/shared/protocol';
import type { PendingUpdate } from './Storage.ts';

/** The board a document belongs to: `<id>` for the board doc `<id>` and its notes docs `<id>~<sid>`. */
export function boardOfDoc(docName: string): string {
  return parseDocName(docName)?.boardId ?? docName;
}

/** The owner epochs a batch's entries carry, by board; entries without one are not checked. */
export function claimedEpochs(batch: readonly Pick<PendingUpdate, 'docName' | 'epoch'>[]): Map<string, Set<number>> {
  const claimed = new Map<string, Set<number>>();
  for (const { docName, epoch } of batch) {
    if (epoch === undefined) continue;
    const board = boardOfDoc(docName);
    let epochs = claimed.get(board);
    if (!epochs) claimed.set(board, (epochs = new Set()));
    epochs.add(epoch);
  }
  return claimed;
}

/**
 * The boards some entry of which carries another epoch than the board's current one
 * (undefined: never claimed, or deleted since), sorted: the FencedError's list.
 */
export function staleBoards(
  claimed: ReadonlyMap<string, ReadonlySet<number>>,
  current: (boardId: string) => number | undefined,
): string[] {
  return [...claimed]
    .filter(([board, epochs]) => [...epochs].some((epoch) => epoch !== current(board)))
    .map(([board]) => board)
    .sort();
}
