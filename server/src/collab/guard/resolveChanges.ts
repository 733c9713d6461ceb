import * as Y from 'yjs';
import { decodeV1Strict } from './decodeV1.ts';

/**
 * Turns an incoming Yjs update into the list of document paths it would change, without
 * applying it. This is what lets the server check permissions per path (ARCHITECTURE.md,
 * "Enforcing permissions on CRDT updates").
 *
 * A path runs from a root type down to the changed struct: `{ root }`, then one segment per
 * nesting level, `{ key }` for a map entry or `{ elem }` for an array element or a run of
 * text. Every segment after the root carries the struct that holds it, so rules can tell
 * whether a map (a thread, a comment) already exists or is created by this very update.
 */
export type Segment =
  | { readonly kind: 'root'; readonly name: string }
  | { readonly kind: 'key'; readonly key: string; readonly struct: StructRef }
  | { readonly kind: 'elem'; readonly struct: StructRef };

/** A struct either already in the server doc (`live`) or arriving in this update. */
export type StructRef =
  { readonly live: true; readonly item: Y.Item } | { readonly live: false; readonly item: Y.Item };

export interface Change {
  readonly op: 'insert' | 'delete';
  readonly path: readonly Segment[];
  /** The inserted or deleted struct (the last segment's). */
  readonly item: Y.Item;
  /**
   * For inserts: the same update also deletes it (history an offline client replays, such
   * as a comment body it later edited). It never becomes visible, so value checks skip it;
   * permission checks still apply.
   */
  readonly transient: boolean;
}

export class UnresolvableUpdate extends Error {}

export { MalformedUpdate } from './decodeV1.ts';

const MAX_DEPTH = 32;

interface Lookup {
  readonly store: Y.Doc['store'];
  /** Structs of this update by client, in clock order. */
  readonly incoming: Map<number, Y.Item[]>;
  /** GC ranges of this update by client (content the sender already garbage-collected). */
  readonly incomingGc: Map<number, { clock: number; len: number }[]>;
  /** Resolved parents of incoming structs: a neighbour chain is walked once, not per struct. */
  readonly parents: Map<Y.Item, ParentInfo>;
  /** How many structs the update holds: a neighbour chain longer than that is a cycle. */
  readonly incomingCount: number;
  /**
   * Paths of the structs that hold types (a thread, a comment, a text), found once: every
   * field of a new comment, or every reply in a thread, shares its holder's path.
   */
  readonly holderPaths: Map<Y.Item, Segment[] | null>;
}

function stateOf(store: Y.Doc['store'], client: number): number {
  return Y.getState(store, client);
}

function findIncoming(lookup: Lookup, id: Y.ID): Y.Item | null {
  const list = lookup.incoming.get(id.client);
  if (!list) return null;
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = list[mid]!;
    if (id.clock < s.id.clock) hi = mid - 1;
    else if (id.clock >= s.id.clock + s.length) lo = mid + 1;
    else return s;
  }
  return null;
}

/** Finds the struct holding `id`: in the server doc first, else earlier in this update. */
function findStruct(lookup: Lookup, id: Y.ID): StructRef | 'gc' | null {
  if (id.clock < stateOf(lookup.store, id.client)) {
    const s = Y.getItem(lookup.store, id) as Y.Item | Y.GC;
    return s instanceof Y.Item ? { live: true, item: s } : 'gc';
  }
  const incoming = findIncoming(lookup, id);
  if (incoming) return { live: false, item: incoming };
  const gcRanges = lookup.incomingGc.get(id.client);
  if (gcRanges?.some((r) => id.clock >= r.clock && id.clock < r.clock + r.len)) return 'gc';
  return null;
}

/**
 * The parent of a struct: a root name, or the struct whose content is the parent type, or
 * 'gc' when the parent was garbage-collected (Yjs then drops the insert). `parentSub`
 * comes from the same place.
 */
type ParentInfo =
  | { kind: 'root'; name: string; sub: string | null }
  | { kind: 'item'; ref: StructRef; sub: string | null }
  | { kind: 'gc' };

/**
 * `depth` counts nesting (types inside types), bounded by MAX_DEPTH. Neighbour chains do not
 * count: an offline session of 500 replies in one thread, or 500 separate inserts at the
 * start of a text, is one chain of 500 incoming structs, each naming only its neighbour.
 */
