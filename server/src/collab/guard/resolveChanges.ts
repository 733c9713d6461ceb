import * as Y from 'yjs';
import { decodeV1Strict, type DecodedStruct, type DecodedUpdate } from './decodeV1.ts';
import { quoted } from './quote.ts';

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
  /** Clock values inserted or deleted (a delete may take only part of a text run). */
  readonly length: number;
}

/** The update depends on state the server does not have (held before the first sync, else refused). */
export class UnresolvableUpdate extends Error {}

/**
 * The update has a shape a stock client never sends and whose outcome the guard does not
 * judge (two values for one map key side by side, a map value with a right neighbour):
 * refused rather than guessed at.
 */
export class UnjudgeableUpdate extends Error {}

export { MalformedUpdate, OversizedUpdate } from './decodeV1.ts';

const MAX_DEPTH = 32;

interface Lookup {
  readonly doc: Y.Doc;
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
  checkContiguous(store, structs);
  for (const list of incoming.values()) list.sort((a, b) => a.id.clock - b.id.clock);
  const lookup: Lookup = {
    doc,
    store,
    incoming,
    incomingGc,
    parents: new Map(),
    incomingCount: structs.length,
    holderPaths: new Map(),
  };
  checkDependencies(lookup, structs);
  const changes: Change[] = [];
  const mapEntries = new MapEntries();
  const deleted = new DeletedRanges(ds);

  for (const list of incoming.values()) {
    for (const item of list) {
      if (item.id.clock + item.length <= stateOf(store, item.id.client)) continue; // already known
      const path = pathOf(lookup, { live: false, item });
      if (!path || underDeletedAncestor(path)) continue;
      if (item.id.clock < stateOf(store, item.id.client)) continuesKnownRun(lookup, item);
      // Only a struct deleted whole never shows: of one half deleted, the rest does.
      const transient = item.content instanceof Y.ContentDeleted || deleted.coversWhole(item);
      const change = { op: 'insert' as const, path, item, transient, length: item.length };
      if (path[path.length - 1]!.kind === 'key') mapEntries.add(lookup.parents.get(item)!, change, deleted);
      changes.push(change);
    }
  }
  // A map key's new values: which one stays visible, and what they overwrite.
  const overwritten = mapEntries.judge(lookup, changes);

  // Deletions: every not-yet-deleted live item in the delete set. Deleting a map or array
  // also lists all its descendants; only the topmost deletion in the update matters.
  // Each deleted struct once, with how much of it is deleted (a text run may lose a part).
  const deletions = new Map<Y.Item, { path: Segment[]; length: number }>();
  // Yjs deletes a key's old value when a new one lands after it, with no delete-set entry:
  // an overwrite is judged as the delete it is.
  for (const old of overwritten) {
    const path = pathOf(lookup, { live: true, item: old });
    if (!path || underDeletedAncestor(path)) continue;
    deletions.set(old, { path, length: old.length });
  }
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
        const part = Math.min(end, s.id.clock + s.length) - Math.max(clock, s.id.clock);
        const seen = deletions.get(s);
        if (seen) {
          if (!overwritten.includes(s)) seen.length = Math.min(s.length, seen.length + part);
          continue;
        }
        const path = pathOf(lookup, { live: true, item: s });
        if (!path || underDeletedAncestor(path)) continue;
        deletions.set(s, { path, length: part });
      }
    }
  }
  for (const [item, d] of deletions) {
    const ancestorDeleted = d.path.some(
      (seg, i) => i < d.path.length - 1 && seg.kind !== 'root' && seg.struct.live && deletions.has(seg.struct.item),
    );
    if (!ancestorDeleted) changes.push({ op: 'delete', path: d.path, item, transient: false, length: d.length });
  }
  return { changes, writtenClients };
}

/**
 * A struct that starts inside the clocks the server has of its client (a sync step 2 sent
 * against an older state vector) is integrated by Yjs only from the first new clock on,
 * linked right after the client's last known unit, yet under the parent the struct names.
 * An honest resend continues a run of text in place, so that unit has the same parent and
 * key; any other resend would link the new part into one list while the server files it
 * under another (a comment's next "author" on every replica), so it is refused.
 */
