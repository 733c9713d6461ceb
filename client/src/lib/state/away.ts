import {
  oneLineText,
  wordDiff,
  type BoardJson,
  type DiffPart,
  type PointJson,
  type PositionJson,
  type Stance,
} from '@parley/shared/model';

/**
 * "While you were away": what changed on the board between the moment the connection came
 * back (a snapshot of the local doc, with everything this user did while apart) and the
 * end of the resync (the merged doc). Pure, so it is easy to reason about and test.
 */
export type AwayKind = 'text' | 'comment' | 'position';
export type TextField = 'title' | 'body';

/** A point text that this user and someone else both changed while apart. */
export interface TextConflict {
  readonly field: TextField;
  /** From the text as this user left it to the merged text. */
  readonly diff: readonly DiffPart[];
}

interface ItemBase {
  /** Stable across recomputations: the same change on a later reconnect replaces it. */
  readonly key: string;
  readonly pointId: string;
  /** The point's number and title now (or, for a removed point, before). */
  readonly number: number;
  readonly title: string;
}

export interface TextItem extends ItemBase {
  readonly kind: 'text';
  readonly change: 'edited' | 'added' | 'removed';
  /** Fields changed by someone else. */
  readonly fields: readonly TextField[];
  /** Fields this user also changed meanwhile: flagged for review. */
  readonly conflicts: readonly TextConflict[];
}

export interface CommentItem extends ItemBase {
  readonly kind: 'comment';
  readonly count: number;
  readonly authors: readonly string[];
  /** The newest of the new comments, shortened. */
  readonly excerpt: string;
}

export interface PositionItem extends ItemBase {
  readonly kind: 'position';
  readonly stakeholderId: string;
  readonly stance: Stance | null;
  readonly previous: Stance | null;
  readonly byName: string;
}

export type AwayItem = TextItem | CommentItem | PositionItem;

/** `<pointId>:<field>`: how edits made while apart are recorded. */
export function editKey(pointId: string, field: TextField): string {
  return `${pointId}:${field}`;
}

const FIELDS: readonly TextField[] = ['title', 'body'];
const EXCERPT_CHARS = 140;
function excerpt(text: string): string {
  const flat = oneLineText(text);
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS - 1)}…` : flat;
}

function positionChanged(a: PositionJson | undefined, b: PositionJson | undefined): boolean {
  if (!a || !b) return a !== b;
  return a.stance !== b.stance || a.rationale !== b.rationale;
}

/**
 * @param before the local doc just before the resync (it includes this user's offline edits)
 * @param after the merged doc once the resync completed
 * @param myEdits `editKey`s of the point texts this user edited while apart
 * @param me this user's id (their own comments and positions are not news to them)
 */
export function computeAwaySummary(
  before: BoardJson,
  after: BoardJson,
  myEdits: ReadonlySet<string>,
  me: string,
): AwayItem[] {
  const items: AwayItem[] = [];
  const beforePoints = new Map(before.points.map((p) => [p.id as string, p]));
  const afterPoints = new Map(after.points.map((p) => [p.id as string, p]));
  const base = (p: PointJson) => ({ pointId: p.id as string, number: p.number, title: p.title });

  for (const p of after.points) {
    const old = beforePoints.get(p.id);
    if (!old) {
      items.push({ kind: 'text', key: `text:${p.id}`, ...base(p), change: 'added', fields: [], conflicts: [] });
      continue;
    }
    const fields = FIELDS.filter((f) => old[f] !== p[f]);
    if (fields.length === 0) continue;
    const conflicts = fields
      .filter((f) => myEdits.has(editKey(p.id, f)))
      .map((field) => ({ field, diff: wordDiff(old[field], p[field]) }));
    items.push({ kind: 'text', key: `text:${p.id}`, ...base(p), change: 'edited', fields, conflicts });
  }
  for (const p of before.points) {
    if (!afterPoints.has(p.id)) {
      items.push({ kind: 'text', key: `text:${p.id}`, ...base(p), change: 'removed', fields: [], conflicts: [] });
    }
  }

  const knownComments = new Set(before.threads.flatMap((t) => t.comments.map((c) => c.id as string)));
  const newComments = new Map<string, { authors: string[]; count: number; newest: { at: number; body: string } }>();
  for (const t of after.threads) {
    for (const c of t.comments) {
      if (knownComments.has(c.id) || c.deleted || c.authorId === me) continue;
      const entry = newComments.get(t.pointId) ?? { authors: [], count: 0, newest: { at: -1, body: '' } };
      entry.count++;
      if (!entry.authors.includes(c.authorName)) entry.authors.push(c.authorName);
      if (c.createdAt >= entry.newest.at) entry.newest = { at: c.createdAt, body: c.body };
      newComments.set(t.pointId, entry);
    }
  }
  for (const [pointId, e] of newComments) {
    const p = afterPoints.get(pointId);
    if (!p) continue;
    items.push({
      kind: 'comment',
      key: `comment:${pointId}`,
      ...base(p),
      count: e.count,
      authors: e.authors,
      excerpt: excerpt(e.newest.body),
    });
  }

  const key = (pos: PositionJson) => `${pos.pointId}:${pos.stakeholderId}`;
  const beforePositions = new Map(before.positions.map((pos) => [key(pos), pos]));
  const afterPositions = new Map(after.positions.map((pos) => [key(pos), pos]));
  for (const k of new Set([...beforePositions.keys(), ...afterPositions.keys()])) {
    const was = beforePositions.get(k);
    const now = afterPositions.get(k);
    if (!positionChanged(was, now)) continue;
    if (now && now.by === me) continue;
    const p = afterPoints.get((now ?? was)?.pointId ?? '');
    if (!p) continue;
    items.push({
      kind: 'position',
      key: `position:${k}`,
      ...base(p),
      stakeholderId: (now ?? was)?.stakeholderId ?? '',
      stance: now?.stance ?? null,
      previous: was?.stance ?? null,
      byName: now?.byName ?? '',
    });
  }

  return sortItems(items);
}

const KIND_ORDER: Record<AwayKind, number> = { text: 0, position: 1, comment: 2 };

function sortItems(items: AwayItem[]): AwayItem[] {
  return items.sort(
    (a, b) => a.number - b.number || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (a.key < b.key ? -1 : 1),
  );
}

/** Adds a later summary to one still on screen; a newer item replaces an older one with its key. */
export function mergeAway(current: readonly AwayItem[], next: readonly AwayItem[]): AwayItem[] {
  const byKey = new Map(current.map((i) => [i.key, i]));
  for (const item of next) {
    const old = byKey.get(item.key);
    if (old?.kind === 'comment' && item.kind === 'comment') {
      byKey.set(item.key, {
        ...item,
        count: old.count + item.count,
        authors: [...new Set([...old.authors, ...item.authors])],
      });
    } else if (old?.kind === 'text' && item.kind === 'text' && item.conflicts.length === 0 && old.conflicts.length) {
      // Keep the flag for review until the user dismissed it.
      byKey.set(item.key, { ...item, conflicts: old.conflicts, fields: [...new Set([...old.fields, ...item.fields])] });
    } else {
      byKey.set(item.key, item);
    }
  }
  return sortItems([...byKey.values()]);
}
