import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { deleteWrapped, insertWrapped } from './helpers.ts';
import { encodeSpans, spanOf, type TransactionSpan } from '../../server/src/collab/relay/transactionSpans.ts';

/** One writer's edit: typing or deleting in a shared text, or setting or deleting a map key. */
type Op =
  | { kind: 'insert'; writer: number; at: number; text: string }
  | { kind: 'delete'; writer: number; at: number; length: number }
  | { kind: 'set'; writer: number; key: string; value: number }
  | { kind: 'unset'; writer: number; key: string };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    writer: fc.nat(3),
    at: fc.nat(),
    text: fc.string({ minLength: 1, maxLength: 6 }),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    writer: fc.nat(3),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 5 }),
  }),
  fc.record({
    kind: fc.constant('set' as const),
    writer: fc.nat(3),
    key: fc.constantFrom('a', 'b', 'c'),
    value: fc.nat(),
  }),
  fc.record({ kind: fc.constant('unset' as const), writer: fc.nat(3), key: fc.constantFrom('a', 'b', 'c') }),
);

function apply(doc: Y.Doc, op: Op): void {
  const text = doc.getText('t');
  const map = doc.getMap<number>('m');
  switch (op.kind) {
    case 'insert':
      insertWrapped(text, op.at, op.text);
      break;
    case 'delete':
      deleteWrapped(text, op.at, op.length);
      break;
    case 'set':
      map.set(op.key, op.value);
      break;
    case 'unset':
      map.delete(op.key);
      break;
  }
}

/** Everything a replica holds: what it shows, what it has seen, and what it has deleted. */
function fingerprint(doc: Y.Doc) {
  return {
    json: doc.toJSON(),
    stateVector: [...Y.decodeStateVector(Y.encodeStateVector(doc))].sort((a, b) => a[0] - b[0]),
    deleted: Y.createDeleteSetFromStructStore(doc.store),
  };
}

describe('relay encoding (unit: server/src/collab/relay/transactionSpans.ts)', () => {
  it('RELAY1 a batch of transactions written from the store, applied to a replica that had the state before the batch, gives exactly the relaying doc; with GC on both sides', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 30 }),
        fc.array(fc.array(opArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 25 }),
        (history, batchRounds) => {
          const writers = [1, 2, 3, 4].map((id) => {
            const d = new Y.Doc();
            d.clientID = id * 1000;
            return d;
          });
          const server = new Y.Doc();
          const replica = new Y.Doc();
          const spans: TransactionSpan[] = [];
          let recording = false;
          server.on('update', (_u: Uint8Array, _o: unknown, _d: Y.Doc, tr: Y.Transaction) => {
            if (recording) spans.push(spanOf(tr));
          });
          // Writers edit on stale copies and reach the server one update at a time, as
          // clients do; the replica is the server's state before the batch.
          const sendAll = (ops: readonly Op[]) => {
            for (const op of ops) {
              const w = writers[op.writer]!;
              const before = Y.encodeStateVector(w);
              apply(w, op);
              Y.applyUpdate(server, Y.encodeStateAsUpdate(w, before));
            }
            for (const w of writers) Y.applyUpdate(w, Y.encodeStateAsUpdate(server, Y.encodeStateVector(w)));
          };
          sendAll(history);
          Y.applyUpdate(replica, Y.encodeStateAsUpdate(server));
          recording = true;
          for (const ops of batchRounds) sendAll(ops);
          recording = false;
          if (spans.length === 0) return;
          Y.applyUpdate(replica, encodeSpans(server, spans));
          expect(fingerprint(replica)).toEqual(fingerprint(server));
          for (const d of [server, replica, ...writers]) d.destroy();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('RELAY2 the written batch decodes as a v1 update equal in content to Y.mergeUpdates of the same updates', () => {
    const server = new Y.Doc();
    const updates: Uint8Array[] = [];
    const spans: TransactionSpan[] = [];
    server.on('update', (u: Uint8Array, _o: unknown, _d: Y.Doc, tr: Y.Transaction) => {
      updates.push(u);
      spans.push(spanOf(tr));
    });
    const writers = Array.from({ length: 50 }, (_, i) => {
      const d = new Y.Doc();
      d.clientID = 10 + i;
      return d;
    });
    for (let round = 0; round < 4; round++) {
      for (const w of writers) {
        const before = Y.encodeStateVector(w);
        w.getText('t').insert(0, `w${w.clientID}r${round} `);
        if (round === 3) w.getText('t').delete(0, 2);
        Y.applyUpdate(server, Y.encodeStateAsUpdate(w, before));
      }
    }
    const fromStore = new Y.Doc();
    Y.applyUpdate(fromStore, encodeSpans(server, spans));
    const merged = new Y.Doc();
    Y.applyUpdate(merged, Y.mergeUpdates(updates));
    expect(fingerprint(fromStore)).toEqual(fingerprint(merged));
    expect(fingerprint(fromStore)).toEqual(fingerprint(server));
  });
});
