import type { BoardComparison } from '../model/compare.ts';
import { STANCE_LABEL } from '../model/schema.ts';
import { wordDiff } from '../model/textDiff.ts';
import type { BoardJson } from '../model/types.ts';
import { markdownText } from './markdown.ts';

const one = (s: string) => markdownText(s.replace(/\s+/g, ' ').trim());

/** A word diff as Markdown: deletions struck through, insertions in bold. */
function diffLine(from: string, to: string): string {
  return wordDiff(from, to)
    .map((p) => (p.op === 'ins' ? `**${one(p.text)}**` : p.op === 'del' ? `~~${one(p.text)}~~` : one(p.text)))
    .filter((s) => s !== '')
    .join(' ');
}

/**
 * A comparison as Markdown (`version compare --format md`): each changed point with its
 * word diffs and position changes, then the categories and the amendments decided. Names
 * come from the later board.
 */
export function comparisonToMarkdown(
  c: BoardComparison,
  labels: { from: string; to: string },
  board: Pick<BoardJson, 'stakeholders' | 'categories'>,
): string {
  const stakeholder = new Map(board.stakeholders.map((s) => [s.id as string, s.name]));
  const category = new Map(board.categories.map((x) => [x.id as string, x.title]));
  const out = [`# Changes from ${one(labels.from)} to ${one(labels.to)}`, ''];
  if (c.points.length === 0 && c.categories.length === 0 && c.amendments.length === 0) out.push('No changes.', '');
  for (const p of c.points) {
    const num = p.number.to ?? p.number.from;
    const title = p.title.to ?? p.title.from ?? '';
    out.push(`## Point ${num}. ${one(title)} (${p.changes.join(', ')})`, '');
    if (p.changes.includes('renumbered') && p.number.from !== null) out.push(`Was point ${p.number.from}.`, '');
    if (p.changes.includes('moved')) {
      const from = category.get(p.categoryId.from ?? '') ?? p.categoryId.from;
      const to = category.get(p.categoryId.to ?? '') ?? p.categoryId.to;
      out.push(`Moved from "${one(from ?? '')}" to "${one(to ?? '')}".`, '');
    }
    if (p.changes.includes('title')) out.push(`Title: ${diffLine(p.title.from ?? '', p.title.to ?? '')}`, '');
    if (p.changes.includes('body') || p.changes.includes('added') || p.changes.includes('removed')) {
      out.push(diffLine(p.body.from ?? '', p.body.to ?? ''), '');
    }
    for (const pos of p.positions) {
      const name = one(stakeholder.get(pos.stakeholderId) ?? pos.stakeholderId);
      const from = pos.from ? STANCE_LABEL[pos.from.stance] : 'no position';
      const to = pos.to
        ? `${STANCE_LABEL[pos.to.stance]}${pos.to.rationale ? ` (${one(pos.to.rationale)})` : ''}`
        : 'no position';
      out.push(`- ${name}: ${from} → ${to}`);
    }
    if (p.positions.length > 0) out.push('');
  }
  if (c.categories.length > 0) {
    out.push('## Categories', '');
    for (const x of c.categories) {
      const title =
        x.change === 'renamed'
          ? `"${one(x.title.from ?? '')}" → "${one(x.title.to ?? '')}"`
          : `"${one(x.title.to ?? x.title.from ?? '')}"`;
      out.push(`- ${title}: ${x.change}`);
    }
    out.push('');
  }
  if (c.amendments.length > 0) {
    out.push('## Amendments decided', '');
    for (const a of c.amendments) {
      const by = a.decidedByName ? ` by ${one(a.decidedByName)}` : '';
      const note = a.decisionNote ? `: ${one(a.decisionNote)}` : '';
      out.push(
        `- Amendment #${a.number} (${one(stakeholder.get(a.stakeholderId) ?? a.stakeholderId)}) ${a.status}${by}${note}`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}