function parentOf(lookup: Lookup, ref: StructRef, depth: number): ParentInfo {
  if (depth > MAX_DEPTH) throw new UnresolvableUpdate('nesting too deep');
  if (ref.live) {
    const type = ref.item.parent as Y.AbstractType<unknown> | null;
    if (!type) return { kind: 'gc' };
    const holder = type._item;
    if (!holder) return { kind: 'root', name: Y.findRootTypeKey(type), sub: ref.item.parentSub };
    return { kind: 'item', ref: { live: true, item: holder }, sub: ref.item.parentSub };
  }
  // A decoded struct names its parent only when it has no neighbours; otherwise it shares
  // the parent (and map key) of its left neighbour, or of its right one. Every struct on
  // such a chain shares the parent found at its end.
  const chain: Y.Item[] = [];
  let item = ref.item;
  let found: ParentInfo;
  for (;;) {
    const known = lookup.parents.get(item);
    if (known) {
      found = known;
      break;
    }
    chain.push(item);
    if (chain.length > lookup.incomingCount) throw new UnresolvableUpdate('neighbour cycle');
    const parent = item.parent as unknown;
    if (typeof parent === 'string') {
      found = { kind: 'root', name: parent, sub: item.parentSub };
      break;
    }
    if (parent instanceof Object && 'client' in parent && 'clock' in parent) {
      found = explicitParent(lookup, parent as Y.ID, item.parentSub);
      break;
    }
    const neighbourId = item.origin ?? item.rightOrigin;
    if (!neighbourId) throw new UnresolvableUpdate('struct without parent or neighbours');
    const neighbour = findStruct(lookup, neighbourId);
    if (neighbour === 'gc') {
      found = { kind: 'gc' };
      break;
    }
    if (!neighbour) throw new UnresolvableUpdate('neighbour not found');
    if (neighbour.live) {
      found = parentOf(lookup, neighbour, depth);
      break;
    }
    item = neighbour.item;
  }
  for (const struct of chain) lookup.parents.set(struct, found);
  return found;
}

function explicitParent(lookup: Lookup, parentId: Y.ID, sub: string | null): ParentInfo {
  const holder = findStruct(lookup, parentId);
  if (holder === 'gc') return { kind: 'gc' };
  if (!holder) throw new UnresolvableUpdate('parent not found');
  // A parent deleted and collected since the sender saw it: Yjs drops the insert (GC).
  if (holder.item.content instanceof Y.ContentDeleted) return { kind: 'gc' };
  // Yjs would crash mid-transaction on a parent that holds no type; refuse it up front.
  if (!(holder.item.content instanceof Y.ContentType)) throw new UnresolvableUpdate('parent is not a type');
  return { kind: 'item', ref: holder, sub };
}

/** The path from a root to `ref`, or null when an ancestor was garbage-collected. */
function pathOf(lookup: Lookup, ref: StructRef, depth = 0): Segment[] | null {
  const parent = parentOf(lookup, ref, depth);
  if (parent.kind === 'gc') return null;
  const own: Segment =
    parent.sub !== null ? { kind: 'key', key: parent.sub, struct: ref } : { kind: 'elem', struct: ref };
  if (parent.kind === 'root') return [{ kind: 'root', name: parent.name }, own];
  const above = holderPathOf(lookup, parent.ref, depth + 1);
  if (!above) return null;
  // Remembered holder paths spare the recursion, so bound the nesting here too: otherwise
  // each level of a deep chain would copy every level above it.
  if (above.length > MAX_DEPTH) throw new UnresolvableUpdate('nesting too deep');
  return [...above, own];
}

/** `pathOf` for a struct that holds a type, remembered for the rest of the update. */
function holderPathOf(lookup: Lookup, ref: StructRef, depth: number): Segment[] | null {
  let path = lookup.holderPaths.get(ref.item);
  if (path === undefined) {
    path = pathOf(lookup, ref, depth);
    lookup.holderPaths.set(ref.item, path);
  }
  return path;
}

/** True when any struct on the path (other than the last) is deleted in the server doc. */
function underDeletedAncestor(path: readonly Segment[]): boolean {
  for (let i = 1; i < path.length - 1; i++) {
    const seg = path[i]!;
    if (seg.kind !== 'root' && seg.struct.live && seg.struct.item.deleted) return true;
  }
  return false;
}

export interface Resolved {
  readonly changes: Change[];
  /** Client ids under which the update adds structs (content or GC) the server lacks. */
  readonly writtenClients: ReadonlySet<number>;
}

