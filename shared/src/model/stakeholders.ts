/**
 * What a new stakeholder gets when its creator gives no more than a name: an id, a short
 * label and a colour. One definition for the importers, board creation (HTTP, CLI) and the
 * client's forms, so a delegation added by hand looks like one imported.
 */

import { STAKEHOLDER_ID_PATTERN } from '../protocol/docNames.ts';
import { safeColor } from './colors.ts';
import type { StakeholderId } from './ids.ts';
import { LIMITS } from './schema.ts';
import { oneLineText } from './text.ts';

/** The reference case's four delegations: the demo board's, and the "demo's shape" start. */
export const DEMO_STAKEHOLDERS = [
  { id: 'us', name: 'United States', short: 'US', color: '#1d4ed8' },
  { id: 'russia', name: 'Russia', short: 'RU', color: '#b91c1c' },
  { id: 'ukraine', name: 'Ukraine', short: 'UA', color: '#ca8a04' },
  { id: 'europe', name: 'European partners', short: 'EU', color: '#047857' },
] as const;

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

/** The palette colour farthest from every colour already `used` (the first when none is). */
export function nextStakeholderColor(used: readonly string[]): string {
  const rgb = (hex: string) => {
    const n = parseInt(safeColor(hex).slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255] as const;
  };
  const taken = used.map(rgb);
  let best: string = STAKEHOLDER_PALETTE[0];
  let bestDistance = -1;
  for (const c of STAKEHOLDER_PALETTE) {
    const [r, g, b] = rgb(c);
    const d = Math.min(Infinity, ...taken.map(([r2, g2, b2]) => (r - r2) ** 2 + (g - g2) ** 2 + (b - b2) ** 2));
    if (d > bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}
