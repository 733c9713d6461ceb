/**
 * The update guard's rules for amendments (server/src/collab/guard/boardRules.ts) and the
 * board's sign-off rule: who may propose, answer as whom, withdraw, rebase, and what no
 * client may write at all (a decision, a deleted answer, someone else's name).
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  AMENDMENT,
  META,
  boardRoots,
  listAmendments,
  listPoints,
  proposeAmendment,
  rebaseAmendment,
  respondToAmendment,
  trashPoint,
  withdrawAmendment,
  type Actor,
  type AmendmentId,
  type PointId,
  type StakeholderId,
  type UserId,
} from '@parley/shared/model';
import type { Principal, Role } from '@parley/shared/permissions';
import { buildDemoState } from '../../server/src/seed/createDemoBoard.ts';
import { checkBoardChanges, type Verdict } from '../../server/src/collab/guard/boardRules.ts';
import { resolveChanges } from '../../server/src/collab/guard/resolveChanges.ts';

const S = 'ukraine' as StakeholderId;
const T = 'russia' as StakeholderId;

function principal(role: Role, stakeholderId: string | null, userId: string): Principal {
  return { userId: userId as UserId, name: userId, role, stakeholderId: stakeholderId as StakeholderId | null };
}
const actorOf = (p: Principal): Actor => ({ userId: p.userId, name: p.name, stakeholderId: p.stakeholderId! });

const people = {
  owner: principal('owner', 'us', 'u-owner'),
  editor: principal('editor', 'us', 'u-editor'),
  delegateS: principal('delegate', S, 'u-s'),
  delegateS2: principal('delegate', S, 'u-s2'),
  delegateT: principal('delegate', T, 'u-t'),
  observer: principal('observer', null, 'u-obs'),
};
type Who = keyof typeof people;

interface Fixture {
  server: Y.Doc;
  pointId: PointId;
  /** An open amendment of S's on the first point, with T's objection. */
  amendment: AmendmentId;
}

function fixture(): Fixture {
  const server = new Y.Doc();
  Y.applyUpdate(server, buildDemoState());
  const pointId = listPoints(server)[0]!.id;
  const amendment = proposeAmendment(server, actorOf(people.delegateS), {
    pointId,
    field: 'body',
    wording: 'A new wording.',
    rationale: 'Clearer.',
  });
  respondToAmendment(server, actorOf(people.delegateT), amendment, { stance: 'object', note: 'Not yet.' });
  return { server, pointId, amendment };
}

/** The update an edit makes on a replica of the server doc, judged by the guard for `who`. */
function attempt(f: Fixture, who: Principal, edit: (doc: Y.Doc) => void): Verdict {
  const replica = new Y.Doc();
  Y.applyUpdate(replica, Y.encodeStateAsUpdate(f.server));
  const updates: Uint8Array[] = [];
  replica.on('update', (u: Uint8Array) => updates.push(u));
  edit(replica);
  replica.destroy();
  const update = Y.mergeUpdates(updates);
  return checkBoardChanges(who, f.server, resolveChanges(f.server, update).changes);
}

const amendmentMap = (doc: Y.Doc, id: string) => boardRoots(doc).amendments.get(id)!;
const answers = (doc: Y.Doc, id: string) => amendmentMap(doc, id).get(AMENDMENT.responses) as Y.Array<unknown>;

type Write = (f: Fixture, who: Principal) => (doc: Y.Doc) => void;