/** Sorted, merged ranges: a delete set with overlapping copies must not multiply the work. */
function mergeRanges(ranges: readonly { clock: number; len: number }[]): { clock: number; len: number }[] {
  const sorted = [...ranges].sort((a, b) => a.clock - b.clock);
  const out: { clock: number; len: number }[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.clock <= last.clock + last.len) {
      last.len = Math.max(last.len, r.clock + r.len - last.clock);
    } else {
      out.push({ clock: r.clock, len: r.len });
    }
  }
  return out;
}

/**
 * Decodes a v1 update and resolves every struct it inserts and every item it deletes to a
 * path. Structs the server already has are skipped (sync step 2 often resends them), and
 * so are changes below something already deleted (Yjs discards those). Throws
 * `UnresolvableUpdate` when the update depends on state the server does not have.
 */
export function resolveChanges(doc: Y.Doc, update: Uint8Array): Resolved {
  const { structs, ds } = decodeV1Strict(update);
  const store = doc.store;
  const incoming = new Map<number, Y.Item[]>();
  const incomingGc = new Map<number, { clock: number; len: number }[]>();
  const incomingEnd = new Map<number, number>();
  const writtenClients = new Set<number>();
  for (const s of structs) {
    if (s instanceof Y.Skip) continue;
    const client = s.id.client;
    if (s.id.clock + s.length > stateOf(store, client)) writtenClients.add(client);
    incomingEnd.set(client, Math.max(incomingEnd.get(client) ?? 0, s.id.clock + s.length));
    if (!(s instanceof Y.Item)) {
      // GC structs carry no content; they only stand for clocks the sender has collected.
      let gc = incomingGc.get(client);
      if (!gc) incomingGc.set(client, (gc = []));
      gc.push({ clock: s.id.clock, len: s.length });
      continue;
    }
    let list = incoming.get(s.id.client);
    if (!list) incoming.set(s.id.client, (list = []));
    list.push(s);
  }
  for (const list of incoming.values()) list.sort((a, b) => a.id.clock - b.id.clock);
  const lookup: Lookup = {
    store,
    incoming,
    incomingGc,
    parents: new Map(),
    incomingCount: structs.length,
    holderPaths: new Map(),
  };
  const changes: Change[] = [];

  for (const list of incoming.values()) {
    for (const item of list) {
      if (item.id.clock + item.length <= stateOf(store, item.id.client)) continue; // already known
      const path = pathOf(lookup, { live: false, item });
      if (!path || underDeletedAncestor(path)) continue;
      const transient = item.content instanceof Y.ContentDeleted || Y.isDeleted(ds, item.id);
      changes.push({ op: 'insert', path, item, transient });
    }
  }

  // Deletions: every not-yet-deleted live item in the delete set. Deleting a map or array
  // also lists all its descendants; only the topmost deletion in the update matters.
  const deleted = new Set<Y.Item>();
  const deletions: { item: Y.Item; path: Segment[] }[] = [];
  for (const [client, ranges] of ds.clients) {
    const known = stateOf(store, client);
    const coveredUpTo = Math.max(known, incomingEnd.get(client) ?? 0);
    const structsOfClient = store.clients.get(client) ?? [];
    for (const { clock, len } of mergeRanges(ranges)) {
      // Yjs would keep a delete of content it has not seen and apply it when that content
      // arrives: a way to pre-emptively delete someone's future edits. Refuse it.
      if (clock + len > coveredUpTo) throw new UnresolvableUpdate('deletes content the server does not have');
      const end = Math.min(clock + len, known);
      if (clock >= end) continue;
      let index = Y.findIndexSS(structsOfClient, clock);
      for (; index < structsOfClient.length; index++) {
        const s = structsOfClient[index]!;
        if (s.id.clock >= end) break;
        if (!(s instanceof Y.Item) || s.deleted) continue;
        const path = pathOf(lookup, { live: true, item: s });
        if (!path || underDeletedAncestor(path)) continue;
        deleted.add(s);
        deletions.push({ item: s, path });
      }
    }
  }
  for (const d of deletions) {
    const ancestorDeleted = d.path.some(
      (seg, i) => i < d.path.length - 1 && seg.kind !== 'root' && seg.struct.live && deleted.has(seg.struct.item),
    );
    if (!ancestorDeleted) changes.push({ op: 'delete', path: d.path, item: d.item, transient: false });
  }
  return { changes, writtenClients };
}
