import {
  agreementLine,
  countStandings,
  groupBy,
  summarizeAgreement,
  type AgreementSummary,
  type PointJson,
  type PositionJson,
  type Standing,
  type StandingCounts,
  type StakeholderJson,
  type ThreadJson,
} from '@parley/shared/model';
import type { BoardSections } from '../../state/indexes.ts';
import { isFiltered, pointFacts, pointMatches, type FactSource, type PointFilter } from '../../state/point-filter.ts';

export type MatrixRow = ReturnType<typeof pointFacts> & {
  readonly kind: 'row';
  readonly point: PointJson;
  /** What the row was read from: the next build keeps the row while these are unchanged. */
  readonly from: RowSources;
};

interface RowSources {
  /** The point's positions, as the board lists them. */
  readonly positions: readonly PositionJson[];
  readonly threads: readonly ThreadJson[];
  readonly amendments: readonly unknown[];
}

export interface MatrixSection {
  readonly kind: 'section';
  readonly key: string;
  readonly title: string;
  /** Every cell of the category, whatever the filter shows. */
  readonly counts: StandingCounts;
  /** "3 of 7 points supported by every delegation; 2 disputed" */
  readonly line: string;
  /** The rows the filter shows. */
  readonly rows: readonly MatrixRow[];
}

/** A line of the grid, top to bottom: a category's heading, then its rows. */
export type MatrixLine = MatrixSection | MatrixRow;

export interface Matrix {
  /** Categories with at least one row to show (all of them when nothing is filtered). */
  readonly sections: readonly MatrixSection[];
  readonly counts: StandingCounts;
  readonly summary: AgreementSummary;
  readonly shown: number;
  /** Every point's row, filtered out or not, and the columns they were read for: what the next build reuses. */
  readonly rowById: ReadonlyMap<string, MatrixRow>;
  readonly delegations: readonly StakeholderJson[];
}

export interface MatrixInput {
  readonly delegations: readonly StakeholderJson[];
  /** Every position of the board, in the order the board lists them. */
  readonly positions: readonly PositionJson[];
  readonly threadsFor: FactSource['threadsFor'];
  readonly amendmentsFor: NonNullable<FactSource['amendmentsFor']>;
  readonly sections: BoardSections;
}

/**
 * The matrix's rows under `filter`, grouped by category, with each category's and the
 * board's rollups. A row (and a section) equal to the one in `previous` is that same
 * object: one remote position change makes one new row, so the grid re-renders that row
 * and leaves the others' DOM alone.
 */
export function buildMatrix(input: MatrixInput, filter: PointFilter, previous?: Matrix): Matrix {
  const ids = input.delegations.map((d) => d.id as string);
  const reusable = previous?.delegations === input.delegations ? previous : undefined;
  // By point, so that a row is checked against its own few positions, not looked up 4,000 times.
  const positionsByPoint = groupBy(input.positions, (p) => p.pointId as string);
  const source: FactSource = {
    delegations: input.delegations,
    positionOf: (pointId, stakeholderId) =>
      positionsByPoint.get(pointId)?.find((p) => p.stakeholderId === stakeholderId),
    threadsFor: input.threadsFor,
    amendmentsFor: input.amendmentsFor,
  };
  const previousSections = new Map(previous?.sections.map((s) => [s.key, s]));
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
  const rowById = new Map<string, MatrixRow>();
  let shown = 0;
  for (const g of groups) {
    const all = g.points.map((point) => {
      const from = {
        positions: positionsByPoint.get(point.id) ?? NONE,
        threads: input.threadsFor(point.id),
        amendments: input.amendmentsFor(point.id),
      };
      const before = reusable?.rowById.get(point.id);
      const row: MatrixRow =
        before && before.point === point && sameSources(before.from, from)
          ? before
          : { kind: 'row', point, from, ...pointFacts(point, source) };
      rowById.set(point.id, row);
      return row;
    });
    const standings = all.map((r) => r.standings);
    every.push(...standings);
    const rows = all.filter((r) => pointMatches(filter, r, ids));
    shown += rows.length;
    if (rows.length === 0 && isFiltered(filter)) continue;
    const section: MatrixSection = {
      kind: 'section',
      key: g.key,
      title: g.title,
      counts: countStandings(standings),
      line: agreementLine(summarizeAgreement(standings)),
      rows,
    };
    const before = previousSections.get(g.key);
    sections.push(before && sameSection(before, section) ? before : section);
  }
  return {
    sections,
    counts: countStandings(every),
    summary: summarizeAgreement(every),
    shown,
    rowById,
    delegations: input.delegations,
  };
}

/** The grid's lines in display order. */
export function matrixLines(sections: readonly MatrixSection[]): MatrixLine[] {
  return sections.flatMap((s): MatrixLine[] => [s, ...s.rows]);
}

const NONE: readonly PositionJson[] = [];

/**
 * Threads keep their objects while unchanged (LiveBoardView); positions are re-read whole on
 * every change, so they compare by what they hold.
 */
function sameSources(a: RowSources, b: RowSources): boolean {
  return (
    a.amendments === b.amendments &&
    sameItems(a.threads, b.threads) &&
    sameItems(a.positions, b.positions, samePosition)
  );
}

function sameSection(a: MatrixSection, b: MatrixSection): boolean {
  return (
    a.title === b.title &&
    a.line === b.line &&
    sameItems(Object.values(a.counts), Object.values(b.counts)) &&
    sameItems(a.rows, b.rows)
  );
}

function sameItems<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean = Object.is): boolean {
  return a.length === b.length && a.every((x, i) => same(x, b[i]!));
}

function samePosition(a: PositionJson, b: PositionJson): boolean {
  return (
    a.pointId === b.pointId &&
    a.stakeholderId === b.stakeholderId &&
    a.stance === b.stance &&
    a.rationale === b.rationale &&
    a.by === b.by &&
    a.byName === b.byName &&
    a.at === b.at
  );
}
