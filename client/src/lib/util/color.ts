/**
 * Colour helpers for showing stakeholder colours (always `#rrggbb` in the model). Which
 * colours are valid, and the fallback, are the model's: `shared/src/model/colors.ts`.
 */
import { safeColor } from '@parley/shared/model';

export { lightColor, safeColor } from '@parley/shared/model';

/** Up to two initials of a display name, for avatars. */
export function initials(name: string): string {
  // Letters and digits only, so "<b>Ann</b>" or "(EU) desk" still get readable initials.
  const words = name
    .trim()
    .split(/\s+/)
    .map((w) => w.replace(/[^\p{L}\p{N}]/gu, ''))
    .filter(Boolean);
  if (words.length === 0) return '?';
  const first = words[0]?.[0] ?? '';
  const last = words.length > 1 ? (words[words.length - 1]?.[0] ?? '') : (words[0]?.[1] ?? '');
  return (first + last).toUpperCase();
}

/** WCAG 2 relative luminance of a `#rrggbb` colour (0 black … 1 white). */
export function relativeLuminance(color: string): number {
  const n = parseInt(safeColor(color).slice(1), 16);
  const channel = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel((n >> 16) & 255) + 0.7152 * channel((n >> 8) & 255) + 0.0722 * channel(n & 255);
}

/** WCAG 2 contrast ratio of two `#rrggbb` colours, 1 … 21. */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

export const LIGHT_TEXT = '#ffffff';
/** Pure black: with white, one of the two reaches at least 4.58:1 on any colour (AA for small text). */
export const DARK_TEXT = '#000000';

/**
 * The text colour to write on a stakeholder colour (an avatar's initials): white or near
 * black, whichever contrasts more. Stakeholder colours come from the board and may be
 * light (an ochre, a yellow), where white initials would be unreadable.
 */
export function textOn(background: string | undefined | null): string {
  const bg = safeColor(background);
  return contrastRatio(LIGHT_TEXT, bg) >= contrastRatio(DARK_TEXT, bg) ? LIGHT_TEXT : DARK_TEXT;
}
