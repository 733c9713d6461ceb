import { Router } from 'express';
import { z } from 'zod';
import * as Y from 'yjs';
import {
  AMENDMENT_FIELDS,
  ENTRY_ID_PATTERN,
  LIMITS,
  POINT,
  ROOT,
  applyWording,
  isTrashed,
  newVersionId,
  oneLineText,
} from '@parley/shared/model';
import { can, describeRefusal } from '@parley/shared/permissions';
import type { AccessControl } from '../accounts/AccessControl.ts';
import type { RoomRegistry } from '../collab/room/RoomRegistry.ts';
import type { Storage, VersionSummary } from '../persistence/Storage.ts';
import type { VersionPool } from '../versions/VersionPool.ts';
import { versionHistoryRow } from '../history/versionEntry.ts';
import { requireBoardAccess } from './authContext.ts';
import { unknownIfGone } from './boardView.ts';
import { HttpError } from './errors.ts';
import { boardIdParam, parseBody } from './validate.ts';

/** A version id as `newVersionId` makes it. */
export const VERSION_ID = /^v_[a-z0-9]{12}$/;

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

const Restore = z.object({ versionId: z.string(), field: z.enum(AMENDMENT_FIELDS) }).strict();

/** A version as the routes list it. */
const listed = (v: VersionSummary) => ({
  id: v.id,
  name: v.name,
  note: v.note,
  createdBy: v.createdBy,
  createdByName: v.createdByName,
  createdAt: v.createdAt,
});

/** A version id from a request (`what` names where it came from); anything else is a 400. */
export function versionIdOf(raw: unknown, what: string): string {
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
  versions: VersionPool,
  /** Told once a version is stored: its activity entry is the notifications' to drain. */
  published: (boardId: string) => void = () => undefined,
): Router {
  const router = Router();

  async function version(boardId: string, raw: unknown, what: string) {
    const found = await storage.readVersion(boardId, versionIdOf(raw, what));
    if (!found) throw new HttpError(404, 'unknown_version', `${what}: no such version of this board.`);
    return { summary: found.summary, bytes: { id: found.summary.id, state: found.state } };
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
    // Everything the room applied is stored first: the version is the board as stored.
    await unknownIfGone(registry.flushBoard(boardId));
    if (registry.isArchived(boardId)) {
      throw new HttpError(409, 'board_archived', 'This board is archived: it is read-only.');
    }
    const id = newVersionId();
    // Encoded on the worker: for a big board, the one step that would hold the rooms.
    const state = await versions.publishState(boardId, id);
    const summary: VersionSummary = {
      id,
      boardId,
      name,
      note: note?.trim() ?? '',
      createdBy: principal.userId,
      createdByName: principal.name,
      createdAt: Date.now(),
    };
    // Its activity entry (pointId '': the board's) is stored with it, in one transaction.
    await storage.createVersion(summary, state, versionHistoryRow(summary, principal.stakeholderId));
    published(boardId);
    res.status(201).json({ id: summary.id });
  });

  router.get('/boards/:id/versions/:versionId', async (req, res) => {
    const boardId = boardIdParam(req);
    await requireBoardAccess(access, req, boardId);
    const { bytes } = await version(boardId, req.params['versionId'], 'versionId');
    res.json(await versions.read(bytes));
  });

  router.get('/boards/:id/compare', async (req, res) => {
    const boardId = boardIdParam(req);
    await requireBoardAccess(access, req, boardId);
    const from = await version(boardId, req.query['from'], 'from');
    const toRaw = req.query['to'] ?? 'live';
    if (toRaw === 'live') {
      await unknownIfGone(registry.flushBoard(boardId));
      const comparison = await versions.compare(from.bytes, { liveBoard: boardId });
      res.json({ from: listed(from.summary), to: { id: 'live' }, ...comparison });
      return;
    }
    const to = await version(boardId, toRaw, 'to');
    const comparison = await versions.compare(from.bytes, to.bytes);
    res.json({ from: listed(from.summary), to: listed(to.summary), ...comparison });
  });

  // Editors restore a point's title or body from a version: a forward edit (a minimal one,
  // so concurrent typing survives), recorded in the point's history with the version as
  // its cause. The point must still be on the board.
  router.post('/boards/:id/points/:pointId/restore', async (req, res) => {
    const boardId = boardIdParam(req);
    const { principal } = await requireBoardAccess(access, req, boardId);
    const action = { kind: 'edit-plan' } as const;
    if (!can(principal, action)) throw new HttpError(403, 'forbidden', describeRefusal(action));
    const pointId = String(req.params['pointId']);
    if (!ENTRY_ID_PATTERN.test(pointId)) throw new HttpError(400, 'invalid_point_id', 'Not a point id.');
    const { versionId, field } = parseBody(Restore, req.body);
    const { summary, bytes } = await version(boardId, versionId, 'versionId');
    const then = (await versions.read(bytes)).points.find((p) => p.id === pointId);
    if (!then) throw new HttpError(404, 'unknown_point', 'The point is not in that version.');
    const wording = field === 'title' ? then.title : then.body;
    await unknownIfGone(
      registry.editBoard(boardId, (doc, room) => {
        if (registry.isArchived(boardId)) {
          throw new HttpError(409, 'board_archived', 'This board is archived: it is read-only.');
        }
        const point = doc.getMap<Y.Map<unknown>>(ROOT.points).get(pointId);
        const text = point?.get(field === 'title' ? POINT.title : POINT.body);
        if (!point || isTrashed(point) || !(text instanceof Y.Text)) {
          throw new HttpError(404, 'unknown_point', 'No such point on the board now.');
        }
        const edit = () => doc.transact(() => applyWording(text, wording));
        const editor = { userId: principal.userId, name: principal.name, stakeholderId: principal.stakeholderId };
        if (room.history) room.history.restore(editor, pointId, field, wording, summary, edit);
        else edit();
      }),
    );
    res.json({ pointId, field, versionId: summary.id });
  });

  return router;
}
