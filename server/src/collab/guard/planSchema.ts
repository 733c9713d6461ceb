import {
  CATEGORY,
  ENTRY_ID_PATTERN,
  LIMITS,
  META,
  POINT,
  ROOT,
  STAKEHOLDER,
  isStakeholderColor,
} from '@parley/shared/model';
import { STAKEHOLDER_ID_PATTERN } from '@parley/shared/protocol';
import type { InsertedValue } from './content.ts';
import { quoted } from './quote.ts';

/**
 * The shape of the plan and the board setup: what each entry and field may hold. Editors
 * and owners may change these parts, but only into values every client can read; a number
 * where a point's text belongs would break every reader of the board. The mutations in
 * `shared/src/model/mutations.ts` write exactly these shapes.
 */
type Check = (v: InsertedValue) => boolean;

const text =
  (max: number): Check =>
  (v) =>
    v.kind === 'value' && typeof v.value === 'string' && v.value.length <= max;
const finiteNumber: Check = (v) => v.kind === 'value' && typeof v.value === 'number' && Number.isFinite(v.value);
const boolean: Check = (v) => v.kind === 'value' && typeof v.value === 'boolean';
const colour: Check = (v) => v.kind === 'value' && isStakeholderColor(v.value);
const yText: Check = (v) => v.kind === 'type' && v.type === 'text';
const yMap: Check = (v) => v.kind === 'type' && v.type === 'map';

interface EntrySchema {
  readonly id: RegExp;
  readonly fields: Readonly<Record<string, Check>>;
}

const ENTRIES: Readonly<Record<string, EntrySchema>> = {
  [ROOT.stakeholders]: {
    id: STAKEHOLDER_ID_PATTERN,
    fields: {
      [STAKEHOLDER.name]: text(LIMITS.stakeholderNameLength),
      [STAKEHOLDER.short]: text(LIMITS.stakeholderShortLength),
      [STAKEHOLDER.color]: colour,
      [STAKEHOLDER.order]: text(LIMITS.orderKeyLength),
    },
  },
  [ROOT.categories]: {
    id: ENTRY_ID_PATTERN,
    fields: {
      [CATEGORY.title]: text(LIMITS.categoryTitleLength),
      [CATEGORY.order]: text(LIMITS.orderKeyLength),
    },
  },
  [ROOT.points]: {
    id: ENTRY_ID_PATTERN,
    fields: {
      [POINT.categoryId]: text(LIMITS.entryIdLength),
      [POINT.order]: text(LIMITS.orderKeyLength),
      [POINT.title]: yText,
      [POINT.body]: yText,
      [POINT.createdAt]: finiteNumber,
      [POINT.deletedAt]: finiteNumber,
      [POINT.deletedBy]: text(LIMITS.idFieldLength),
    },
  },
};

/** `'all'`, or a list of distinct stakeholder ids (see `readSignOffRule`). */
const signOffRule: Check = (v) =>
  v.kind === 'value' &&
  (v.value === 'all' ||
    (Array.isArray(v.value) &&
      v.value.length > 0 &&
      v.value.length <= LIMITS.stakeholdersPerBoard &&
      new Set(v.value).size === v.value.length &&
      v.value.every((s: unknown) => typeof s === 'string' && STAKEHOLDER_ID_PATTERN.test(s))));

const META_FIELDS: Readonly<Record<string, Check>> = {
  [META.title]: text(LIMITS.titleLength),
  [META.description]: text(LIMITS.descriptionLength),
  [META.isDemo]: boolean,
  [META.schemaVersion]: finiteNumber,
  [META.signOff]: signOffRule,
};

/**
 * Why a value written at `keys` (the map keys below the root) does not fit the schema, or
 * null when it fits. Point texts' own content is checked by the caller.
 */
export function planShapeError(root: string, keys: readonly string[], value: InsertedValue): string | null {
  if (root === ROOT.meta) {
    const check = keys.length === 1 ? META_FIELDS[keys[0]!] : undefined;
    return check?.(value)
      ? null
      : 'The board settings hold a title, a description, a sign-off rule and nothing else of that shape.';
  }
  const entry = ENTRIES[root];
  if (!entry) return 'Unknown part of the board.';
  if (!entry.id.test(keys[0]!)) return `${quoted(keys[0]!)} is not a valid id here.`;
  if (keys.length === 1) return yMap(value) ? null : 'Each entry of the plan is a map of fields.';
  const check = keys.length === 2 ? entry.fields[keys[1]!] : undefined;
  return check?.(value) ? null : `The field ${quoted(keys.slice(1).join('.'))} does not hold that.`;
}
