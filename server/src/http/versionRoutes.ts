import { Router, type Request } from 'express';
import { z } from 'zod';
import { LIMITS, compareBoards, newVersionId, oneLineText, snapshotOf } from '@parley/shared/model';
import { can, describeRefusal } from '@parley/shared/permissions';
import type { AccessControl } from '../accounts/AccessControl.ts';
import type { RoomRegistry } from '../collab/room/RoomRegistry.ts';
import type { Storage, VersionSummary } from '../persistence/Storage.ts';
import type { VersionSnapshots } from '../versions/VersionSnapshots.ts';
import { requireBoardAccess } from './authContext.ts';
import { unknownIfGone } from './boardView.ts';
import { HttpError } from './errors.ts';
import { boardIdParam, parseBody } from './validate.ts';

/** A version id as `newVersionId` makes it. */
const VERSION_ID = /^v_[a-z0-9]{12}$/;

const Publish = z
  .object({
    name: z
      .string()
      .transform(oneLineText)
      .pipe(
        z
          .string()
          .min(1, 'the name must not be empty')
          .max(LIMITS.versionNameLength, `the name is longer than ${LIMITS.versionNameLength} characters`),
      ),
    note: z
      .string()
      .max(LIMITS.versionNoteLength, `the note is longer than ${LIMITS.versionNoteLength} characters`)
      .optional(),
  })
  .strict();

/** A version as the routes list it. */
const listed = (v: VersionSummary) => ({
  id: v.id,
  name: v.name,
  note: v.note,
  createdBy: v.createdBy,
  createdByName: v.createdByName,
  createdAt: v.createdAt,
});

function versionIdOf(raw: unknown, what: string): string {
  if (typeof raw !== 'string' || !VERSION_ID.test(raw)) {
    throw new HttpError(400, 'invalid_version_id', `${what} is not a version id.`);
  }
  return raw;
}

/**
 * Rounds: editors publish a named version, stored as the board's full encoded state (not a
 * Yjs snapshot: the live doc keeps garbage collection on); any member lists, reads and
 * compares them, with each other or with the live board.
 */
export function versionRoutes(
  storage: Storage,
  registry: RoomRegistry,
  access: AccessControl,
  snapshots: VersionSnapshots,
): Router {
  const router = Router();

  async function version(boardId: string, raw: unknown, what: string) {
    const found = await snapshots.get(boardId, versionIdOf(raw, what));
    if (!found) throw new HttpError(404, 'unknown_version', `${what}: no such version of this board.`);
    return found;
  }

  router.get('/boards/:id/versions', async (req, res) => {
    const boardId = boardIdParam(req);
    await requireBoardAccess(access, req, boardId);
    res.json({ versions: (await storage.listVersions(boardId)).map(listed) });
  });

  router.post('/boards/:id/versions', async (req, res) => {
    const boardId = boardIdParam(req);
    const { principal } = await requireBoardAccess(access, req, boardId);
    const action = { kind: 'publish-version' } as const;
    if (!can(principal, action)) throw new HttpError(403, 'forbidden', describeRefusal(action));
    const { name, note } = parseBody(Publish, req.body);
    const state = await unknownIfGone(registry.storedState(boardId));
    if (registry.isArchived(boardId)) {
      throw new HttpError(409, 'board_archived', 'This board is archived: it is read-only.');
    }
    const summary: VersionSummary = {
      id: newVersionId(),
      boardId,
      name,
      note: note?.trim() ?? '',
      createdBy: principal.userId,
      createdByName: principal.name,
      createdAt: Date.now(),
    };
    await storage.createVersion(summary, state);
    res.status(201).json({ id: summary.id });
  });

  router.get('/boards/:id/versions/:versionId', async (req, res) => {
    const boardId = boardIdParam(req);
    await requireBoardAccess(access, req, boardId);
    const { snapshot } = await version(boardId, req.params['versionId'], 'versionId');
    res.json(snapshot.board);
  });

  router.get('/boards/:id/compare', async (req: Request, res) => {
    const boardId = boardIdParam(req);
    await requireBoardAccess(access, req, boardId);
    const from = await version(boardId, req.query['from'], 'from');
    const toRaw = req.query['to'] ?? 'live';
    let to: { summary: ReturnType<typeof listed> | { id: 'live' }; snapshot: typeof from.snapshot };
    if (toRaw === 'live') {
      const room = await unknownIfGone(registry.open(boardId));
      to = { summary: { id: 'live' }, snapshot: snapshotOf(room.doc) };
    } else {
      const found = await version(boardId, toRaw, 'to');
      to = { summary: listed(found.summary), snapshot: found.snapshot };
    }
    res.json({ from: listed(from.summary), to: to.summary, ...compareBoards(from.snapshot, to.snapshot) });
  });

  return router;
}
