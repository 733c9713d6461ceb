import { toBoardJson, type BoardJson } from '@parley/shared/model';
import { UnknownDocError, type RoomRegistry } from '../collab/room/RoomRegistry.ts';
import type { Storage } from '../persistence/Storage.ts';
import { noSuchBoard } from './authContext.ts';

/** A board deleted meanwhile (its rooms refuse to load) is unknown, not a server error. */
export async function unknownIfGone<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof UnknownDocError) throw noSuchBoard();
    throw err;
  }
}

/**
 * The board's current JSON view (`BoardJson`), for routes that read the board document
 * (export, search): `noSuchBoard()` for a board that does not exist or was deleted
 * meanwhile. Check the caller's access first: asking the store first would tell strangers
 * which boards exist. Only the board doc is read, never a stakeholder's private notes doc.
 */
export async function boardView(storage: Storage, registry: RoomRegistry, boardId: string): Promise<BoardJson> {
  if (!(await storage.boardExists(boardId))) throw noSuchBoard();
  // The loaded room holds the freshest state, including updates still being stored.
  const room = await unknownIfGone(registry.open(boardId));
  return toBoardJson(room.doc);
}
