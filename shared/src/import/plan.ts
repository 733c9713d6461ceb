import { STAKEHOLDER_ID_PATTERN } from '../protocol/docNames.ts';
import { LIMITS } from '../model/schema.ts';
import type { BoardJson, StakeholderJson } from '../model/types.ts';
import type { StakeholderId } from '../model/ids.ts';

/**
 * What an import would create: a board in the shape of the JSON export (`BoardJson`).
 * Ids in a plan are only references between its parts; `buildBoardState` keeps the ones
 * that are valid and unique on a board and mints the others.
 */
export type BoardPlan = BoardJson;

/** Why a file cannot be imported: one message, at a 1-based line (and column, for JSON). */
export interface ImportError {
  readonly message: string;
  readonly line: number;
  readonly column?: number;
}

export type ImportResult =
  { readonly ok: true; readonly plan: BoardPlan } | { readonly ok: false; readonly error: ImportError };

/** The counts a preview shows before anything is created. */
export interface ImportPreview {
  readonly title: string;
  readonly categories: number;
  readonly points: number;
  readonly stakeholders: number;
  readonly positions: number;
  readonly threads: number;
  readonly comments: number;
}

/** The largest file an import accepts (the HTTP route's body limit too). */
export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;

/** The title of an imported plan that names none (no `# Title`, no override). */
export const DEFAULT_IMPORT_TITLE = 'Imported plan';

/**
 * The stakeholder an importer belongs to when the file names none: boards need one for
 * their owner's membership, and a plan being imported is usually the drafters' own.
 */
export const DEFAULT_STAKEHOLDER_NAME = 'Drafting team';

export function previewOf(plan: BoardPlan): ImportPreview {
  return {
    title: plan.meta.title,
    categories: plan.categories.length,
    points: plan.points.length,
    stakeholders: plan.stakeholders.length,
    positions: plan.positions.length,
    threads: plan.threads.length,
    comments: plan.threads.reduce((n, t) => n + t.comments.length, 0),
  };
}

/**
 * Stakeholder colours given in turn to stakeholders created without one: distinguishable
 * hues dark enough that white initials on them reach at least 4.5:1 (WCAG AA).
 */
export const STAKEHOLDER_PALETTE = [
  '#1d4ed8', // blue
  '#b91c1c', // red
  '#047857', // green
  '#7e22ce', // purple
  '#a16207', // ochre (dark enough for white text, unlike #ca8a04)
  '#0f766e', // teal
  '#be185d', // pink
  '#4338ca', // indigo
  '#c2410c', // orange
  '#475569', // slate
] as const;

/** One-line, trimmed, as the mutations store names and titles. */
export function oneLineText(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** A stakeholder id from a name: lowercase ASCII letters, digits and dashes, unique among `taken`. */
export function stakeholderIdFor(name: string, taken: ReadonlySet<string>): StakeholderId {
  const base =
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 24)
      .replace(/-+$/, '') || 'stakeholder';
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  if (!STAKEHOLDER_ID_PATTERN.test(id)) throw new Error(`derived stakeholder id "${id}" is not valid`);
  return id as StakeholderId;
}

/**
 * A short label from a name: the initials of its words ("United States" → "US"), or the
 * first letters of a single word ("Russia" → "RUS"); at most the schema's limit.
 */
export function shortLabelFor(name: string): string {
  const words = oneLineText(name)
    .split(' ')
    .map((w) => w.replace(/[^\p{L}\p{N}]/gu, ''))
    .filter(Boolean);
  const label =
    words.length >= 2
      ? words.map((w) => [...w][0]!).join('')
      : [...(words[0] ?? name.trim() ?? '?')].slice(0, 3).join('');
  return [...label.toUpperCase()].slice(0, LIMITS.stakeholderShortLength).join('') || '?';
}

/**
 * Stakeholders for names in order, with derived ids, short labels and palette colours
 * (each may be given instead). Ids are unique; `order` is left to the builder.
 */
export function stakeholdersFor(
  inputs: readonly { name: string; short?: string | undefined; color?: string | undefined }[],
): StakeholderJson[] {
  const taken = new Set<string>();
  return inputs.map((s, i) => {
    const id = stakeholderIdFor(s.name, taken);
    taken.add(id);
    return {
      id,
      name: oneLineText(s.name),
      short: s.short?.trim() || shortLabelFor(s.name),
      color: (s.color ?? STAKEHOLDER_PALETTE[i % STAKEHOLDER_PALETTE.length]!).toLowerCase(),
      order: '',
    };
  });
}
