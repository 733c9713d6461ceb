import fc from 'fast-check';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { deleteWrapped, formatWrapped, insertWrapped } from './helpers.ts';
import {
  decodeV1Strict,
  MalformedUpdate,
  OversizedUpdate,
  type DecodedStruct,
} from '../../server/src/collab/guard/decodeV1.ts';

/** One edit on a doc, covering every kind of content a v1 update can carry. */
type Op =
  | { kind: 'type'; at: number; text: string }
  | { kind: 'untype'; at: number; length: number }
  | { kind: 'format'; at: number; length: number; bold: boolean }
  | { kind: 'embed'; at: number; value: number }
  | { kind: 'push'; value: unknown }
  | { kind: 'nest'; map: boolean }
  | { kind: 'pop'; at: number }
  | { kind: 'set'; key: string; value: unknown }
  | { kind: 'unset'; key: string }
  | { kind: 'xml'; element: string; hook: boolean }
  | { kind: 'subdoc'; key: string };

const anyValue = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.string({ maxLength: 8 }),
  fc.boolean(),
  fc.constant(null),
  fc.uint8Array({ maxLength: 6 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 3, noNullPrototype: true }),
  fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 }),
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('type' as const), at: fc.nat(), text: fc.string({ minLength: 1, maxLength: 6 }) }),
  fc.record({ kind: fc.constant('untype' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 4 }) }),
  fc.record({
    kind: fc.constant('format' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 4 }),
    bold: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('embed' as const), at: fc.nat(), value: fc.integer() }),
  fc.record({ kind: fc.constant('push' as const), value: anyValue }),
  fc.record({ kind: fc.constant('nest' as const), map: fc.boolean() }),
  fc.record({ kind: fc.constant('pop' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('set' as const), key: fc.constantFrom('a', 'b', 'ü'), value: anyValue }),
  fc.record({ kind: fc.constant('unset' as const), key: fc.constantFrom('a', 'b', 'ü') }),
  fc.record({ kind: fc.constant('xml' as const), element: fc.constantFrom('p', 'h1'), hook: fc.boolean() }),
  fc.record({ kind: fc.constant('subdoc' as const), key: fc.constantFrom('d1', 'd2') }),
);

function apply(doc: Y.Doc, op: Op): void {
  const text = doc.getText('t');
  const list = doc.getArray<unknown>('l');
  const map = doc.getMap<unknown>('m');
  switch (op.kind) {
    case 'type':
      insertWrapped(text, op.at, op.text);
      break;
    case 'untype':
      deleteWrapped(text, op.at, op.length);
      break;
    case 'format':
      formatWrapped(text, op.at, op.length, { bold: op.bold ? true : null });
      break;
    case 'embed':
      text.insertEmbed(op.at % (text.length + 1), { n: op.value });
      break;
    case 'push':
      list.push([op.value]);
      break;
    case 'nest': {
      const inner = op.map ? new Y.Map<unknown>() : new Y.Array<unknown>();
      list.push([inner]);
      if (inner instanceof Y.Map) inner.set('k', 1);
      else inner.push(['x']);
      break;
    }
    case 'pop':
      if (list.length > 0) list.delete(op.at % list.length, 1);
      break;
    case 'set':
      map.set(op.key, op.value);
      break;
    case 'unset':
      map.delete(op.key);
      break;
    case 'xml': {
      const fragment = doc.getXmlFragment('x');
      const element = new Y.XmlElement(op.element);
      element.setAttribute('class', 'c');
      element.insert(0, [new Y.XmlText('hi')]);
      // Yjs' typings leave hooks out of push(), though it stores them like any element.
      fragment.push(op.hook ? [element, new Y.XmlHook('h') as unknown as Y.XmlElement] : [element]);
      break;
    }
    case 'subdoc':
      map.set(op.key, new Y.Doc());
      break;
  }
}

/** Two writers taking turns, each edit synced to the other: updates with neighbours, GC and deletes. */
function updatesOf(ops: readonly Op[], gc: boolean): Uint8Array[] {
  const a = new Y.Doc({ gc });
  const b = new Y.Doc({ gc });
  const updates: Uint8Array[] = [];
  const relay = (to: Y.Doc) => (u: Uint8Array, origin: unknown) => {
    updates.push(u);
    if (origin !== 'relay') Y.applyUpdate(to, u, 'relay');
  };
  a.on('update', relay(b));
  b.on('update', relay(a));
  const own: Uint8Array[] = [];
  a.on('update', (u: Uint8Array, origin: unknown) => {
    if (origin !== 'relay') own.push(u);
  });
  ops.forEach((op, i) => apply(i % 2 === 0 ? a : b, op));
  updates.push(Y.encodeStateAsUpdate(a));
  // A merge of every other edit of one writer: Skip structs stand in for the gaps.
  if (own.length > 2) updates.push(Y.mergeUpdates(own.filter((_, i) => i % 2 === 0)));
  a.destroy();
  b.destroy();
  return updates;
}

const id = (v: Y.ID | null) => (v ? [v.client, v.clock] : null);

