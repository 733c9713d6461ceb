import * as Y from 'yjs';
import { diffChars } from 'diff';
import { digest } from 'lib0/hash/sha256';
import { toBase64 } from 'lib0/buffer';
import { encodeUtf8 } from 'lib0/string';
import { invariant } from './errors.ts';
import { newId, type PointId, type StakeholderId, type UserId } from './ids.ts';
import { runMutation as run } from './mutations.ts';
import { boardRoots, isLivePoint, num, str, type BoardRoots } from './roots.ts';
import {
  AMENDMENT,
  AMENDMENT_FIELDS,
  AMENDMENT_STATUSES,
  LIMITS,
  META,
  POINT,
  RESPONSE_STANCES,
  type AmendmentField,
  type AmendmentStatus,
  type ResponseStance,
} from './schema.ts';
import type { Actor } from './types.ts';

/**
 * Amendments: wording a delegation proposes for a point's title or body, answered by the
 * other delegations and decided by an editor. Proposing, answering, withdrawing and
 * rebasing are document mutations (they work offline, and the server's guard checks
 * them); accepting and rejecting check the board's sign-off rule against the whole board,
 * so only the server writes them.
 */
export type AmendmentId = string & { readonly __brand: 'AmendmentId' };
export const newAmendmentId = (): AmendmentId => newId<AmendmentId>('a_');

export interface AmendmentResponseJson {
  stakeholderId: StakeholderId;
  stance: ResponseStance;
  note: string;
  by: UserId;
  byName: string;
  at: number;
  /**
   * Whether the answer was given to the wording the amendment has now. An answer names the
   * wording it answers (`wordingHash`); once the proposer rewords, earlier answers no
   * longer count, so an endorsement never carries over to words nobody endorsed.
   */
  forCurrentWording: boolean;
}

/** The answers' names for wordings, kept per text (an amendment's list is read on every change). */
const hashes = new Map<string, string>();
const KEPT_HASHES = 512;

/**
 * A wording's fingerprint, as an answer records it: SHA-256, so no rewording can be made to
 * keep the fingerprint of the wording that was endorsed.
 */
export function wordingHash(wording: string): string {
  let h = hashes.get(wording);
  if (h === undefined) {
    h = toBase64(digest(encodeUtf8(wording)));
    if (hashes.size >= KEPT_HASHES) hashes.delete(hashes.keys().next().value!);
    hashes.set(wording, h);
  }
  return h;
}

export interface AmendmentJson {
  id: AmendmentId;
  /** 1..N in the order proposed (then by id), as "amendment #12" reads. */
  number: number;
  pointId: PointId;
  field: AmendmentField;
  text: string;
  baseText: string;
  rationale: string;
  stakeholderId: StakeholderId;
  proposedBy: UserId;
  proposedByName: string;
  proposedAt: number;
  status: AmendmentStatus;
  /** Every answer, in order: changes of mind included. */
  responses: AmendmentResponseJson[];
  decidedBy: UserId | null;
  decidedByName: string | null;
  decidedAt: number | null;
  decisionNote: string | null;
}

/** Who must sign off before an amendment may be accepted: every delegation, some, or none. */
export type SignOffRule =
  { readonly kind: 'all' } | { readonly kind: 'named'; readonly stakeholderIds: readonly string[] };

const isOneOf = <T extends string>(list: readonly T[], v: unknown): v is T =>
  typeof v === 'string' && (list as readonly string[]).includes(v);

function readResponse(value: unknown, currentHash: string): AmendmentResponseJson | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (!isOneOf(RESPONSE_STANCES, v['stance'])) return null;
  return {
    stakeholderId: str(v['stakeholderId']) as StakeholderId,
    stance: v['stance'],
    note: str(v['note']),
    by: str(v['by']) as UserId,
    byName: str(v['byName']),
    at: num(v['at']),
    forCurrentWording: v['wordingHash'] === currentHash,
  };
}

