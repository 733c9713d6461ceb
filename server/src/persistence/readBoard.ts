import * as Y from 'yjs';
import { toBoardJson, type BoardJson } from '@parley/shared/model';
import type { Storage } from './Storage.ts';

/**
 * Runs `read` on a board's stored state, loaded straight from the store (no room), e.g. for
 * the CLI; null if there is no such board. The doc is freed after.
 */
export async function withStoredBoard<T>(
  storage: Storage,
  boardId: string,
  read: (doc: Y.Doc) => T,
): Promise<T | null> {
  if (!(await storage.boardExists(boardId))) return null;
  const { updates } = await storage.loadLog(boardId);
  const doc = new Y.Doc();
  try {
    doc.transact(() => {
      for (const u of updates) Y.applyUpdate(doc, u);
    });
    return read(doc);
  } finally {
    doc.destroy();
  }
}

/** Reads a board's stored state straight from the store (no room), e.g. for the CLI. */
export function readBoardJson(storage: Storage, boardId: string): Promise<BoardJson | null> {
  return withStoredBoard(storage, boardId, toBoardJson);
}
