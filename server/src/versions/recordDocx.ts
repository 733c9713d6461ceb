import {
  AlignmentType,
  DeletedTextRun,
  Document,
  Footer,
  HeadingLevel,
  InsertedTextRun,
  Packer,
  PageNumber,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
  type ParagraphChild,
} from 'docx';
import {
  STANCE_LABEL,
  exactWordDiff,
  type DiffPart,
  type BoardComparison,
  type BoardJson,
  type PointComparison,
  type PointJson,
} from '@parley/shared/model';

/** Who changed one field of a point since the version, and when they last did. */
export interface FieldAuthors {
  readonly names: readonly string[];
  readonly at: number;
}

/** Everything the record shows; built by the route, so this module only lays it out. */
export interface RecordInput {
  readonly board: BoardJson;
  /** The version compared against, or null when the board has none (no changes marked). */
  readonly version: { readonly name: string; readonly createdAt: number } | null;
  readonly comparison: BoardComparison | null;
  /** By `${pointId}:${field}`; a change with no entry is the server's ("Parley"). */
  readonly authors: ReadonlyMap<string, FieldAuthors>;
  readonly now: number;
}

const NO_POSITION = 'No position yet';

/** Named when no history entry says who made a change (the history began later, say). */
const UNKNOWN_AUTHOR = 'Parley';

/** Word wants seconds, not milliseconds. */
const wordDate = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** One author and time for every insertion and deletion of a field; ids unique in the document. */
interface Revision {
  readonly author: string;
  readonly date: string;
  readonly nextId: () => number;
}

/**
 * A text as paragraphs (one per line), its changes from `from` as tracked insertions and
 * deletions. A newline inserted or deleted marks the paragraph it ends, so rejecting the
 * change joins the lines again.
 */
function trackedParagraphs(
  from: string | null,
  to: string,
  revision: Revision,
  style: { prefix?: string; heading?: (typeof HeadingLevel)[keyof typeof HeadingLevel] },
): Paragraph[] {
  const pieces: DiffPart[] = from === null ? [{ op: 'same', text: to }] : exactWordDiff(from, to);
  const paragraphs: Paragraph[] = [];
  let runs: ParagraphChild[] = style.prefix ? [new TextRun(style.prefix)] : [];
  const mark = () => ({ id: revision.nextId(), author: revision.author, date: revision.date });
  const close = (op: DiffPart['op']) => {
    const run = op === 'ins' ? { insertion: mark() } : op === 'del' ? { deletion: mark() } : undefined;
    paragraphs.push(new Paragraph({ children: runs, ...(style.heading ? { heading: style.heading } : {}), run }));
    runs = [];
  };
  for (const piece of pieces) {
    piece.text.split('\n').forEach((text, i) => {
      if (i > 0) close(piece.op);
      if (text === '') return;
      if (piece.op === 'same') runs.push(new TextRun(text));
      else if (piece.op === 'ins') runs.push(new InsertedTextRun({ text, ...mark() }));
      else runs.push(new DeletedTextRun({ text, ...mark() }));
    });
  }
  close('same');
  return paragraphs;
}

function pointSection(
  point: PointJson,
  change: PointComparison | undefined,
  input: RecordInput,
  nextId: () => number,
): Paragraph[] {
  const revision = (field: 'title' | 'body'): Revision => {
    const who = input.authors.get(`${point.id}:${field}`);
    return {
      author: who && who.names.length > 0 ? who.names.join(', ') : UNKNOWN_AUTHOR,
      date: wordDate(who?.at ?? input.now),
      nextId,
    };
  };
  // A point added since the version was all inserted; otherwise only a changed field shows changes.
  const before = (field: 'title' | 'body'): string | null =>
    !change ? null : change.changes.includes('added') ? '' : change.changes.includes(field) ? change[field].from : null;
  return [
    ...trackedParagraphs(before('title'), point.title, revision('title'), {
      prefix: `${point.number}. `,
      heading: HeadingLevel.HEADING_2,
    }),
    ...(point.body === '' && !before('body')
      ? []
      : trackedParagraphs(before('body'), point.body, revision('body'), {})),
  ];
}

function text(s: string, options: { bold?: boolean; italics?: boolean } = {}): Paragraph {
  return new Paragraph({ children: [new TextRun({ text: s, ...options })] });
}

function positionsTable(input: RecordInput): Table {
  const { board } = input;
  const stakeholders = [...board.stakeholders].sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
  const stance = new Map(board.positions.map((p) => [`${p.pointId}:${p.stakeholderId}`, p.stance]));
  const was = new Map<string, string>();
  for (const p of input.comparison?.points ?? []) {
    for (const c of p.positions)
      was.set(`${p.id}:${c.stakeholderId}`, c.from ? STANCE_LABEL[c.from.stance] : NO_POSITION);
  }
  const cell = (s: string, bold = false) => new TableCell({ children: [text(s, { bold })] });
  const header = new TableRow({
    tableHeader: true,
    children: [cell('Point', true), ...stakeholders.map((s) => cell(s.name, true))],
  });
  const rows = sortedPoints(board).map(
    (p) =>
      new TableRow({
        cantSplit: true,
        children: [
          cell(`${p.number}. ${p.title}`),
          ...stakeholders.map((s) => {
            const key = `${p.id}:${s.id}`;
            const now = stance.get(key);
            const label = now ? STANCE_LABEL[now] : NO_POSITION;
            return cell(was.has(key) ? `${label} (was ${was.get(key)})` : label);
          }),
        ],
      }),
  );
  return new Table({ width: { size: 100, type: WidthType.PERCENTAGE }, rows: [header, ...rows] });
}

