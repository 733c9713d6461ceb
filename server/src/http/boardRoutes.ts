import { Router, type Request } from 'express';
import { z } from 'zod';
import { LIMITS, META, ROOT, STAKEHOLDER, oneLineText, updateMeta } from '@parley/shared/model';
import { boardToMarkdown } from '@parley/shared/export';
import type { AccessControl } from '../accounts/AccessControl.ts';
import type { BoardListEvents } from '../appEvents/BoardListEvents.ts';
import { UnknownDocError, type RoomRegistry } from '../collab/room/RoomRegistry.ts';
import type { BoardSummary, Storage } from '../persistence/Storage.ts';
import { noSuchBoard, reachableBoards, requireBoardAccess, requireIdentity } from './authContext.ts';
import { boardView, unknownIfGone } from './boardView.ts';
import { HttpError } from './errors.ts';
import { boardIdParam, parseBody } from './validate.ts';

const BoardPatch = z
  .object({
    title: z
      .string()
      .transform(oneLineText)
      .pipe(
        z
          .string()
          .min(1, 'the title must not be empty')
          .max(LIMITS.titleLength, `the title is longer than ${LIMITS.titleLength} characters`),
      )
      .optional(),
    archived: z.boolean().optional(),
  })
  .strict()
  .refine((b) => b.title !== undefined || b.archived !== undefined, 'give a title, archived, or both');

const BoardDelete = z.object({ confirm: z.unknown().optional() });