function readAmendment(id: string, m: Y.Map<unknown>): Omit<AmendmentJson, 'number'> | null {
  const field = m.get(AMENDMENT.field);
  const status = m.get(AMENDMENT.status);
  if (!isOneOf(AMENDMENT_FIELDS, field) || !isOneOf(AMENDMENT_STATUSES, status)) return null;
  const responses = m.get(AMENDMENT.responses);
  const decidedAt = m.get(AMENDMENT.decidedAt);
  const optional = (key: string) => {
    const v = m.get(key);
    return typeof v === 'string' ? v : null;
  };
  return {
    id: id as AmendmentId,
    pointId: str(m.get(AMENDMENT.pointId)) as PointId,
    field,
    text: str(m.get(AMENDMENT.text)),
    baseText: str(m.get(AMENDMENT.baseText)),
    rationale: str(m.get(AMENDMENT.rationale)),
    stakeholderId: str(m.get(AMENDMENT.stakeholderId)) as StakeholderId,
    proposedBy: str(m.get(AMENDMENT.proposedBy)) as UserId,
    proposedByName: str(m.get(AMENDMENT.proposedByName)),
    proposedAt: num(m.get(AMENDMENT.proposedAt)),
    status,
    responses:
      responses instanceof Y.Array
        ? responses.toArray().flatMap((r) => readResponse(r, wordingHash(str(m.get(AMENDMENT.text)))) ?? [])
        : [],
    decidedBy: optional(AMENDMENT.decidedBy) as UserId | null,
    decidedByName: optional(AMENDMENT.decidedByName),
    decidedAt: typeof decidedAt === 'number' ? decidedAt : null,
    decisionNote: optional(AMENDMENT.decisionNote),
  };
}

/** Every amendment of the board (of one point, if given), numbered in the order proposed. */
export function listAmendments(doc: Y.Doc, pointId?: PointId): AmendmentJson[] {
  const all: Omit<AmendmentJson, 'number'>[] = [];
  boardRoots(doc).amendments.forEach((m, id) => {
    const a = m instanceof Y.Map ? readAmendment(id, m) : null;
    if (a) all.push(a);
  });
  all.sort((a, b) => a.proposedAt - b.proposedAt || (a.id < b.id ? -1 : 1));
  const { points } = boardRoots(doc);
  return all
    .map((a, i) => ({
      ...a,
      number: i + 1,
      // An amendment on a deleted point closes (and opens again if the point is restored).
      status: a.status === 'open' && !isLivePoint(points, a.pointId) ? ('closed' as const) : a.status,
    }))
    .filter((a) => pointId === undefined || a.pointId === pointId);
}

/** The point's text an amendment rewords, as it is now ('' for a point that is gone). */
export function currentText(doc: Y.Doc, pointId: string, field: AmendmentField): string {
  const point = boardRoots(doc).points.get(pointId);
  const t = point instanceof Y.Map ? point.get(field === 'title' ? POINT.title : POINT.body) : undefined;
  return t instanceof Y.Text ? t.toString() : '';
}

/** The text moved on since the wording was proposed (or rebased): it needs a rebase. */
export function isStale(doc: Y.Doc, a: Pick<AmendmentJson, 'pointId' | 'field' | 'baseText'>): boolean {
  return currentText(doc, a.pointId, a.field) !== a.baseText;
}

/**
 * Each delegation's current answer: its latest endorse or object to the wording as it is
 * now, unless retracted since. Answers to an earlier wording are left out (and a retraction
 * takes back whatever came before it).
 */
export function currentResponses(a: Pick<AmendmentJson, 'responses'>): Map<StakeholderId, AmendmentResponseJson> {
  const out = new Map<StakeholderId, AmendmentResponseJson>();
  for (const r of a.responses) {
    if (r.stance === 'retract') out.delete(r.stakeholderId);
    else if (r.forCurrentWording) out.set(r.stakeholderId, r);
  }
  return out;
}