function continuesKnownRun(lookup: Lookup, item: Y.Item): void {
  const known = Y.getItem(lookup.store, Y.createID(item.id.client, stateOf(lookup.store, item.id.client) - 1));
  const parent = lookup.parents.get(item);
  const type = known instanceof Y.Item ? (known.parent as Y.AbstractType<unknown> | null) : null;
  const same =
    type !== null &&
    parent !== undefined &&
    parent.kind !== 'gc' &&
    known!.parentSub === parent.sub &&
    (parent.kind === 'root'
      ? type._item === null && Y.findRootTypeKey(type) === parent.name
      : parent.ref.live && type._item === parent.ref.item);
  if (!same) throw new UnjudgeableUpdate("resends its client's last known clock with more, somewhere else");
}

/**
 * Every client's structs must continue where the server's (or this update's) clocks for it
 * end. Yjs keeps a struct after a gap pending, unapplied and unstored, so acknowledging it
 * as saved would be a lie; the guard calls it a missing dependency instead.
 */
function checkContiguous(store: Y.Doc['store'], structs: readonly DecodedStruct[]): void {
  let client = -1;
  let end = 0;
  for (const s of structs) {
    if (s.id.client !== client) {
      client = s.id.client;
      end = stateOf(store, client);
    }
    if (s.id.clock > end) throw new UnresolvableUpdate(`leaves a gap in the clocks of client ${client}`);
    // A skip stands for clocks the update does not carry: it does not advance the end.
    if (!(s instanceof Y.Skip)) end = Math.max(end, s.id.clock + s.length);
  }
}

/** The ids a struct needs before Yjs can integrate it (Item.getMissing). */
function dependenciesOf(item: Y.Item): Y.ID[] {
  const deps: Y.ID[] = [];
  if (item.origin) deps.push(item.origin);
  if (item.rightOrigin) deps.push(item.rightOrigin);
  const parent = item.parent as unknown;
  if (parent instanceof Object && 'client' in parent && 'clock' in parent) deps.push(parent as Y.ID);
  return deps;
}

/**
 * Every struct an incoming item refers to must exist before it: in the server doc, or
 * earlier in this update. Yjs reads a reference to a later clock of the item's own client
 * as a crash mid-apply, and references that go round in a circle across clients as structs
 * kept pending forever.
 */
function checkDependencies(lookup: Lookup, structs: readonly DecodedStruct[]): void {
  let crossClient = false;
  for (const s of structs) {
    if (!(s instanceof Y.Item)) continue;
    // Unrolled over origin, right origin and parent: this runs for every struct of every edit.
    if (s.origin && dependsAcross(lookup, s, s.origin)) crossClient = true;
    if (s.rightOrigin && dependsAcross(lookup, s, s.rightOrigin)) crossClient = true;
    const parent = s.parent as unknown;
    if (parent instanceof Object && 'client' in parent && dependsAcross(lookup, s, parent as Y.ID)) crossClient = true;
  }
  if (crossClient) checkAcyclic(lookup, structs);
}

/** Checks one reference of `item`; true when it points at another client's new struct. */
function dependsAcross(lookup: Lookup, item: Y.Item, dep: Y.ID): boolean {
  if (dep.client === item.id.client) {
    if (dep.clock >= item.id.clock) throw new UnresolvableUpdate('refers to a later clock of its own client');
    return false;
  }
  if (dep.clock < stateOf(lookup.store, dep.client)) return false;
  if (!findIncoming(lookup, dep) && findStruct(lookup, dep) !== 'gc') {
    throw new UnresolvableUpdate('refers to content the server does not have');
  }
  return true;
}

/**
 * Structs of several clients referring to each other must form no cycle (Kahn's algorithm
 * over structs: each depends on its client's previous struct and on what it refers to).
 * Rare, so only run when an update's new structs refer across clients.
 */
