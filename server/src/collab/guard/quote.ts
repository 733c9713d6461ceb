/**
 * How much of a key or root name taken from an update a refusal quotes: enough to
 * recognise it in a log or a notice, never a whole (maybe huge, maybe hostile) string.
 */
const QUOTED_LENGTH = 40;

export const clip = (text: string): string => text.slice(0, QUOTED_LENGTH);

/** `text`, clipped, in double quotes. */
export const quoted = (text: string): string => `"${clip(text)}"`;
