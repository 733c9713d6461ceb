import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { Awareness } from 'y-protocols/awareness';
import { clearCursorIn } from '../../client/src/lib/editor/cursor.ts';
import {
  bodySegments,
  insertMention,
  matchMembers,
  mentionQueryAt,
  mentionedIds,
  type MentionCandidate,
} from '../../client/src/lib/mentions/mentions.ts';
import { shouldFold } from '../../client/src/lib/components/comments/long-text.ts';
import { TypingSignal } from '../../client/src/lib/state/typing-signal.ts';
import { sameTypers, typersFrom, typingLabel } from '../../client/src/lib/state/presence-model.ts';
import { reactedBy } from '../../client/src/lib/components/comments/reaction-text.ts';

const members: MentionCandidate[] = [
  { userId: 'u-ann', name: 'Ann Lee', delegation: 'United States' },
  { userId: 'u-olena', name: 'Olena Koval', delegation: 'Ukraine' },
  { userId: 'u-uk', name: 'Ukraine delegate', delegation: 'Ukraine' },
  { userId: 'u-jose', name: 'José Ortega', delegation: 'European partners' },
  { userId: 'u-obs', name: 'Observer', delegation: '' },
];
const ids = (list: MentionCandidate[]) => list.map((m) => m.userId);

describe('mentions in a composer', () => {
  it('CONVUI1 the "@query" under the caret opens a mention at the start or after a space or bracket, not inside a word or an e-mail address, on one line', () => {
    expect(mentionQueryAt('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionQueryAt('Hi @Ukr', 7)).toEqual({ start: 3, query: 'Ukr' });
    expect(mentionQueryAt('Hi (@ann', 8)).toEqual({ start: 4, query: 'ann' });
    expect(mentionQueryAt('Hi @Ann Lee', 11)).toEqual({ start: 3, query: 'Ann Lee' });
    // The caret before the "@": nothing.
    expect(mentionQueryAt('Hi @Ukr', 3)).toBeNull();
    expect(mentionQueryAt('mail a@b.org', 12)).toBeNull();
    expect(mentionQueryAt('@Ann\nnext', 9)).toBeNull();
    expect(mentionQueryAt('@Ann  two spaces', 16)).toBeNull();
    expect(mentionQueryAt(`@${'x'.repeat(41)}`, 42)).toBeNull();
  });

  it('CONVUI2 members are found by a word of their name or of their delegation ("@Ukr" finds Ukraine\'s people), accents and case aside, name matches first; an empty query lists everyone', () => {
    expect(ids(matchMembers(members, 'Ukr'))).toEqual(['u-uk', 'u-olena']);
    expect(ids(matchMembers(members, 'ukraine del'))).toEqual(['u-uk']);
    expect(ids(matchMembers(members, 'jose'))).toEqual(['u-jose']);
    expect(ids(matchMembers(members, 'lee'))).toEqual(['u-ann']);
    expect(ids(matchMembers(members, 'ann u'))).toEqual(['u-ann']);
    expect(ids(matchMembers(members, 'zz'))).toEqual([]);
    expect(matchMembers(members, '')).toHaveLength(5);
    expect(matchMembers(members, '', 2)).toHaveLength(2);
  });

  it('CONVUI3 choosing a member replaces the typed "@query" with "@Name " and puts the caret after it; only the people whose "@Name" is still in the body are mentioned, once each', () => {
    expect(insertMention('Hi @Ukr', 3, 7, 'Ukraine delegate')).toEqual({
      text: 'Hi @Ukraine delegate ',
      caret: 21,
    });
    expect(insertMention('Hi @Uk and more', 3, 6, 'Olena Koval')).toEqual({
      text: 'Hi @Olena Koval and more',
      caret: 16,
    });
    const picks = [
      { userId: 'u-ann', name: 'Ann Lee' },
      { userId: 'u-olena', name: 'Olena Koval' },
      { userId: 'u-ann', name: 'Ann Lee' },
    ];
    expect(mentionedIds('@Ann Lee and @Olena Koval, see', picks)).toEqual(['u-ann', 'u-olena']);
    // Olena's mention deleted, Ann's shortened: neither counts.
    expect(mentionedIds('@Ann Leeway, see', picks)).toEqual([]);
    expect(mentionedIds('@Ann Lee.', picks)).toEqual(['u-ann']);
    expect(mentionedIds('no mentions', picks)).toEqual([]);
  });

  it('CONVUI4 a shown body splits into text and chips: only the mentioned people\'s "@Name" are chips, longer names first, and nothing else changes', () => {
    const picks = [
      { userId: 'u-ann', name: 'Ann' },
      { userId: 'u-annlee', name: 'Ann Lee' },
    ];
    expect(bodySegments('Hi @Ann Lee and @Ann, not @Bob <b>x</b>', picks)).toEqual([
      { kind: 'text', text: 'Hi ' },
      { kind: 'mention', text: '@Ann Lee', userId: 'u-annlee' },
      { kind: 'text', text: ' and ' },
      { kind: 'mention', text: '@Ann', userId: 'u-ann' },
      { kind: 'text', text: ', not @Bob <b>x</b>' },
    ]);
    expect(bodySegments('@Annabel', picks)).toEqual([{ kind: 'text', text: '@Annabel' }]);
    expect(bodySegments('', [])).toEqual([{ kind: 'text', text: '' }]);
    const body = 'A @Ann B @Ann Lee';
    expect(
      bodySegments(body, picks)
        .map((s) => s.text)
        .join(''),
    ).toBe(body);
  });
});

describe('long comments', () => {
  it('CONVUI5 a comment folds past ~600 characters or 8 lines, not a little over 600 characters', () => {
    expect(shouldFold('x'.repeat(600))).toBe(false);
    expect(shouldFold('x'.repeat(650))).toBe(false);
    expect(shouldFold('x'.repeat(700))).toBe(true);
    expect(shouldFold('x'.repeat(10_000))).toBe(true);
    expect(shouldFold(Array.from({ length: 8 }, () => 'line').join('\n'))).toBe(false);
    expect(shouldFold(Array.from({ length: 9 }, () => 'line').join('\n'))).toBe(true);
  });
});

describe('typing…', () => {
  afterEach(() => vi.useRealTimers());

  it('CONVUI6 "typing" is published while the composer has unsent text and focus, cleared 3 s after the last keystroke, on send (empty text) and on blur; a keystroke that keeps it on publishes nothing', () => {
    vi.useFakeTimers();
    const published: boolean[] = [];
    const signal = new TypingSignal((on) => published.push(on), 3000);
    signal.input('H', true);
    signal.input('He', true);
    expect(published).toEqual([true]);
    vi.advanceTimersByTime(2900);
    signal.input('Hel', true); // the 3 s start again
    vi.advanceTimersByTime(2900);
    expect(published).toEqual([true]);
    vi.advanceTimersByTime(200);
    expect(published).toEqual([true, false]);
    signal.input('Hell', true);
    signal.input('', true); // sent (or erased)
    expect(published).toEqual([true, false, true, false]);
    signal.input('again', true);
    signal.stop(); // blur
    expect(published).toEqual([true, false, true, false, true, false]);
    signal.input('not focused', false);
    signal.input('   ', true);
    vi.advanceTimersByTime(5000);
    expect(published).toEqual([true, false, true, false, true, false]);
  });

  it('CONVUI7 who is typing where comes from the others\' awareness (never me, nor my other tab; one entry per person and place), is unchanged by cursor moves, and reads "Ann (Ukraine) is typing…"', () => {
    const user = (id: string, name: string, stakeholderId: string) => ({ id, name, color: '#123456', stakeholderId });
    const states = new Map<number, unknown>([
      [1, { user: user('me', 'Me', 'us'), typing: { pointId: 'p1', threadId: 't1' } }],
      [2, { user: user('me', 'Me', 'us'), typing: { pointId: 'p1', threadId: 't1' } }],
      [3, { user: user('ann', 'Ann', 'ukraine'), typing: { pointId: 'p1', threadId: 't1' }, cursor: { a: 1 } }],
      [4, { user: user('ann', 'Ann', 'ukraine'), typing: { pointId: 'p1', threadId: 't1' } }],
      [5, { user: user('bob', 'Bob', 'us'), typing: { pointId: 'p1', threadId: null } }],
      [6, { user: user('cy', 'Cy', 'us'), typing: null }],
      [7, { typing: { pointId: 'p1', threadId: 't1' } }],
    ]);
    const typers = typersFrom(states, 1);
    expect(typers.map((t) => [t.userId, t.threadId])).toEqual([
      ['ann', 't1'],
      ['bob', null],
    ]);
    const moved = new Map(states);
    moved.set(3, { user: user('ann', 'Ann', 'ukraine'), typing: { pointId: 'p1', threadId: 't1' }, cursor: { a: 9 } });
    expect(sameTypers(typers, typersFrom(moved, 1))).toBe(true);
    const stopped = new Map(moved);
    stopped.set(5, { user: user('bob', 'Bob', 'us'), typing: null });
    expect(sameTypers(typers, typersFrom(stopped, 1))).toBe(false);

    const names = (sid: string) => ({ ukraine: 'Ukraine', us: 'United States' })[sid];
    expect(typingLabel(typers, 'p1', 't1', names)).toBe('Ann (Ukraine) is typing…');
    expect(typingLabel(typers, 'p1', null, names)).toBe('Bob (United States) is typing…');
    expect(typingLabel(typers, 'p2', null, names)).toBe('');
    const two = typersFrom(
      new Map([...states, [8, { user: user('dee', 'Dee', ''), typing: { pointId: 'p1', threadId: 't1' } }]]),
      1,
    );
    expect(typingLabel(two, 'p1', 't1', names)).toBe('Ann (Ukraine) and Dee are typing…');
  });
});

describe('reactions', () => {
  it('CONVUI8 a reaction\'s tooltip names who gave it, me first as "You", then in order, unknown people as "someone", and a long list shortened', () => {
    const names: Record<string, string> = { ann: 'Ann', bob: 'Bob' };
    const nameOf = (id: string) => names[id];
    expect(reactedBy('thumbs-up', ['ann', 'me', 'bob'], 'me', nameOf)).toBe('You, Ann and Bob reacted with thumbs up');
    expect(reactedBy('heart', ['ann'], 'me', nameOf)).toBe('Ann reacted with heart');
    expect(reactedBy('eyes', ['x'], 'me', nameOf)).toBe('someone reacted with eyes');
    const many = Array.from({ length: 9 }, (_, i) => `u${i}`);
    expect(reactedBy('celebrate', many, 'me', (id) => id)).toBe(
      'u0, u1, u2, u3, u4, u5 and 3 others reacted with celebrate',
    );
  });
});

describe('remote cursors', () => {
  it('CONVUI9 leaving a text clears my published cursor only when it is in that text (title and body share one awareness), and nothing else of my state', () => {
    const doc = new Y.Doc();
    const title = doc.getText('title');
    const body = doc.getText('body');
    title.insert(0, 'A title');
    body.insert(0, 'Some body text');
    const awareness = new Awareness(doc);
    const cursorIn = (text: Y.Text, index: number) => ({
      anchor: Y.createRelativePositionFromTypeIndex(text, index),
      head: Y.createRelativePositionFromTypeIndex(text, index),
    });
    awareness.setLocalStateField('focus', { pointId: 'p1' });
    awareness.setLocalStateField('cursor', JSON.parse(JSON.stringify(cursorIn(body, 4))));
    // Leaving the title (the cursor has moved to the body already): the body's cursor stays.
    expect(clearCursorIn(awareness, title)).toBe(false);
    expect((awareness.getLocalState() as { cursor: unknown }).cursor).not.toBeNull();
    expect(clearCursorIn(awareness, body)).toBe(true);
    expect(awareness.getLocalState()).toMatchObject({ cursor: null, focus: { pointId: 'p1' } });
    expect(clearCursorIn(awareness, body)).toBe(false);
    awareness.destroy();
  });
});
