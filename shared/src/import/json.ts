import { z } from 'zod';
import { ID_CHARACTERS, STAKEHOLDER_ID_PATTERN } from '../protocol/docNames.ts';
import { isStakeholderColor } from '../model/colors.ts';
import { LIMITS, SCHEMA_VERSION, STANCE_LABEL, STANCES, type Stance } from '../model/schema.ts';
import type { CategoryId, CommentId, PointId, StakeholderId, ThreadId, UserId } from '../model/ids.ts';
import type { BoardJson, CategoryJson, PointJson } from '../model/types.ts';
import { JsonSyntaxError, parseLocatedJson, type LocatedJson } from './jsonText.ts';
import { shortLabelFor } from '../model/stakeholders.ts';
import { oneLineText } from '../model/text.ts';
import { type ImportError, type ImportResult } from './plan.ts';

const num = z.number();
const CommentSchema = z.object({
  id: z.string(),
  authorId: z.string(),
  authorName: z.string(),
  stakeholderId: z.string(),
  body: z.string(),
  createdAt: num,
  editedAt: num.nullable().default(null),
  deleted: z.boolean().default(false),
});
const BoardSchema = z.object({
  meta: z.object({
    title: z.string(),
    description: z.string().default(''),
    isDemo: z.boolean().default(false),
    schemaVersion: z.number().int(),
  }),
  stakeholders: z.array(
    z.object({ id: z.string(), name: z.string(), short: z.string().default(''), color: z.string() }),
  ),
  categories: z.array(z.object({ id: z.string(), title: z.string() })),
  points: z.array(
    z.object({
      id: z.string(),
      categoryId: z.string(),
      title: z.string(),
      body: z.string().default(''),
      createdAt: num.default(0),
    }),
  ),
  positions: z.array(
    z.object({
      pointId: z.string(),
      stakeholderId: z.string(),
      stance: z.string(),
      rationale: z.string().default(''),
      by: z.string().default(''),
      byName: z.string().default(''),
      at: num.default(0),
    }),
  ),
  threads: z.array(
    z.object({
      id: z.string(),
      pointId: z.string(),
      stakeholderId: z.string(),
      createdBy: z.string().default(''),
      createdAt: num.default(0),
      resolved: z.boolean().default(false),
      resolvedBy: z.string().nullable().default(null),
      resolvedAt: num.nullable().default(null),
      comments: z.array(CommentSchema),
    }),
  ),
});

class JsonImportError extends Error {
  constructor(readonly error: ImportError) {
    super(error.message);
  }
}

/**
 * Reads the JSON export (`toBoardJson`, schema version ≤ this one) back as a plan, losslessly:
 * categories, points, stakeholders, positions and threads with every comment, authors and
 * times as in the file. Errors name the line and column of the offending value.
 */
export function parseJsonPlan(input: string): ImportResult {
  let located: LocatedJson;
  try {
    const text = input.replace(/^\uFEFF/, '');
    if (text.trim() === '')
      return { ok: false, error: { message: 'line 1, column 1: the file is empty', line: 1, column: 1 } };
    located = parseLocatedJson(text);
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    const { line, column } = err.position;
    return {
      ok: false,
      error: { message: `line ${line}, column ${column}: not readable JSON: ${err.message}`, line, column },
    };
  }
  try {
    return { ok: true, plan: toPlan(located) };
  } catch (err) {
    if (err instanceof JsonImportError) return { ok: false, error: err.error };
    throw err;
  }
}