/** The owner sets whose endorsement accepting an amendment needs (null: nobody's). */
export function setSignOffRule(doc: Y.Doc, actor: Actor | null, rule: SignOffRule | null): void {
  if (rule?.kind === 'named') {
    invariant(rule.stakeholderIds.length > 0, 'invalid', 'Name at least one delegation');
    invariant(
      new Set(rule.stakeholderIds).size === rule.stakeholderIds.length,
      'invalid',
      'A delegation is named twice',
    );
  }
  run(doc, 'setSignOffRule', actor?.userId ?? null, (roots) => {
    if (rule?.kind === 'named') {
      for (const sid of rule.stakeholderIds)
        invariant(roots.stakeholders.has(sid), 'not-found', `No delegation "${sid}"`);
    }
    return () => {
      if (rule === null) roots.meta.delete(META.signOff);
      else roots.meta.set(META.signOff, rule.kind === 'all' ? 'all' : [...rule.stakeholderIds]);
    };
  });
}

/** The board's sign-off rule, from its settings (none when unset or unreadable). */
export function readSignOffRule(doc: Y.Doc): SignOffRule | null {
  const v = boardRoots(doc).meta.get(META.signOff);
  if (v === 'all') return { kind: 'all' };
  if (Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string')) {
    return { kind: 'named', stakeholderIds: v as string[] };
  }
  return null;
}

/**
 * Who has signed off and who is pending under `rule`, among the board's delegations. The
 * proposing delegation signs off by proposing; the others by endorsing.
 */
export function signOffState(
  a: Pick<AmendmentJson, 'responses' | 'stakeholderId'>,
  rule: SignOffRule | null,
  stakeholderIds: readonly string[],
): { signed: string[]; pending: string[] } {
  if (!rule) return { signed: [], pending: [] };
  const needed = rule.kind === 'all' ? stakeholderIds : rule.stakeholderIds.filter((s) => stakeholderIds.includes(s));
  const answers = currentResponses(a);
  const signed: string[] = [];
  const pending: string[] = [];
  for (const sid of needed) {
    if (sid === a.stakeholderId || answers.get(sid as StakeholderId)?.stance === 'endorse') signed.push(sid);
    else pending.push(sid);
  }
  return { signed, pending };
}

/**
 * Turns `text` into `wording` with the fewest characters deleted and inserted, each at its
 * place, so that whatever someone types elsewhere in the same text at that moment survives
 * the merge (replacing the whole text would drop it).
 */
export function applyWording(text: Y.Text, wording: string): void {
  let at = 0;
  for (const change of diffChars(text.toString(), wording)) {
    if (change.removed) text.delete(at, change.value.length);
    else if (change.added) {
      text.insert(at, change.value);
      at += change.value.length;
    } else at += change.value.length;
  }
}

/** How many characters `applyWording` would insert and delete to turn `from` into `to`. */
export function wordingChange(from: string, to: string): { inserted: number; deleted: number } {
  let inserted = 0;
  let deleted = 0;
  for (const change of diffChars(from, to)) {
    if (change.added) inserted += change.value.length;
    else if (change.removed) deleted += change.value.length;
  }
  return { inserted, deleted };
}

/** How long proposed wording may be: a title's limit, or a body's (the guard's too). */
export function wordingLimit(field: AmendmentField): number {
  return field === 'title' ? LIMITS.titleLength : LIMITS.amendmentBodyLength;
}

function cleanWording(field: AmendmentField, wording: string): string {
  const v = field === 'title' ? wording.replace(/\s+/g, ' ').trim() : wording.trim();
  invariant(v.length > 0, 'invalid', 'The proposed wording must not be empty');
  invariant(
    v.length <= wordingLimit(field),
    'invalid',
    `The proposed wording is longer than ${wordingLimit(field)} characters`,
  );
  return v;
}