function checkAcyclic(lookup: Lookup, structs: readonly DecodedStruct[]): void {
  const nodes = structs.filter((s) => !(s instanceof Y.Skip));
  const index = new Map<DecodedStruct, number>(nodes.map((s, i) => [s, i]));
  const dependents: number[][] = nodes.map(() => []);
  const waitingFor = new Array<number>(nodes.length).fill(0);
  const gcAt = (id: Y.ID): DecodedStruct | undefined =>
    nodes.find(
      (n) =>
        n instanceof Y.GC && n.id.client === id.client && id.clock >= n.id.clock && id.clock < n.id.clock + n.length,
    );
  nodes.forEach((s, i) => {
    const prev = nodes[i - 1];
    const needs: DecodedStruct[] = [];
    if (prev && prev.id.client === s.id.client) needs.push(prev);
    if (s instanceof Y.Item) {
      for (const dep of dependenciesOf(s)) {
        if (dep.client === s.id.client || dep.clock < stateOf(lookup.store, dep.client)) continue;
        const target = findIncoming(lookup, dep) ?? gcAt(dep);
        if (target) needs.push(target);
      }
    }
    for (const n of needs) {
      dependents[index.get(n)!]!.push(i);
      waitingFor[i]!++;
    }
  });
  const ready = nodes.flatMap((_, i) => (waitingFor[i] === 0 ? [i] : []));
  let done = 0;
  while (ready.length > 0) {
    const i = ready.pop()!;
    done++;
    for (const d of dependents[i]!) if (--waitingFor[d]! === 0) ready.push(d);
  }
  if (done < nodes.length) throw new UnresolvableUpdate('refers to its own structs in a circle');
}

/**
 * The new values an update writes under map keys, grouped by map and key. Yjs keeps one
 * value per key visible: a value landing after the current one deletes it (Item.integrate,
 * "delete right"), and one landing before is deleted itself. A value that another new value
 * names as its origin never stays visible (that one lands to its right), so only the new
 * values nobody follows can win, and the first to land can overwrite the value the server
 * shows now. A stock client writes a key's values as one chain (each naming the previous as
 * its origin, none with a right neighbour); two tabs of one person that edited the same key
 * offline send two values side by side, which order by client id.
 *
 * In a map the server already has, every value that can win is checked as a write of the
 * key. In a map this update creates, whose fields are judged together (a thread, a
 * comment), only one chain is judged; anything else there, and a map value with a right
 * neighbour anywhere, is refused: a stock client never sends it.
 */
class MapEntries {
  private readonly groups = new Map<unknown, { readonly live: boolean; readonly keys: Map<string, Change[]> }>();

  add(parent: ParentInfo, change: Change, deleted: DeletedRanges): void {
    if (parent.kind === 'gc' || parent.sub === null) return;
    // Y.Map writes one value per item. An item of several units shows its last; once a
    // part is deleted, Yjs splits it and shows the last part left: a value nobody judged.
    const { item } = change;
    if (item.length > 1 && !(item.content instanceof Y.ContentDeleted) && !deleted.coversWhole(item)) {
      throw new UnjudgeableUpdate(`gives the key ${quoted(parent.sub)} a value of several units`);
    }
    const map = parent.kind === 'root' ? `root:${parent.name}` : parent.ref.item;
    let entry = this.groups.get(map);
    if (!entry) {
      entry = { live: parent.kind === 'root' || parent.ref.live, keys: new Map() };
      this.groups.set(map, entry);
    }
    const group = entry.keys.get(parent.sub);
    if (group) group.push(change);
    else entry.keys.set(parent.sub, [change]);
  }

  /**
   * Marks every new value that cannot stay visible as transient (replacing it in
   * `changes`), and returns the live values the new ones may overwrite.
   */
  judge(lookup: Lookup, changes: Change[]): Y.Item[] {
    const overwritten: Y.Item[] = [];
    let marked: Map<Change, Change> | null = null;
    for (const [map, { live, keys }] of this.groups) {
      for (const [key, group] of keys) {
        const winners = live ? possibleWinners(lookup, group) : [chainEnd(lookup, group, key)];
        for (const c of group) {
          if (!c.transient && !winners.includes(c)) (marked ??= new Map()).set(c, { ...c, transient: true });
        }
        const current = typeof map === 'string' ? currentRootValue(lookup, map, key) : currentValue(map as Y.Item, key);
        if (current && !current.deleted) overwritten.push(current);
      }
    }
    if (marked) {
      const byChange = marked;
      for (let i = 0; i < changes.length; i++) changes[i] = byChange.get(changes[i]!) ?? changes[i]!;
    }
    return overwritten;
  }
}