function pathText(path: readonly PropertyKey[]): string {
  return (
    path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`)).join('') || 'the file'
  );
}

function toPlan(located: LocatedJson): BoardJson {
  const fail = (path: readonly (string | number)[], message: string): never => {
    const { line, column } = located.positionOf(path);
    throw new JsonImportError({ message: `line ${line}, column ${column}: ${message}`, line, column });
  };
  const root = located.value;
  if (typeof root === 'object' && root !== null && !Array.isArray(root)) {
    const version = (root as { meta?: { schemaVersion?: unknown } }).meta?.schemaVersion;
    if (typeof version === 'number' && (version > SCHEMA_VERSION || version < 1)) {
      fail(
        ['meta', 'schemaVersion'],
        `schema version ${version} is not one this server reads (1 to ${SCHEMA_VERSION})`,
      );
    }
  }
  const parsed = BoardSchema.safeParse(root);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    fail(path, `${pathText(path)}: ${issue.message} (this is not a Parley JSON export)`);
  }
  const b = parsed.data!;
  const line = (value: string, max: number, what: string, path: (string | number)[]) => {
    const v = oneLineText(value);
    if (!v) fail(path, `${what} is empty`);
    if (v.length > max) fail(path, `${what} is longer than ${max} characters (${v.length})`);
    return v;
  };
  const title = line(b.meta.title, LIMITS.titleLength, 'the board title', ['meta', 'title']);
  const description = b.meta.description.trim();
  if (description.length > LIMITS.descriptionLength) {
    fail(['meta', 'description'], `the description is longer than ${LIMITS.descriptionLength} characters`);
  }

  const stakeholderIds = new Set<string>();
  const stakeholders = b.stakeholders.map((s, i) => {
    if (!STAKEHOLDER_ID_PATTERN.test(s.id)) {
      fail(['stakeholders', i, 'id'], `stakeholder id "${s.id}" must be ${ID_CHARACTERS}`);
    }
    if (stakeholderIds.has(s.id)) fail(['stakeholders', i, 'id'], `stakeholder id "${s.id}" appears twice`);
    stakeholderIds.add(s.id);
    const name = line(s.name, LIMITS.stakeholderNameLength, 'the stakeholder name', ['stakeholders', i, 'name']);
    const short = oneLineText(s.short) || shortLabelFor(name);
    if (short.length > LIMITS.stakeholderShortLength) {
      fail(['stakeholders', i, 'short'], `the short label is longer than ${LIMITS.stakeholderShortLength} characters`);
    }
    if (!isStakeholderColor(s.color)) fail(['stakeholders', i, 'color'], `the colour "${s.color}" is not #rrggbb`);
    return { id: s.id as StakeholderId, name, short, color: s.color.toLowerCase(), order: '' };
  });

  const categoryIds = new Set<string>();
  const categories: CategoryJson[] = b.categories.map((c, i) => {
    if (categoryIds.has(c.id)) fail(['categories', i, 'id'], `category id "${c.id}" appears twice`);
    categoryIds.add(c.id);
    const t = line(c.title, LIMITS.categoryTitleLength, 'the category title', ['categories', i, 'title']);
    return { id: c.id as CategoryId, title: t, order: '', number: i + 1 };
  });
  // A point whose category is gone (deleted during a concurrent move) is listed under
  // "Uncategorised" by the board and the Markdown export; the import makes that a category.
  if (b.points.some((p) => !categoryIds.has(p.categoryId))) {
    let id = 'uncategorised';
    while (categoryIds.has(id)) id += '-';
    categories.push({ id: id as CategoryId, title: 'Uncategorised', order: '', number: categories.length + 1 });
    categoryIds.add(id);
  }
  const orphanCategory = categories.at(-1)!.id;

  const pointIds = new Set<string>();
  const unsorted: PointJson[] = b.points.map((p, i) => {
    if (pointIds.has(p.id)) fail(['points', i, 'id'], `point id "${p.id}" appears twice`);
    pointIds.add(p.id);
    return {
      id: p.id as PointId,
      categoryId: (b.categories.some((c) => c.id === p.categoryId) ? p.categoryId : orphanCategory) as CategoryId,
      order: '',
      number: 0,
      title: line(p.title, LIMITS.titleLength, 'the point title', ['points', i, 'title']),
      body: p.body,
      createdAt: p.createdAt,
    };
  });
  if (unsorted.length === 0) fail(['points'], 'the board has no points');
  const rank = new Map(categories.map((c, i) => [c.id as string, i]));
  const points = unsorted
    .map((p, i) => ({ p, i }))
    .sort((x, y) => rank.get(x.p.categoryId)! - rank.get(y.p.categoryId)! || x.i - y.i)
    .map(({ p }, i) => ({ ...p, number: i + 1 }));

  const positionKeys = new Set<string>();
  const positions = b.positions.map((p, i) => {
    if (!(STANCES as readonly string[]).includes(p.stance)) {
      fail(
        ['positions', i, 'stance'],
        `unknown stance "${p.stance}"; use one of ${STANCES.map((s) => `"${s}" (${STANCE_LABEL[s]})`).join(', ')}`,
      );
    }
    if (!pointIds.has(p.pointId)) fail(['positions', i, 'pointId'], `a position for an unknown point "${p.pointId}"`);
    if (!stakeholderIds.has(p.stakeholderId)) {
      fail(['positions', i, 'stakeholderId'], `a position for an unknown stakeholder "${p.stakeholderId}"`);
    }
    const key = `${p.pointId}:${p.stakeholderId}`;
    if (positionKeys.has(key))
      fail(['positions', i], `a second position of "${p.stakeholderId}" on point "${p.pointId}"`);
    positionKeys.add(key);
    const rationale = p.rationale.trim();
    if (rationale.length > LIMITS.rationaleLength) {
      fail(['positions', i, 'rationale'], `the rationale is longer than ${LIMITS.rationaleLength} characters`);
    }
    return {
      pointId: p.pointId as PointId,
      stakeholderId: p.stakeholderId as StakeholderId,
      stance: p.stance as Stance,
      rationale,
      by: p.by as UserId,
      byName: p.byName,
      at: p.at,
    };
  });

  const threads = b.threads.map((t, i) => {
    if (!pointIds.has(t.pointId)) fail(['threads', i, 'pointId'], `a thread on an unknown point "${t.pointId}"`);
    if (t.comments.length === 0) fail(['threads', i, 'comments'], 'a thread without comments');
    return {
      id: t.id as ThreadId,
      pointId: t.pointId as PointId,
      stakeholderId: t.stakeholderId as StakeholderId,
      createdBy: t.createdBy as UserId,
      createdAt: t.createdAt,
      resolved: t.resolved,
      resolvedBy: t.resolvedBy as UserId | null,
      resolvedAt: t.resolvedAt,
      // An anchor's positions, mentions and reactions name another doc's text and people: not imported.
      anchor: null,
      comments: t.comments.map((c, j) => {
        if (c.body.length > LIMITS.commentLength) {
          fail(['threads', i, 'comments', j, 'body'], `the comment is longer than ${LIMITS.commentLength} characters`);
        }
        return {
          ...c,
          id: c.id as CommentId,
          authorId: c.authorId as UserId,
          stakeholderId: c.stakeholderId as StakeholderId,
          body: c.deleted ? '' : c.body,
          mentions: [],
          reactions: [],
        };
      }),
    };
  });

  return {
    meta: { title, description, isDemo: false, schemaVersion: SCHEMA_VERSION },
    stakeholders,
    categories,
    points,
    positions,
    threads,
  };
}
