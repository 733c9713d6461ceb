import { Router } from 'express';
import { toBoardJson } from '@parley/shared/model';
import { boardToMarkdown } from '@parley/shared/export';
import { isValidBoardId } from '@parley/shared/protocol';
import type { AccessControl } from '../auth/AccessControl.ts';
import type { RoomRegistry } from '../collab/RoomRegistry.ts';
import type { Storage } from '../storage/Storage.ts';
import { noSuchBoard, requireBoardAccess, requireSession } from './authContext.ts';
import { HttpError } from './errors.ts';

/** The signed-in user's boards, and board exports. */
export function boardRoutes(storage: Storage, registry: RoomRegistry, access: AccessControl): Router {
  const router = Router();

  router.get('/boards', async (_req, res) => {
    const session = requireSession(res);
    const memberships = new Map(
      (await access.accounts.listMemberships(session.user.id)).map((m) => [m.boardId, m] as const),
    );
    const boards = (await storage.listBoards()).filter((b) => memberships.has(b.id));
    res.json({
      boards: boards.map((b) => ({
        id: b.id,
        title: b.title,
        role: memberships.get(b.id)!.role,
        stakeholderId: memberships.get(b.id)!.stakeholderId,
      })),
    });
  });

  router.get('/boards/:id/export', async (req, res) => {
    const id = req.params.id;
    if (!isValidBoardId(id))
      throw new HttpError(400, 'invalid_board_id', 'Board ids are lowercase letters, digits and dashes');
    const format = req.query['format'] ?? 'json';
    if (format !== 'json' && format !== 'md')
      throw new HttpError(400, 'invalid_format', 'format must be "json" or "md"');
    // Access first: asking the store first would tell strangers which boards exist.
    await requireBoardAccess(access, req, id);
    if (!(await storage.boardExists(id))) throw noSuchBoard();
    // The loaded room holds the freshest state, including updates still being stored.
    const room = await registry.open(id);
    const board = toBoardJson(room.doc);
    if (format === 'md') {
      res.type('text/markdown; charset=utf-8').send(boardToMarkdown(board));
    } else {
      res.json(board);
    }
  });

  return router;
}
