import type {
  BoardComparison,
  CategoryComparison,
  DecidedAmendment,
  DiffPart,
  PointComparison,
} from '@parley/shared/model';

/**
 * A comparison as the versions page reads it: each change worded, and the list of places
 * "Next change" steps through. Pure, so it is tested without a page.
 */

/** Names the page looks up on the live board (a category or delegation may be gone since). */
export interface CompareNames {
  readonly category: (id: string) => string | undefined;
  readonly stakeholder: (id: string) => string | undefined;
  readonly pointNumber: (id: string) => number | undefined;
}

/** A part of a point card that is one stop for the change jumping. */
export type PointSection = 'point' | 'place' | 'title' | 'body' | 'positions';

/** One stop of "Next change": its key (a `data-change` attribute) and how it is announced. */
export interface ChangeTarget {
  readonly key: string;
  readonly label: string;
}

export const pointKey = (pointId: string, section: PointSection) => `point:${pointId}:${section}`;
export const categoryKey = (categoryId: string) => `category:${categoryId}`;
export const amendmentKey = (amendmentId: string) => `amendment:${amendmentId}`;

/** The point's number and title on the later side (on the earlier one for a removed point). */
export function pointHeading(p: PointComparison): string {
  const number = p.number.to ?? p.number.from;
  const title = (p.title.to ?? p.title.from ?? '').trim() || 'Untitled point';
  return `Point ${number ?? '?'}. ${title}`;
}

/**
 * The card's stops: an added or removed point is one; otherwise its place (moved,
 * renumbered), title, body and positions each, in the order the card shows them.
 */
