/** Colour helpers for stakeholder colours (always `#rrggbb` in the model). */

const HEX = /^#[0-9a-f]{6}$/i;
export const FALLBACK_COLOR = '#64748b';

export function safeColor(color: string | undefined | null): string {
  return color && HEX.test(color) ? color.toLowerCase() : FALLBACK_COLOR;
}

/** The same colour at ~20% opacity (`33` alpha), as y-codemirror.next wants for selections. */
export function lightColor(color: string | undefined | null): string {
  return `${safeColor(color)}33`;
}

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
