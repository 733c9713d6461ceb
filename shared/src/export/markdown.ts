import type { BoardJson } from '../model/types.ts';
import { STANCE_LABEL } from '../model/schema.ts';
import { oneLineText } from '../model/text.ts';

/** `&` that would start a character reference (`&#106;`, `&colon;`): escaped, so none decodes. */
const CHARACTER_REFERENCE_START = /&(?=#|[A-Za-z][A-Za-z0-9]*;)/g;
/**
 * A scheme that runs script or carries a whole document, in front of something, so in a
 * link (`[x](javascript:…)`, `[x]: data:…`) it would be the URL's scheme. `\:` is there
 * because a Markdown backslash escape of the colon still leaves a colon in the URL.
 */
const DANGEROUS_SCHEME = /\b(javascript|vbscript|data)(\\?:)(?=\S)/gi;

/**
 * User text made safe to embed in Markdown that will be rendered: no raw HTML (every `<`
 * is escaped, so no tag and no `<scheme:…>` autolink can form) and no link whose URL runs
 * script (a space before the colon leaves a relative URL, or no link at all). Character
 * references are escaped so that none can spell out either. Prose stays as typed: `&` in
 * "R&D", `>` and a "data: …" with a space after the colon are left alone.
 */
export function markdownText(s: string): string {
  return s.replace(CHARACTER_REFERENCE_START, '&amp;').replaceAll('<', '&lt;').replace(DANGEROUS_SCHEME, '$1 $2');
}

function oneLine(s: string): string {
  return markdownText(oneLineText(s));
}

/**
 * A stakeholder's name inside a position or thread line, whose delimiters (`*Name*:` and
 * `(Name):`) it must not end early: a backslash, a `*`, and a `)` before a colon are
 * escaped as in Markdown (`\*` shows as `*`), and the importer reads them back. Other text
 * stays as typed.
 */
function nameInLine(name: string): string {
  return name.replace(/\\|\*|\)(?=:)/g, '\\$&');
}

/**
 * Markdown export: categories as headings, points as a numbered list (numbers continue
 * across categories, as on the board), then each point's positions and open threads.
 */
export function boardToMarkdown(board: BoardJson): string {
  const out: string[] = [`# ${oneLine(board.meta.title)}`, ''];
  if (board.meta.description) out.push(markdownText(board.meta.description.trim()), '');
  const names = new Map(board.stakeholders.map((s) => [s.id as string, nameInLine(oneLine(s.name))]));
  const known = new Set(board.categories.map((c) => c.id as string));
  // Positions in the board's stakeholder order (as on the board), so an import of this
  // file can tell that order from the lines; unknown stakeholders last, by id as before.
  const rank = new Map(board.stakeholders.map((s, i) => [s.id as string, i]));
  const byStakeholder = (a: { stakeholderId: string }, b: { stakeholderId: string }) =>
    (rank.get(a.stakeholderId) ?? rank.size) - (rank.get(b.stakeholderId) ?? rank.size);
  // Points whose category vanished (deleted concurrently with a move) are listed last
  // under their own heading, as on the board, so an export never drops a point.
  const sections = [
    ...board.categories.map((c) => ({ title: c.title, points: board.points.filter((p) => p.categoryId === c.id) })),
    { title: 'Uncategorised', points: board.points.filter((p) => !known.has(p.categoryId)) },
  ].filter((s, i) => i < board.categories.length || s.points.length > 0);
  for (const section of sections) {
    out.push(`## ${oneLine(section.title)}`, '');
    for (const point of section.points) {
      out.push(`${point.number}. **${oneLine(point.title)}**`);
      if (point.body.trim()) {
        for (const line of markdownText(point.body.trim()).split('\n')) out.push(`   ${line}`.trimEnd());
      }
      for (const pos of board.positions.filter((p) => p.pointId === point.id).sort(byStakeholder)) {
        const rationale = pos.rationale ? ` — ${oneLine(pos.rationale)}` : '';
        out.push(
          `   - *${names.get(pos.stakeholderId) ?? nameInLine(markdownText(pos.stakeholderId))}*: ${STANCE_LABEL[pos.stance]}${rationale}`,
        );
      }
      const open = board.threads.filter((t) => t.pointId === point.id && !t.resolved);
      for (const thread of open) {
        const first = thread.comments.find((c) => !c.deleted);
        if (first)
          out.push(
            `   - Open thread (${names.get(thread.stakeholderId) ?? nameInLine(markdownText(thread.stakeholderId))}): ${oneLine(first.body)}`,
          );
      }
      out.push('');
    }
  }
  return (
    out
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trimEnd() + '\n'
  );
}
