import {
  agreementLine,
  agreementOf,
  countStandings,
  standingOf,
  summarizeAgreement,
  type Agreement,
  type AgreementSummary,
  type PointJson,
  type PositionJson,
  type PositionOf,
  type Standing,
  type StandingCounts,
  type StakeholderJson,
  type ThreadJson,
} from '@parley/shared/model';
import type { BoardSections } from '../../state/indexes.ts';
import { isFiltered, rowMatches, type MatrixFilter } from '../../state/matrix-filter.ts';

export interface MatrixRow {
  readonly point: PointJson;
  /** Per delegation, in column order. */
  readonly positions: readonly (PositionJson | undefined)[];
  readonly standings: readonly Standing[];
  readonly openThreads: readonly number[];
  readonly agreement: Agreement;
}

export interface MatrixSection {
  readonly key: string;
  readonly title: string;
  /** Every cell of the category, whatever the filter shows. */
  readonly counts: StandingCounts;
  /** "3 of 7 points supported by every delegation; 2 disputed" */
  readonly line: string;
  /** The rows the filter shows. */
  readonly rows: readonly MatrixRow[];
}

export interface Matrix {
  /** Categories with at least one row to show (all of them when nothing is filtered). */
  readonly sections: readonly MatrixSection[];
  readonly counts: StandingCounts;
  readonly summary: AgreementSummary;
  readonly shown: number;
}

export interface MatrixInput {
  readonly sections: BoardSections;
  readonly delegations: readonly StakeholderJson[];
  readonly positionOf: PositionOf;
  readonly threadsFor: (pointId: string) => readonly ThreadJson[];
}

function rowOf(point: PointJson, input: MatrixInput): MatrixRow {
  const positions = input.delegations.map((d) => input.positionOf(point.id, d.id));
  const standings = positions.map(standingOf);
  const open = input.threadsFor(point.id).filter((t) => !t.resolved);
  const openThreads = input.delegations.map((d) => open.filter((t) => t.stakeholderId === d.id).length);
  return { point, positions, standings, openThreads, agreement: agreementOf(standings) };
}

/** The matrix's rows under `filter`, grouped by category, with each category's and the board's rollups. */
export function buildMatrix(input: MatrixInput, filter: MatrixFilter): Matrix {
  const ids = input.delegations.map((d) => d.id as string);
  const groups = [
    ...input.sections.sections.map(({ category, points }) => ({
      key: category.id as string,
      title: `${category.number}. ${category.title || 'Untitled category'}`,
      points,
    })),
    ...(input.sections.orphans.length > 0
      ? [{ key: '~orphans', title: 'Without a category', points: input.sections.orphans }]
      : []),
  ];
  const sections: MatrixSection[] = [];
  const every: (readonly Standing[])[] = [];
  let shown = 0;
  for (const g of groups) {
    const all = g.points.map((p) => rowOf(p, input));
    const standings = all.map((r) => r.standings);
    every.push(...standings);
    const rows = all.filter((r) => rowMatches(filter, { ...r, categoryId: r.point.categoryId }, ids));
    shown += rows.length;
    if (rows.length === 0 && isFiltered(filter)) continue;
    sections.push({
      key: g.key,
      title: g.title,
      counts: countStandings(standings),
      line: agreementLine(summarizeAgreement(standings)),
      rows,
    });
  }
  return { sections, counts: countStandings(every), summary: summarizeAgreement(every), shown };
}
