import type { PointId, StakeholderId, ThreadId, CategoryId, CommentId, UserId } from '../model/ids.ts';
import { LIMITS, STANCE_LABEL, STANCES, type Stance } from '../model/schema.ts';
import type { CategoryJson, PointJson, PositionJson, ThreadJson } from '../model/types.ts';
import { SCHEMA_VERSION } from '../model/schema.ts';
import { oneLineText } from '../model/text.ts';
import { DEFAULT_IMPORT_TITLE, stakeholdersFor, type ImportError, type ImportResult } from './plan.ts';

/**
 * Reads a plan written in Markdown, the way people write plans and the way the Markdown
 * export writes boards:
 *
 *   # Title                         optional; the first line that is not blank
 *   Description paragraphs          optional; everything before the first category or point
 *   ## Category                     each `## ` heading starts a category
 *   1. **Point title**              a numbered item (`1.` or `1)`) at the start of a line is
 *      Body, indented below it,     a point; numbers may restart per category, the order in
 *      in one or more paragraphs    the file is what counts; bold around the title is dropped
 *      - *Name*: Stance — rationale the export's position lines, last in the item
 *      - Open thread (Name): text   and its open-thread lines, after them
 *
 * Text is unescaped as the export escapes it (`&lt;` → `<`, `&amp;` → `&`), so an export
 * read back exports the same. Stakeholders are the names the position and thread lines
 * use, in the order the position lines list them.
 *
 * Pure: no I/O, no clock unless `now` is omitted; errors name a 1-based line.
 */
export function parseMarkdownPlan(input: string, options: { now?: number } = {}): ImportResult {
  try {
    return { ok: true, plan: parse(input, options.now ?? Date.now()) };
  } catch (err) {
    if (err instanceof MarkdownImportError) return { ok: false, error: err.error };
    throw err;
  }
}

class MarkdownImportError extends Error {
  constructor(readonly error: ImportError) {
    super(error.message);
  }
}

function fail(line: number, message: string): never {
  throw new MarkdownImportError({ message: `line ${line}: ${message}`, line });
}

/** Undoes the export's escaping (`markdownText`) in one pass: `&amp;lt;` reads `&lt;`. */
export function unescapeMarkdownText(s: string): string {
  return s.replace(/&(amp|lt|gt);/g, (_m, name: string) => (name === 'amp' ? '&' : name === 'lt' ? '<' : '>'));
}

const HEADING = /^(#{1,6})(?:[ \t]+(.*?))?[ \t]*$/;
/** A point: a numbered item at the start of a line (indented ones belong to a body). */
const ITEM = /^(\d{1,9})[.)](?:[ \t]+(.*))?$/;
/** A stakeholder name in a line: backslash escapes (`\*`, `\)`) never end it. */
const POSITION_SHAPE = /^- \*((?:\\.|[^\\])+?)\*:(?: (.*))?$/;
const THREAD_LINE = /^- Open thread \(((?:\\.|[^\\])+?)\): (.*\S.*)$/;

const STANCE_BY_WORD = new Map<string, Stance>();
for (const s of STANCES) {
  STANCE_BY_WORD.set(s, s);
  STANCE_BY_WORD.set(STANCE_LABEL[s].toLowerCase(), s);
}
/** Longest labels first, so "Support with changes" is not read as "Support". */
const STANCE_WORDS = [...STANCE_BY_WORD.keys()].sort((a, b) => b.length - a.length);

interface Line {
  readonly text: string;
  readonly line: number;
}
interface PointDraft {
  readonly title: string;
  readonly line: number;
  readonly rest: Line[];
}
interface CategoryDraft {
  readonly title: string;
  readonly line: number;
  readonly points: PointDraft[];
}

const indentOf = (s: string) => s.length - s.trimStart().length;
const isBlank = (s: string) => s.trim() === '';

function checkLength(value: string, max: number, what: string, line: number): string {
  if (value.length > max) fail(line, `${what} is longer than ${max} characters (${value.length})`);
  return value;
}

/**
 * Paragraphs from lines: blank runs become one blank line, leading and trailing ones go.
 * Trailing spaces stay unless `trimLines` (the export keeps them in the description, where
 * two mean a line break, and trims them in bodies).
 */
function paragraphs(lines: readonly string[], trimLines = true): string {
  const joined = lines.join('\n');
  return (trimLines ? joined.replace(/[ \t]+$/gm, '') : joined).replace(/\n{3,}/g, '\n\n').trim();
}