const writes: Record<string, Write> = {
  'propose for its own delegation': (f, who) => (doc) =>
    void proposeAmendment(doc, actorOf(who), {
      pointId: f.pointId,
      field: 'title',
      wording: 'Retitled',
      rationale: '',
    }),
  'propose for another delegation': (f, who) => (doc) =>
    void proposeAmendment(
      doc,
      { ...actorOf(who), stakeholderId: who.stakeholderId === T ? S : T },
      { pointId: f.pointId, field: 'title', wording: 'Retitled', rationale: '' },
    ),
  "endorse S's amendment": (f, who) => (doc) => {
    // Written directly: the model refuses a delegation answering itself, a raw client does not.
    answers(doc, f.amendment).push([
      { stakeholderId: who.stakeholderId, stance: 'endorse', note: 'Yes', by: who.userId, byName: who.name, at: 1 },
    ]);
  },
  'answer in someone else’s name': (f, who) => (doc) =>
    answers(doc, f.amendment).push([
      { stakeholderId: who.stakeholderId, stance: 'object', note: '', by: 'u-else', byName: who.name, at: 1 },
    ]),
  'delete an answer': (f) => (doc) => {
    answers(doc, f.amendment).delete(0, 1);
  },
  "withdraw S's amendment": (f) => (doc) => amendmentMap(doc, f.amendment).set(AMENDMENT.status, 'withdrawn'),
  "rebase S's amendment": (f) => (doc) => {
    const m = amendmentMap(doc, f.amendment);
    m.set(AMENDMENT.baseText, 'Another base');
    m.set(AMENDMENT.text, 'Another wording.');
  },
  'accept in the document': (f) => (doc) => amendmentMap(doc, f.amendment).set(AMENDMENT.status, 'accepted'),
  'change its delegation': (f) => (doc) => amendmentMap(doc, f.amendment).set(AMENDMENT.stakeholderId, T),
  'delete the amendment': (f) => (doc) => boardRoots(doc).amendments.delete(f.amendment),
  'set the sign-off rule': () => (doc) => boardRoots(doc).meta.set(META.signOff, [S, 'us']),
  'a malformed sign-off rule': () => (doc) => boardRoots(doc).meta.set(META.signOff, 3),
};

// Per role: which writes the guard lets through (every other write is refused).
const allowed: Record<Who, readonly string[]> = {
  owner: ['propose for its own delegation', "endorse S's amendment", 'set the sign-off rule'],
  editor: ['propose for its own delegation', "endorse S's amendment"],
  delegateS: ['propose for its own delegation', "withdraw S's amendment", "rebase S's amendment"],
  delegateS2: ['propose for its own delegation', "withdraw S's amendment", "rebase S's amendment"],
  delegateT: ['propose for its own delegation', "endorse S's amendment"],
  observer: [],
};

