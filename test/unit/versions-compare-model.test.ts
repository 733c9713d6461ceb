/**
 * Unit: the versions page's reading of a comparison: badges, moves, the stops of "Next
 * change" and their announcements, "Changes only" and the side-by-side halves
 * (client/src/lib/components/versions/compare-model.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  wordDiff,
  type BoardComparison,
  type CategoryId,
  type DecidedAmendment,
  type PointComparison,
  type PointId,
  type StakeholderId,
} from '@parley/shared/model';
import {
  amendmentLine,
  amendmentWhere,
  categoryLine,
  changeAnnouncement,
  changeTargets,
  countLine,
  moveLine,
  pointBadges,
  pointHeading,
  pointSections,
  sideParts,
  stepChange,
  trimContext,
  type CompareNames,
} from '../../client/src/lib/components/versions/compare-model.ts';

const names: CompareNames = {
  category: (id) => ({ c1: 'Security', c2: 'Humanitarian' })[id],
  stakeholder: (id) => ({ ukraine: 'Ukraine' })[id],
  pointNumber: (id) => ({ p9: 9 })[id],
};

function point(id: string, changes: PointComparison['changes'], over: Partial<PointComparison> = {}): PointComparison {
  return {
    id: id as PointId,
    changes,
    number: { from: 3, to: 3 },
    title: { from: 'Old title', to: 'New title' },
    body: { from: 'Old body', to: 'New body' },
    categoryId: { from: 'c1' as CategoryId, to: 'c1' as CategoryId },
    positions: [],
    ...over,
  };
}

const decided: DecidedAmendment = {
  id: 'a1',
  number: 4,
  pointId: 'p9' as PointId,
  field: 'body',
  stakeholderId: 'ukraine' as StakeholderId,
  status: 'accepted',
  text: 'x',
  baseText: 'y',
  decidedByName: 'Dana Editor',
  decisionNote: null,
};

const UA = 'ukraine' as StakeholderId;

describe('a comparison as the versions page words it', () => {
  it('ROUND18 badges, headings, moves, categories and decided amendments read as sentences; a renamed category is named as it was on each side', () => {
    const p = point('p1', ['body', 'moved', 'renumbered', 'positions'], {
      number: { from: 3, to: 5 },
      categoryId: { from: 'c1' as CategoryId, to: 'c2' as CategoryId },
      positions: [{ stakeholderId: UA, from: null, to: { stance: 'oppose', rationale: '' } }],
    });
    expect(pointBadges(p)).toEqual(['Text changed', 'Moved', 'Renumbered 3 → 5', '1 position changed']);
    expect(pointHeading(p)).toBe('Point 5. New title');
    expect(
      pointHeading(point('p2', ['removed'], { number: { from: 7, to: null }, title: { from: '', to: null } })),
    ).toBe('Point 7. Untitled point');
    expect(moveLine({ categories: [] }, p, names)).toBe('Moved from category “Security” to “Humanitarian”');
    const renamed = {
      categories: [
        {
          id: 'c2' as CategoryId,
          change: 'renamed' as const,
          title: { from: 'Aid', to: 'Humanitarian aid' },
          number: { from: 2, to: 2 },
        },
      ],
    };
    expect(moveLine(renamed, p, names)).toBe('Moved from category “Security” to “Humanitarian aid”');
    expect(moveLine(renamed, point('p3', ['body']), names)).toBeNull();
    expect(categoryLine(renamed.categories[0]!)).toBe('Category “Aid” renamed to “Humanitarian aid”');
    expect(
      categoryLine({
        id: 'c3' as CategoryId,
        change: 'added',
        title: { from: null, to: 'New' },
        number: { from: null, to: 3 },
      }),
    ).toBe('Category “New” added');
    expect(amendmentLine(decided, names)).toBe('#4 by Ukraine accepted by Dana Editor');
    expect(amendmentLine({ ...decided, status: 'rejected', decisionNote: 'Too late' }, names)).toBe(
      '#4 by Ukraine rejected by Dana Editor — “Too late”',
    );
    expect(amendmentWhere(decided, 9)).toBe('(text of point 9)');
    expect(amendmentWhere({ field: 'title' }, null)).toBe('(title)');
  });

  it('ROUND18 the stops of “Next change”: categories, then per point its place, title, text and positions (an added or removed point is one stop), then amendments; j / k go round at the ends and announce “Change n of m”', () => {
    const comparison: BoardComparison = {
      categories: [
        { id: 'c9' as CategoryId, change: 'removed', title: { from: 'Old', to: null }, number: { from: 4, to: null } },
      ],
      points: [
        point('p1', ['title', 'body', 'positions']),
        point('p2', ['added', 'positions'], { number: { from: null, to: 8 } }),
        point('p3', ['renumbered'], { number: { from: 8, to: 9 } }),
      ],
      amendments: [decided],
    };
    expect(pointSections(comparison.points[0]!)).toEqual(['title', 'body', 'positions']);
    expect(pointSections(comparison.points[1]!)).toEqual(['point']);
    expect(pointSections(comparison.points[2]!)).toEqual(['place']);
    const targets = changeTargets(comparison);
    expect(targets.map((t) => t.key)).toEqual([
      'category:c9',
      'point:p1:title',
      'point:p1:body',
      'point:p1:positions',
      'point:p2:point',
      'point:p3:place',
      'amendment:a1',
    ]);
    expect(countLine(targets, 3)).toBe('7 changes on 3 points');
    expect(countLine(targets.slice(0, 1), 0)).toBe('1 change');
    expect(changeAnnouncement(2, targets)).toBe('Change 3 of 7: Point 3, text');
    expect(changeAnnouncement(4, targets)).toBe('Change 5 of 7: Point 8, added');
    expect(changeAnnouncement(9, targets)).toBe('');
    expect(stepChange(-1, 7, 1)).toBe(0);
    expect(stepChange(-1, 7, -1)).toBe(6);
    expect(stepChange(2, 7, 1)).toBe(3);
    expect(stepChange(6, 7, 1)).toBe(0);
    expect(stepChange(0, 7, -1)).toBe(6);
    expect(stepChange(0, 0, 1)).toBe(-1);
  });

  it('ROUND18 “Changes only” cuts long unchanged runs to their ends next to a change; the side-by-side halves keep the old text with its deletions and the new with its insertions', () => {
    const before = `${'Lorem ipsum dolor sit amet. '.repeat(6)}The end.`;
    const after = `${'Lorem ipsum dolor sit amet. '.repeat(6)}The very end.`;
    const parts = wordDiff(before, after);
    const trimmed = trimContext(parts);
    expect(trimmed[0]).toEqual({ op: 'gap', text: ' … ' });
    expect(trimmed.map((p) => p.text).join('').length).toBeLessThan(after.length - 60);
    expect(trimmed.filter((p) => p.op === 'ins').map((p) => p.text)).toEqual(['very ']);
    // Short runs stay whole.
    expect(trimContext(wordDiff('a b c', 'a x c'))).toEqual(wordDiff('a b c', 'a x c'));
    const diff = wordDiff('keep old words', 'keep new words');
    expect(
      sideParts(diff, 'old')
        .map((p) => p.text)
        .join(''),
    ).toBe('keep old words');
    expect(
      sideParts(diff, 'new')
        .map((p) => p.text)
        .join(''),
    ).toBe('keep new words');
    expect(sideParts(diff, 'old').some((p) => p.op === 'ins')).toBe(false);
  });
});
