import { STAKEHOLDER_PALETTE, shortLabelFor, stakeholderIdFor } from '../model/stakeholders.ts';
import { oneLineText } from '../model/text.ts';
import type { BoardJson, StakeholderJson } from '../model/types.ts';

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
