import * as Y from 'yjs';

/** What an inserted struct holds, reduced to what permission rules need to look at. */
export type InsertedValue =
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'text' }
  | { readonly kind: 'type'; readonly type: 'map' | 'array' | 'text' | 'other' }
  | { readonly kind: 'deleted' }
  | { readonly kind: 'forbidden'; readonly what: string };

export function insertedValue(item: Y.Item): InsertedValue {
  const c = item.content;
  if (c instanceof Y.ContentAny || c instanceof Y.ContentJSON) {
    const values = c.getContent();
    return { kind: 'value', value: values[values.length - 1] };
  }
  if (c instanceof Y.ContentString || c instanceof Y.ContentFormat || c instanceof Y.ContentEmbed)
    return { kind: 'text' };
  if (c instanceof Y.ContentType) {
    const t = c.type;
    // Check subclasses before their bases: Y.XmlText extends Y.Text, Y.XmlHook Y.Map.
    if (t instanceof Y.XmlText || t instanceof Y.XmlElement || t instanceof Y.XmlFragment || t instanceof Y.XmlHook)
      return { kind: 'type', type: 'other' };
    if (t instanceof Y.Map) return { kind: 'type', type: 'map' };
    if (t instanceof Y.Array) return { kind: 'type', type: 'array' };
    if (t instanceof Y.Text) return { kind: 'type', type: 'text' };
    return { kind: 'type', type: 'other' };
  }
  if (c instanceof Y.ContentDeleted) return { kind: 'deleted' };
  if (c instanceof Y.ContentDoc) return { kind: 'forbidden', what: 'subdocuments' };
  if (c instanceof Y.ContentBinary) return { kind: 'forbidden', what: 'binary content' };
  return { kind: 'forbidden', what: 'unknown content' };
}

/**
 * Every plain value an inserted struct holds (null for anything else): a list's struct may
 * carry several pushed values at once, and each is judged (`insertedValue` gives a map
 * entry's, which is its last).
 */
export function insertedValues(item: Y.Item): readonly unknown[] | null {
  const c = item.content;
  return c instanceof Y.ContentAny || c instanceof Y.ContentJSON ? c.getContent() : null;
}

/** The live Y.Map a struct holds, if it is an existing map in the server doc. */
export function liveMap(item: Y.Item): Y.Map<unknown> | null {
  const c = item.content;
  return c instanceof Y.ContentType && c.type instanceof Y.Map ? (c.type as Y.Map<unknown>) : null;
}

/** The live Y.Array a struct holds, if it is an existing array in the server doc. */
export function liveArray(item: Y.Item): Y.Array<unknown> | null {
  const c = item.content;
  return c instanceof Y.ContentType && c.type instanceof Y.Array ? (c.type as Y.Array<unknown>) : null;
}

/** A field of a value that is a Y.Map (undefined for anything else). */
export function mapField(value: unknown, key: string): unknown {
  return value instanceof Y.Map ? (value as Y.Map<unknown>).get(key) : undefined;
}