/** The signed-in user's boards, and board exports. */
export function boardRoutes(
  storage: Storage,
  registry: RoomRegistry,
  access: AccessControl,
  /** After a board is deleted: what is derived from it elsewhere goes too (the search index). */
  onDeleted: (boardId: string) => void = () => undefined,
  /** Keeps members' board lists live (renames, archiving, deletion) and knows who is online. */
  listEvents?: Pick<BoardListEvents, 'changed' | 'onlineUsers'>,
): Router {
  const router = Router();

  /**
   * The name of a stakeholder as the board's catalogue has it (BoardCatalogue keeps it in
   * step with the doc), so listing boards loads none of them. Only a board no room has
   * loaded since the catalogue held names is loaded (and so catalogued) to answer. Null for
   * none, an unknown one, or a board deleted meanwhile.
   */
  async function stakeholderName(board: BoardSummary, stakeholderId: string | null): Promise<string | null> {
    if (!stakeholderId) return null;
    if (board.stakeholderNames) return board.stakeholderNames[stakeholderId] || null;
    try {
      const room = await registry.open(board.id);
      const name = room.doc
        .getMap<{ get(k: string): unknown }>(ROOT.stakeholders)
        .get(stakeholderId)
        ?.get(STAKEHOLDER.name);
      return typeof name === 'string' && name !== '' ? name : null;
    } catch (err) {
      if (err instanceof UnknownDocError) return null;
      throw err;
    }
  }

  // A session lists every board its user belongs to; an access token its one board.
  router.get('/boards', async (req, res) => {
    const identity = await requireIdentity(access, req);
    const memberships = new Map((await reachableBoards(access, identity)).map((m) => [m.boardId, m] as const));
    const boards = (await storage.listBoards()).filter((b) => memberships.has(b.id));
    res.json({
      boards: await Promise.all(
        boards.map(async (b) => {
          const { role, stakeholderId } = memberships.get(b.id)!;
          return {
            id: b.id,
            title: b.title,
            role,
            stakeholderId,
            stakeholderName: await stakeholderName(b, stakeholderId),
            archived: b.archived,
            online: listEvents?.onlineUsers(b.id) ?? [],
          };
        }),
      ),
    });
  });

  /**
   * One board as the list has it, for the board page (whether it is archived, my role and
   * stakeholder): access first (401 signed out, 404 for a non-member, as for a missing board).
   */
  router.get('/boards/:id', async (req, res) => {
    const id = boardIdParam(req);
    const { principal } = await requireBoardAccess(access, req, id);
    const board = await storage.getBoard(id);
    if (!board) throw noSuchBoard();
    res.json({
      board: {
        id: board.id,
        title: board.title,
        role: principal.role,
        stakeholderId: principal.stakeholderId,
        stakeholderName: await stakeholderName(board, principal.stakeholderId),
        archived: board.archived,
      },
    });
  });

  router.get('/boards/:id/export', async (req, res) => {
    const id = boardIdParam(req);
    const format = req.query['format'] ?? 'json';
    if (format !== 'json' && format !== 'md')
      throw new HttpError(400, 'invalid_format', 'format must be "json" or "md"');
    // Access first: asking the store first would tell strangers which boards exist.
    await requireBoardAccess(access, req, id);
    const board = await boardView(storage, registry, id);
    if (format === 'md') {
      res.type('text/markdown; charset=utf-8').send(boardToMarkdown(board));
    } else {
      res.json(board);
    }
  });

  /**
   * The board, for its owner: access first (401 signed out, 404 for a non-member, exactly
   * as for a missing board), then existence, then the role (403 for other members).
   */
  async function ownedBoard(req: Request, what: string): Promise<BoardSummary> {
    const id = boardIdParam(req);
    const { principal } = await requireBoardAccess(access, req, id);
    const board = await storage.getBoard(id);
    if (!board) throw noSuchBoard();
    if (principal.role !== 'owner') throw new HttpError(403, 'forbidden', `Only the board's owners can ${what}.`);
    return board;
  }

  /** Owners rename (live, through the board doc) and archive or unarchive a board. */
  router.patch('/boards/:id', async (req, res) => {
    const board = await ownedBoard(req, 'rename, archive or unarchive it');
    const patch = parseBody(BoardPatch, req.body);
    // Read-only means the title too: unarchive first (in the same request) to rename.
    const archivedWhileRenaming = patch.archived ?? board.archived;
    if (patch.title !== undefined && board.archived && archivedWhileRenaming) {
      throw new HttpError(409, 'board_archived', 'This board is archived; unarchive it to rename it.');
    }
    if (patch.archived === false && board.archived) await registry.setArchived(board.id, false);
    const title = patch.title;
    if (title !== undefined) {
      await unknownIfGone(
        registry.editBoard(board.id, (doc) => {
          if (doc.getMap(ROOT.meta).get(META.title) !== title) updateMeta(doc, null, { title });
        }),
      );
    }
    if (patch.archived === true && !board.archived) await registry.setArchived(board.id, true);
    const after = await storage.getBoard(board.id);
    if (!after) throw noSuchBoard();
    if (title !== undefined && title !== board.title) listEvents?.changed('renamed', board.id);
    if (after.archived !== board.archived) listEvents?.changed(after.archived ? 'archived' : 'unarchived', board.id);
    res.json({ id: after.id, title: title ?? after.title, archived: after.archived });
  });

  /**
   * Owners delete a board for good, confirming with its current title: its sockets are
   * closed (4404), and its log, client-id owners, members, invites, sign-in links and
   * revocations are deleted. Afterwards it is unknown everywhere.
   */
  router.delete('/boards/:id', async (req, res) => {
    const board = await ownedBoard(req, 'delete it');
    const { confirm } = parseBody(BoardDelete, req.body);
    if (typeof confirm !== 'string' || oneLineText(confirm) === '') {
      throw new HttpError(400, 'confirmation_required', "Type the board's title as confirm to delete it.");
    }
    if (oneLineText(confirm) !== board.title) {
      throw new HttpError(
        400,
        'confirmation_mismatch',
        "confirm is not the board's current title; nothing was deleted.",
      );
    }
    const formerMembers = await unknownIfGone(
      registry.closeBoard(board.id, 'this board was deleted', async () => {
        await storage.deleteBoard(board.id);
        return access.accounts.forgetBoard(board.id);
      }),
    );
    onDeleted(board.id);
    listEvents?.changed('deleted', board.id, formerMembers);
    // socket.io subscribers re-check their access (none is left) and leave the board.
    for (const userId of formerMembers) access.notify({ kind: 'membership-changed', boardId: board.id, userId });
    res.status(204).end();
  });

  return router;
}
