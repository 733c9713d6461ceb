/**
 * Writes Yjs v1 updates by hand, struct by struct, so tests can send what a stock client
 * never would: values under several client ids, stripped or rewritten delete sets, gaps,
 * skips, huge runs. The format is Yjs' own (writeClientsStructs and writeDeleteSet).
 */
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

export type RawStruct = Y.Item | Y.GC | Y.Skip;

export interface RawDelete {
  readonly client: number;
  readonly clock: number;
  readonly len: number;
}

/** One update from structs (grouped by client in the order given) and an explicit delete set. */
export function encodeRaw(structs: readonly RawStruct[], deletes: readonly RawDelete[] = []): Uint8Array {
  const runs: { client: number; structs: RawStruct[] }[] = [];
  for (const s of structs) {
    const last = runs[runs.length - 1];
    if (last && last.client === s.id.client) last.structs.push(s);
    else runs.push({ client: s.id.client, structs: [s] });
  }
  const e = new Y.UpdateEncoderV1();
  encoding.writeVarUint(e.restEncoder, runs.length);
  for (const run of runs) {
    encoding.writeVarUint(e.restEncoder, run.structs.length);
    e.writeClient(run.client);
    encoding.writeVarUint(e.restEncoder, run.structs[0]!.id.clock);
    for (const s of run.structs) s.write(e, 0);
  }
  const byClient = new Map<number, RawDelete[]>();
  for (const d of deletes) byClient.set(d.client, [...(byClient.get(d.client) ?? []), d]);
  encoding.writeVarUint(e.restEncoder, byClient.size);
  for (const [client, ranges] of byClient) {
    e.resetDsCurVal();
    encoding.writeVarUint(e.restEncoder, client);
    encoding.writeVarUint(e.restEncoder, ranges.length);
    for (const r of ranges) {
      e.writeDsClock(r.clock);
      e.writeDsLen(r.len);
    }
  }
  return e.toUint8Array();
}

/** The structs and delete set of an update, as `encodeRaw` takes them back. */
export function decodeRaw(update: Uint8Array): { structs: RawStruct[]; deletes: RawDelete[] } {
  const { structs, ds } = Y.decodeUpdate(update);
  const deletes: RawDelete[] = [];
  for (const [client, ranges] of ds.clients)
    for (const r of ranges) deletes.push({ client, clock: r.clock, len: r.len });
  return { structs: structs as RawStruct[], deletes };
}

/** A map entry with no neighbours: `parent` is a root name or the id of the item holding the map. */
export function mapEntry(
  id: Y.ID,
  parent: string | Y.ID,
  key: string,
  content: Y.Item['content'],
  origin: Y.ID | null = null,
): Y.Item {
  return new Y.Item(
    id,
    null,
    origin,
    null,
    null,
    (origin ? null : parent) as unknown as Y.AbstractType<unknown>,
    origin ? null : key,
    content,
  );
}

/** A value nested `depth` arrays deep. */
export function nested(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

/**
 * An update setting `root[key]` to an Any value nested `depth` arrays deep, written byte by
 * byte: lib0's own encoder recurses per level and overflows the stack long before 10,000.
 */
export function deepValueUpdate(client: number, root: string, key: string, depth: number): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1); // one client
  encoding.writeVarUint(e, 1); // one struct
  encoding.writeVarUint(e, client);
  encoding.writeVarUint(e, 0); // clock
  encoding.writeUint8(e, 8 | 0b0010_0000); // ContentAny, with a parentSub
  encoding.writeVarUint(e, 1); // parent is a root, named
  encoding.writeVarString(e, root);
  encoding.writeVarString(e, key);
  encoding.writeVarUint(e, 1); // one value
  for (let i = 0; i < depth; i++) {
    encoding.writeUint8(e, 117); // an array
    encoding.writeVarUint(e, 1); // of one element
  }
  encoding.writeUint8(e, 119);
  encoding.writeVarString(e, 'bottom');
  encoding.writeVarUint(e, 0); // empty delete set
  return encoding.toUint8Array(e);
}

/** `count` one-clock GC structs of one client, written byte by byte (two bytes each). */
export function manyGcUpdate(client: number, count: number): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint(e, count);
  encoding.writeVarUint(e, client);
  encoding.writeVarUint(e, 0);
  for (let i = 0; i < count; i++) {
    encoding.writeUint8(e, 0);
    encoding.writeVarUint(e, 1);
  }
  encoding.writeVarUint(e, 0);
  return encoding.toUint8Array(e);
}
