import type { DocSession } from './session.ts';

/**
 * What the status badge says, for one doc or for a board with its private notes:
 *
 * - `offline`: no connection (the browser is offline, or the server cannot be reached and
 *   the provider is retrying: the badge tells the two apart with `network.online`);
 *   changes stay in the local copy;
 * - `connecting`: the first attempt, the first after coming back online, or a retry that
 *   is taking a while (see ConnectionState);
 * - `syncing`: connected, but the sync has not finished or the server has not yet
 *   confirmed that every change sent is durably stored;
 * - `saved`: connected, synced, and the server confirmed it stored everything this tab
 *   sent, with no local change since;
 * - `fatal`: the server closed for good (the board's connection only).
 */
export type SaveStatus = 'offline' | 'connecting' | 'syncing' | 'saved' | 'fatal';

export function docSaveStatus(s: DocSession): SaveStatus {
  switch (s.connection.status) {
    case 'fatal':
      return 'fatal';
    case 'disconnected':
      return 'offline';
    case 'connecting':
      return 'connecting';
    case 'connected':
      return s.connection.synced && s.saves.settled ? 'saved' : 'syncing';
  }
}

const RANK: Record<Exclude<SaveStatus, 'fatal'>, number> = { offline: 3, connecting: 2, syncing: 1, saved: 0 };

/**
 * The board's status with its notes: the board's fatal close wins; otherwise the least
 * settled of the docs that are still connecting or connected (a notes doc closed for good
 * shows its own message and does not hold the badge back). `unsaved` counts every doc.
 */
export function combinedSaveStatus(
  board: DocSession,
  others: readonly DocSession[],
): { status: SaveStatus; unsaved: number } {
  const all = [board, ...others];
  const unsaved = all.reduce((n, s) => n + s.saves.unsaved, 0);
  const boardStatus = docSaveStatus(board);
  if (boardStatus === 'fatal') return { status: 'fatal', unsaved };
  let status: Exclude<SaveStatus, 'fatal'> = boardStatus;
  for (const s of others) {
    const st = docSaveStatus(s);
    if (st !== 'fatal' && RANK[st] > RANK[status]) status = st;
  }
  return { status, unsaved };
}