/**
 * The update's delete set as merged, sorted ranges per client (a crafted one may repeat or
 * reorder ranges, which Yjs' own binary search would then miss), built once per update.
 */
class DeletedRanges {
  private readonly merged = new Map<number, { clock: number; len: number }[]>();

  constructor(private readonly ds: DecodedUpdate['ds']) {}

  /** Whether every unit of `item` is deleted by the update. */
  coversWhole(item: Y.Item): boolean {
    const client = item.id.client;
    let ranges = this.merged.get(client);
    if (!ranges) {
      const raw = this.ds.clients.get(client);
      if (!raw) return false;
      this.merged.set(client, (ranges = mergeRanges(raw)));
    }
    // Merged ranges are maximal: a run covered whole lies inside one of them.
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = ranges[mid]!;
      if (item.id.clock < r.clock) hi = mid - 1;
      else if (item.id.clock >= r.clock + r.len) lo = mid + 1;
      else return item.id.clock + item.length <= r.clock + r.len;
    }
    return false;
  }
}

/** The new value of this group that `c` names as its origin, if any. */
function predecessor(lookup: Lookup, inGroup: ReadonlyMap<Y.Item, Change>, c: Change): Change | undefined {
  if (c.item.rightOrigin) {
    throw new UnjudgeableUpdate(`gives the key ${quoted(keyOfChange(c))} a value with a right neighbour`);
  }
  const origin = c.item.origin ? findIncoming(lookup, c.item.origin) : null;
  return origin ? inGroup.get(origin) : undefined;
}

const keyOfChange = (c: Change): string => (c.path[c.path.length - 1] as { key: string }).key;

/** The new values of a key in a live map that no other new value follows. */
function possibleWinners(lookup: Lookup, group: readonly Change[]): Change[] {
  if (group.length === 1) {
    predecessor(lookup, new Map(), group[0]!);
    return [group[0]!];
  }
  const inGroup = new Map<Y.Item, Change>(group.map((c) => [c.item, c]));
  const followed = new Set<Change>();
  for (const c of group) {
    const before = predecessor(lookup, inGroup, c);
    if (before) followed.add(before);
  }
  return group.filter((c) => !followed.has(c));
}

/** The last value of a key's chain of new values; throws when they do not form one chain. */
function chainEnd(lookup: Lookup, group: readonly Change[], k: string): Change {
  if (group.length === 1 && !group[0]!.item.rightOrigin) return group[0]!;
  const inGroup = new Map<Y.Item, Change>(group.map((c) => [c.item, c]));
  const next = new Map<Change, Change>();
  let head: Change | null = null;
  for (const c of group) {
    const before = predecessor(lookup, inGroup, c);
    if (!before) {
      if (head) throw new UnjudgeableUpdate(`gives the key ${quoted(k)} two values side by side`);
      head = c;
    } else if (next.has(before)) throw new UnjudgeableUpdate(`gives the key ${quoted(k)} two values side by side`);
    else next.set(before, c);
  }
  if (!head) throw new UnjudgeableUpdate(`gives the key ${quoted(k)} values in a circle`);
  let end = head;
  let visited = 1;
  for (; next.has(end) && visited <= group.length; visited++) end = next.get(end)!;
  // One head and no forks, yet values off the chain: they refer to each other in a circle.
  if (visited !== group.length) throw new UnjudgeableUpdate(`gives the key ${quoted(k)} values in a circle`);
  return end;
}

/** The value a live map (held by `holder`) shows for `key` now. */
function currentValue(holder: Y.Item, key: string): Y.Item | null {
  const c = holder.content;
  if (!(c instanceof Y.ContentType)) return null;
  return (c.type as Y.AbstractType<unknown>)._map.get(key) ?? null;
}

function currentRootValue(lookup: Lookup, map: string, key: string): Y.Item | null {
  const root = lookup.doc.share.get(map.slice('root:'.length));
  return root?._map.get(key) ?? null;
}
