import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type * as Y from 'yjs';
import { boardToMarkdown } from '@parley/shared/export';
import type { BoardJson } from '@parley/shared/model';
import {
  addCategory,
  deleteComment,
  listThreads,
  moveCategory,
  movePoint,
  openThread,
  pointText,
  replyToThread,
  setPosition,
  setThreadResolved,
  toBoardJson,
} from '@parley/shared/model';
import { GOV, NGO, ann, bob, seededBoard } from './helpers.ts';

let clock = 10_000;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  clock = 10_000;
  vi.setSystemTime(clock);
});
afterEach(() => {
  vi.useRealTimers();
});
const tick = () => vi.setSystemTime((clock += 1_000));

/** The seeded board with a body, two positions and a mix of open, resolved and half-deleted threads. */
function richBoard() {
  const s = seededBoard();
  const { doc, points } = s;
  const [s1, s2] = points[0]!;
  const [b1, b2] = points[1]!;
  pointText(doc, s1!, 'body')!.insert(0, 'Line one\nLine two');
  setPosition(doc, ann, {
    pointId: s1!,
    stakeholderId: GOV,
    stance: 'support-with-changes',
    rationale: 'Needs\ncosting',
  });
  setPosition(doc, bob, { pointId: b2!, stakeholderId: NGO, stance: 'oppose' });
  tick();
  openThread(doc, bob, { pointId: s1!, body: 'Why   now?' });
  tick();
  const resolved = openThread(doc, ann, { pointId: b1!, body: 'Settled question' });
  setThreadResolved(doc, bob, resolved, true);
  tick();
  const half = openThread(doc, ann, { pointId: s2!, body: 'Withdrawn remark' });
  tick();
  replyToThread(doc, bob, half, 'Second remark');
  deleteComment(doc, ann, half, listThreads(doc, s2!)[0]!.comments[0]!.id);
  return s;
}

