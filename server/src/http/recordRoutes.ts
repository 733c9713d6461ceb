import { Router } from 'express';
import { HISTORY_PAGE, type BoardComparison } from '@parley/shared/model';
import type { AccessControl } from '../accounts/AccessControl.ts';
import type { RoomRegistry } from '../collab/room/RoomRegistry.ts';
import type { Storage, VersionSummary } from '../persistence/Storage.ts';
import type { FieldAuthors } from '../versions/recordDocx.ts';
import type { VersionPool } from '../versions/VersionPool.ts';
import { requireBoardAccess } from './authContext.ts';
import { boardView, unknownIfGone } from './boardView.ts';
import { HttpError } from './errors.ts';
import { boardIdParam } from './validate.ts';
import { versionIdOf } from './versionRoutes.ts';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** The version asked for, else the latest published, else none (the record then marks no changes). */
async function chosenVersion(
  storage: Storage,
  boardId: string,
  raw: unknown,
): Promise<{ summary: VersionSummary; state: Uint8Array } | null> {
  if (raw === undefined) {
    const latest = (await storage.listVersions(boardId))[0];
    return latest ? storage.readVersion(boardId, latest.id) : null;
  }
  const found = await storage.readVersion(boardId, versionIdOf(raw, 'from'));
  if (!found) throw new HttpError(404, 'unknown_version', 'from: no such version of this board.');
  return found;
}

/**
 * Who changed each changed title and body since the version, from the points' history:
 * every text entry for that field whose run of edits went on past the version (a run that
 * began just before publishing still changed the text after it), newest first in pages.
 */
async function authorsSince(
  storage: Storage,
  boardId: string,
  comparison: BoardComparison,
  since: number,
): Promise<Map<string, FieldAuthors>> {
  const out = new Map<string, FieldAuthors>();
  for (const point of comparison.points) {
    const fields = point.changes.filter((c): c is 'title' | 'body' => c === 'title' || c === 'body');
    if (point.changes.includes('added')) fields.push('title', 'body');
    if (fields.length === 0) continue;
    const found = new Map<string, { names: Set<string>; at: number }>();
    let before: number | null = null;
    for (;;) {
      const rows = await storage.readPointHistory(boardId, point.id, before, HISTORY_PAGE.max);
      for (const row of rows) {
        if (row.detail.kind !== 'text' || row.until <= since || !fields.includes(row.detail.field)) continue;
        const f = found.get(row.detail.field) ?? { names: new Set<string>(), at: 0 };
        if (row.actorName) f.names.add(row.actorName);
        f.at = Math.max(f.at, row.until);
        found.set(row.detail.field, f);
      }
      const last = rows.at(-1);
      // Entries are in the order their runs began: once one began before the version, the rest did too.
      if (!last || rows.length < HISTORY_PAGE.max || last.at <= since) break;
      before = last.seq;
    }
    for (const [field, f] of found) out.set(`${point.id}:${field}`, { names: [...f.names].sort(), at: f.at });
  }
  return out;
}

/**
 * `attachment; filename="<title>-record-<day>.docx"`: the title made safe as the client's
 * exports make it; a title in another script also goes as RFC 8187 UTF-8, the plain name
 * then falling back to "board".
 */
function disposition(title: string, now: number): string {
  const safe = (letters: RegExp) =>
    title
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(letters, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60)
      .replace(/-+$/, '') || 'board';
  const name = (base: string) => `${base}-record-${new Date(now).toISOString().slice(0, 10)}.docx`;
  const ascii = name(safe(/[^a-z0-9]+/g));
  const unicode = name(safe(/[^\p{L}\p{N}]+/gu));
  const extended = unicode === ascii ? '' : `; filename*=UTF-8''${encodeURIComponent(unicode)}`;
  return `attachment; filename="${ascii}"${extended}`;
}

/**
 * The negotiation record as a Word document for any member: the live plan with what
 * changed since a version as tracked changes (the print-ready page is the client's).
 */
export function recordRoutes(
  storage: Storage,
  registry: RoomRegistry,
  access: AccessControl,
  versions: VersionPool,
): Router {
  const router = Router();

  router.get('/boards/:id/record.docx', async (req, res) => {
    const boardId = boardIdParam(req);
    await requireBoardAccess(access, req, boardId);
    const version = await chosenVersion(storage, boardId, req.query['from']);
    // Everything the room applied is stored first: the comparison reads the stored log.
    await unknownIfGone(registry.flushBoard(boardId));
    const comparison = version
      ? await versions.compare({ id: version.summary.id, state: version.state }, { liveBoard: boardId })
      : null;
    const board = await boardView(storage, registry, boardId);
    const authors =
      version && comparison ? await authorsSince(storage, boardId, comparison, version.summary.createdAt) : new Map();
    const now = Date.now();
    // Laid out and zipped on the versions' worker: tens of milliseconds for a big board.
    const body = await versions.recordDocx({
      board,
      version: version ? { name: version.summary.name, createdAt: version.summary.createdAt } : null,
      comparison,
      authors,
      now,
    });
    res
      .type(DOCX)
      .setHeader('Content-Disposition', disposition(board.meta.title, now))
      .send(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  });

  return router;
}
