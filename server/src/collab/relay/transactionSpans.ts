import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

type DeleteSet = Y.Transaction['deleteSet'];

/** What one applied transaction changed: where its new structs start, per client, and what it deleted. */
export interface TransactionSpan {
  readonly starts: ReadonlyMap<number, number>;
  readonly deleteSet: DeleteSet;
}

export function spanOf(transaction: Y.Transaction): TransactionSpan {
  const starts = new Map<number, number>();
  for (const [client, after] of transaction.afterState) {
    const before = transaction.beforeState.get(client) ?? 0;
    if (after > before) starts.set(client, before);
  }
  return { starts, deleteSet: transaction.deleteSet };
}

/**
 * One v1 update holding everything several transactions added and deleted, written from
 * the doc's struct store rather than by `Y.mergeUpdates` of their updates: that merge
 * re-sorts all its inputs for every struct, so it grows with (updates in a batch)², and a
 * batch of a few hundred small updates from different writers cost ~100 ms.
 *
 * It writes each touched client's structs from the earliest start to the end of that
 * client's list, so it is exact only when the doc holds no structs beyond the spans (the
 * caller checks that nothing else has been applied). The format is Yjs's own
 * (`writeClientsStructs` and `writeDeleteSet` in yjs/src/utils/encoding.js and
 * DeleteSet.js, which Yjs does not export).
 */
export function encodeSpans(doc: Y.Doc, spans: readonly TransactionSpan[]): Uint8Array {
  const starts = new Map<number, number>();
  for (const span of spans) {
    for (const [client, clock] of span.starts) {
      const known = starts.get(client);
      if (known === undefined || clock < known) starts.set(client, clock);
    }
  }
  const encoder = new Y.UpdateEncoderV1();
  const clients = [...starts].sort((a, b) => b[0] - a[0]);
  encoding.writeVarUint(encoder.restEncoder, clients.length);
  for (const [client, start] of clients) {
    const structs = doc.store.clients.get(client);
    if (!structs || structs.length === 0) throw new Error(`client ${client} has no structs to relay`);
    const clock = Math.max(start, structs[0]!.id.clock);
    const first = Y.findIndexSS(structs, clock);
    encoding.writeVarUint(encoder.restEncoder, structs.length - first);
    encoder.writeClient(client);
    encoding.writeVarUint(encoder.restEncoder, clock);
    structs[first]!.write(encoder, clock - structs[first]!.id.clock);
    for (let i = first + 1; i < structs.length; i++) structs[i]!.write(encoder, 0);
  }
  const deletes = Y.mergeDeleteSets(spans.map((s) => s.deleteSet));
  encoding.writeVarUint(encoder.restEncoder, deletes.clients.size);
  for (const [client, items] of [...deletes.clients].sort((a, b) => b[0] - a[0])) {
    encoder.resetDsCurVal();
    encoding.writeVarUint(encoder.restEncoder, client);
    encoding.writeVarUint(encoder.restEncoder, items.length);
    for (const item of items) {
      encoder.writeDsClock(item.clock);
      encoder.writeDsLen(item.len);
    }
  }
  return encoder.toUint8Array();
}