function describeContent(c: Y.Item['content']): unknown {
  if (c instanceof Y.ContentType) {
    const t = c.type as unknown as { nodeName?: string; hookName?: string };
    return ['type', c.type.constructor.name, t.nodeName ?? t.hookName ?? null];
  }
  if (c instanceof Y.ContentFormat) return ['format', c.key, c.value];
  if (c instanceof Y.ContentDeleted) return ['deleted', c.len];
  if (c instanceof Y.ContentDoc) return ['doc', c.doc?.guid];
  return [c.constructor.name, c.getContent()];
}

function describe_(s: DecodedStruct): unknown {
  const base = [s.constructor.name, s.id.client, s.id.clock, s.length];
  if (!(s instanceof Y.Item)) return base;
  const parent = s.parent as unknown;
  return [
    ...base,
    id(s.origin),
    id(s.rightOrigin),
    typeof parent === 'string' || parent === null ? parent : id(parent as Y.ID),
    s.parentSub,
    describeContent(s.content),
  ];
}

function describeDs(ds: ReturnType<typeof Y.decodeUpdate>['ds']): unknown {
  return [...ds.clients].map(([client, ranges]) => [client, ranges.map((r) => [r.clock, r.len])]);
}

/** Every struct and content kind any test update held, so the properties cover them all. */
const kindsSeen = new Set<string>();

function kindOf(s: DecodedStruct): string {
  if (!(s instanceof Y.Item)) return s.constructor.name;
  const c = s.content;
  return c instanceof Y.ContentType ? c.type.constructor.name : c.constructor.name;
}

function expectSameAsYjs(update: Uint8Array): void {
  const ours = decodeV1Strict(update);
  const theirs = Y.decodeUpdate(update);
  for (const s of ours.structs) kindsSeen.add(kindOf(s));
  if (ours.ds.clients.size > 0) kindsSeen.add('delete set');
  expect(ours.structs.map(describe_)).toEqual(theirs.structs.map(describe_));
  expect(describeDs(ours.ds)).toEqual(describeDs(theirs.ds));
}

/** A hand-written update holding a legacy ContentJSON item: no current Yjs API writes one. */
function contentJsonUpdate(values: unknown[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1); // one client
  encoding.writeVarUint(e, 1); // one struct
  encoding.writeVarUint(e, 7); // client id
  encoding.writeVarUint(e, 0); // clock
  encoding.writeUint8(e, 2); // info: ContentJSON, no neighbours, no parentSub
  encoding.writeVarUint(e, 1); // parent is a root, by name
  encoding.writeVarString(e, 'l');
  encoding.writeVarUint(e, values.length);
  for (const v of values) encoding.writeVarString(e, v === undefined ? 'undefined' : JSON.stringify(v));
  encoding.writeVarUint(e, 0); // empty delete set
  return encoding.toUint8Array(e);
}

describe('guard decoding', () => {
  it('GUARD10 the guard decodes every update exactly as Y.decodeUpdate does (all content kinds, GC, Skip, delete sets)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 30 }), fc.boolean(), (ops, gc) => {
        for (const update of updatesOf(ops, gc)) expectSameAsYjs(update);
      }),
      { numRuns: 300 },
    );
    expectSameAsYjs(contentJsonUpdate([1, 'two', undefined, { three: 3 }]));
    expect([...kindsSeen].sort()).toEqual(
      [
        'ContentAny',
        'ContentBinary',
        'ContentDeleted',
        'ContentDoc',
        'ContentEmbed',
        'ContentFormat',
        'ContentJSON',
        'ContentString',
        'GC',
        'Skip',
        'YArray',
        'YMap',
        'YXmlElement',
        'YXmlHook',
        'YXmlText',
        'delete set',
      ].sort(),
    );
  });

  it('GUARD10 a corrupted update is either refused as malformed or decoded exactly as Yjs decodes it', () => {
    let refused = 0;
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 1, maxLength: 12 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(255), fc.constantFrom('set', 'insert', 'delete')), {
          minLength: 1,
          maxLength: 3,
        }),
        (ops, damage) => {
          const updates = updatesOf(ops, true);
          const bytes = [...updates[updates.length - 1]!];
          for (const [at, byte, how] of damage) {
            const i = at % (bytes.length + 1);
            if (how === 'set' && i < bytes.length) bytes[i] = byte;
            else if (how === 'insert') bytes.splice(i, 0, byte);
            else bytes.splice(i, 1);
          }
          const update = Uint8Array.from(bytes);
          try {
            decodeV1Strict(update);
          } catch (err) {
            // Damage can also turn a count or length into one beyond the update bounds.
            expect(err instanceof MalformedUpdate || err instanceof OversizedUpdate).toBe(true);
            refused++;
            return;
          }
          accepted++;
          expectSameAsYjs(update);
        },
      ),
      { numRuns: 1_000 },
    );
    // Both paths were taken, so the property says something about each.
    expect(refused).toBeGreaterThan(50);
    expect(accepted).toBeGreaterThan(50);
  });

  it('GUARD10 trailing bytes and v2 updates are refused', () => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'hello');
    const v1 = Y.encodeStateAsUpdate(doc);
    expect(() => decodeV1Strict(Uint8Array.from([...v1, 0]))).toThrow(MalformedUpdate);
    expect(() => decodeV1Strict(Y.encodeStateAsUpdateV2(doc))).toThrow(MalformedUpdate);
    expect(decodeV1Strict(v1).structs).toHaveLength(1);
    doc.destroy();
  });
});