const sortedPoints = (board: BoardJson) => [...board.points].sort((a, b) => a.number - b.number);

function amendmentsDecided(input: RecordInput): Paragraph[] {
  const amendments = input.comparison?.amendments ?? [];
  if (!input.version) return [];
  const name = new Map(input.board.stakeholders.map((s) => [s.id as string, s.name]));
  const number = new Map(input.board.points.map((p) => [p.id as string, p.number]));
  const out = [new Paragraph({ text: 'Amendments decided', heading: HeadingLevel.HEADING_1 })];
  if (amendments.length === 0) out.push(text(`None since ${input.version.name}.`));
  for (const a of amendments) {
    const point = number.get(a.pointId);
    const by = a.decidedByName ? ` by ${a.decidedByName}` : '';
    out.push(
      text(
        `Amendment #${a.number} to the ${a.field} of ${point ? `point ${point}` : 'a removed point'} ` +
          `(${name.get(a.stakeholderId) ?? a.stakeholderId}): ${a.status}${by}.`,
        { bold: true },
      ),
      text(a.text),
      ...(a.decisionNote ? [text(`Note: ${a.decisionNote}`, { italics: true })] : []),
    );
  }
  return out;
}

function openThreads(board: BoardJson): Paragraph[] {
  const name = new Map(board.stakeholders.map((s) => [s.id as string, s.name]));
  const number = new Map(board.points.map((p) => [p.id as string, p.number]));
  const threads = board.threads
    .filter((t) => !t.resolved && number.has(t.pointId))
    .sort((a, b) => number.get(a.pointId)! - number.get(b.pointId)! || a.createdAt - b.createdAt);
  const out = [new Paragraph({ text: 'Open threads', heading: HeadingLevel.HEADING_1 })];
  if (threads.length === 0) out.push(text('None.'));
  for (const t of threads) {
    const first = t.comments[0];
    out.push(
      text(`Point ${number.get(t.pointId)}, ${name.get(t.stakeholderId) ?? t.stakeholderId}`, { bold: true }),
      first
        ? text(first.deleted ? '(comment deleted)' : `${first.body} (${first.authorName}, ${day(first.createdAt)})`)
        : text('(no comments)'),
    );
  }
  return out;
}

/**
 * The negotiation record as a Word document: the plan at the live state, what changed
 * since the version as tracked changes by the people who made them (drafting teams
 * accept or reject them in Word), then the positions, the amendments decided and the
 * open threads.
 */
export async function recordDocx(input: RecordInput): Promise<Buffer> {
  const { board, version, comparison } = input;
  let id = 0;
  const nextId = () => ++id;
  const changes = new Map((comparison?.points ?? []).map((p) => [p.id as string, p]));
  const plan: Paragraph[] = [];
  for (const category of [...board.categories].sort((a, b) => a.number - b.number)) {
    plan.push(new Paragraph({ text: `${category.number}. ${category.title}`, heading: HeadingLevel.HEADING_1 }));
    for (const point of sortedPoints(board).filter((p) => p.categoryId === category.id)) {
      plan.push(...pointSection(point, changes.get(point.id), input, nextId));
    }
  }
  const removed = (comparison?.points ?? []).filter((p) => p.changes.includes('removed'));
  if (removed.length > 0) {
    plan.push(new Paragraph({ text: 'Removed since the version', heading: HeadingLevel.HEADING_1 }));
    for (const p of removed) {
      const revision = { author: UNKNOWN_AUTHOR, date: wordDate(input.now), nextId };
      plan.push(
        ...trackedParagraphs(p.title.from ?? '', '', revision, { heading: HeadingLevel.HEADING_2 }),
        ...trackedParagraphs(p.body.from ?? '', '', revision, {}),
      );
    }
  }
  const against = version
    ? `Record against ${version.name} (published ${day(version.createdAt)}); changes since then are tracked.`
    : 'No version has been published: this is the plan as it stands, with no changes marked.';
  const doc = new Document({
    creator: 'Parley',
    title: `${board.meta.title}: negotiation record`,
    sections: [
      {
        footers: {
          default: new Footer({
            children: [
              new Paragraph({
                alignment: AlignmentType.CENTER,
                children: [new TextRun({ children: [PageNumber.CURRENT] })],
              }),
            ],
          }),
        },
        children: [
          new Paragraph({ text: board.meta.title, heading: HeadingLevel.TITLE }),
          text(against),
          text(`Generated ${day(input.now)}.`),
          ...plan,
          new Paragraph({ text: 'Positions', heading: HeadingLevel.HEADING_1 }),
          positionsTable(input),
          ...amendmentsDecided(input),
          ...openThreads(board),
        ],
      },
    ],
  });
  return Packer.toBuffer(doc);
}
