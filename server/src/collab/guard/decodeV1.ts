import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { UPDATE_BOUNDS } from './bounds.ts';

/** The bytes are not a well-formed v1 update (for example a v2 update, or trailing junk). */
export class MalformedUpdate extends Error {}

/** A well-formed update beyond UPDATE_BOUNDS: refused before any of it is applied. */
export class OversizedUpdate extends Error {}

export type DecodedStruct = Y.Item | Y.GC | Y.Skip;

export interface DecodedUpdate {
  /** In the order of the update: by client, then by clock. */
  readonly structs: DecodedStruct[];
  readonly ds: ReturnType<typeof Y.decodeUpdate>['ds'];
}

// Bits of a struct's info byte (Yjs' binary.BIT6..8 and BITS5).
const HAS_ORIGIN = 0b1000_0000;
const HAS_RIGHT_ORIGIN = 0b0100_0000;
const HAS_PARENT_SUB = 0b0010_0000;
const CONTENT_REF = 0b1_1111;
const GC_REF = 0;
const SKIP_INFO = 10;

type Decoder = Y.UpdateDecoderV1;

/** Yjs' `typeRefs`: a type's ref number → an empty type of that kind. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Yjs types are invariant in their event type
const TYPE_READERS: readonly ((d: Decoder) => Y.AbstractType<any>)[] = [
  () => new Y.Array(),
  () => new Y.Map(),
  () => new Y.Text(),
  (d) => new Y.XmlElement(d.readKey()),
  () => new Y.XmlFragment(),
  (d) => new Y.XmlHook(d.readKey()),
  () => new Y.XmlText(),
];

function readValues<T>(d: Decoder, read: () => T): T[] {
  const len = d.readLen();
  const values: T[] = [];
  for (let i = 0; i < len; i++) values.push(read());
  return values;
}

const tooDeep = () => new OversizedUpdate(`a value nests deeper than ${UPDATE_BOUNDS.valueDepth} levels`);

/**
 * lib0's `readAny` with the nesting bounded while reading, so a hostile value never costs
 * more than `valueDepth` stack frames here, nor later in any encode of it.
 */
function readAnyBounded(d: decoding.Decoder, depth: number): unknown {
  const type = decoding.readUint8(d);
  switch (type) {
    case 127:
      return undefined;
    case 126:
      return null;
    case 125:
      return decoding.readVarInt(d);
    case 124:
      return decoding.readFloat32(d);
    case 123:
      return decoding.readFloat64(d);
    case 122:
      return decoding.readBigInt64(d);
    case 121:
      return false;
    case 120:
      return true;
    case 119:
      return decoding.readVarString(d);
    case 118: {
      if (depth >= UPDATE_BOUNDS.valueDepth) throw tooDeep();
      const len = decoding.readVarUint(d);
      const obj: Record<string, unknown> = {};
      for (let i = 0; i < len; i++) {
        const key = decoding.readVarString(d);
        // lib0 assigns keys, so this one would replace the object's prototype instead.
        if (key === '__proto__') throw new MalformedUpdate('a value uses the key "__proto__"');
        obj[key] = readAnyBounded(d, depth + 1);
      }
      return obj;
    }
    case 117: {
      if (depth >= UPDATE_BOUNDS.valueDepth) throw tooDeep();
      const len = decoding.readVarUint(d);
      const arr: unknown[] = [];
      for (let i = 0; i < len; i++) arr.push(readAnyBounded(d, depth + 1));
      return arr;
    }
    case 116:
      return decoding.readVarUint8Array(d);
    default:
      throw new MalformedUpdate('unknown value type');
  }
}

/** Parses a JSON string and bounds its nesting (JSON.parse itself does not recurse deeply). */
function parseJsonBounded(json: string): unknown {
  const value = JSON.parse(json) as unknown;
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  while (stack.length > 0) {
    const { v, depth } = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= UPDATE_BOUNDS.valueDepth) throw tooDeep();
    for (const child of Object.values(v)) stack.push({ v: child, depth: depth + 1 });
  }
  return value;
}

/** Lengths of runs without content (GC, skip, deleted), and of all structs together. */
function checkLength(len: number, total: { sum: number }): void {
  if (len > UPDATE_BOUNDS.runLength) {
    throw new OversizedUpdate(`a run of ${len} clock values is longer than ${UPDATE_BOUNDS.runLength}`);
  }
  total.sum += len;
  if (total.sum > UPDATE_BOUNDS.totalLength) {
    throw new OversizedUpdate(`the update spans more than ${UPDATE_BOUNDS.totalLength} clock values`);
  }
}

