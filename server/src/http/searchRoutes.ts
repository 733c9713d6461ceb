import { Router } from 'express';
import { LIMITS, queryWords, searchBoard } from '@parley/shared/model';
import type { AccessControl } from '../accounts/AccessControl.ts';
import type { RoomRegistry } from '../collab/room/RoomRegistry.ts';
import type { Storage } from '../persistence/Storage.ts';
import { requireBoardAccess } from './authContext.ts';
import { boardView } from './boardView.ts';
import { HttpError } from './errors.ts';
import { boardIdParam } from './validate.ts';

/** The `q` query parameter: one string with at least one word, at most `LIMITS.searchQueryLength` long. */
function searchQuery(raw: unknown): string {
  if (Array.isArray(raw)) throw new HttpError(400, 'invalid_query', 'Give q once.');
  if (typeof raw !== 'string' || queryWords(raw).length === 0)
    throw new HttpError(400, 'invalid_query', 'Give q, the words to search for.');
  if (raw.length > LIMITS.searchQueryLength)
    throw new HttpError(400, 'invalid_query', `q is longer than ${LIMITS.searchQueryLength} characters.`);
  return raw;
}

/**
 * Search within one board (`searchBoard`, as the board page does): any member may, since
 * every member reads the board doc. Private notes are docs of their own and never searched.
 */
export function searchRoutes(storage: Storage, registry: RoomRegistry, access: AccessControl): Router {
  const router = Router();

  router.get('/boards/:id/search', async (req, res) => {
    const id = boardIdParam(req);
    // Access first (401 signed out, 404 for a non-member, as for a missing board).
    await requireBoardAccess(access, req, id);
    const query = searchQuery(req.query['q']);
    const board = await boardView(storage, registry, id);
    res.json({ query, hits: searchBoard(board, query) });
  });

  return router;
}
