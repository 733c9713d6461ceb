import { describe, expect, it } from 'vitest';
import { mergePresence, samePresence } from '../../client/src/lib/state/presence-model.ts';

const user = (id: string, name: string) => ({ id, name, color: '#123456', stakeholderId: 'us' });

describe('presence', () => {
  it('PRESENCE1 a cursor moving (an awareness change with the same people and focus) leaves presence unchanged; a focus, name or departure change does not', () => {
    const before = new Map<number, unknown>([
      [1, { user: user('u1', 'Ann'), focus: { pointId: 'p1' } }],
      [2, { user: user('u2', 'Bob'), focus: { pointId: 'p2' }, cursor: { anchor: 1, head: 1 } }],
    ]);
    const typed = new Map(before);
    typed.set(2, { user: user('u2', 'Bob'), focus: { pointId: 'p2' }, cursor: { anchor: 9, head: 9 } });
    const base = mergePresence(before, 1);
    expect(samePresence(base, mergePresence(typed, 1))).toBe(true);

    const moved = new Map(before);
    moved.set(2, { user: user('u2', 'Bob'), focus: { pointId: 'p3' } });
    expect(samePresence(base, mergePresence(moved, 1))).toBe(false);
    const renamed = new Map(before);
    renamed.set(2, { user: user('u2', 'Robert'), focus: { pointId: 'p2' } });
    expect(samePresence(base, mergePresence(renamed, 1))).toBe(false);
    const left = new Map(before);
    left.delete(2);
    expect(samePresence(base, mergePresence(left, 1))).toBe(false);
  });
});
