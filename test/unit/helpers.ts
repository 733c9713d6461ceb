/**
 * Shared fixtures for the model unit tests: a seeded board, actors, replica sync,
 * "doc unchanged" and "one typed transaction" assertions, and a seeded PRNG.
 */
import { expect } from 'vitest';
import * as Y from 'yjs';
import {
  ModelError,
  addCategory,
  addPoint,
  addStakeholder,
  initBoard,
  isMutationOrigin,
  toBoardJson,
  type Actor,
  type CategoryId,
  type MutationName,
  type MutationOrigin,
  type PointId,
  type StakeholderId,
  type UserId,
} from '@parley/shared/model';

export const GOV = 'gov' as StakeholderId;
export const NGO = 'ngo' as StakeholderId;

export const ann: Actor = { userId: 'u-ann' as UserId, name: 'Ann Analyst', stakeholderId: GOV };
export const bob: Actor = { userId: 'u-bob' as UserId, name: 'Bob Builder', stakeholderId: NGO };

export function newDoc(clientID?: number): Y.Doc {
  const doc = new Y.Doc();
  if (clientID !== undefined) doc.clientID = clientID;
  return doc;
}

export interface Seeded {
  doc: Y.Doc;
  /** Categories in display order. */
  cats: [CategoryId, CategoryId, CategoryId];
  /** Points per category, in display order: cats[0] has 2, cats[1] has 3, cats[2] has 0. */
  points: PointId[][];
}

/** A board with two stakeholders, three categories ("Scope", "Budget", "Timeline") and five points. */
export function seededBoard(clientID?: number): Seeded {
  const doc = newDoc(clientID);
  initBoard(doc, { title: 'Ukraine recovery plan', description: 'Draft for comment' });
  addStakeholder(doc, null, { id: GOV, name: 'Government', short: 'GOV', color: '#1d4ed8' });
  addStakeholder(doc, null, { id: NGO, name: 'Civil society', short: 'NGO', color: '#15803d' });
  const c0 = addCategory(doc, null, 'Scope');
  const c1 = addCategory(doc, null, 'Budget');
  const c2 = addCategory(doc, null, 'Timeline');
  const points: PointId[][] = [
    [addPoint(doc, null, { categoryId: c0, title: 'S1' }), addPoint(doc, null, { categoryId: c0, title: 'S2' })],
    [
      addPoint(doc, null, { categoryId: c1, title: 'B1' }),
      addPoint(doc, null, { categoryId: c1, title: 'B2' }),
      addPoint(doc, null, { categoryId: c1, title: 'B3' }),
    ],
    [],
  ];
  return { doc, cats: [c0, c1, c2], points };
}

/** A fresh replica of `doc` with its own client id. */
export function replica(doc: Y.Doc, clientID?: number): Y.Doc {
  const copy = newDoc(clientID);
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return copy;
}

/** Exchange missing updates between every pair of docs, both ways (full mesh). */
export function syncAll(...docs: Y.Doc[]): void {
  for (const a of docs) {
    for (const b of docs) {
      if (a === b) continue;
      Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
    }
  }
}

/** Compute both diffs first, then apply them: a true concurrent exchange between two docs. */
export function exchange(a: Y.Doc, b: Y.Doc): void {
  const forB = Y.encodeStateAsUpdate(a, Y.encodeStateVector(b));
  const forA = Y.encodeStateAsUpdate(b, Y.encodeStateVector(a));
  Y.applyUpdate(b, forB);
  Y.applyUpdate(a, forA);
}

function bytes(u: Uint8Array): number[] {
  return Array.from(u);
}

/** Replicas agree: equal JSON views, equal state vectors, equal encoded states. */
export function expectConverged(...docs: Y.Doc[]): void {
  const [first, ...rest] = docs;
  if (!first) throw new Error('no docs');
  const json = toBoardJson(first);
  const sv = bytes(Y.encodeStateVector(first));
  for (const d of rest) {
    expect(toBoardJson(d)).toEqual(json);
    expect(bytes(Y.encodeStateVector(d))).toEqual(sv);
    // Same items and same delete set (state vectors alone do not cover deletions).
    expect(bytes(Y.encodeStateAsUpdate(d, Y.encodeStateVector(first)))).toEqual(
      bytes(Y.encodeStateAsUpdate(first, Y.encodeStateVector(d))),
    );
  }
}

