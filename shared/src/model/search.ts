import type { CommentId, PointId, StakeholderId, ThreadId } from './ids.ts';
import { groupBy } from './collections.ts';
import { LIMITS } from './schema.ts';
import type { BoardJson, PointJson } from './types.ts';

/**
 * Search within one board: point titles and bodies, position rationales and comments.
 * The page searches its live view as people type; the server answers
 * `GET /api/boards/:id/search` with the same function, so both find the same things.
 *
 * A query is split into words; a field matches when it holds every word, ignoring case
 * and accents ("Genève" finds "geneve"). Private notes live in docs of their own and are
 * never part of a board's view, so no search can return someone else's.
 */
export type SearchField = 'title' | 'body' | 'rationale' | 'comment';

export interface SearchHit {
  readonly pointId: PointId;
  readonly pointNumber: number;
  readonly field: SearchField;
  /** A rationale's delegation, or a comment's thread's delegation. */
  readonly stakeholderId?: StakeholderId;
  readonly threadId?: ThreadId;
  readonly commentId?: CommentId;
  /** The text around the first match, with "…" where it was cut. */
  readonly snippet: string;
  /** Where the words occur in `snippet`: [start, end) offsets, in order. */
  readonly matches: readonly (readonly [number, number])[];
}

/** How much text a snippet keeps before the first match, and in all. */
const SNIPPET_BEFORE = 40;
const SNIPPET_LENGTH = 160;

/** A text folded for matching (lower case, no accents), with each folded char's index in the original. */
interface Folded {
  readonly text: string;
  readonly origin: readonly number[];
}

function fold(text: string): Folded {
  let out = '';
  const origin: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const f = text[i]!.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
    for (let k = 0; k < f.length; k++) origin.push(i);
    out += f;
  }
  return { text: out, origin };
}

/** The query's words, folded; empty when there is nothing to search for. */
export function queryWords(query: string): string[] {
  const words = fold(query.slice(0, LIMITS.searchQueryLength)).text.split(/\s+/).filter(Boolean);
  return [...new Set(words)];
}

/** Every occurrence of every word in `text`, as ranges of the original text; null unless all words occur. */
function findAll(folded: Folded, original: string, words: readonly string[]): [number, number][] | null {
  const ranges: [number, number][] = [];
  for (const w of words) {
    let at = folded.text.indexOf(w);
    if (at < 0) return null;
    while (at >= 0) {
      const start = folded.origin[at]!;
      const end = (folded.origin[at + w.length - 1] ?? original.length - 1) + 1;
      ranges.push([start, end]);
      at = folded.text.indexOf(w, at + w.length);
    }
  }
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  // Overlapping words ("ice", "ceasefire") make one range.
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

function snippetOf(
  text: string,
  ranges: readonly (readonly [number, number])[],
): Pick<SearchHit, 'snippet' | 'matches'> {
  const flat = text.replace(/\s/g, ' ');
  const first = ranges[0]?.[0] ?? 0;
  let start = Math.max(0, first - SNIPPET_BEFORE);
  if (start > 0) {
    const space = flat.indexOf(' ', start);
    if (space >= 0 && space < first) start = space + 1;
  }
  const end = Math.min(flat.length, start + SNIPPET_LENGTH);
  const lead = start > 0 ? '…' : '';
  const snippet = lead + flat.slice(start, end) + (end < flat.length ? '…' : '');
  const matches = ranges
    .filter(([a, b]) => a >= start && b <= end)
    .map(([a, b]) => [a - start + lead.length, b - start + lead.length] as const);
  return { snippet, matches };
}

/**
 * Folded texts, kept per source object: the live view keeps the objects of what did not
 * change, so a search as someone types folds only what changed since the last one.
 */
export class BoardSearch {
  readonly #folded = new WeakMap<object, Map<string, { readonly source: string; readonly folded: Folded }>>();

  #fold(owner: object, key: string, text: string): Folded {
    let byKey = this.#folded.get(owner);
    if (!byKey) this.#folded.set(owner, (byKey = new Map()));
    const kept = byKey.get(key);
    if (kept?.source === text) return kept.folded;
    const folded = fold(text);
    byKey.set(key, { source: text, folded });
    return folded;
  }

  /** Hits in board order: by point, then title, body, rationales, comments. */
  search(board: BoardJson, query: string, limit: number = LIMITS.searchHits): SearchHit[] {
    const words = queryWords(query);
    if (words.length === 0) return [];
    const hits: SearchHit[] = [];
    const add = (owner: object, key: string, text: string, base: Omit<SearchHit, 'snippet' | 'matches'>) => {
      if (hits.length >= limit || !text) return;
      const ranges = findAll(this.#fold(owner, key, text), text, words);
      if (ranges) hits.push({ ...base, ...snippetOf(text, ranges) });
    };
    const positionsByPoint = groupBy(board.positions, (p) => p.pointId);
    const threadsByPoint = groupBy(board.threads, (t) => t.pointId);
    const order = new Map(board.stakeholders.map((s, i) => [s.id as string, i]));
    for (const point of [...board.points].sort((a, b) => a.number - b.number)) {
      const base = pointBase(point);
      add(point, 'title', point.title, { ...base, field: 'title' });
      add(point, 'body', point.body, { ...base, field: 'body' });
      const positions = [...(positionsByPoint.get(point.id) ?? [])].sort(
        (a, b) => (order.get(a.stakeholderId) ?? 0) - (order.get(b.stakeholderId) ?? 0),
      );
      for (const p of positions)
        add(p, 'rationale', p.rationale, { ...base, field: 'rationale', stakeholderId: p.stakeholderId });
      for (const t of threadsByPoint.get(point.id) ?? []) {
        for (const c of t.comments) {
          if (c.deleted) continue;
          add(c, 'body', c.body, {
            ...base,
            field: 'comment',
            stakeholderId: t.stakeholderId,
            threadId: t.id,
            commentId: c.id,
          });
        }
      }
      if (hits.length >= limit) break;
    }
    return hits;
  }
}

function pointBase(point: PointJson): Pick<SearchHit, 'pointId' | 'pointNumber'> {
  return { pointId: point.id, pointNumber: point.number };
}

/**
 * Where a query's words occur in `text` ([start, end) offsets, merged and in order), for
 * highlighting a match where it is shown: empty unless every word occurs.
 */
export function highlightRanges(text: string, query: string): [number, number][] {
  const words = queryWords(query);
  if (words.length === 0 || !text) return [];
  return findAll(fold(text), text, words) ?? [];
}

/**
 * Where the query's `words` (from `queryWords`) occur in `text`, as a snippet; null unless
 * it holds every word. The index behind the search across boards checks each of its
 * candidates with this, so both searches agree on what a match is and how it is shown.
 */
export function matchText(text: string, words: readonly string[]): Pick<SearchHit, 'snippet' | 'matches'> | null {
  if (!text || words.length === 0) return null;
  const ranges = findAll(fold(text), text, words);
  return ranges ? snippetOf(text, ranges) : null;
}

/** A hit of the search across every board a person belongs to (`GET /api/search`). */
export interface CrossBoardHit extends SearchHit {
  readonly boardId: string;
  readonly boardTitle: string;
  /** An archived board is read-only, and still searched. */
  readonly archived: boolean;
  readonly pointTitle: string;
  /** The name of `stakeholderId`'s delegation, as the board list knows it. */
  readonly stakeholderName?: string;
}

/** One search of one board, without keeping anything (the server's). */
export function searchBoard(board: BoardJson, query: string, limit?: number): SearchHit[] {
  return new BoardSearch().search(board, query, limit);
}
