import { describe, expect, it } from 'vitest';
import { LIMITS } from '@parley/shared/model';
import { decodeUtf8, parseMarkdownPlan, previewOf, type BoardPlan, type ImportError } from '@parley/shared/import';

function plan(md: string): BoardPlan {
  const result = parseMarkdownPlan(md, { now: 1_000 });
  if (!result.ok) throw new Error(result.error.message);
  return result.plan;
}
function failure(md: string): ImportError {
  const result = parseMarkdownPlan(md, { now: 1_000 });
  if (result.ok) throw new Error('expected the file to be refused');
  return result.error;
}

describe('IMPORT: Markdown plans', () => {
  it('IMPORT1: a plan as people write it: title, description, ## categories, numbered points restarting per category, bold or plain titles, multi-paragraph bodies', () => {
    const p = plan(
      [
        '# Recovery framework',
        '',
        'Circulated for comment.',
        'Second line of the description.',
        '',
        '## Peace',
        '',
        '1. **Ceasefire**',
        '   The parties stop firing.',
        '',
        '   A second paragraph,',
        '   on two lines.',
        '2) Monitoring',
        '',
        '## Security',
        '1. Guarantees',
        '    Body indented by four.',
        '    - a nested bullet',
        '1. Verification',
      ].join('\n'),
    );
    expect(p.meta).toMatchObject({
      title: 'Recovery framework',
      description: 'Circulated for comment.\nSecond line of the description.',
    });
    expect(p.categories.map((c) => c.title)).toEqual(['Peace', 'Security']);
    expect(p.points.map((x) => [x.number, x.title, p.categories.find((c) => c.id === x.categoryId)!.title])).toEqual([
      [1, 'Ceasefire', 'Peace'],
      [2, 'Monitoring', 'Peace'],
      [3, 'Guarantees', 'Security'],
      [4, 'Verification', 'Security'],
    ]);
    expect(p.points[0]!.body).toBe('The parties stop firing.\n\nA second paragraph,\non two lines.');
    expect(p.points[1]!.body).toBe('');
    expect(p.points[2]!.body).toBe('Body indented by four.\n- a nested bullet');
    expect(p.stakeholders).toEqual([]);
    expect(previewOf(p)).toEqual({
      title: 'Recovery framework',
      categories: 2,
      points: 4,
      stakeholders: 0,
      positions: 0,
      threads: 0,
      comments: 0,
    });
  });

  it('IMPORT2: no title and no headings: the default title and one "Points" category; "**" around part of a title is kept', () => {
    const p = plan('1. **Alpha** and more\n2. Beta\n');
    expect(p.meta.title).toBe('Imported plan');
    expect(p.categories.map((c) => c.title)).toEqual(['Points']);
    expect(p.points.map((x) => x.title)).toEqual(['**Alpha** and more', 'Beta']);
  });

  it("IMPORT3: the export's own lines are read back: positions (stance, rationale) and open threads, stakeholders from their names in board order, escaped text unescaped", () => {
    const p = plan(
      [
        '# A &lt;b&gt; &amp;amp; plan',
        '',
        '## Scope',
        '',
        '1. **S1 &lt;script&gt;**',
        '   Line one',
        '   - *Government*: Support with changes — Needs costing',
        '   - *Civil society*: Oppose',
        '   - Open thread (Civil society): Why now?',
        '',
        '2. **S2**',
        '   - *Civil society*: undecided',
        '   - *United States*: Support — fine',
        '   - Open thread (Government): Second remark',
      ].join('\n'),
    );
    expect(p.meta.title).toBe('A <b> &amp; plan');
    expect(p.points[0]).toMatchObject({ title: 'S1 <script>', body: 'Line one' });
    expect(p.stakeholders.map((s) => [s.id, s.name, s.short])).toEqual([
      ['government', 'Government', 'GOV'],
      ['civil-society', 'Civil society', 'CS'],
      ['united-states', 'United States', 'US'],
    ]);
    expect(new Set(p.stakeholders.map((s) => s.color)).size).toBe(3);
    expect(p.positions.map((x) => [x.pointId, x.stakeholderId, x.stance, x.rationale])).toEqual([
      ['p1', 'government', 'support-with-changes', 'Needs costing'],
      ['p1', 'civil-society', 'oppose', ''],
      ['p2', 'civil-society', 'undecided', ''],
      ['p2', 'united-states', 'support', 'fine'],
    ]);
    expect(p.threads.map((t) => [t.pointId, t.stakeholderId, t.comments.map((c) => c.body)])).toEqual([
      ['p1', 'civil-society', ['Why now?']],
      ['p2', 'government', ['Second remark']],
    ]);
    expect(p.threads[0]!.createdAt).toBeLessThan(p.threads[1]!.createdAt);
  });

  it('IMPORT4: bad files get one error naming the line: empty, no points, a second # title, text outside a point, over-long titles, an unknown stance, a duplicate position', () => {
    expect(failure('')).toMatchObject({ line: 1, message: expect.stringMatching(/empty/) });
    expect(failure('\n\n  \n')).toMatchObject({ line: 1, message: expect.stringMatching(/empty/) });
    expect(failure('# Title\n\nJust prose.\n## Heading only\n')).toMatchObject({
      line: 1,
      message: expect.stringMatching(/no points/),
    });
    expect(failure('# One\n\n1. P\n# Two\n')).toMatchObject({
      line: 4,
      message: expect.stringMatching(/second "# " title/),
    });
    expect(failure('## C\nIntro text\n1. P\n')).toMatchObject({
      line: 2,
      message: expect.stringMatching(/^line 2: text between/),
    });
    expect(failure(`# ${'x'.repeat(LIMITS.titleLength + 1)}\n1. P\n`)).toMatchObject({
      line: 1,
      message: expect.stringMatching(/board title is longer than 300/),
    });
    expect(failure(`## C\n\n1. ok\n2. ${'y'.repeat(LIMITS.titleLength + 1)}\n`)).toMatchObject({
      line: 4,
      message: expect.stringMatching(/point title is longer than 300/),
    });
    expect(failure(`## ${'c'.repeat(LIMITS.categoryTitleLength + 1)}\n1. P\n`)).toMatchObject({ line: 1 });
    expect(failure('## C\n1. P\n   body\n   - *US*: Maybe — perhaps\n')).toMatchObject({
      line: 4,
      message: expect.stringMatching(/unknown stance "Maybe" for US/),
    });
    expect(failure('1. P\n   - *US*: Support\n   - *US*: Oppose\n')).toMatchObject({
      line: 3,
      message: expect.stringMatching(/second position for US/),
    });
    expect(failure('1. **  **\n')).toMatchObject({ line: 1, message: expect.stringMatching(/no title/) });
    expect(failure('1. A\n2.\n')).toMatchObject({ line: 2, message: expect.stringMatching(/point 2 has no title/) });
  });

  it('IMPORT5: a file that is not UTF-8 is refused with the line of the first bad byte', () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('# T\n1. ok\n2. caf'), 0xe9, 0x0a]);
    expect(decodeUtf8(bytes)).toMatchObject({ ok: false, line: 3, message: expect.stringMatching(/not UTF-8/) });
    expect(decodeUtf8(new TextEncoder().encode('# Café ✓ 𝄞\n'))).toEqual({ ok: true, text: '# Café ✓ 𝄞\n' });
    expect(decodeUtf8(new Uint8Array([0x61, 0xed, 0xa0, 0x80]))).toMatchObject({ ok: false, line: 1 });
  });
});
