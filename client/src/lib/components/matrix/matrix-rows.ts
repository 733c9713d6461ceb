import {
  agreementLine,
  countStandings,
  summarizeAgreement,
  type AgreementSummary,
  type PointJson,
  type Standing,
  type StandingCounts,
} from '@parley/shared/model';
import type { BoardSections } from '../../state/indexes.ts';
import { isFiltered, pointFacts, pointMatches, type FactSource, type PointFilter } from '../../state/point-filter.ts';

export type MatrixRow = ReturnType<typeof pointFacts> & { readonly point: PointJson };

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

export interface MatrixInput extends FactSource {
  readonly sections: BoardSections;
}

/** The matrix's rows under `filter`, grouped by category, with each category's and the board's rollups. */
export function buildMatrix(input: MatrixInput, filter: PointFilter): Matrix {
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
    const all: MatrixRow[] = g.points.map((point) => ({ point, ...pointFacts(point, input) }));
    const standings = all.map((r) => r.standings);
    every.push(...standings);
    const rows = all.filter((r) => pointMatches(filter, r, ids));
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