export function pointSections(p: PointComparison): PointSection[] {
  const has = (k: PointComparison['changes'][number]) => p.changes.includes(k);
  if (has('added') || has('removed')) return ['point'];
  const out: PointSection[] = [];
  if (has('moved') || has('renumbered')) out.push('place');
  if (has('title')) out.push('title');
  if (has('body')) out.push('body');
  if (has('positions')) out.push('positions');
  return out;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** What changed on a point, as short badges people read (never colour alone). */
export function pointBadges(p: PointComparison): string[] {
  return p.changes.map((kind) => {
    switch (kind) {
      case 'added':
        return 'Added';
      case 'removed':
        return 'Removed';
      case 'title':
        return 'Title changed';
      case 'body':
        return 'Text changed';
      case 'moved':
        return 'Moved';
      case 'renumbered':
        return `Renumbered ${p.number.from ?? '?'} → ${p.number.to ?? '?'}`;
      case 'positions':
        return plural(p.positions.length, 'position changed', 'positions changed');
    }
  });
}

/**
 * A category's name on one side: the comparison has it when the category changed
 * (renamed, added, removed); otherwise it is the same as on the live board.
 */
export function categoryName(
  comparison: Pick<BoardComparison, 'categories'>,
  names: CompareNames,
  id: string | null,
  side: 'from' | 'to',
): string {
  if (id === null) return 'no category';
  const changed = comparison.categories.find((c) => c.id === id);
  const title = changed?.title[side] ?? changed?.title.from ?? changed?.title.to ?? names.category(id);
  return title?.trim() ? `“${title.trim()}”` : 'a category no longer on the board';
}

/** "Moved from category “A” to “B”", or null when the point stayed. */
export function moveLine(comparison: Pick<BoardComparison, 'categories'>, p: PointComparison, names: CompareNames) {
  if (!p.changes.includes('moved')) return null;
  const from = categoryName(comparison, names, p.categoryId.from, 'from');
  const to = categoryName(comparison, names, p.categoryId.to, 'to');
  return `Moved from category ${from} to ${to}`;
}

export function categoryLine(c: CategoryComparison): string {
  const from = c.title.from?.trim() || 'Untitled category';
  const to = c.title.to?.trim() || 'Untitled category';
  switch (c.change) {
    case 'added':
      return `Category “${to}” added`;
    case 'removed':
      return `Category “${from}” removed`;
    case 'renamed':
      return `Category “${from}” renamed to “${to}”`;
    case 'renumbered':
      return `Category “${to}” renumbered ${c.number.from ?? '?'} → ${c.number.to ?? '?'}`;
  }
}

/** "#3 by Ukraine accepted by Dana Editor — “note”" */
export function amendmentLine(a: DecidedAmendment, names: CompareNames): string {
  const who = names.stakeholder(a.stakeholderId) ?? a.stakeholderId;
  const line = `#${a.number} by ${who} ${a.status} by ${a.decidedByName || 'an editor'}`;
  return a.decisionNote ? `${line} — “${a.decisionNote}”` : line;
}

/** "(text of point 4)": what the amendment reworded ("(title)" when its point is gone). */
export function amendmentWhere(a: Pick<DecidedAmendment, 'field'>, pointNumber: number | null | undefined): string {
  const field = a.field === 'title' ? 'title' : 'text';
  return pointNumber ? `(${field} of point ${pointNumber})` : `(${field})`;
}

/** Every stop of "Next change", in the order the page shows them: categories, points, amendments. */
export function changeTargets(comparison: BoardComparison): ChangeTarget[] {
  const SECTION_LABEL: Record<PointSection, string> = {
    point: '',
    place: 'place',
    title: 'title',
    body: 'text',
    positions: 'positions',
  };
  return [
    ...comparison.categories.map((c) => ({ key: categoryKey(c.id), label: categoryLine(c) })),
    ...comparison.points.flatMap((p) => {
      const heading = `Point ${p.number.to ?? p.number.from ?? '?'}`;
      const whole = p.changes.includes('added') ? 'added' : 'removed';
      return pointSections(p).map((s) => ({
        key: pointKey(p.id, s),
        label: `${heading}, ${s === 'point' ? whole : SECTION_LABEL[s]}`,
      }));
    }),
    ...comparison.amendments.map((a) => ({ key: amendmentKey(a.id), label: `Amendment #${a.number}` })),
  ];
}

/** "3 changes on 2 points": how much a comparison holds (categories and amendments count as changes too). */
export function countLine(targets: readonly ChangeTarget[], points: number): string {
  const changes = plural(targets.length, 'change', 'changes');
  return points > 0 ? `${changes} on ${plural(points, 'point', 'points')}` : changes;
}

/** The stop after (`1`) or before (`-1`) `current` (-1: none yet), going round at the ends. */
export function stepChange(current: number, count: number, direction: 1 | -1): number {
  if (count <= 0) return -1;
  if (current < 0 || current >= count) return direction === 1 ? 0 : count - 1;
  return (current + direction + count) % count;
}

/** What the live region says on arriving at a stop. */
export function changeAnnouncement(index: number, targets: readonly ChangeTarget[]): string {
  const target = targets[index];
  return target ? `Change ${index + 1} of ${targets.length}: ${target.label}` : '';
}

/**
 * "Changes only": unchanged runs longer than twice `context` characters keep `context` at
 * each end next to a change, the middle left out as a gap (a run at the text's start or end
 * keeps only the end next to the change).
 */
export function trimContext(parts: readonly DiffPart[], context = 40): DiffPart[] {
  const out: DiffPart[] = [];
  parts.forEach((part, i) => {
    if (part.op !== 'same' || part.text.length <= context * 2) {
      out.push(part);
      return;
    }
    const first = i === 0;
    const last = i === parts.length - 1;
    const head = first ? '' : wordCut(part.text.slice(0, context), 'end');
    const tail = last ? '' : wordCut(part.text.slice(-context), 'start');
    if (head) out.push({ op: 'same', text: head });
    out.push({ op: 'gap', text: ' … ' });
    if (tail) out.push({ op: 'same', text: tail });
  });
  return out;
}

/** Cuts a slice back to a word boundary, unless that would leave too little of it. */
function wordCut(text: string, keep: 'end' | 'start'): string {
  if (keep === 'end') {
    const space = text.lastIndexOf(' ');
    return space > text.length / 2 ? text.slice(0, space) : text;
  }
  const space = text.indexOf(' ');
  return space >= 0 && space < text.length / 2 ? text.slice(space + 1) : text;
}

/** One side of a diff for the side-by-side view: the old text with its deletions, or the new with its insertions. */
export function sideParts(parts: readonly DiffPart[], side: 'old' | 'new'): DiffPart[] {
  const drop = side === 'old' ? 'ins' : 'del';
  return parts.filter((p) => p.op !== drop);
}