describe('EXPORT: boardToMarkdown', () => {
  it('EXPORT1-5: renders the whole board as expected', () => {
    const { doc } = richBoard();
    expect(boardToMarkdown(toBoardJson(doc))).toBe(
      [
        '# Ukraine recovery plan',
        '',
        'Draft for comment',
        '',
        '## Scope',
        '',
        '1. **S1**',
        '   Line one',
        '   Line two',
        '   - *Government*: Support with changes — Needs costing',
        '   - Open thread (Civil society): Why now?',
        '',
        '2. **S2**',
        '   - Open thread (Government): Second remark',
        '',
        '## Budget',
        '',
        '3. **B1**',
        '',
        '4. **B2**',
        '   - *Civil society*: Oppose',
        '',
        '5. **B3**',
        '',
        '## Timeline',
        '',
      ].join('\n'),
    );
  });

  it('EXPORT1: the board title is the top heading, followed by the description', () => {
    const { doc } = seededBoard();
    const md = boardToMarkdown(toBoardJson(doc));
    expect(md.startsWith('# Ukraine recovery plan\n\nDraft for comment\n\n## Scope\n')).toBe(true);
    expect(md.endsWith('\n')).toBe(true);
    expect(md.endsWith('\n\n')).toBe(false);
  });

  it('EXPORT2: one "##" heading per category, in board order, including empty categories', () => {
    const { doc, cats } = seededBoard();
    moveCategory(doc, ann, cats[2], 0);
    addCategory(doc, ann, 'Risks');
    const headings = boardToMarkdown(toBoardJson(doc))
      .split('\n')
      .filter((l) => l.startsWith('#'));
    expect(headings).toEqual(['# Ukraine recovery plan', '## Timeline', '## Scope', '## Budget', '## Risks']);
  });

  it('EXPORT3: points are numbered continuously across categories, as on the board', () => {
    const { doc, cats, points } = seededBoard();
    moveCategory(doc, ann, cats[1], 0);
    movePoint(doc, ann, points[0]![1]!, { categoryId: cats[2], index: 0 });
    const md = boardToMarkdown(toBoardJson(doc));
    const items = md.split('\n').filter((l) => /^\d+\. /.test(l));
    expect(items).toEqual(['1. **B1**', '2. **B2**', '3. **B3**', '4. **S1**', '5. **S2**']);
    expect(md.indexOf('## Timeline')).toBeLessThan(md.indexOf('5. **S2**'));
    expect(md.indexOf('## Scope')).toBeLessThan(md.indexOf('4. **S1**'));
    expect(md.indexOf('## Timeline')).toBeGreaterThan(md.indexOf('4. **S1**'));
  });

  it('EXPORT4: each position is listed under its point with stakeholder name, stance label and rationale', () => {
    const { doc, points } = seededBoard();
    const p = points[1]![0]!;
    setPosition(doc, ann, { pointId: p, stakeholderId: GOV, stance: 'undecided', rationale: 'Waiting  for\n data' });
    setPosition(doc, bob, { pointId: p, stakeholderId: NGO, stance: 'support' });
    const md = boardToMarkdown(toBoardJson(doc));
    expect(md).toContain('3. **B1**\n   - *Government*: Undecided — Waiting for data\n   - *Civil society*: Support\n');
  });

  it('EXPORT4: a position for a stakeholder missing from the board falls back to its id', () => {
    const { doc, points } = seededBoard();
    const board = toBoardJson(doc);
    board.positions.push({
      pointId: points[0]![0]!,
      stakeholderId: 'ghost' as typeof GOV,
      stance: 'oppose',
      rationale: '',
      by: ann.userId,
      byName: ann.name,
      at: 0,
    });
    expect(boardToMarkdown(board)).toContain('1. **S1**\n   - *ghost*: Oppose\n');
  });

  it('EXPORT5: open threads are listed with their first live comment; resolved threads are not', () => {
    const md = boardToMarkdown(toBoardJson(richBoard().doc));
    expect(md).toContain('Open thread (Civil society): Why now?');
    expect(md).toContain('Open thread (Government): Second remark');
    expect(md).not.toContain('Settled question');
    expect(md).not.toContain('Withdrawn remark');
  });

  it('EXPORT5: reopening a resolved thread lists it again', () => {
    const { doc, points } = seededBoard();
    const t = openThread(doc, ann, { pointId: points[1]![2]!, body: 'Back on the table' });
    setThreadResolved(doc, ann, t, true);
    expect(boardToMarkdown(toBoardJson(doc))).not.toContain('Back on the table');
    setThreadResolved(doc, ann, t, false);
    expect(boardToMarkdown(toBoardJson(doc))).toContain(
      '5. **B3**\n   - Open thread (Government): Back on the table\n',
    );
  });

  it('EXPORT7: titles are collapsed to one line and body lines stay inside the list item', () => {
    const { doc, points } = seededBoard();
    const p = points[0]![0]!;
    pointText(doc, p, 'title')!.insert(2, '\n  and more');
    pointText(doc, p, 'body')!.insert(0, 'Para one\n\n# not a heading\nlast   ');
    const md = boardToMarkdown(toBoardJson(doc));
    expect(md).toContain('1. **S1 and more**\n   Para one\n\n   # not a heading\n   last\n');
    expect(md).not.toMatch(/\n\n\n/);
  });

  it('EXPORT6: every point on the board is exported, including one whose category is missing', () => {
    const { doc, points } = seededBoard();
    // A point moved into a category that another replica deleted concurrently (see MODEL13).
    doc.getMap<Y.Map<unknown>>('points').get(points[0]![0]!)!.set('categoryId', 'c_gone00000000');
    const board = toBoardJson(doc);
    const md = boardToMarkdown(board);
    for (const p of board.points) expect(md).toContain(`${p.number}. **${p.title}**`);
  });

  /** The rich board with `text` in every field a user writes: title, description, names, titles, body, rationale, comment. */
  function everywhere(text: string): BoardJson {
    const board = toBoardJson(richBoard().doc);
    board.meta.title = text;
    board.meta.description = text;
    for (const s of board.stakeholders) s.name = text;
    for (const c of board.categories) c.title = text;
    for (const p of board.points) {
      p.title = text;
      p.body = `${text}\n${text}`;
    }
    for (const p of board.positions) p.rationale = text;
    for (const t of board.threads) for (const c of t.comments) c.body = text;
    return board;
  }

  it('EXPORT8: raw HTML and character references in any user text are escaped, so none renders as markup', () => {
    const attacks: [string, string][] = [
      ['<script>alert(1)</script>', '&lt;script>alert(1)&lt;/script>'],
      ['<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)>'],
      ['<svg/onload=alert(1)>', '&lt;svg/onload=alert(1)>'],
      ['<a href="https://example.com">x</a>', '&lt;a href="https://example.com">x&lt;/a>'],
      ['<!-- hidden -->', '&lt;!-- hidden -->'],
      ['<div\nonclick=alert(1)>', '&lt;div'],
      ['    <b>indented</b>', '&lt;b>indented&lt;/b>'],
    ];
    for (const [attack, escaped] of attacks) {
      const md = boardToMarkdown(everywhere(attack));
      expect(md, attack).not.toContain('<');
      expect(md, attack).toContain(escaped);
    }
    // A character reference would decode in the renderer (to `<`, or to a link's scheme).
    const refs = boardToMarkdown(everywhere('&lt;b&gt; &#106;ava &#x3A; &colon;'));
    expect(refs).toContain('&amp;lt;b&amp;gt; &amp;#106;ava &amp;#x3A; &amp;colon;');
    expect(refs).not.toMatch(/&(?!amp;)(#|[A-Za-z]+;)/);
  });

  it('EXPORT9: links that run script or carry a document (javascript:, vbscript:, data:) are neutralised; ordinary text and links stay as typed', () => {
    const attacks: [string, string][] = [
      ['[x](javascript:alert(1))', '[x](javascript :alert(1))'],
      ['[x](JavaScript:alert(1))', '[x](JavaScript :alert(1))'],
      ['[x]( javascript:alert(1) "t")', '[x]( javascript :alert(1) "t")'],
      ['[x](javascript\\:alert(1))', '[x](javascript \\:alert(1))'],
      ['[x](&#106;avascript:alert(1))', '[x](&amp;#106;avascript:alert(1))'],
      ['<javascript:alert(1)>', '&lt;javascript :alert(1)>'],
      ['[x][r] [r]: javascript:alert(1)', '[x][r] [r]: javascript :alert(1)'],
      ['[v](vbscript:msgbox(1))', '[v](vbscript :msgbox(1))'],
      ['![i](data:image/svg+xml;base64,PHN2Zz4=)', '![i](data :image/svg+xml;base64,PHN2Zz4=)'],
      ['[d](DATA:text/html,x)', '[d](DATA :text/html,x)'],
    ];
    for (const [attack, neutral] of attacks) {
      const md = boardToMarkdown(everywhere(attack));
      expect(md, attack).not.toMatch(/\b(javascript|vbscript|data)\\?:\S/i);
      expect(md, attack).toContain(neutral);
    }
    // A link split over lines of a body (CommonMark allows a line break after the paren).
    const split = toBoardJson(richBoard().doc);
    split.points[0]!.body = '[x](\njavascript:alert(1))';
    expect(boardToMarkdown(split)).toContain('   [x](\n   javascript :alert(1))');

    const ordinary = 'R&D and AT&T: see [the plan](https://example.com/a?b=1&c=2), data: 3 > 2, mailto:a@b.example';
    const md = boardToMarkdown(everywhere(ordinary));
    expect(md).toContain(`# ${ordinary}\n`);
    expect(md).toContain(`   - Open thread (${ordinary}): ${ordinary}\n`);
  });
});
