import type { BoardJson } from '../model/types.ts';
import { STANCE_LABEL } from '../model/schema.ts';

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/**
 * Markdown export: categories as headings, points as a numbered list (numbers continue
 * across categories, as on the board), then each point's positions and open threads.
 */
export function boardToMarkdown(board: BoardJson): string {
  const out: string[] = [`# ${oneLine(board.meta.title)}`, ''];
  if (board.meta.description) out.push(board.meta.description.trim(), '');
  const names = new Map(board.stakeholders.map((s) => [s.id as string, s.name]));
  const known = new Set(board.categories.map((c) => c.id as string));
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
        for (const line of point.body.trim().split('\n')) out.push(`   ${line}`.trimEnd());
      }
      for (const pos of board.positions.filter((p) => p.pointId === point.id)) {
        const rationale = pos.rationale ? ` — ${oneLine(pos.rationale)}` : '';
        out.push(
          `   - *${names.get(pos.stakeholderId) ?? pos.stakeholderId}*: ${STANCE_LABEL[pos.stance]}${rationale}`,
        );
      }
      const open = board.threads.filter((t) => t.pointId === point.id && !t.resolved);
      for (const thread of open) {
        const first = thread.comments.find((c) => !c.deleted);
        if (first)
          out.push(
            `   - Open thread (${names.get(thread.stakeholderId) ?? thread.stakeholderId}): ${oneLine(first.body)}`,
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
