/**
 * Hand-built v1 Yjs updates, for tests that need updates no Yjs client would write: items
 * under chosen client ids and clocks, with chosen parents, neighbours and content, GC runs,
 * clock gaps (Skip), and delete sets that do not match the structs.
 */
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

/** Where an item goes: a root by name or the id of the item holding its parent type. */
export type ParentRef = string | Y.ID;

export interface ItemSpec {
  /** Needed when the item has no neighbours (then it names its parent). */
  readonly parent?: ParentRef | null;
  /** The map key; null or omitted for a list element. */
  readonly key?: string | null;
  readonly origin?: Y.ID | null;
  readonly rightOrigin?: Y.ID | null;
  readonly content: ItemContent;
  /** The clock to write it at; by default the client's next clock. Beyond it leaves a gap. */
  readonly at?: number;
}

export type ItemContent =
  | Y.ContentAny
  | Y.ContentBinary
  | Y.ContentDeleted
  | Y.ContentDoc
  | Y.ContentEmbed
  | Y.ContentFormat
  | Y.ContentJSON
  | Y.ContentString
  | Y.ContentType;

export type ClientOrder = 'descending' | 'ascending' | 'insertion';

export class RawUpdate {
  private readonly structs = new Map<number, (Y.Item | Y.GC)[]>();
  private readonly next = new Map<number, number>();
  private readonly ds = new Map<number, [number, number][]>();

  /** `base`: the doc whose state the update continues (clocks start at its state). */
  constructor(private readonly base: Y.Doc | null = null) {}

  /** The next clock of a client in this update. */
  clockOf(client: number): number {
    return this.next.get(client) ?? (this.base ? Y.getState(this.base.store, client) : 0);
  }

  private place(client: number, at: number | undefined, length: number): number {
    const clock = at ?? this.clockOf(client);
    if (clock < this.clockOf(client) && this.structs.has(client)) {
      throw new Error(`client ${client}: clock ${clock} overlaps what this update already holds`);
    }
    this.next.set(client, clock + length);
    return clock;
  }

  private push(client: number, struct: Y.Item | Y.GC): void {
    let list = this.structs.get(client);
    if (!list) this.structs.set(client, (list = []));
    list.push(struct);
  }

  /** Adds an item; returns the id of its last clock unit (an origin for the next one). */
  item(client: number, spec: ItemSpec): Y.ID {
    const length = spec.content.getLength();
    const clock = this.place(client, spec.at, length);
    const item = new Y.Item(
      Y.createID(client, clock),
      null,
      spec.origin ?? null,
      null,
      spec.rightOrigin ?? null,
      (spec.parent ?? null) as unknown as Y.AbstractType<unknown> | null,
      spec.key ?? null,
      spec.content,
    );
    this.push(client, item);
    return Y.createID(client, clock + length - 1);
  }

  /** The id of an item's first unit, given the id `item` returned and its length. */
  static first(last: Y.ID, length: number): Y.ID {
    return Y.createID(last.client, last.clock - length + 1);
  }

  /** A run of clocks the sender has garbage-collected. */
  gc(client: number, length: number, at?: number): void {
    const clock = this.place(client, at, length);
    this.push(client, new Y.GC(Y.createID(client, clock), length));
  }

  /** Adds a delete-set range. */
  delete(client: number, clock: number, length: number): void {
    let ranges = this.ds.get(client);
    if (!ranges) this.ds.set(client, (ranges = []));
    ranges.push([clock, length]);
  }

  get isEmpty(): boolean {
    return this.structs.size === 0 && this.ds.size === 0;
  }

  /**
   * The v1 bytes. Each client's structs are written in clock order from its first clock;
   * a gap between two of them is written as a Skip struct, as Yjs itself does. `split`
   * writes a client with several structs as two runs (no Yjs writer does; Yjs reads only
   * the last run of a client).
   */
  encode(order: ClientOrder = 'descending', split = false): Uint8Array {
    const enc = new Y.UpdateEncoderV1();
    const e = enc.restEncoder;
    let clients = [...this.structs.keys()];
    if (order === 'descending') clients = clients.sort((a, b) => b - a);
    if (order === 'ascending') clients = clients.sort((a, b) => a - b);
    const runs: [number, (Y.Item | Y.GC)[]][] = [];
    for (const client of clients) {
      const list = [...this.structs.get(client)!].sort((a, b) => a.id.clock - b.id.clock);
      const half = Math.ceil(list.length / 2);
      if (split && list.length > 1) runs.push([client, list.slice(0, half)], [client, list.slice(half)]);
      else runs.push([client, list]);
    }
    encoding.writeVarUint(e, runs.length);
    for (const [client, list] of runs) {
      let count = list.length;
      for (let i = 1; i < list.length; i++) {
        if (list[i]!.id.clock > list[i - 1]!.id.clock + list[i - 1]!.length) count++;
      }
      encoding.writeVarUint(e, count);
      enc.writeClient(client);
      encoding.writeVarUint(e, list[0]!.id.clock);
      let clock = list[0]!.id.clock;
      for (const s of list) {
        if (s.id.clock > clock) {
          new Y.Skip(Y.createID(client, clock), s.id.clock - clock).write(enc, 0);
        }
        s.write(enc, 0);
        clock = s.id.clock + s.length;
      }
    }
    encoding.writeVarUint(e, this.ds.size);
    for (const [client, ranges] of this.ds) {
      enc.resetDsCurVal();
      encoding.writeVarUint(e, client);
      encoding.writeVarUint(e, ranges.length);
      for (const [clock, len] of ranges) {
        enc.writeDsClock(clock);
        enc.writeDsLen(len);
      }
    }
    return enc.toUint8Array();
  }
}

/** A plain value nested `depth` arrays deep (depth 0: the value itself). */
export function nestedValue(depth: number, leaf: unknown = 'x'): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}
