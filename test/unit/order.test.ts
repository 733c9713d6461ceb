import { describe, expect, it } from 'vitest';
import { compareOrdered, keyAtIndex, keyBetween, sortOrdered, type Ordered } from '@parley/shared/model';
import { rng } from './helpers.ts';

const o = (id: string, order: string): Ordered => ({ id, order });

describe('ORDER1: compareOrdered / sortOrdered', () => {
  it('ORDER1: sorts by order key, then by id', () => {
    const items = [o('b', 'a1'), o('z', 'a0'), o('a', 'a1'), o('c', 'Zz'), o('y', 'a0')];
    expect(sortOrdered(items).map((x) => x.id)).toEqual(['c', 'y', 'z', 'a', 'b']);
  });

  it('ORDER1: compares by plain code-unit order (not locale order)', () => {
    // 'Z' (0x5a) < 'a' (0x61): fractional-indexing keys rely on this.
    expect(compareOrdered(o('x', 'Zz'), o('x', 'a0'))).toBeLessThan(0);
    expect(compareOrdered(o('x', 'a0'), o('x', 'a0V'))).toBeLessThan(0);
  });

  it('ORDER1: is a consistent total order (antisymmetric, zero only for equal pairs)', () => {
    const xs = [o('a', 'a0'), o('b', 'a0'), o('a', 'a1'), o('c', 'Zz')];
    for (const x of xs) {
      for (const y of xs) {
        const same = x.id === y.id && x.order === y.order;
        expect(compareOrdered(x, y) === 0).toBe(same);
        expect(Math.sign(compareOrdered(x, y)) + Math.sign(compareOrdered(y, x))).toBe(0);
      }
    }
  });

  it('ORDER1: sorting does not depend on input order', () => {
    const r = rng(7);
    const items = Array.from({ length: 30 }, (_, i) => o(`id${r.int(10)}-${i}`, ['a0', 'a1', 'a0V', 'Zz'][r.int(4)]!));
    const expected = sortOrdered(items).map((x) => x.id);
    for (let k = 0; k < 10; k++) {
      const shuffled = [...items].sort(() => r.next() - 0.5);
      expect(sortOrdered(shuffled).map((x) => x.id)).toEqual(expected);
    }
    // sortOrdered copies; the input is untouched.
    const input = [o('b', 'a1'), o('a', 'a0')];
    sortOrdered(input);
    expect(input.map((x) => x.id)).toEqual(['b', 'a']);
  });
});

describe('ORDER2: keyBetween', () => {
  it('ORDER2: returns a key strictly between distinct neighbours, or beyond an open end', () => {
    const first = keyBetween(null, null);
    const after = keyBetween(first, null);
    const before = keyBetween(null, first);
    const mid = keyBetween(first, after);
    expect(before < first && first < mid && mid < after).toBe(true);
  });

  it('ORDER2: repeated insertion at the front, back and middle keeps keys strictly ordered', () => {
    const r = rng(42);
    let keys: string[] = [keyBetween(null, null)];
    for (let i = 0; i < 300; i++) {
      const at = r.int(keys.length + 1);
      const k = keyBetween(keys[at - 1] ?? null, keys[at] ?? null);
      keys = [...keys.slice(0, at), k, ...keys.slice(at)];
    }
    for (let i = 1; i < keys.length; i++) expect(keys[i - 1]! < keys[i]!).toBe(true);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('ORDER2: tolerates equal neighbours (after concurrent inserts) by returning a key after them', () => {
    expect(() => keyBetween('a1', 'a1')).not.toThrow();
    expect(keyBetween('a1', 'a1') > 'a1').toBe(true);
    expect(keyBetween('a2', 'a1') > 'a2').toBe(true);
  });
});

describe('ORDER3: keyAtIndex', () => {
  function keysFor(n: number): Ordered[] {
    const out: Ordered[] = [];
    for (let i = 0; i < n; i++) out.push(o(`x${i}`, keyBetween(out[i - 1]?.order ?? null, null)));
    return out;
  }

  it('ORDER3: a key made for index i sorts the new item at position i', () => {
    const siblings = keysFor(5);
    for (let i = 0; i <= siblings.length; i++) {
      const placed = sortOrdered([...siblings, o('new', keyAtIndex(siblings, i))]);
      expect(placed.findIndex((x) => x.id === 'new')).toBe(i);
    }
  });

  it('ORDER3: indices are clamped to the list', () => {
    const siblings = keysFor(3);
    const at = (i: number) =>
      sortOrdered([...siblings, o('new', keyAtIndex(siblings, i))]).findIndex((x) => x.id === 'new');
    expect(at(-10)).toBe(0);
    expect(at(1_000)).toBe(3);
  });

  it('ORDER3: an empty list yields a valid first key', () => {
    const k = keyAtIndex([], 0);
    expect(typeof k).toBe('string');
    expect(keyBetween(k, null) > k).toBe(true);
  });

  it('ORDER3: random placement against a reference array always lands at the requested index', () => {
    const r = rng(2024);
    let list: Ordered[] = [];
    const reference: string[] = [];
    for (let i = 0; i < 200; i++) {
      const index = r.int(list.length + 1);
      const item = o(`n${i}`, keyAtIndex(list, index));
      reference.splice(index, 0, item.id);
      list = sortOrdered([...list, item]);
      expect(list.map((x) => x.id)).toEqual(reference);
    }
  });
});
