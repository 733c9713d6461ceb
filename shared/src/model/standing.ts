import type { PointId, StakeholderId } from './ids.ts';
import { STANCE_LABEL, STANCES, type Stance } from './schema.ts';
import type { PositionJson } from './types.ts';

/**
 * Where the delegations stand on the points: the one place that says what "consensus" and
 * "disputed" mean (docs/ARCHITECTURE.md, "Where everyone stands"). The matrix, its
 * filters and its rollups all use these definitions.
 */

/** A delegation's stance on a point, or `none` while it has not taken a position. */
export type Standing = Stance | 'none';

/** Every standing, in the order rollups and legends show them. */
export const STANDINGS: readonly Standing[] = [...STANCES, 'none'];

export const STANDING_LABEL: Record<Standing, string> = { ...STANCE_LABEL, none: 'No position yet' };

/** How many of a set of (point, delegation) cells are at each standing. */
export type StandingCounts = Record<Standing, number>;

/** How a point stands overall, by the definitions below. */
export type Agreement = 'consensus' | 'disputed' | 'open';

/** Looks up a delegation's position on a point (`BoardState.position`, or an index of a board's positions). */
export type PositionOf = (pointId: PointId, stakeholderId: StakeholderId) => PositionJson | undefined;

export function standingOf(position: Pick<PositionJson, 'stance'> | undefined): Standing {
  return position?.stance ?? 'none';
}

/**
 * - **consensus**: every delegation of the board supports the point as it stands (support,
 *   not support with changes: a delegation asking for changes has not agreed yet);
 * - **disputed**: at least one delegation opposes it;
 * - **open**: neither (some have no position yet, are undecided or want changes).
 *
 * A board without delegations has no consensus to reach: every point is open.
 */
export function agreementOf(standings: readonly Standing[]): Agreement {
  if (standings.includes('oppose')) return 'disputed';
  if (standings.length > 0 && standings.every((s) => s === 'support')) return 'consensus';
  return 'open';
}

export function emptyCounts(): StandingCounts {
  return { support: 0, 'support-with-changes': 0, oppose: 0, undecided: 0, none: 0 };
}

/** Counts the standings of every cell of these points' rows (each row: a point's standings). */
export function countStandings(rows: readonly (readonly Standing[])[]): StandingCounts {
  const counts = emptyCounts();
  for (const row of rows) for (const s of row) counts[s]++;
  return counts;
}

export interface AgreementSummary {
  readonly points: number;
  readonly consensus: number;
  readonly disputed: number;
}

/** How many of these points' rows are in consensus, and how many disputed. */
export function summarizeAgreement(rows: readonly (readonly Standing[])[]): AgreementSummary {
  let consensus = 0;
  let disputed = 0;
  for (const row of rows) {
    const a = agreementOf(row);
    if (a === 'consensus') consensus++;
    else if (a === 'disputed') disputed++;
  }
  return { points: rows.length, consensus, disputed };
}

/** "12 of 28 points supported by every delegation; 5 disputed" */
export function agreementLine(summary: AgreementSummary): string {
  const noun = summary.points === 1 ? 'point' : 'points';
  return `${summary.consensus} of ${summary.points} ${noun} supported by every delegation; ${summary.disputed} disputed`;
}
