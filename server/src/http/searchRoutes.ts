import { Router, type RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { LIMITS, queryWords, searchBoard, type CrossBoardHit } from '@parley/shared/model';
import type { AccessControl } from '../accounts/AccessControl.ts';
import type { RoomRegistry } from '../collab/room/RoomRegistry.ts';
import type { Storage } from '../persistence/Storage.ts';
import { SearchUnavailable, type SearchIndex } from '../search/SearchIndex.ts';
import { reachableBoards, requireBoardAccess, requireIdentity } from './authContext.ts';
import { boardView } from './boardView.ts';
import { HttpError } from './errors.ts';
import { boardIdParam } from './validate.ts';

/**
 * Searches one person may run a minute. Each builds the board's whole view on the event
 * loop (tens of ms on a big board), so a script cannot keep every other room waiting.
 */
export const SEARCHES_PER_MINUTE = 120;

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
 * every member reads the board doc. Search across every board a person belongs to, from the
 * index (SearchIndex). Private notes are docs of their own and never searched.
 */
export function searchRoutes(
  storage: Storage,
  registry: RoomRegistry,
  access: AccessControl,
  index: SearchIndex | null,
): Router {
  const router = Router();

  // Access first (401 signed out, 404 for a non-member, as for a missing board), so the
  // limit counts per person, whatever address or credential they come with.
  const checkAccess: RequestHandler = async (req, res, next) => {
    res.locals['searcher'] = (await requireBoardAccess(access, req, boardIdParam(req))).principal.userId;
    next();
  };
  // Across boards: the boards the credential reaches. A session reaches every board its
  // user belongs to; an access token only the board it was made for.
  const checkIdentity: RequestHandler = async (req, res, next) => {
    const identity = await requireIdentity(access, req);
    res.locals['searcher'] = identity.userId;
    res.locals['searchBoards'] = (await reachableBoards(access, identity)).map((b) => b.boardId);
    next();
  };
  const limiter = rateLimit({
    windowMs: 60_000,
    limit: SEARCHES_PER_MINUTE,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (_req, res) => `user:${res.locals['searcher'] as string}`,
    handler: (_req, _res, next) =>
      next(new HttpError(429, 'rate_limited', 'Too many searches; try again in a minute.')),
  });

  router.get('/boards/:id/search', checkAccess, limiter, async (req, res) => {
    const id = boardIdParam(req);
    const query = searchQuery(req.query['q']);
    const board = await boardView(storage, registry, id);
    res.json({ query, hits: searchBoard(board, query) });
  });

  router.get('/search', checkIdentity, limiter, async (req, res) => {
    const query = searchQuery(req.query['q']);
    if (!index) throw new HttpError(503, 'search_unavailable', 'Search across boards is turned off on this server.');
    const reachable = new Set(res.locals['searchBoards'] as string[]);
    const boards = new Map((await storage.listBoards()).filter((b) => reachable.has(b.id)).map((b) => [b.id, b]));
    let found;
    try {
      found = boards.size === 0 ? [] : await index.search([...boards.keys()], query, LIMITS.searchHits);
    } catch (err) {
      if (err instanceof SearchUnavailable)
        throw new HttpError(503, 'search_unavailable', `${err.message}; try again.`);
      throw err;
    }
    const hits: CrossBoardHit[] = found.flatMap((hit) => {
      const board = boards.get(hit.boardId);
      if (!board) return [];
      const stakeholderName = hit.stakeholderId ? board.stakeholderNames?.[hit.stakeholderId] : undefined;
      return [
        { ...hit, boardTitle: board.title, archived: board.archived, ...(stakeholderName ? { stakeholderName } : {}) },
      ];
    });
    res.json({ query, hits });
  });

  return router;
}
