import type { HistoryRow, VersionSummary } from '../persistence/Storage.ts';

/**
 * A published version's entry in the board's activity (pointId '': it is the board's), stored
 * with the version by Storage.createVersion; the notification drain tells every member.
 */
export function versionHistoryRow(v: VersionSummary, actorStakeholderId: string | null): HistoryRow {
  return {
    groupKey: null,
    boardId: v.boardId,
    pointId: '',
    at: v.createdAt,
    until: v.createdAt,
    actorId: v.createdBy,
    actorName: v.createdByName,
    actorStakeholderId,
    detail: { kind: 'version', versionId: v.id, name: v.name, note: v.note },
  };
}
