import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { boardToMarkdown } from '@parley/shared/export';
import {
  LIMITS,
  openThread,
  replyToThread,
  setPosition,
  setThreadResolved,
  toBoardJson,
  type BoardJson,
} from '@parley/shared/model';
import { buildBoardState, parseJsonPlan, parseLocatedJson, previewOf, type ImportError } from '@parley/shared/import';
import { GOV, NGO, ann, bob, seededBoard } from './helpers.ts';

function exported(): BoardJson {
  const { doc, points } = seededBoard();
  setPosition(doc, ann, { pointId: points[0]![0]!, stakeholderId: GOV, stance: 'oppose', rationale: 'Too soon' });
  const t = openThread(doc, bob, { pointId: points[1]![0]!, body: 'First' });
  replyToThread(doc, ann, t, 'Second');
  setThreadResolved(doc, ann, t, true);
  openThread(doc, ann, { pointId: points[0]![1]!, body: 'Open one', stakeholderId: NGO });
  return toBoardJson(doc);
}

function failure(text: string): ImportError {
  const result = parseJsonPlan(text);
  if (result.ok) throw new Error('expected the file to be refused');
  return result.error;
}

/** The file with one value replaced, pretty-printed as the CLI prints it. */
interface Loose {
  meta: Record<string, unknown>;
  points: Record<string, unknown>[];
  positions: Record<string, unknown>[];
  threads: unknown[];
}
function edited(edit: (b: Loose) => void): string {
  const b = JSON.parse(JSON.stringify(exported())) as Loose;
  edit(b);
  return JSON.stringify(b, null, 2);
}

/** 1-based line and column where `needle` starts in `text`. */
function where(text: string, needle: string): { line: number; column: number } {
  const offset = text.indexOf(needle);
  expect(offset).toBeGreaterThanOrEqual(0);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

/**
 * Where the value of the first `"key": value` pair in `text` starts. A bare number would
 * also match inside a random id or a timestamp of the export.
 */
function whereValue(text: string, key: string, value: string): { line: number; column: number } {
  const pair = `"${key}": ${value}`;
  const at = where(text, pair);
  return { line: at.line, column: at.column + pair.length - value.length };
}

describe('IMPORT: JSON export read back', () => {
  it('IMPORT6: the JSON export imports losslessly: every part, with ids, authors, times, resolved threads and every comment', () => {
    const board = exported();
    const result = parseJsonPlan(JSON.stringify(board, null, 2));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(previewOf(result.plan)).toEqual({
      title: 'Ukraine recovery plan',
      categories: 3,
      points: 5,
      stakeholders: 2,
      positions: 1,
      threads: 2,
      comments: 3,
    });
    const doc = new Y.Doc();
    Y.applyUpdate(doc, buildBoardState(result.plan));
    const again = toBoardJson(doc);
    const strip = (b: BoardJson) => ({
      ...b,
      categories: b.categories.map(({ id: _id, order: _o, ...c }) => c),
      points: b.points.map(({ order: _o, categoryId, ...p }) => ({
        ...p,
        category: b.categories.findIndex((c) => c.id === categoryId),
      })),
    });
    expect(strip(again)).toEqual(strip(board));
    expect(again.threads.find((t) => t.resolved)!.comments.map((c) => [c.authorName, c.body])).toEqual([
      ['Bob Builder', 'First'],
      ['Ann Analyst', 'Second'],
    ]);
    expect(boardToMarkdown(again)).toBe(boardToMarkdown(board));
  });

  it('IMPORT7: unreadable JSON is refused with the line and column of the first error', () => {
    expect(failure('{\n  "meta": {\n    "title": "x",\n  }\n}')).toMatchObject({
      line: 4,
      column: 3,
      message: expect.stringMatching(/^line 4, column 3: not readable JSON: expected a property name/),
    });
    expect(failure('{"a": [1, 2,, 3]}')).toMatchObject({ line: 1, column: 13 });
    expect(failure('{"a": "unclosed')).toMatchObject({
      line: 1,
      column: 7,
      message: expect.stringMatching(/not closed/),
    });
    expect(failure('{"a": 1} trailing')).toMatchObject({ line: 1, column: 10 });
    expect(failure('')).toMatchObject({ line: 1, column: 1, message: expect.stringMatching(/empty/) });
    expect(failure('[]')).toMatchObject({
      line: 1,
      column: 1,
      message: expect.stringMatching(/not a Parley JSON export/),
    });
    // The reader agrees with JSON.parse on what it accepts.
    const text = JSON.stringify(exported(), null, 1) + '\n';
    expect(parseLocatedJson(text).value).toEqual(JSON.parse(text));
    expect(parseLocatedJson('{"__proto__": {"x": 1}, "s": "\\u00e9\\n", "n": -1.5e3}').value).toEqual(
      JSON.parse('{"__proto__": {"x": 1}, "s": "\\u00e9\\n", "n": -1.5e3}'),
    );
  });

  it('IMPORT8: well-formed files with bad content are refused at the offending value: unknown stance, unknown stakeholder, titles over the limits, no points, a newer schema version', () => {
    const stance = edited((b) => (b.positions[0]!.stance = 'maybe'));
    expect(failure(stance)).toMatchObject({
      ...where(stance, '"maybe"'),
      message: expect.stringMatching(/unknown stance "maybe"/),
    });
    const ghost = edited((b) => (b.positions[0]!.stakeholderId = 'ghost'));
    expect(failure(ghost)).toMatchObject({
      ...where(ghost, '"ghost"'),
      message: expect.stringMatching(/position for an unknown stakeholder "ghost"/),
    });
    const longTitle = edited((b) => (b.meta.title = 'T'.repeat(LIMITS.titleLength + 1)));
    expect(failure(longTitle)).toMatchObject({
      ...where(longTitle, '"TTT'),
      message: expect.stringMatching(/longer than 300/),
    });
    const longPoint = edited((b) => (b.points[3]!.title = 'P'.repeat(LIMITS.titleLength + 1)));
    expect(failure(longPoint)).toMatchObject(where(longPoint, '"PPP'));
    const noPoints = edited((b) => {
      b.points = [];
      b.positions = [];
      b.threads = [];
    });
    const list = where(noPoints, '"points": []');
    expect(failure(noPoints)).toMatchObject({
      line: list.line,
      column: list.column + 10,
      message: expect.stringMatching(/no points/),
    });
    const future = edited((b) => (b.meta.schemaVersion = 99));
    expect(failure(future)).toMatchObject({
      ...whereValue(future, 'schemaVersion', '99'),
      message: expect.stringMatching(/schema version 99/),
    });
    const wrongType = edited((b) => (b.points[1]!.title = 42));
    expect(failure(wrongType)).toMatchObject({
      ...whereValue(wrongType, 'title', '42'),
      message: expect.stringMatching(/points\[1\]\.title/),
    });
  });
});
