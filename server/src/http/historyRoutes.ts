import { Router, type Request } from 'express';
import * as Y from 'yjs';
import {
  CATEGORY,
  ENTRY_ID_PATTERN,
  HISTORY_PAGE,
  POINT,
  STAKEHOLDER,
  boardRoots,
  describeHistoryEntry,
  type HistoryEntryJson,
  type HistoryNames,
  type HistoryPageJson,
} from '@parley/shared/model';
import type { AccessControl } from '../accounts/AccessControl.ts';
import type { RoomRegistry } from '../collab/room/RoomRegistry.ts';
import type { Storage, StoredHistoryRow } from '../persistence/Storage.ts';
import { requireBoardAccess } from './authContext.ts';
import { unknownIfGone } from './boardView.ts';
import { HttpError } from './errors.ts';
import { boardIdParam } from './validate.ts';

/** A positive whole number from the query string, or null when absent; anything else is a 400. */
export function queryInt(req: Request, name: string, max: number): number | null {
  const raw = req.query[name];
  if (raw === undefined) return null;
  const n = typeof raw === 'string' && /^[1-9][0-9]{0,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n > max) {
    throw new HttpError(400, 'invalid_query', `${name} must be a whole number from 1 to ${max}.`);
  }
  return n;
}

function namesOf(doc: Y.Doc): HistoryNames {
  const { stakeholders, categories } = boardRoots(doc);
  const field = (map: Y.Map<Y.Map<unknown>>, id: string, key: string) => {
    const v = map.get(id)?.get(key);
    return typeof v === 'string' && v !== '' ? v : id;
  };
  return {
    stakeholder: (id) => field(stakeholders, id, STAKEHOLDER.name),
    category: (id) => field(categories, id, CATEGORY.title),
  };
}

/**
 * A point's history (HistoryRecorder derives it from committed updates): any member may
 * read it, as they read the board. Newest first, in pages; a text entry's `after` is the
 * text when the next run of edits to that field began, or the live text for the latest.
 */
export function historyRoutes(storage: Storage, registry: RoomRegistry, access: AccessControl): Router {
  const router = Router();

  router.get('/boards/:id/points/:pointId/history', async (req, res) => {
    const boardId = boardIdParam(req);
    await requireBoardAccess(access, req, boardId);
    const pointId = String(req.params['pointId']);
    if (!ENTRY_ID_PATTERN.test(pointId)) throw new HttpError(400, 'invalid_point_id', 'Not a point id.');
    const before = queryInt(req, 'before', Number.MAX_SAFE_INTEGER);
    const limit = queryInt(req, 'limit', HISTORY_PAGE.max) ?? HISTORY_PAGE.default;
    // The loaded room holds the live text, which the latest run of edits ends in.
    const room = await unknownIfGone(registry.open(boardId));
    const rows = await storage.readPointHistory(boardId, pointId, before, limit + 1);
    const page = rows.slice(0, limit);
    const names = namesOf(room.doc);
    const point = boardRoots(room.doc).points.get(pointId);
    const liveText = (field: string) => {
      const t = point?.get(field === 'title' ? POINT.title : POINT.body);
      return t instanceof Y.Text ? t.toString() : '';
    };
    // Newest first: the text entry seen last for a field is the next one after this.
    const nextBefore = new Map<string, string>();
    const entries: HistoryEntryJson[] = [];
    for (const row of page) {
      let after: string | undefined;
      if (row.detail.kind === 'text') {
        const field = row.detail.field;
        after =
          nextBefore.get(field) ?? (await storage.nextTextBefore(boardId, pointId, field, row.seq)) ?? liveText(field);
        nextBefore.set(field, row.detail.before);
      }
      entries.push(toEntry(row, names, after));
    }
    const body: HistoryPageJson = { entries, next: rows.length > limit ? page.at(-1)!.seq : null };
    res.json(body);
  });

  return router;
}

/** A stored entry as the routes return it, with its one-sentence summary. */
export function toEntry(row: StoredHistoryRow, names: HistoryNames, after: string | undefined): HistoryEntryJson {
  const actor = row.actorId === null ? null : { userId: row.actorId, name: row.actorName ?? row.actorId };
  const base = { ...row.detail, actor, actorStakeholderId: row.actorStakeholderId };
  return {
    ...base,
    id: row.seq,
    at: row.at,
    until: row.until,
    ...(after === undefined ? {} : { after }),
    summary: describeHistoryEntry(base, names),
  };
}
