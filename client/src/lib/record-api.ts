/**
 * The REST calls of the negotiation record page (`/b/<id>/record`): it reads the board,
 * its versions and the comparison once, over HTTP; a record needs no live connection.
 */
import type { BoardComparison, BoardJson } from '@parley/shared/model';
import { ApiError } from './api.ts';

/** A published version as `GET /api/boards/:id/versions` lists it. */
export interface RecordVersion {
  readonly id: string;
  readonly name: string;
  readonly note: string;
  readonly createdByName: string;
  readonly createdAt: number;
}

const board = (boardId: string) => `/api/boards/${encodeURIComponent(boardId)}`;

async function getJson<T>(path: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { credentials: 'same-origin', headers: { accept: 'application/json' } });
  } catch {
    throw new ApiError(0, 'offline', 'Could not reach the server. Check your connection and try again.');
  }
  if (!res.ok) {
    const json: unknown = await res.json().catch(() => null);
    const err = (json as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    throw new ApiError(
      res.status,
      typeof err?.code === 'string' ? err.code : `http_${res.status}`,
      typeof err?.message === 'string' && err.message ? err.message : `The server answered ${res.status}.`,
    );
  }
  return (await res.json()) as T;
}

/** The board as it stands (the export's JSON). */
export const fetchLiveBoard = (boardId: string) => getJson<BoardJson>(`${board(boardId)}/export?format=json`);

/** The board's versions, newest first. */
export async function fetchVersions(boardId: string): Promise<RecordVersion[]> {
  return (await getJson<{ versions: RecordVersion[] }>(`${board(boardId)}/versions`)).versions;
}

/** What changed from a version to the live board. */
export const fetchChangesSince = (boardId: string, versionId: string) =>
  getJson<BoardComparison>(`${board(boardId)}/compare?${new URLSearchParams({ from: versionId, to: 'live' })}`);

/** The Word document of the record (the server builds it), against a version or the latest. */
export function recordDocxHref(boardId: string, versionId: string | null): string {
  return `${board(boardId)}/record.docx${versionId ? `?${new URLSearchParams({ from: versionId })}` : ''}`;
}