describe('the guard on amendments', () => {
  for (const who of Object.keys(people) as Who[]) {
    it(`AMEND8: ${who}: may ${allowed[who].join(', ') || 'write nothing'}; every other amendment write is refused`, () => {
      const f = fixture();
      const outcome = Object.fromEntries(
        Object.entries(writes).map(([name, write]) => [name, attempt(f, people[who], write(f, people[who])).ok]),
      );
      const expected = Object.fromEntries(Object.keys(writes).map((name) => [name, allowed[who].includes(name)]));
      expect(outcome).toEqual(expected);
    });
  }

  it('AMEND9: nobody answers, rebases or withdraws an amendment that is no longer open (withdrawn, or its point deleted), and nobody proposes for a deleted point', () => {
    const f = fixture();
    withdrawAmendment(f.server, actorOf(people.delegateS), f.amendment);
    const answer =
      (who: Principal, on: Fixture = f) =>
      (doc: Y.Doc) =>
        answers(doc, on.amendment).push([
          { stakeholderId: who.stakeholderId, stance: 'endorse', note: '', by: who.userId, byName: who.name, at: 1 },
        ]);
    expect(attempt(f, people.delegateT, answer(people.delegateT))).toEqual({
      ok: false,
      reason: 'This amendment is no longer open.',
    });
    expect(attempt(f, people.delegateS, writes["rebase S's amendment"]!(f, people.delegateS)).ok).toBe(false);

    const g = fixture();
    trashPoint(g.server, actorOf(people.editor), g.pointId);
    expect(listAmendments(g.server)[0]!.status).toBe('closed');
    expect(attempt(g, people.delegateT, answer(people.delegateT, g)).ok).toBe(false);
    // Withdrawing is a status write on a closed amendment (written directly: the model reads it as open).
    expect(attempt(g, people.delegateS, writes["withdraw S's amendment"]!(g, people.delegateS)).ok).toBe(false);
    const propose = attempt(g, people.delegateT, (doc) => {
      // Written directly: the model refuses a deleted point.
      const m = new Y.Map<unknown>();
      for (const [k, v] of Object.entries({
        pointId: g.pointId,
        field: 'body',
        text: 'x',
        baseText: '',
        rationale: '',
        stakeholderId: T,
        proposedBy: people.delegateT.userId,
        proposedByName: people.delegateT.name,
        proposedAt: 1,
        status: 'open',
      }))
        m.set(k, v);
      m.set('responses', new Y.Array());
      boardRoots(doc).amendments.set('a_deadpoint00', m);
    });
    expect(propose).toEqual({ ok: false, reason: 'An amendment names a point of the board.' });
  });

  it('AMEND10: a proposal must carry the proposer’s own id and name, a known field, wording within the limit and no answers; the model’s own proposals, answers and rebases pass', () => {
    const f = fixture();
    const S1 = people.delegateS;
    const raw =
      (fields: Record<string, unknown>, withAnswer = false) =>
      (doc: Y.Doc) => {
        const m = new Y.Map<unknown>();
        const base = {
          pointId: f.pointId,
          field: 'body',
          text: 'Wording',
          baseText: '',
          rationale: '',
          stakeholderId: S,
          proposedBy: S1.userId,
          proposedByName: S1.name,
          proposedAt: 1,
          status: 'open',
        };
        for (const [k, v] of Object.entries({ ...base, ...fields })) m.set(k, v);
        const list = new Y.Array<unknown>();
        if (withAnswer)
          list.push([{ stakeholderId: S, stance: 'endorse', note: '', by: S1.userId, byName: S1.name, at: 1 }]);
        m.set('responses', list);
        boardRoots(doc).amendments.set('a_raw00000000', m);
      };
    expect(attempt(f, S1, raw({})).ok).toBe(true);
    expect(attempt(f, S1, raw({ proposedBy: 'u-else' })).ok).toBe(false);
    expect(attempt(f, S1, raw({ proposedByName: 'Someone else' })).ok).toBe(false);
    expect(attempt(f, S1, raw({ field: 'rationale' })).ok).toBe(false);
    expect(attempt(f, S1, raw({ field: 'title', text: 'x'.repeat(301) })).ok).toBe(false);
    expect(attempt(f, S1, raw({ status: 'accepted' })).ok).toBe(false);
    expect(attempt(f, S1, raw({ decidedBy: S1.userId })).ok).toBe(false);
    expect(attempt(f, S1, raw({}, true)).ok).toBe(false);

    const T1 = people.delegateT;
    expect(
      attempt(f, T1, (doc) => respondToAmendment(doc, actorOf(T1), f.amendment, { stance: 'object', note: 'No' })).ok,
    ).toBe(true);
    expect(attempt(f, S1, (doc) => rebaseAmendment(doc, actorOf(S1), f.amendment, 'Rebased wording.')).ok).toBe(true);
  });

  it('AMEND22: an answer may name the wording it answers (`wordingHash`, a string of at most 64 characters), and nothing else new', () => {
    const f = fixture();
    const T1 = people.delegateT;
    const answer = (extra: Record<string, unknown>) => (doc: Y.Doc) => {
      const list = boardRoots(doc).amendments.get(f.amendment)!.get('responses') as Y.Array<unknown>;
      list.push([{ stakeholderId: T, stance: 'endorse', note: '', by: T1.userId, byName: T1.name, at: 1, ...extra }]);
    };
    expect(attempt(f, T1, answer({})).ok).toBe(true);
    expect(attempt(f, T1, answer({ wordingHash: 'h'.repeat(44) })).ok).toBe(true);
    expect(attempt(f, T1, answer({ wordingHash: 'h'.repeat(65) })).ok).toBe(false);
    expect(attempt(f, T1, answer({ wordingHash: 7 })).ok).toBe(false);
    expect(attempt(f, T1, answer({ revision: 2 })).ok).toBe(false);
  });
});
