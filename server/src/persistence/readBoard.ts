import * as Y from 'yjs';
import { toBoardJson, type BoardJson } from '@parley/shared/model';
import type { Storage } from './Storage.ts';

/** Reads a board's stored state straight from the store (no room), e.g. for the CLI. */
export async function readBoardJson(storage: Storage, boardId: string): Promise<BoardJson | null> {
  if (!(await storage.boardExists(boardId))) return null;
  const { updates } = await storage.loadLog(boardId);
  const doc = new Y.Doc();
  try {
    doc.transact(() => {
      for (const u of updates) Y.applyUpdate(doc, u);
    });
    return toBoardJson(doc);
  } finally {
    doc.destroy();
  }
}
