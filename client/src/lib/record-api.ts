/**
 * The REST calls of the negotiation record page (`/b/<id>/record`): it reads the board,
 * its versions and the comparison once, over HTTP; a record needs no live connection.
 */
import type { BoardComparison, BoardJson } from '@parley/shared/model';
import { request } from './api.ts';

export { fetchVersions, type VersionSummary as RecordVersion } from './versions-api.ts';

const board = (boardId: string) => `/api/boards/${encodeURIComponent(boardId)}`;

const getJson = <T>(path: string) => request<T>('GET', path);

/** The board as it stands (the export's JSON). */
export const fetchLiveBoard = (boardId: string) => getJson<BoardJson>(`${board(boardId)}/export?format=json`);

/** What changed from a version to the live board. */
export const fetchChangesSince = (boardId: string, versionId: string) =>
  getJson<BoardComparison>(`${board(boardId)}/compare?${new URLSearchParams({ from: versionId, to: 'live' })}`);

/** The Word document of the record (the server builds it), against a version or the latest. */
export function recordDocxHref(boardId: string, versionId: string | null): string {
  return `${board(boardId)}/record.docx${versionId ? `?${new URLSearchParams({ from: versionId })}` : ''}`;
}
