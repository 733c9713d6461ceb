/**
 * What changed between two states of a board (two published versions, or a version and the
 * live board): per point, its text, place, number and every delegation's position; the
 * categories; and the amendments decided in between. Pure data in, pure data out, so the
 * server, the CLI and the client compare alike.
 */
import type * as Y from 'yjs';
import { listAmendments, type AmendmentJson } from './amendments.ts';
import type { CategoryId, PointId, StakeholderId } from './ids.ts';
import type { AmendmentStatus, Stance } from './schema.ts';
import type { BoardJson } from './types.ts';
import { toBoardJson } from './view.ts';

/** A board at one moment, as compared: its plain JSON and its amendments. */
export interface BoardSnapshot {
  readonly board: BoardJson;
  readonly amendments: readonly AmendmentJson[];
}

export function snapshotOf(doc: Y.Doc): BoardSnapshot {
  return { board: toBoardJson(doc), amendments: listAmendments(doc) };
}

export type PointChangeKind = 'added' | 'removed' | 'title' | 'body' | 'moved' | 'renumbered' | 'positions';

/** A value before and after (null where the point, category or position did not exist). */
export interface Change<T> {
  readonly from: T | null;
  readonly to: T | null;
}

export interface PositionChange {
  readonly stakeholderId: StakeholderId;
  readonly from: { readonly stance: Stance; readonly rationale: string } | null;
  readonly to: { readonly stance: Stance; readonly rationale: string } | null;
}

export interface PointComparison {
  readonly id: PointId;
  readonly changes: readonly PointChangeKind[];
  readonly number: Change<number>;
  readonly title: Change<string>;
  readonly body: Change<string>;
  readonly categoryId: Change<CategoryId>;
  readonly positions: readonly PositionChange[];
}

export interface CategoryComparison {
  readonly id: CategoryId;
  readonly change: 'added' | 'removed' | 'renamed' | 'renumbered';
  readonly title: Change<string>;
  readonly number: Change<number>;
}

/** An amendment decided between the two states (open, or not yet proposed, in the first). */
export interface DecidedAmendment {
  readonly id: string;
  readonly number: number;
  readonly pointId: PointId;
  readonly field: AmendmentJson['field'];
  readonly stakeholderId: StakeholderId;
  readonly status: Extract<AmendmentStatus, 'accepted' | 'rejected'>;
  readonly text: string;
  readonly baseText: string;
  readonly decidedByName: string | null;
  readonly decisionNote: string | null;
}

export interface BoardComparison {
  /** Every point that differs, once, in the order of the later state (removed ones last). */
  readonly points: PointComparison[];
  readonly categories: CategoryComparison[];
  readonly amendments: DecidedAmendment[];
}

function byId<T extends { id: string }>(items: readonly T[]): Map<string, T> {
  return new Map(items.map((i) => [i.id, i]));
}

type PositionValue = NonNullable<PositionChange['from']>;

function positionsByPoint(board: BoardJson): Map<string, Map<string, PositionValue>> {
  const out = new Map<string, Map<string, PositionValue>>();
  for (const p of board.positions) {
    let m = out.get(p.pointId);
    if (!m) out.set(p.pointId, (m = new Map()));
    m.set(p.stakeholderId, { stance: p.stance, rationale: p.rationale });
  }
  return out;
}

function positionChanges(
  before: Map<string, PositionValue> | undefined,
  after: Map<string, PositionValue> | undefined,
): PositionChange[] {
  const out: PositionChange[] = [];
  const ids = new Set([...(before?.keys() ?? []), ...(after?.keys() ?? [])]);
  for (const sid of ids) {
    const from = before?.get(sid) ?? null;
    const to = after?.get(sid) ?? null;
    if (from?.stance === to?.stance && from?.rationale === to?.rationale) continue;
    out.push({ stakeholderId: sid as StakeholderId, from, to });
  }
  return out;
}

/** What changed from `from` to `to`; unchanged points and categories do not appear. */
export function compareBoards(from: BoardSnapshot, to: BoardSnapshot): BoardComparison {
  const oldPoints = byId(from.board.points);
  const newPoints = byId(to.board.points);
  const oldPositions = positionsByPoint(from.board);
  const newPositions = positionsByPoint(to.board);
  const points: PointComparison[] = [];
  const order = [...to.board.points, ...from.board.points.filter((p) => !newPoints.has(p.id))];
  for (const p of order) {
    const a = oldPoints.get(p.id) ?? null;
    const b = newPoints.get(p.id) ?? null;
    const changes: PointChangeKind[] = [];
    if (!a) changes.push('added');
    else if (!b) changes.push('removed');
    else {
      if (a.title !== b.title) changes.push('title');
      if (a.body !== b.body) changes.push('body');
      if (a.categoryId !== b.categoryId) changes.push('moved');
      if (a.number !== b.number) changes.push('renumbered');
    }
    const positions = positionChanges(oldPositions.get(p.id), newPositions.get(p.id));
    if (positions.length > 0) changes.push('positions');
    if (changes.length === 0) continue;
    points.push({
      id: p.id,
      changes,
      number: { from: a?.number ?? null, to: b?.number ?? null },
      title: { from: a?.title ?? null, to: b?.title ?? null },
      body: { from: a?.body ?? null, to: b?.body ?? null },
      categoryId: { from: a?.categoryId ?? null, to: b?.categoryId ?? null },
      positions,
    });
  }

  const oldCategories = byId(from.board.categories);
  const newCategories = byId(to.board.categories);
  const categories: CategoryComparison[] = [];
  for (const c of [...to.board.categories, ...from.board.categories.filter((c) => !newCategories.has(c.id))]) {
    const a = oldCategories.get(c.id) ?? null;
    const b = newCategories.get(c.id) ?? null;
    const change = !a
      ? 'added'
      : !b
        ? 'removed'
        : a.title !== b.title
          ? 'renamed'
          : a.number !== b.number
            ? 'renumbered'
            : null;
    if (!change) continue;
    categories.push({
      id: c.id,
      change,
      title: { from: a?.title ?? null, to: b?.title ?? null },
      number: { from: a?.number ?? null, to: b?.number ?? null },
    });
  }

  const wasOpen = new Map(from.amendments.map((a) => [a.id, a.status]));
  const amendments: DecidedAmendment[] = [];
  for (const a of to.amendments) {
    if (a.status !== 'accepted' && a.status !== 'rejected') continue;
    const before = wasOpen.get(a.id);
    if (before === 'accepted' || before === 'rejected') continue;
    amendments.push({
      id: a.id,
      number: a.number,
      pointId: a.pointId,
      field: a.field,
      stakeholderId: a.stakeholderId,
      status: a.status,
      text: a.text,
      baseText: a.baseText,
      decidedByName: a.decidedByName,
      decisionNote: a.decisionNote,
    });
  }
  return { points, categories, amendments };
}