function openAmendment(roots: BoardRoots, id: AmendmentId): Y.Map<unknown> {
  const m = roots.amendments.get(id);
  invariant(m instanceof Y.Map, 'not-found', `No amendment "${id}"`);
  invariant(m.get(AMENDMENT.status) === 'open', 'invalid', 'This amendment is no longer open');
  return m;
}

/** Proposes `wording` for a point's title or body on behalf of the actor's delegation. */
export function proposeAmendment(
  doc: Y.Doc,
  actor: Actor,
  input: { pointId: PointId; field: AmendmentField; wording: string; rationale: string },
): AmendmentId {
  invariant(isOneOf(AMENDMENT_FIELDS, input.field), 'invalid', 'An amendment rewords a title or a body');
  const wording = cleanWording(input.field, input.wording);
  const rationale = input.rationale.trim();
  invariant(
    rationale.length <= LIMITS.rationaleLength,
    'invalid',
    `The rationale is longer than ${LIMITS.rationaleLength} characters`,
  );
  return run(doc, 'proposeAmendment', actor.userId, (roots) => {
    invariant(isLivePoint(roots.points, input.pointId), 'not-found', `No point "${input.pointId}"`);
    const base = currentText(doc, input.pointId, input.field);
    invariant(wording !== base, 'invalid', 'The proposed wording is the text as it stands');
    return () => {
      const id = newAmendmentId();
      const m = new Y.Map<unknown>();
      m.set(AMENDMENT.pointId, input.pointId);
      m.set(AMENDMENT.field, input.field);
      m.set(AMENDMENT.text, wording);
      m.set(AMENDMENT.baseText, base);
      m.set(AMENDMENT.rationale, rationale);
      m.set(AMENDMENT.stakeholderId, actor.stakeholderId);
      m.set(AMENDMENT.proposedBy, actor.userId);
      m.set(AMENDMENT.proposedByName, actor.name);
      m.set(AMENDMENT.proposedAt, Date.now());
      m.set(AMENDMENT.status, 'open');
      m.set(AMENDMENT.responses, new Y.Array<unknown>());
      roots.amendments.set(id, m);
      return id;
    };
  });
}

/** The actor's delegation endorses, objects to, or takes back its answer to an amendment. */
export function respondToAmendment(
  doc: Y.Doc,
  actor: Actor,
  id: AmendmentId,
  input: { stance: ResponseStance; note?: string },
): void {
  invariant(isOneOf(RESPONSE_STANCES, input.stance), 'invalid', 'Endorse, object or retract');
  const note = (input.note ?? '').trim();
  invariant(
    note.length <= LIMITS.responseNoteLength,
    'invalid',
    `The note is longer than ${LIMITS.responseNoteLength} characters`,
  );
  run(doc, 'respondToAmendment', actor.userId, (roots) => {
    const m = openAmendment(roots, id);
    invariant(
      m.get(AMENDMENT.stakeholderId) !== actor.stakeholderId,
      'invalid',
      'A delegation does not answer its own amendment',
    );
    const responses = m.get(AMENDMENT.responses);
    invariant(responses instanceof Y.Array, 'invalid', 'This amendment has no answers list');
    return () => {
      responses.push([
        {
          stakeholderId: actor.stakeholderId,
          stance: input.stance,
          note,
          by: actor.userId,
          byName: actor.name,
          at: Date.now(),
          wordingHash: wordingHash(str(m.get(AMENDMENT.text))),
        },
      ]);
    };
  });
}

/** The proposing delegation takes its amendment back. */
export function withdrawAmendment(doc: Y.Doc, actor: Actor, id: AmendmentId): void {
  run(doc, 'withdrawAmendment', actor.userId, (roots) => {
    const m = openAmendment(roots, id);
    invariant(
      m.get(AMENDMENT.stakeholderId) === actor.stakeholderId,
      'invalid',
      'Only its own delegation withdraws an amendment',
    );
    return () => m.set(AMENDMENT.status, 'withdrawn');
  });
}

