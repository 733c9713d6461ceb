/**
 * The REST calls of the versions page (and the record's list of versions): list, publish
 * and read a board's versions, compare two states, restore a point's text from a version.
 * Errors become `ApiError`s through api.ts's `request`.
 */
import type { AmendmentField, BoardComparison, BoardJson } from '@parley/shared/model';
import { ApiError, request } from './api.ts';

/** A published version as the server lists it. */
export interface VersionSummary {
  readonly id: string;
  readonly name: string;
  readonly note: string;
  readonly createdBy: string | null;
  readonly createdByName: string;
  readonly createdAt: number;
}

/** The live board, as the later side of a comparison. */
export const LIVE = 'live';

/** A comparison as the server sends it: the two sides, then what changed. */
export interface VersionComparison extends BoardComparison {
  readonly from: VersionSummary;
  readonly to: VersionSummary | { readonly id: typeof LIVE };
}

const boardPath = (boardId: string) => `/api/boards/${encodeURIComponent(boardId)}`;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function toSummary(v: unknown): VersionSummary | null {
  const o = (v ?? {}) as Record<string, unknown>;
  if (typeof o['id'] !== 'string' || !o['id']) return null;
  return {
    id: o['id'],
    name: str(o['name']) || o['id'],
    note: str(o['note']),
    createdBy: typeof o['createdBy'] === 'string' ? o['createdBy'] : null,
    createdByName: str(o['createdByName']),
    createdAt: typeof o['createdAt'] === 'number' ? o['createdAt'] : 0,
  };
}

const badResponse = (what: string) =>
  new ApiError(500, 'bad_response', `The server sent ${what} this page cannot read.`);

/** The board's versions, newest first (as the server orders them). */
export async function fetchVersions(boardId: string): Promise<VersionSummary[]> {
  const body = await request<{ versions?: unknown } | null>('GET', `${boardPath(boardId)}/versions`);
  if (!Array.isArray(body?.versions)) return [];
  return body.versions.flatMap((v: unknown) => toSummary(v) ?? []);
}

/** Editors and owners: publishes the board as it is now; resolves to the new version's id. */
export async function publishVersion(boardId: string, input: { name: string; note: string }): Promise<string> {
  const note = input.note.trim();
  const body = await request<{ id?: unknown } | null>('POST', `${boardPath(boardId)}/versions`, {
    name: input.name,
    ...(note ? { note } : {}),
  });
  if (typeof body?.id !== 'string') throw badResponse('a version');
  return body.id;
}

/** One version's board as it was (the export's JSON). */
export async function fetchVersionBoard(boardId: string, versionId: string): Promise<BoardJson> {
  const body = await request<BoardJson | null>(
    'GET',
    `${boardPath(boardId)}/versions/${encodeURIComponent(versionId)}`,
  );
  if (!body || !Array.isArray(body.points) || !Array.isArray(body.categories)) throw badResponse('a version');
  return { ...body, positions: Array.isArray(body.positions) ? body.positions : [] };
}

/** What changed from one version to another, or to the live board (`to` = `live`). */
export async function fetchComparison(boardId: string, from: string, to: string): Promise<VersionComparison> {
  const query = new URLSearchParams({ from, to });
  const body = await request<VersionComparison | null>('GET', `${boardPath(boardId)}/compare?${query}`);
  if (!body || !Array.isArray(body.points) || !toSummary(body.from)) throw badResponse('a comparison');
  return {
    ...body,
    categories: Array.isArray(body.categories) ? body.categories : [],
    amendments: Array.isArray(body.amendments) ? body.amendments : [],
  };
}

/** Editors: writes a point's title or body as it was in a version into the live point. */
export async function restoreFromVersion(
  boardId: string,
  pointId: string,
  versionId: string,
  field: AmendmentField,
): Promise<void> {
  await request('POST', `${boardPath(boardId)}/points/${encodeURIComponent(pointId)}/restore`, { versionId, field });
}
