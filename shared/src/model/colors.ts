/**
 * Stakeholder colours: `#rrggbb` in the model (the mutations store them lowercase), checked
 * by the mutations, the importers, the HTTP form and the server's update guard with the one
 * pattern here, and shown with the one fallback here wherever a colour is missing or not
 * of that shape (a stakeholder removed concurrently, an observer, an old or hostile doc).
 */
export const STAKEHOLDER_COLOR_PATTERN = /^#[0-9a-f]{6}$/i;

/** Slate: the colour shown for no stakeholder, or for a colour that is not `#rrggbb`. */
export const FALLBACK_COLOR = '#64748b';

export function isStakeholderColor(value: unknown): value is string {
  return typeof value === 'string' && STAKEHOLDER_COLOR_PATTERN.test(value);
}

/** The colour to show: `color` lowercased if it is `#rrggbb`, else FALLBACK_COLOR. */
export function safeColor(color: unknown): string {
  return isStakeholderColor(color) ? color.toLowerCase() : FALLBACK_COLOR;
}

/** The same colour at ~20% opacity (`33` alpha), as y-codemirror.next wants for selections. */
export function lightColor(color: unknown): string {
  return `${safeColor(color)}33`;
}