/**
 * The proposing delegation brings a stale amendment up to date: its wording (as given, or
 * as it was) now stands against the point's current text.
 */
export function rebaseAmendment(doc: Y.Doc, actor: Actor, id: AmendmentId, wording?: string): void {
  run(doc, 'rebaseAmendment', actor.userId, (roots) => {
    const m = openAmendment(roots, id);
    invariant(
      m.get(AMENDMENT.stakeholderId) === actor.stakeholderId,
      'invalid',
      'Only its own delegation rebases an amendment',
    );
    const field = m.get(AMENDMENT.field) as AmendmentField;
    const pointId = str(m.get(AMENDMENT.pointId));
    invariant(isLivePoint(roots.points, pointId), 'not-found', 'The point is gone');
    const next = wording === undefined ? str(m.get(AMENDMENT.text)) : cleanWording(field, wording);
    const base = currentText(doc, pointId, field);
    return () => {
      m.set(AMENDMENT.baseText, base);
      if (next !== m.get(AMENDMENT.text)) m.set(AMENDMENT.text, next);
    };
  });
}

export type Decision = 'accepted' | 'rejected';

/**
 * Why an editor may not record `decision` on the amendment now, or null. Accepting needs
 * an open amendment on a live point, wording proposed against the text as it stands, and
 * every sign-off the board's rule asks for.
 */
export function decisionRefusal(doc: Y.Doc, id: AmendmentId, decision: Decision): string | null {
  const a = listAmendments(doc).find((x) => x.id === id);
  if (!a) return 'There is no such amendment.';
  if (a.status === 'closed') return 'Its point was deleted.';
  if (a.status !== 'open') return `This amendment is already ${a.status}.`;
  if (decision === 'rejected') return null;
  const roots = boardRoots(doc);
  if (isStale(doc, a)) return 'The text changed since this wording was proposed: its delegation must rebase it first.';
  const stakeholders: string[] = [];
  roots.stakeholders.forEach((_m, sid) => stakeholders.push(sid));
  const { pending } = signOffState(a, readSignOffRule(doc), stakeholders);
  if (pending.length > 0) {
    const names = pending.map((sid) => str(roots.stakeholders.get(sid)?.get('name'), sid));
    return `Accepting needs sign-off from ${names.join(', ')} first.`;
  }
  return null;
}

/**
 * Records an editor's decision (the server's, after `decisionRefusal`); accepting writes
 * the wording into the point's text as a minimal edit, in the same transaction.
 */
export function decideAmendment(
  doc: Y.Doc,
  editor: { userId: UserId; name: string },
  id: AmendmentId,
  decision: Decision,
  note = '',
): void {
  const refusal = decisionRefusal(doc, id, decision);
  invariant(refusal === null, 'conflict', refusal ?? '');
  const clean = note.trim();
  invariant(
    clean.length <= LIMITS.responseNoteLength,
    'invalid',
    `The note is longer than ${LIMITS.responseNoteLength} characters`,
  );
  run(doc, 'decideAmendment', editor.userId, (roots) => {
    const m = roots.amendments.get(id)!;
    return () => {
      if (decision === 'accepted') {
        const point = roots.points.get(str(m.get(AMENDMENT.pointId)))!;
        const field = m.get(AMENDMENT.field) === 'title' ? POINT.title : POINT.body;
        const text = point.get(field);
        if (text instanceof Y.Text) applyWording(text, str(m.get(AMENDMENT.text)));
      }
      m.set(AMENDMENT.status, decision);
      m.set(AMENDMENT.decidedBy, editor.userId);
      m.set(AMENDMENT.decidedByName, editor.name);
      m.set(AMENDMENT.decidedAt, Date.now());
      if (clean) m.set(AMENDMENT.decisionNote, clean);
    };
  });
}
