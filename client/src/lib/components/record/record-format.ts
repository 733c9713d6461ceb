/** Dates as the record prints them: the day, in the reader's language. */
export function recordDay(ms: number): string {
  return new Date(ms).toLocaleDateString(undefined, { year: 'numeric', month: 'long', day: 'numeric' });
}