/**
 * Runs `fn`, expecting a ModelError (optionally of `code`), and checks that nothing was
 * written: same state vector, same encoded state (covers deletions), same JSON view,
 * and no update event.
 */
export function expectRefused(doc: Y.Doc, fn: () => unknown, code?: ModelError['code']): ModelError {
  const sv = bytes(Y.encodeStateVector(doc));
  const state = bytes(Y.encodeStateAsUpdate(doc));
  const json = toBoardJson(doc);
  let updates = 0;
  const onUpdate = () => updates++;
  doc.on('update', onUpdate);
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  } finally {
    doc.off('update', onUpdate);
  }
  expect(caught, 'expected a ModelError to be thrown').toBeInstanceOf(ModelError);
  const err = caught as ModelError;
  if (code !== undefined) expect(err.code).toBe(code);
  expect(updates, 'a refused mutation emitted an update').toBe(0);
  expect(bytes(Y.encodeStateVector(doc))).toEqual(sv);
  expect(bytes(Y.encodeStateAsUpdate(doc))).toEqual(state);
  expect(toBoardJson(doc)).toEqual(json);
  return err;
}

export interface RecordedTransaction {
  origin: unknown;
  changedTypes: number;
  deletions: boolean;
}

/** Records every transaction on `doc` while `fn` runs. */
export function recordTransactions<T>(doc: Y.Doc, fn: () => T): { result: T; transactions: RecordedTransaction[] } {
  const transactions: RecordedTransaction[] = [];
  const onTr = (tr: Y.Transaction) =>
    transactions.push({
      origin: tr.origin,
      changedTypes: tr.changed.size,
      deletions: tr.deleteSet.clients.size > 0,
    });
  doc.on('afterTransaction', onTr);
  try {
    return { result: fn(), transactions };
  } finally {
    doc.off('afterTransaction', onTr);
  }
}

/**
 * Runs a mutation and asserts it ran as exactly one transaction that wrote something,
 * tagged with the typed origin for `mutation` and `actor`.
 */
export function expectOneMutation<T>(doc: Y.Doc, mutation: MutationName, actor: UserId | null, fn: () => T): T {
  const { result, transactions } = recordTransactions(doc, fn);
  expect(transactions).toHaveLength(1);
  const tr = transactions[0]!;
  expect(isMutationOrigin(tr.origin)).toBe(true);
  const origin = tr.origin as MutationOrigin;
  expect(origin.kind).toBe('parley-mutation');
  expect(origin.mutation).toBe(mutation);
  expect(origin.actor).toBe(actor);
  expect(tr.changedTypes > 0 || tr.deletions, 'the mutation transaction changed nothing').toBe(true);
  return result;
}

/** Titles of the points in display order, grouped per category id. */
export function layout(doc: Y.Doc): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const p of toBoardJson(doc).points) (out[p.categoryId] ??= []).push(p.title);
  return out;
}

/** The tests' seeded PRNG (mulberry32), so random tests are reproducible. */
export { prng as rng } from '../helpers/prng.ts';

/** Inserts at a random position folded into the text's bounds (for generated edits). */
export function insertWrapped(text: Y.Text, at: number, content: string): void {
  text.insert(at % (text.length + 1), content);
}

/** The range a random position and length make inside the text, or null for an empty text. */
function wrappedRange(text: Y.Text, at: number, length: number): [number, number] | null {
  if (text.length === 0) return null;
  const from = at % text.length;
  return [from, Math.min(length, text.length - from)];
}

/** Deletes a random range folded into the text's bounds (nothing in an empty text). */
export function deleteWrapped(text: Y.Text, at: number, length: number): void {
  const range = wrappedRange(text, at, length);
  if (range) text.delete(...range);
}

/** Formats a random range folded into the text's bounds (nothing in an empty text). */
export function formatWrapped(text: Y.Text, at: number, length: number, attributes: Record<string, unknown>): void {
  const range = wrappedRange(text, at, length);
  if (range) text.format(...range, attributes);
}
