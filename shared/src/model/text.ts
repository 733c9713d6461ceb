/**
 * One line, trimmed: how the mutations store names and titles (every run of whitespace,
 * newlines included, becomes one space), and so how everything that shows, compares or
 * exports them reads a typed one.
 */
export function oneLineText(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
