import { Router } from 'express';
import { HISTORY_PAGE } from '@parley/shared/model';
import { ACTIVITY_KINDS, type ActivityPageJson } from '@parley/shared/protocol';
import type { AccessControl } from '../accounts/AccessControl.ts';
import { activityEntry, catalogueNames } from '../notifications/activityEntry.ts';
import type { Storage } from '../persistence/Storage.ts';
import { requireBoardAccess } from './authContext.ts';
import { queryInt } from './historyRoutes.ts';
import { boardIdParam } from './validate.ts';

/**
 * A board's activity feed: its history entries of ACTIVITY_KINDS (derived by the server
 * from committed changes; no client can write one), newest first, in pages as a point's
 * history. Any member may read it.
 */
export function activityRoutes(storage: Storage, access: AccessControl): Router {
  const router = Router();

  router.get('/boards/:id/activity', async (req, res) => {
    const boardId = boardIdParam(req);
    await requireBoardAccess(access, req, boardId);
    const before = queryInt(req, 'before', Number.MAX_SAFE_INTEGER);
    const limit = queryInt(req, 'limit', HISTORY_PAGE.max) ?? HISTORY_PAGE.default;
    const [rows, board] = await Promise.all([
      storage.readBoardActivity(boardId, before, limit + 1, ACTIVITY_KINDS),
      storage.getBoard(boardId),
    ]);
    const page = rows.slice(0, limit);
    const names = catalogueNames(board);
    const body: ActivityPageJson = {
      entries: page.map((row) => activityEntry(row, names)),
      next: rows.length > limit ? page.at(-1)!.seq : null,
    };
    res.json(body);
  });

  return router;
}