function parse(input: string, now: number): ReturnType<typeof build> {
  const text = input.replace(/^\uFEFF/, '');
  if (text.trim() === '') fail(1, 'the file is empty; a plan needs at least one numbered point ("1. Title")');
  const lines = text.split(/\r\n|\n|\r/);
  let title: Line | null = null;
  const description: Line[] = [];
  const categories: CategoryDraft[] = [];
  let current: PointDraft | null = null;
  const structureStarted = () => categories.length > 0;

  lines.forEach((raw, index) => {
    const line = index + 1;
    if (isBlank(raw)) {
      if (current) current.rest.push({ text: '', line });
      else if (!structureStarted()) description.push({ text: raw, line });
      return;
    }
    const heading = indentOf(raw) === 0 ? HEADING.exec(raw) : null;
    if (heading && heading[1]!.length <= 2) {
      const headingText = unescapeMarkdownText(oneLineText(heading[2] ?? ''));
      if (heading[1]!.length === 1) {
        if (title || structureStarted() || description.some((d) => !isBlank(d.text))) {
          fail(line, 'a second "# " title; use "## " headings for categories');
        }
        if (!headingText) fail(line, 'the "# " title is empty');
        title = { text: checkLength(headingText, LIMITS.titleLength, 'the board title', line), line };
        return;
      }
      if (!headingText) fail(line, 'a "## " category heading without a title');
      checkLength(headingText, LIMITS.categoryTitleLength, 'the category title', line);
      categories.push({ title: headingText, line, points: [] });
      current = null;
      return;
    }
    const item = ITEM.exec(raw);
    if (item) {
      // Points before any "## " heading go to one category of their own.
      if (!structureStarted()) categories.push({ title: 'Points', line, points: [] });
      let itemTitle = (item[2] ?? '').trim();
      const bold = /^\*\*(.+)\*\*$/.exec(itemTitle);
      if (bold) itemTitle = bold[1]!;
      itemTitle = unescapeMarkdownText(oneLineText(itemTitle));
      if (!itemTitle) fail(line, `point ${item[1]} has no title`);
      checkLength(itemTitle, LIMITS.titleLength, 'the point title', line);
      current = { title: itemTitle, line, rest: [] };
      categories.at(-1)!.points.push(current);
      return;
    }
    if (current) current.rest.push({ text: raw, line });
    else if (!structureStarted()) description.push({ text: raw, line });
    else {
      fail(
        line,
        'text between a category heading and its first point; categories have no text of their own (indent it under a point, or move it before the first heading as the description)',
      );
    }
  });

  const points = categories.flatMap((c) => c.points);
  if (points.length === 0) {
    fail(
      title ? (title as Line).line : 1,
      'no points found; a plan needs at least one numbered item ("1. Title") at the start of a line',
    );
  }
  const descriptionText = unescapeMarkdownText(
    paragraphs(
      description.map((d) => d.text),
      false,
    ),
  );
  const firstDescriptionLine = description.find((d) => !isBlank(d.text))?.line ?? 1;
  checkLength(descriptionText, LIMITS.descriptionLength, 'the description', firstDescriptionLine);
  return build((title as Line | null)?.text ?? '', descriptionText, categories, now);
}

interface PositionDraft {
  readonly name: string;
  readonly stance: Stance;
  readonly rationale: string;
  readonly line: number;
}
interface ThreadDraft {
  readonly name: string;
  readonly body: string;
  readonly line: number;
}

/** Splits a point's lines below the item into body, position lines and thread lines. */
function splitPoint(point: PointDraft): { body: string; positions: PositionDraft[]; threads: ThreadDraft[] } {
  // Dedent by the smallest indentation of the indented lines (the export uses three spaces).
  const indents = point.rest.filter((l) => !isBlank(l.text) && indentOf(l.text) > 0).map((l) => indentOf(l.text));
  const cut = indents.length > 0 ? Math.min(...indents) : 0;
  const rest = point.rest.map((l) => ({ ...l, text: l.text.slice(Math.min(cut, indentOf(l.text))) }));
  const positions: PositionDraft[] = [];
  const threads: ThreadDraft[] = [];
  // From the end: open-thread lines, then position lines; everything above is the body.
  let end = rest.length;
  let phase: 'threads' | 'positions' = 'threads';
  for (let k = rest.length - 1; k >= 0; k--) {
    const { text, line } = rest[k]!;
    if (isBlank(text)) continue;
    const thread = phase === 'threads' ? THREAD_LINE.exec(text) : null;
    if (thread) {
      const body = unescapeMarkdownText(oneLineText(thread[2]!));
      checkLength(body, LIMITS.commentLength, 'the thread comment', line);
      threads.unshift({ name: readName(thread[1]!, line), body, line });
      end = k;
      continue;
    }
    const shape = POSITION_SHAPE.exec(text);
    if (!shape) break;
    phase = 'positions';
    positions.unshift(readPosition(shape[1]!, shape[2] ?? '', line));
    end = k;
  }
  return { body: unescapeMarkdownText(paragraphs(rest.slice(0, end).map((l) => l.text))), positions, threads };
}

function readName(raw: string, line: number): string {
  const name = unescapeMarkdownText(oneLineText(raw.replace(/\\([\\*)])/g, '$1')));
  if (!name) fail(line, 'a position or thread line names no stakeholder');
  return checkLength(name, LIMITS.stakeholderNameLength, 'the stakeholder name', line);
}

