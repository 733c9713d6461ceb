import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactWordDiff } from '@parley/shared/model';

const rebuild = (parts: ReturnType<typeof exactWordDiff>, drop: 'ins' | 'del') =>
  parts
    .filter((p) => p.op !== drop)
    .map((p) => p.text)
    .join('');

/** Texts made of a few words, spaces, newlines and marks, so that random pairs share words. */
const text = fc
  .array(fc.constantFrom('the', 'parties', 'agree', 'Ceasefire', '30', ' ', '  ', '\n', ',', '.', 'é', '—'), {
    maxLength: 60,
  })
  .map((t) => t.join(''));

describe('the exact word diff (unit: shared/src/model/textDiff.ts)', () => {
  it('ROUND20 rebuilds both texts to the character (the Word record’s tracked changes rely on it), and a replaced phrase reads as one deletion then one insertion', () => {
    fc.assert(
      fc.property(text, text, (a, b) => {
        const parts = exactWordDiff(a, b);
        expect(rebuild(parts, 'ins')).toBe(a);
        expect(rebuild(parts, 'del')).toBe(b);
        expect(parts.every((p) => p.op !== 'gap' && p.text !== '')).toBe(true);
      }),
      { numRuns: 500 },
    );
    const parts = exactWordDiff('Stop firing at dawn.', 'Stop all fire at noon.');
    expect(parts.map((p) => p.op)).toEqual(['same', 'del', 'ins', 'same', 'del', 'ins', 'same']);
    expect(parts.filter((p) => p.op === 'ins').map((p) => p.text.trim())).toEqual(['all fire', 'noon']);
  });
});
