import { LIMITS } from '@parley/shared/model';

/**
 * @mentions in a comment composer, as plain functions (unit tested: CONVUI1–CONVUI4): which
 * "@query" the caret is in, which members it suggests, what choosing one inserts, which
 * chosen people are still mentioned when the comment is sent, and how a shown comment's
 * body splits into text and mention chips. The body keeps "@Name" for reading; the user
 * ids go with it (COMMENT.mentions), so a renamed or namesake member is never confused.
 */

/** A member who can be mentioned, with their delegation's name on this board. */
export interface MentionCandidate {
  readonly userId: string;
  readonly name: string;
  /** The delegation's name ('' for observers, who belong to none). */
  readonly delegation: string;
}

/** A person chosen from the list while writing: their id and the name inserted. */
export interface MentionPick {
  readonly userId: string;
  readonly name: string;
}

/** The longest query the list follows: past it "@" was not the start of a mention. */
export const MAX_QUERY_LENGTH = 40;

/** How many suggestions the list shows at most. */
export const MAX_SUGGESTIONS = 8;

/**
 * The mention being typed at `caret`: the "@" that starts it and what follows it, or null.
 * An "@" counts at the start of the text or after a space or an opening bracket or quote,
 * so an e-mail address ("a@b.org") opens nothing; the query runs to the caret on one line,
 * may hold spaces (names have them) but not two in a row, and not more than 40 characters.
 */
export function mentionQueryAt(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(Math.max(0, caret - MAX_QUERY_LENGTH - 1), caret);
  const at = before.lastIndexOf('@');
  if (at < 0) return null;
  const start = caret - before.length + at;
  const prev = start > 0 ? text[start - 1]! : '';
  if (prev !== '' && !/[\s([{"'“‘«]/u.test(prev)) return null;
  const query = text.slice(start + 1, caret);
  if (/[\n\r@]/.test(query) || /\s\s/.test(query) || /^\s/.test(query)) return null;
  return { start, query };
}

/** Lower case without accents, so "ukr" finds "Ukraine" and "jose" finds "José". */
function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

const words = (s: string): string[] =>
  fold(s)
    .split(/[\s\-–—_.,()]+/u)
    .filter(Boolean);

/**
 * The members `query` suggests, best first: every word of the query starts a word of the
 * member's name or delegation ("@Ukr" finds the Ukraine delegation's people, "@ann u" Ann of
 * the United States). Those whose name matches come before those matched only by their
 * delegation, then by name. An empty query lists everyone.
 */
export function matchMembers(
  candidates: readonly MentionCandidate[],
  query: string,
  limit = MAX_SUGGESTIONS,
): MentionCandidate[] {
  const wanted = words(query);
  const scored: { c: MentionCandidate; rank: number }[] = [];
  for (const c of candidates) {
    const nameWords = words(c.name);
    const all = [...nameWords, ...words(c.delegation)];
    if (!wanted.every((w) => all.some((x) => x.startsWith(w)))) continue;
    const byName = wanted.every((w) => nameWords.some((x) => x.startsWith(w)));
    const fromStart = wanted.length > 0 && fold(c.name).startsWith(fold(query.trim()));
    scored.push({ c, rank: fromStart ? 0 : byName ? 1 : 2 });
  }
  scored.sort((a, b) => a.rank - b.rank || a.c.name.localeCompare(b.c.name) || (a.c.userId < b.c.userId ? -1 : 1));
  return scored.slice(0, limit).map((s) => s.c);
}

/**
 * `text` with the mention being typed (from its "@" at `start` to `caret`) replaced by
 * "@Name ", and where the caret goes: after the space, ready for the next word.
 */
export function insertMention(
  text: string,
  start: number,
  caret: number,
  name: string,
): { text: string; caret: number } {
  const inserted = `@${name} `;
  const rest = text.slice(caret);
  // A space already after the caret is not doubled.
  const tail = rest.startsWith(' ') ? rest.slice(1) : rest;
  return { text: text.slice(0, start) + inserted + tail, caret: start + inserted.length };
}

/** Whether "@name" occurs in `body` as a whole mention: not followed by more of a word. */
function mentionAt(body: string, name: string, from = 0): number {
  const needle = `@${name}`;
  for (let i = body.indexOf(needle, from); i >= 0; i = body.indexOf(needle, i + 1)) {
    const next = body[i + needle.length];
    if (next === undefined || !/[\p{L}\p{N}_]/u.test(next)) return i;
  }
  return -1;
}

/**
 * The ids to store with a comment: of the people chosen while writing (or already mentioned
 * by the comment being edited), those whose "@Name" is still in the body, once each, in the
 * order chosen. Deleting "@Ann" from the draft un-mentions Ann.
 */
export function mentionedIds(
  body: string,
  picks: readonly MentionPick[],
  limit: number = LIMITS.mentionsPerComment,
): string[] {
  const out: string[] = [];
  for (const p of picks) {
    if (out.length >= limit) break;
    if (!p.name || out.includes(p.userId)) continue;
    if (mentionAt(body, p.name) >= 0) out.push(p.userId);
  }
  return out;
}

export type BodySegment =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'mention'; readonly text: string; readonly userId: string };

/**
 * A shown comment's body as text and mention chips: each "@Name" of a mentioned person (by
 * the names `picks` gives their ids) is a chip; everything else, including an "@Name" of
 * someone not mentioned, stays text. Longer names are tried first, so "@Ann Lee" is not
 * read as "@Ann".
 */
export function bodySegments(body: string, picks: readonly MentionPick[]): BodySegment[] {
  const names = picks.filter((p) => p.name).sort((a, b) => b.name.length - a.name.length);
  const found: { at: number; end: number; userId: string }[] = [];
  for (const p of names) {
    for (let i = mentionAt(body, p.name); i >= 0; i = mentionAt(body, p.name, i + 1)) {
      const end = i + p.name.length + 1;
      if (!found.some((f) => i < f.end && end > f.at)) found.push({ at: i, end, userId: p.userId });
    }
  }
  found.sort((a, b) => a.at - b.at);
  const out: BodySegment[] = [];
  let at = 0;
  for (const f of found) {
    if (f.at > at) out.push({ kind: 'text', text: body.slice(at, f.at) });
    out.push({ kind: 'mention', text: body.slice(f.at, f.end), userId: f.userId });
    at = f.end;
  }
  if (at < body.length || out.length === 0) out.push({ kind: 'text', text: body.slice(at) });
  return out;
}