/** Yjs' `contentRefs`, by the low five bits of the info byte. */
const CONTENT_READERS: readonly (((d: Decoder) => Y.Item['content']) | undefined)[] = [
  undefined, // 0: GC, not item content
  (d) => new Y.ContentDeleted(d.readLen()),
  (d) =>
    new Y.ContentJSON(
      readValues(d, () => {
        const c = d.readString();
        return c === 'undefined' ? undefined : parseJsonBounded(c);
      }),
    ),
  (d) => new Y.ContentBinary(d.readBuf()),
  (d) => new Y.ContentString(d.readString()),
  (d) => new Y.ContentEmbed(parseJsonBounded(d.readString()) as object),
  (d) => new Y.ContentFormat(d.readKey(), parseJsonBounded(d.readString()) as object),
  (d) => {
    const read = TYPE_READERS[d.readTypeRef()];
    if (!read) throw new MalformedUpdate('unknown type ref');
    return new Y.ContentType(read(d));
  },
  (d) => new Y.ContentAny(readValues(d, () => readAnyBounded(d.restDecoder, 0))),
  (d) => {
    // Subdocuments are refused by every rule; read their options only to stay in step.
    const guid = d.readString();
    readAnyBounded(d.restDecoder, 0);
    return new Y.ContentDoc(new Y.Doc({ guid }));
  },
];

/**
 * Decodes a v1 update into the same structs and delete set as `Y.decodeUpdate`, strictly:
 * Yjs' own decoder ignores trailing bytes, so a v2 update (or junk after a v1 one) can
 * half-parse as v1 (yjs#687); leftovers are refused here.
 *
 * It is Yjs' lazy struct reader without the generator and per-struct iterator objects,
 * which made decoding each update for the guard cost more than Yjs' whole `applyUpdate`
 * of it. GUARD10 holds it equal to `Y.decodeUpdate` on random updates of every content
 * kind, and on corrupted ones wherever it accepts them.
 */
export function decodeV1Strict(update: Uint8Array): DecodedUpdate {
  const rest = decoding.createDecoder(update);
  const d = new Y.UpdateDecoderV1(rest);
  const structs: DecodedStruct[] = [];
  const ds = Y.createDeleteSet();
  const total = { sum: 0 };
  const seenClients = new Set<number>();
  try {
    const clients = decoding.readVarUint(rest);
    for (let c = 0; c < clients; c++) {
      const count = decoding.readVarUint(rest);
      // Before reading them: a count alone must not make the server loop for long.
      if (structs.length + count > UPDATE_BOUNDS.structs) {
        throw new OversizedUpdate(`the update holds more than ${UPDATE_BOUNDS.structs} structs`);
      }
      const client = d.readClient();
      // Yjs keeps only the last run of a repeated client: the guard would judge structs
      // that are never applied, and miss that the others then lack them.
      if (seenClients.has(client)) throw new MalformedUpdate('a client appears twice in the update');
      seenClients.add(client);
      let clock = decoding.readVarUint(rest);
      for (let i = 0; i < count; i++) {
        const info = d.readInfo();
        if (info === SKIP_INFO) {
          const len = decoding.readVarUint(rest);
          checkLength(len, total);
          structs.push(new Y.Skip(Y.createID(client, clock), len));
          clock += len;
        } else if ((info & CONTENT_REF) === GC_REF) {
          const len = d.readLen();
          checkLength(len, total);
          structs.push(new Y.GC(Y.createID(client, clock), len));
          clock += len;
        } else {
          const item = readItem(d, info, client, clock);
          checkLength(item.length, total);
          structs.push(item);
          clock += item.length;
        }
      }
    }
    const dsClients = decoding.readVarUint(rest);
    for (let c = 0; c < dsClients; c++) {
      d.resetDsCurVal();
      const client = decoding.readVarUint(rest);
      const deletes = decoding.readVarUint(rest);
      if (deletes === 0) continue;
      let ranges = ds.clients.get(client);
      if (!ranges) ds.clients.set(client, (ranges = []));
      for (let i = 0; i < deletes; i++) {
        const clock = d.readDsClock();
        ranges.push({ clock, len: d.readDsLen() } as (typeof ranges)[number]);
      }
    }
  } catch (err) {
    if (err instanceof MalformedUpdate || err instanceof OversizedUpdate) throw err;
    throw new MalformedUpdate(`undecodable update (${err instanceof Error ? err.message : 'error'})`);
  }
  if (decoding.hasContent(rest)) throw new MalformedUpdate('trailing bytes after a v1 update');
  return { structs, ds };
}

function readItem(d: Decoder, info: number, client: number, clock: number): Y.Item {
  const readContent = CONTENT_READERS[info & CONTENT_REF];
  if (!readContent) throw new MalformedUpdate('unknown content ref');
  const origin = (info & HAS_ORIGIN) !== 0 ? d.readLeftID() : null;
  const rightOrigin = (info & HAS_RIGHT_ORIGIN) !== 0 ? d.readRightID() : null;
  // Without neighbours the item names its parent: a root type's name, or the id of the
  // item that holds the parent type. With one, it shares that neighbour's parent.
  const namesParent = (info & (HAS_ORIGIN | HAS_RIGHT_ORIGIN)) === 0;
  const parent = namesParent ? (d.readParentInfo() ? d.readString() : d.readLeftID()) : null;
  const parentSub = namesParent && (info & HAS_PARENT_SUB) !== 0 ? d.readString() : null;
  const content = readContent(d);
  // A root's name stands where Yjs' lazy reader also puts it: in `parent`, as a string.
  return new Y.Item(
    Y.createID(client, clock),
    null,
    origin,
    null,
    rightOrigin,
    parent as unknown as Y.AbstractType<unknown> | null,
    parentSub,
    content,
  );
}