function readPosition(rawName: string, rest: string, line: number): PositionDraft {
  const name = readName(rawName, line);
  const lower = rest.toLowerCase();
  const word = STANCE_WORDS.find((w) => lower === w || lower.startsWith(`${w} — `));
  if (!word) {
    const given = rest.split(' — ')[0]!.trim();
    fail(
      line,
      `unknown stance "${given}" for ${name}; use ${STANCES.map((s) => STANCE_LABEL[s]).join(', ')} (as "- *Name*: Stance — rationale")`,
    );
  }
  const rationale = unescapeMarkdownText(oneLineText(rest.slice(word.length).replace(/^ — /, '')));
  checkLength(rationale, LIMITS.rationaleLength, 'the rationale', line);
  return { name, stance: STANCE_BY_WORD.get(word)!, rationale, line };
}

/**
 * Stakeholders in an order every point's position lines agree with (the export lists them
 * in board order), ties and contradictions in the order the names first appear.
 */
function stakeholderOrder(lists: readonly (readonly string[])[], firstSeen: readonly string[]): string[] {
  const after = new Map<string, Set<string>>(firstSeen.map((n) => [n, new Set()]));
  const before = new Map<string, number>(firstSeen.map((n) => [n, 0]));
  for (const list of lists) {
    for (let i = 1; i < list.length; i++) {
      const [a, b] = [list[i - 1]!, list[i]!];
      if (!after.get(a)!.has(b)) {
        after.get(a)!.add(b);
        before.set(b, before.get(b)! + 1);
      }
    }
  }
  const out: string[] = [];
  const done = new Set<string>();
  while (out.length < firstSeen.length) {
    const next = firstSeen.find((n) => !done.has(n) && before.get(n) === 0) ?? firstSeen.find((n) => !done.has(n))!;
    done.add(next);
    out.push(next);
    for (const b of after.get(next)!) before.set(b, before.get(b)! - 1);
  }
  return out;
}

function build(title: string, description: string, drafts: readonly CategoryDraft[], now: number) {
  const categories: CategoryJson[] = [];
  const points: PointJson[] = [];
  const perPoint: { id: PointId; positions: PositionDraft[]; threads: ThreadDraft[] }[] = [];
  drafts.forEach((c, ci) => {
    const categoryId = `c${ci + 1}` as CategoryId;
    categories.push({ id: categoryId, title: c.title, order: '', number: ci + 1 });
    for (const p of c.points) {
      const { body, positions, threads } = splitPoint(p);
      const id = `p${points.length + 1}` as PointId;
      points.push({ id, categoryId, order: '', number: points.length + 1, title: p.title, body, createdAt: now });
      perPoint.push({ id, positions, threads });
    }
  });

  const firstSeen: string[] = [];
  for (const p of perPoint) {
    for (const x of [...p.positions, ...p.threads]) if (!firstSeen.includes(x.name)) firstSeen.push(x.name);
  }
  const ordered = stakeholderOrder(
    perPoint.map((p) => p.positions.map((x) => x.name)),
    firstSeen,
  );
  const stakeholders = stakeholdersFor(ordered.map((name) => ({ name })));
  const idOf = new Map(ordered.map((name, i) => [name, stakeholders[i]!.id as StakeholderId]));

  const positions: PositionJson[] = [];
  const threads: ThreadJson[] = [];
  const importer = '@import' as UserId;
  for (const p of perPoint) {
    const seen = new Set<string>();
    for (const x of p.positions) {
      if (seen.has(x.name)) fail(x.line, `a second position for ${x.name} on the same point`);
      seen.add(x.name);
      positions.push({
        pointId: p.id,
        stakeholderId: idOf.get(x.name)!,
        stance: x.stance,
        rationale: x.rationale,
        by: importer,
        byName: x.name,
        at: now,
      });
    }
    for (const t of p.threads) {
      // Distinct times keep the threads in the file's order (threads list oldest first).
      const createdAt = now + threads.length;
      const stakeholderId = idOf.get(t.name)!;
      threads.push({
        id: `t${threads.length + 1}` as ThreadId,
        pointId: p.id,
        stakeholderId,
        createdBy: importer,
        createdAt,
        resolved: false,
        resolvedBy: null,
        resolvedAt: null,
        anchor: null,
        comments: [
          {
            id: `m${threads.length + 1}` as CommentId,
            authorId: importer,
            authorName: t.name,
            stakeholderId,
            body: t.body,
            createdAt,
            editedAt: null,
            deleted: false,
            mentions: [],
            reactions: [],
          },
        ],
      });
    }
  }
  return {
    meta: { title: title || DEFAULT_IMPORT_TITLE, description, isDemo: false, schemaVersion: SCHEMA_VERSION },
    stakeholders,
    categories,
    points,
    positions,
    threads,
  };
}
