import { Router } from 'express';
import { toBoardJson } from '@parley/shared/model';
import { boardToMarkdown } from '@parley/shared/export';
import { isValidBoardId } from '@parley/shared/protocol';
import type { RoomRegistry } from '../collab/RoomRegistry.ts';
import type { Storage } from '../storage/Storage.ts';
import { HttpError } from './errors.ts';

/** Read-only board routes: the board list and exports. */
export function boardRoutes(storage: Storage, registry: RoomRegistry): Router {
  const router = Router();

  router.get('/boards', async (_req, res) => {
    const boards = await storage.listBoards();
    res.json({ boards: boards.map((b) => ({ id: b.id, title: b.title })) });
  });

  router.get('/boards/:id/export', async (req, res) => {
    const id = req.params.id;
    if (!isValidBoardId(id))
      throw new HttpError(400, 'invalid_board_id', 'Board ids are lowercase letters, digits and dashes');
    const format = req.query['format'] ?? 'json';
    if (format !== 'json' && format !== 'md')
      throw new HttpError(400, 'invalid_format', 'format must be "json" or "md"');
    if (!(await storage.boardExists(id))) throw new HttpError(404, 'unknown_board', `No board "${id}"`);
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
