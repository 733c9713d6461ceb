/**
 * Amendments in the shared model (shared/src/model/amendments.ts): proposing, answering,
 * withdrawing, rebasing; the sign-off rule; the word diff; and accepting as a minimal edit
 * that keeps a concurrent typist's keystrokes.
 */
import { describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import {
  META,
  ModelError,
  boardRoots,
  currentResponses,
  decideAmendment,
  decisionRefusal,
  deleteOrphans,
  deletePoint,
  orphansOf,
  isStale,
  listAmendments,
  pointText,
  proposeAmendment,
  rebaseAmendment,
  respondToAmendment,
  signOffState,
  trashPoint,
  withdrawAmendment,
  wordDiff,
  type Actor,
  type StakeholderId,
  type UserId,
} from '@parley/shared/model';
import { GOV, NGO, ann, bob, replica, seededBoard, syncAll } from './helpers.ts';

const editor = { userId: 'u-ed' as UserId, name: 'Ed Editor' };
const cat: Actor = { userId: 'u-cat' as UserId, name: 'Cat', stakeholderId: 'gov' as StakeholderId };

function board() {
  const { doc, points } = seededBoard();
  const pointId = points[0]![0]!;
  pointText(doc, pointId, 'body')!.insert(0, 'Both sides stop firing at dawn.');
  return { doc, pointId };
}

describe('amendments', () => {
  it('AMEND1: a delegation proposes wording for a point’s title or body with a rationale; the amendment keeps the text it was proposed against, the proposer and its delegation, and is numbered in the order proposed; empty, unchanged or over-long wording and a missing point are refused', () => {
    const { doc, pointId } = board();
    vi.useFakeTimers({ toFake: ['Date'] });
    const a = proposeAmendment(doc, ann, {
      pointId,
      field: 'body',
      wording: 'Both sides stop firing at noon.',
      rationale: 'Daylight for monitors.',
    });
    // Proposed a moment later (the same millisecond would order them by id).
    vi.setSystemTime(Date.now() + 1_000);
    const b = proposeAmendment(doc, bob, { pointId, field: 'title', wording: 'Scope of the ceasefire', rationale: '' });
    vi.useRealTimers();
    const [first, second] = listAmendments(doc, pointId);
    expect(first).toMatchObject({
      id: a,
      number: 1,
      field: 'body',
      text: 'Both sides stop firing at noon.',
      baseText: 'Both sides stop firing at dawn.',
      rationale: 'Daylight for monitors.',
      stakeholderId: GOV,
      proposedBy: ann.userId,
      proposedByName: ann.name,
      status: 'open',
      responses: [],
    });
    expect(second).toMatchObject({ id: b, number: 2, field: 'title', baseText: 'S1', stakeholderId: NGO });
    // The point's own text is untouched: a proposal is not an edit.
    expect(pointText(doc, pointId, 'body')!.toString()).toBe('Both sides stop firing at dawn.');

    for (const wording of ['', '   ', 'Both sides stop firing at dawn.', 'x'.repeat(20_001)]) {
      expect(() => proposeAmendment(doc, ann, { pointId, field: 'body', wording, rationale: '' })).toThrow(ModelError);
    }
    expect(() =>
      proposeAmendment(doc, ann, { pointId: 'p_missing' as never, field: 'body', wording: 'x', rationale: '' }),
    ).toThrow(ModelError);
    expect(listAmendments(doc)).toHaveLength(2);
  });

  it('AMEND2: other delegations endorse or object with a note and may change their minds; every answer is kept in order and the latest counts (a retraction clears it); a delegation cannot answer its own amendment', () => {
    const { doc, pointId } = board();
    const id = proposeAmendment(doc, ann, { pointId, field: 'body', wording: 'Stop at noon.', rationale: '' });
    respondToAmendment(doc, bob, id, { stance: 'object', note: 'Too early.' });
    respondToAmendment(doc, bob, id, { stance: 'endorse', note: 'Fine after talks.' });
    const a = listAmendments(doc)[0]!;
    expect(a.responses.map((r) => [r.stakeholderId, r.stance, r.note])).toEqual([
      [NGO, 'object', 'Too early.'],
      [NGO, 'endorse', 'Fine after talks.'],
    ]);
    expect(currentResponses(a).get(NGO)?.stance).toBe('endorse');
    respondToAmendment(doc, bob, id, { stance: 'retract' });
    expect(currentResponses(listAmendments(doc)[0]!).has(NGO)).toBe(false);
    expect(listAmendments(doc)[0]!.responses).toHaveLength(3);
    expect(() => respondToAmendment(doc, cat, id, { stance: 'endorse' })).toThrow(ModelError);
  });

  it('AMEND3: only the proposing delegation withdraws its amendment, after which nobody answers it; when the point’s text moves on the amendment is stale until that delegation rebases it', () => {
    const { doc, pointId } = board();
    const id = proposeAmendment(doc, ann, { pointId, field: 'body', wording: 'Stop at noon.', rationale: '' });
    expect(isStale(doc, listAmendments(doc)[0]!)).toBe(false);
    pointText(doc, pointId, 'body')!.insert(0, 'Draft: ');
    expect(isStale(doc, listAmendments(doc)[0]!)).toBe(true);
    expect(() => rebaseAmendment(doc, bob, id)).toThrow(ModelError);
    rebaseAmendment(doc, cat, id, 'Draft: stop at noon.');
    expect(listAmendments(doc)[0]).toMatchObject({
      baseText: 'Draft: Both sides stop firing at dawn.',
      text: 'Draft: stop at noon.',
    });
    expect(isStale(doc, listAmendments(doc)[0]!)).toBe(false);

    expect(() => withdrawAmendment(doc, bob, id)).toThrow(ModelError);
    withdrawAmendment(doc, ann, id);
    expect(listAmendments(doc)[0]!.status).toBe('withdrawn');
    expect(() => respondToAmendment(doc, bob, id, { stance: 'endorse' })).toThrow(ModelError);
  });

  it('AMEND4: the sign-off rule names the delegations whose endorsement accepting needs ("all" or a list); the proposing delegation counts as signed; accepting is refused, with who is pending, until they have, and for a stale or closed amendment; rejecting needs no sign-off. AMEND22: an answer counts for the wording it answered only: new wording needs its endorsements again, a plain rebase keeps them', () => {
    const { doc, pointId } = board();
    const id = proposeAmendment(doc, ann, { pointId, field: 'body', wording: 'Stop at noon.', rationale: '' });
    const a = () => listAmendments(doc)[0]!;
    expect(signOffState(a(), null, [GOV, NGO])).toEqual({ signed: [], pending: [] });
    expect(signOffState(a(), { kind: 'all' }, [GOV, NGO])).toEqual({ signed: [GOV], pending: [NGO] });
    expect(signOffState(a(), { kind: 'named', stakeholderIds: [NGO, 'gone'] }, [GOV, NGO])).toEqual({
      signed: [],
      pending: [NGO],
    });
    expect(decisionRefusal(doc, id, 'accepted')).toBeNull();

    boardRoots(doc).meta.set(META.signOff, 'all');
    expect(decisionRefusal(doc, id, 'accepted')).toBe('Accepting needs sign-off from Civil society first.');
    expect(decisionRefusal(doc, id, 'rejected')).toBeNull();
    expect(() => decideAmendment(doc, editor, id, 'accepted')).toThrow(ModelError);
    respondToAmendment(doc, bob, id, { stance: 'endorse' });
    expect(decisionRefusal(doc, id, 'accepted')).toBeNull();

    pointText(doc, pointId, 'body')!.insert(0, 'Draft: ');
    expect(decisionRefusal(doc, id, 'accepted')).toMatch(/rebase/);
    // A plain rebase keeps the wording, and the endorsement of it.
    rebaseAmendment(doc, ann, id);
    expect(decisionRefusal(doc, id, 'accepted')).toBeNull();
    // New wording is not what Civil society endorsed: its sign-off is needed again.
    rebaseAmendment(doc, ann, id, 'Draft: stop at noon.');
    expect(decisionRefusal(doc, id, 'accepted')).toBe('Accepting needs sign-off from Civil society first.');
    expect(a().responses.map((r) => r.forCurrentWording)).toEqual([false]);
    respondToAmendment(doc, bob, id, { stance: 'endorse' });
    decideAmendment(doc, editor, id, 'accepted', 'Agreed in round 2.');
    expect(a()).toMatchObject({
      status: 'accepted',
      decidedBy: editor.userId,
      decidedByName: editor.name,
      decisionNote: 'Agreed in round 2.',
    });
    expect(pointText(doc, pointId, 'body')!.toString()).toBe('Draft: stop at noon.');
    expect(decisionRefusal(doc, id, 'rejected')).toBe('This amendment is already accepted.');

    const other = proposeAmendment(doc, bob, { pointId, field: 'title', wording: 'Scope', rationale: '' });
    trashPoint(doc, ann, pointId);
    expect(decisionRefusal(doc, other, 'accepted')).toBe('Its point was deleted.');
  });

  it('AMEND5: accepting writes the wording as a minimal edit: a typist adding words elsewhere in the same text at that moment keeps every keystroke', () => {
    const { doc, pointId } = board();
    const id = proposeAmendment(doc, ann, {
      pointId,
      field: 'body',
      wording: 'Both sides stop firing at noon.',
      rationale: '',
    });
    const typist = replica(doc);
    // Concurrently: the server accepts, and a typist adds words in the middle and at the end.
    decideAmendment(doc, editor, id, 'accepted');
    const body = pointText(typist, pointId, 'body')!;
    body.insert('Both sides '.length, 'immediately ');
    body.insert(body.length, ' Monitors verify.');
    syncAll(doc, typist);
    for (const d of [doc, typist]) {
      expect(pointText(d, pointId, 'body')!.toString()).toBe(
        'Both sides immediately stop firing at noon. Monitors verify.',
      );
    }
  });

  it('AMEND6: the word diff shows the wording against the text word by word', () => {
    expect(wordDiff('Both sides stop at dawn.', 'Both sides stop at noon.')).toEqual([
      { op: 'same', text: 'Both sides stop at ' },
      { op: 'del', text: 'dawn' },
      { op: 'ins', text: 'noon' },
      { op: 'same', text: '.' },
    ]);
  });

  it('AMEND16: deleting a point for good takes its amendments with it, and amendments left without a point are orphans the server removes', () => {
    const { doc, pointId } = board();
    const id = proposeAmendment(doc, ann, { pointId, field: 'body', wording: 'Stop at noon.', rationale: '' });
    const other = replica(doc);
    deletePoint(doc, null, pointId);
    expect(listAmendments(doc)).toEqual([]);
    // A replica that still had the point, as a concurrent undo would leave it: an orphan.
    boardRoots(other).points.delete(pointId);
    expect(orphansOf(other).amendments).toEqual([id]);
    deleteOrphans(other, orphansOf(other));
    expect(listAmendments(other)).toEqual([]);
  });

  it('AMEND7: an amendment map that does not read (an unknown status or field) is left out of the list', () => {
    const { doc, pointId } = board();
    proposeAmendment(doc, ann, { pointId, field: 'body', wording: 'Stop at noon.', rationale: '' });
    const bad = new Y.Map<unknown>();
    bad.set('status', 'maybe');
    boardRoots(doc).amendments.set('a_bad', bad);
    expect(listAmendments(doc).map((a) => a.number)).toEqual([1]);
  });
});
