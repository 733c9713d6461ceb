import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';

/** The bytes are not a well-formed v1 update (for example a v2 update, or trailing junk). */
export class MalformedUpdate extends Error {}

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

/** Yjs' `contentRefs`, by the low five bits of the info byte. */
const CONTENT_READERS: readonly (((d: Decoder) => Y.Item['content']) | undefined)[] = [
  undefined, // 0: GC, not item content
  (d) => new Y.ContentDeleted(d.readLen()),
  (d) =>
    new Y.ContentJSON(
      readValues(d, () => {
        const c = d.readString();
        return c === 'undefined' ? undefined : (JSON.parse(c) as unknown);
      }),
    ),
  (d) => new Y.ContentBinary(d.readBuf()),
  (d) => new Y.ContentString(d.readString()),
  (d) => new Y.ContentEmbed(d.readJSON() as object),
  (d) => new Y.ContentFormat(d.readKey(), d.readJSON() as object),
  (d) => {
    const read = TYPE_READERS[d.readTypeRef()];
    if (!read) throw new MalformedUpdate('unknown type ref');
    return new Y.ContentType(read(d));
  },
  (d) => new Y.ContentAny(readValues(d, () => d.readAny())),
  (d) => {
    // Subdocuments are refused by every rule; read their options only to stay in step.
    const guid = d.readString();
    d.readAny();
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
  try {
    const clients = decoding.readVarUint(rest);
    for (let c = 0; c < clients; c++) {
      const count = decoding.readVarUint(rest);
      const client = d.readClient();
      let clock = decoding.readVarUint(rest);
      for (let i = 0; i < count; i++) {
        const info = d.readInfo();
        if (info === SKIP_INFO) {
          const len = decoding.readVarUint(rest);
          structs.push(new Y.Skip(Y.createID(client, clock), len));
          clock += len;
        } else if ((info & CONTENT_REF) === GC_REF) {
          const len = d.readLen();
          structs.push(new Y.GC(Y.createID(client, clock), len));
          clock += len;
        } else {
          const item = readItem(d, info, client, clock);
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
    if (err instanceof MalformedUpdate) throw err;
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
