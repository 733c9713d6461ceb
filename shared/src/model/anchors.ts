import * as Y from 'yjs';
import { fromBase64, toBase64 } from 'lib0/buffer';
import { invariant } from './errors.ts';
import type { PointId } from './ids.ts';
import { boardRoots, isTrashed } from './roots.ts';
import { LIMITS, POINT, type ThreadAnchor } from './schema.ts';

const FIELDS = ['title', 'body'] as const;

/**
 * The anchor of a thread opened on `text[from, to)`. The start sticks to the span's first
 * character and the end to its last (assoc -1), so text typed just before or just after
 * the span stays outside it, and text typed inside it joins it.
 */
export function createAnchor(text: Y.Text, from: number, to: number, field: 'title' | 'body'): ThreadAnchor {
  invariant((FIELDS as readonly string[]).includes(field), 'invalid', `Unknown field "${String(field)}"`);
  invariant(
    Number.isInteger(from) && Number.isInteger(to) && from >= 0 && from < to && to <= text.length,
    'invalid',
    'An anchor spans at least one character of the text',
  );
  const encode = (index: number, assoc: number) =>
    toBase64(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(text, index, assoc)));
  return {
    field,
    start: encode(from, 0),
    end: encode(to, -1),
    quote: text.toString().slice(from, to).slice(0, LIMITS.anchorQuoteLength),
  };
}

/** Whether `value` has an anchor's shape (THREAD.anchor): exactly its four fields, within limits. */
export function isThreadAnchor(value: unknown): value is ThreadAnchor {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  const keys = Object.keys(v);
  const isPosition = (p: unknown) => typeof p === 'string' && p.length > 0 && p.length <= LIMITS.anchorPositionLength;
  return (
    keys.length === 4 &&
    (FIELDS as readonly unknown[]).includes(v['field']) &&
    isPosition(v['start']) &&
    isPosition(v['end']) &&
    typeof v['quote'] === 'string' &&
    v['quote'].length <= LIMITS.anchorQuoteLength
  );
}

/** A stored anchor as the views show it (anything malformed reads as none). */
export function readAnchor(value: unknown): ThreadAnchor | null {
  if (!isThreadAnchor(value)) return null;
  return { field: value.field, start: value.start, end: value.end, quote: value.quote };
}

/**
 * Where an anchored span is now in its point's text, or null when its text is gone: every
 * character of it deleted (the positions then meet), a position that does not decode or
 * does not point into that text, or the point deleted.
 */
export function resolveAnchor(doc: Y.Doc, pointId: PointId, anchor: ThreadAnchor): { from: number; to: number } | null {
  const point = boardRoots(doc).points.get(pointId);
  if (!(point instanceof Y.Map) || isTrashed(point)) return null;
  const text = point.get(anchor.field === 'title' ? POINT.title : POINT.body);
  if (!(text instanceof Y.Text)) return null;
  const from = absoluteIndex(doc, text, anchor.start);
  const to = absoluteIndex(doc, text, anchor.end);
  return from !== null && to !== null && from < to ? { from, to } : null;
}

function absoluteIndex(doc: Y.Doc, text: Y.Text, encoded: string): number | null {
  try {
    const position = Y.createAbsolutePositionFromRelativePosition(Y.decodeRelativePosition(fromBase64(encoded)), doc);
    return position && position.type === text ? position.index : null;
  } catch {
    // A position that does not decode points nowhere.
    return null;
  }
}
