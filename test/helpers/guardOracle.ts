/**
 * A reference oracle for the server's update guard (GUARD13): slow, and written to be
 * obviously correct rather than fast. Where the guard decodes an update's bytes and reasons
 * about what they name, the oracle lets Yjs itself apply the update to copies of the server
 * doc and judges what Yjs integrated:
 *
 * 1. The update is applied to a copy (gc on, as on the server) through Yjs' own v1 reader;
 *    a throw, or bytes left over after the update, make it malformed. Structs or deletes
 *    Yjs keeps pending (a clock gap, a dependency the server lacks) make it unjudgeable:
 *    nobody can say what they will do once they integrate, so the server must refuse them.
 * 2. The board before and after is compared per path by walking both trees. A map key's
 *    value is the Item that wins it (`type._map`), compared by identity (the id of its last
 *    clock unit, which survives Yjs splitting the item): a different winner is a delete of
 *    the old value plus an insert of the new one, however the bytes said it. A list
 *    (array, text, and the list part every type has) is compared as its visible clock
 *    units. Each changed path is checked against the rule table below; new threads and
 *    comments are checked whole.
 * 3. Every struct the update integrated is also looked at where Yjs put it (in a second
 *    copy with gc off, so that deleted content can still be read): content kinds and value
 *    depth are checked for all of them; those that never became visible still need
 *    permission to write where they were put (they are stored and relayed); and every value
 *    written under a map key that could have become the key's value is judged as that value
 *    (which of two values wins is the sender's choice of client ids). A struct that lands
 *    under something already deleted is discarded by Yjs and ignored.
 * 4. The doc after the update must stay sound: it reads the same as a copy loaded from
 *    its own state (what every client gets), leaves no map value live that is not its
 *    key's value, and no list whose length its elements do not add up to.
 * 5. The client ids the update writes under (their clock advanced) must not belong to
 *    someone else, when an owner map is given (DocRoom's own check), and an observer may
 *    not change anything at all.
 *
 * It deliberately shares no code with server/src/collab/guard: the rule table is written
 * again here from PRODUCT.md's roles, shared/src/permissions/rules.ts, docs/SECURITY.md and
 * the layout and value shapes of shared/src/model/schema.ts and mutations.ts. Field names
 * and limits come from the schema module, which defines them. Where the intended rule was
 * only to be found in the guard (bounds, the shape of map writes, pinned names), it is
 * re-expressed here over what Yjs integrated; those points are marked "(guard policy)".
 */
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import {
  AMENDMENT,
  CATEGORY,
  COMMENT,
  LIMITS,
  META,
  NOTES_ROOT,
  POINT,
  REACTIONS,
  RESPONSE_STANCES,
  ROOT,
  STAKEHOLDER,
  STANCES,
  THREAD,
} from '@parley/shared/model';
import type { Principal } from '@parley/shared/permissions';
import { STAKEHOLDER_ID_PATTERN } from '@parley/shared/protocol';

export type DocKind = { readonly kind: 'board' } | { readonly kind: 'notes'; readonly stakeholderId: string };

export type OracleVerdict =
  | {
      readonly verdict: 'allow';
      /** Client ids first written by this update, now owned by the principal. */
      readonly claims: ReadonlyMap<number, string>;
      /** Whether applying it changes the doc at all (state vector or delete set). */
      readonly changed: boolean;
      /**
       * Whether it holds structs that never show only because something above them is
       * deleted by the same update (by its delete set, or by a new value of its key). Such
       * structs need permission where they were put; their values are never read.
       */
      readonly hiddenByAncestor: boolean;
    }
  | { readonly verdict: 'refuse'; readonly reason: string; readonly malformed: boolean }
  | { readonly verdict: 'unjudgeable'; readonly reason: string };

export interface OracleInput {
  readonly principal: Principal;
  /** The server doc the update would be applied to. It is only read, never changed. */
  readonly doc: Y.Doc;
  readonly update: Uint8Array;
  /** A board doc (the default) or a stakeholder's private notes doc. */
  readonly docKind?: DocKind;
  /** Which user owns each Yjs client id (DocRoom's check); omitted, it is not checked. */
  readonly clientOwners?: ReadonlyMap<number, string>;
  /** Who is a member of the board (only members may be @mentioned); omitted, nobody. */
  readonly isMember?: (userId: string) => boolean;
}

/** Types nested inside types, below a root (guard policy). The board needs 4. */
export const MAX_TYPE_NESTING = 32;
/**
 * Bounds on one update (guard policy, docs/SECURITY.md), far above what an honest client
 * sends: arrays and objects nested inside one plain value (a position needs 1); structs;
 * the clock length of one struct (a GC run, deleted content); all structs' lengths together.
 */
export const BOUNDS = {
  valueNesting: 16,
  structs: 100_000,
  runLength: 2 ** 24,
  totalLength: 2 ** 26,
} as const;

// ------------------------------------------------------------------ the rule table

/**
 * What a principal may do, written from PRODUCT.md's roles table as rules.ts settles it:
 * observers nothing; owners and editors the plan and the board set-up, and deleting and
 * resolving threads; S's delegates (and the owner) S's positions; members of S opening S's
 * threads, resolving them and S's notes; everyone but observers replying; only a comment's
 * author editing it.
 */
type Act =
  | { readonly kind: 'edit-plan' }
  | { readonly kind: 'edit-setup' }
  | { readonly kind: 'set-position'; readonly sid: string }
  | { readonly kind: 'open-thread'; readonly sid: string }
  | { readonly kind: 'reply' }
  | { readonly kind: 'edit-comment'; readonly authorId: string }
  | { readonly kind: 'resolve-thread'; readonly sid: string }
  | { readonly kind: 'delete-thread' }
  | { readonly kind: 'write-notes'; readonly sid: string }
  /** Amendments: proposed for one's own delegation, answered by another, managed by its own. */
  | { readonly kind: 'propose'; readonly sid: string }
  | { readonly kind: 'answer'; readonly sid: string; readonly proposer: string }
  | { readonly kind: 'manage-amendment'; readonly proposer: string };

function may(p: Principal, act: Act): boolean {
  if (p.role === 'observer') return false;
  const drafter = p.role === 'owner' || p.role === 'editor';
  const member = (sid: string) => p.stakeholderId === sid;
  switch (act.kind) {
    case 'edit-plan':
    case 'delete-thread':
      return drafter;
    case 'edit-setup':
      return p.role === 'owner';
    case 'set-position':
      return p.role === 'owner' || (p.role === 'delegate' && member(act.sid));
    case 'open-thread':
      return member(act.sid);
    case 'reply':
      return true;
    case 'edit-comment':
      return p.userId === act.authorId;
    case 'resolve-thread':
      return drafter || member(act.sid);
    case 'write-notes':
    case 'propose':
      return member(act.sid);
    case 'answer':
      return member(act.sid) && act.sid !== act.proposer;
    case 'manage-amendment':
      return member(act.proposer);
  }
}

class Refusal extends Error {
  constructor(
    readonly reason: string,
    readonly malformed = false,
  ) {
    super(reason);
  }
}

function need(p: Principal, act: Act, what: string): void {
  if (!may(p, act)) throw new Refusal(`${p.role} may not ${what}`);
}

function refuse(reason: string): never {
  throw new Refusal(reason);
}

const THREAD_FIELDS = new Set<string>(Object.values(THREAD));
const COMMENT_FIELDS = new Set<string>(Object.values(COMMENT));
const RESOLVE_FIELDS = new Set<string>([THREAD.resolved, THREAD.resolvedBy, THREAD.resolvedAt]);
const EDITABLE_COMMENT_FIELDS = new Set<string>([COMMENT.body, COMMENT.editedAt, COMMENT.deleted, COMMENT.mentions]);
const ANCHOR_FIELDS = ['end', 'field', 'quote', 'start'];

/** A comment's mentions as schema.ts describes them: distinct user ids of members, at most the limit. */
function validMentions(v: unknown, isMember: (userId: string) => boolean): boolean {
  return (
    Array.isArray(v) &&
    v.length <= LIMITS.mentionsPerComment &&
    new Set(v).size === v.length &&
    v.every((id) => typeof id === 'string' && id.length > 0 && id.length <= LIMITS.idFieldLength && isMember(id))
  );
}

/** A ThreadAnchor (schema.ts): exactly its four fields, within the limits. */
function validAnchor(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const a = v as Record<string, unknown>;
  const position = (x: unknown) => typeof x === 'string' && x.length > 0 && x.length <= LIMITS.anchorPositionLength;
  return (
    Object.keys(a).sort().join() === ANCHOR_FIELDS.join() &&
    (a['field'] === 'title' || a['field'] === 'body') &&
    position(a['start']) &&
    position(a['end']) &&
    isString(a['quote'], LIMITS.anchorQuoteLength)
  );
}

/** "threadId:commentId:reaction:userId" (schema.ts): ids without ':', a known reaction, the user id the rest. */
function reactionKeyParts(key: string): { threadId: string; commentId: string; userId: string } | null {
  const [threadId, commentId, reaction, ...rest] = key.split(':');
  const userId = rest.join(':');
  if (!threadId || !commentId || !reaction || !userId) return null;
  if (!Object.keys(REACTIONS).includes(reaction)) return null;
  return { threadId, commentId, userId };
}
const POSITION_FIELDS = new Set(['stance', 'rationale', 'by', 'byName', 'at']);
/** What a proposal holds (the decision fields are the server's); what its delegation changes later. */
const AMENDMENT_NEW_FIELDS = new Set<string>([
  AMENDMENT.pointId,
  AMENDMENT.field,
  AMENDMENT.text,
  AMENDMENT.baseText,
  AMENDMENT.rationale,
  AMENDMENT.stakeholderId,
  AMENDMENT.proposedBy,
  AMENDMENT.proposedByName,
  AMENDMENT.proposedAt,
  AMENDMENT.status,
  AMENDMENT.responses,
]);
const AMENDMENT_EDITABLE = new Set<string>([AMENDMENT.text, AMENDMENT.baseText, AMENDMENT.status]);
const ANSWER_FIELDS = new Set(['stakeholderId', 'stance', 'note', 'by', 'byName', 'at', 'wordingHash']);
/** Proposed wording: a title's limit, or a body's. */
const wordingMax = (field: unknown) => (field === 'title' ? LIMITS.titleLength : LIMITS.amendmentBodyLength);
const POSITION_KEY = /^([^:]+):([^:]+)$/;
const PLAN_ROOTS = new Set<string>([ROOT.meta, ROOT.stakeholders, ROOT.categories, ROOT.points]);
/**
 * The plan and the board setup, in the shapes the mutations in mutations.ts write (every
 * client reads them so): the meta fields; entries of stakeholders, categories and points,
 * each a map of its known fields under a valid id. A value here is a plain value (`v`) or
 * a type (`t`).
 */
type PlanValue = { readonly plain: true; readonly v: unknown } | { readonly plain: false; readonly t: YType | null };
type PlanCheck = (value: PlanValue) => boolean;
const planText =
  (max: number): PlanCheck =>
  (x) =>
    x.plain && isString(x.v, max);
const planNumber: PlanCheck = (x) => x.plain && isFiniteNumber(x.v);
const planYText: PlanCheck = (x) => !x.plain && isPlainText(x.t);
/** Point ids as addPoint accepts them (never a ':', which position keys use); category ids alike. */
const ENTRY_ID = /^[a-z0-9_-]{1,40}$/;
const META_SHAPE: Readonly<Record<string, PlanCheck>> = {
  [META.title]: planText(LIMITS.titleLength),
  [META.description]: planText(LIMITS.descriptionLength),
  [META.isDemo]: (x) => x.plain && typeof x.v === 'boolean',
  [META.schemaVersion]: planNumber,
  // 'all', or 1..50 distinct stakeholder ids.
  [META.signOff]: (x) =>
    x.plain &&
    (x.v === 'all' ||
      (Array.isArray(x.v) &&
        x.v.length > 0 &&
        x.v.length <= 50 &&
        new Set(x.v).size === x.v.length &&
        x.v.every((s: unknown) => typeof s === 'string' && STAKEHOLDER_ID_PATTERN.test(s)))),
};
const ENTRY_SHAPES: Readonly<Record<string, { id: RegExp; fields: Readonly<Record<string, PlanCheck>> }>> = {
  [ROOT.stakeholders]: {
    id: STAKEHOLDER_ID_PATTERN,
    fields: {
      [STAKEHOLDER.name]: planText(LIMITS.stakeholderNameLength),
      [STAKEHOLDER.short]: planText(LIMITS.stakeholderShortLength),
      [STAKEHOLDER.color]: (x) => x.plain && typeof x.v === 'string' && /^#[0-9a-f]{6}$/i.test(x.v),
      [STAKEHOLDER.order]: planText(LIMITS.orderKeyLength),
    },
  },
  [ROOT.categories]: {
    id: ENTRY_ID,
    fields: {
      [CATEGORY.title]: planText(LIMITS.categoryTitleLength),
      [CATEGORY.order]: planText(LIMITS.orderKeyLength),
    },
  },
  [ROOT.points]: {
    id: ENTRY_ID,
    fields: {
      [POINT.categoryId]: planText(40),
      [POINT.order]: planText(LIMITS.orderKeyLength),
      [POINT.title]: planYText,
      [POINT.body]: planYText,
      [POINT.createdAt]: planNumber,
      [POINT.deletedAt]: planNumber,
      [POINT.deletedBy]: planText(64),
    },
  },
};

/** Why a value written at `keys` below a plan root does not fit the plan's shape, or null. */
function planShapeProblem(root: string, keys: readonly string[], value: PlanValue): string | null {
  if (root === ROOT.meta) {
    return keys.length === 1 && META_SHAPE[keys[0]!]?.(value)
      ? null
      : `meta.${keys.join('.').slice(0, 40)} cannot hold that`;
  }
  const shape = ENTRY_SHAPES[root];
  if (!shape) return null;
  if (!shape.id.test(keys[0]!)) return `"${keys[0]!.slice(0, 40)}" is not an id of ${root}`;
  if (keys.length === 1) return !value.plain && isYMap(value.t) ? null : `an entry of ${root} is a map of fields`;
  const check = keys.length === 2 ? shape.fields[keys[1]!] : undefined;
  return check?.(value) ? null : `${root}' field ${keys.slice(1).join('.').slice(0, 40)} cannot hold that`;
}

// ------------------------------------------------------------------ reading a tree

/** Any Yjs type (their event type parameter differs, and does not matter here). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Yjs types are invariant in their event type
type YType = Y.AbstractType<any>;

/** The id of one clock unit of an item: what survives Yjs splitting and merging items. */
const unitId = (item: Y.Item, offset: number) => `${item.id.client}:${item.id.clock + offset}`;
/** A map entry's identity: its value is the item's last unit. */
const entryId = (item: Y.Item) => unitId(item, item.length - 1);

interface Unit {
  readonly id: string;
  readonly item: Y.Item;
  readonly offset: number;
}

/**
 * How a type's content is read: as it stands (VISIBLE), or, for a value that never became
 * visible, as it would stand had it won its key (`asWritten`).
 */
interface View {
  entries(type: YType | null): Map<string, Y.Item>;
  units(type: YType | null): Unit[];
}

const VISIBLE: View = {
  entries(type) {
    const out = new Map<string, Y.Item>();
    for (const [key, item] of type?._map ?? []) if (!item.deleted) out.set(key, item);
    return out;
  },
  units(type) {
    const out: Unit[] = [];
    for (let n = type?._start ?? null; n !== null; n = n.right) {
      if (n.deleted) continue;
      for (let i = 0; i < n.length; i++) out.push({ id: unitId(n, i), item: n, offset: i });
    }
    return out;
  },
};
const entries = VISIBLE.entries;
const units = VISIBLE.units;

/**
 * A new subtree read as its sender wrote it: each key's last value and every list element,
 * except what the update's own delete set deletes. (Yjs deleted all of it if its root lost
 * its key; this is what would show had the root won.)
 */
function asWritten(deletedByUpdate: (item: Y.Item) => boolean): View {
  return {
    entries(type) {
      const out = new Map<string, Y.Item>();
      for (const [key, item] of type?._map ?? []) if (!deletedByUpdate(item)) out.set(key, item);
      return out;
    },
    units(type) {
      const out: Unit[] = [];
      for (let n = type?._start ?? null; n !== null; n = n.right) {
        if (deletedByUpdate(n)) continue;
        for (let i = 0; i < n.length; i++) out.push({ id: unitId(n, i), item: n, offset: i });
      }
      return out;
    },
  };
}

/** The type an item holds, or null. */
function typeOf(item: Y.Item | undefined): YType | null {
  return item?.content instanceof Y.ContentType ? (item.content.type as YType) : null;
}

const isYMap = (t: YType | null): t is Y.Map<unknown> => t instanceof Y.Map;
const isYArray = (t: YType | null): t is Y.Array<unknown> => t instanceof Y.Array;
const isPlainText = (t: YType | null) => t instanceof Y.Text && !(t instanceof Y.XmlText);

type Field = { readonly plain: true; readonly value: unknown } | { readonly plain: false };

/** A map entry as a plain value (how mutations write fields), or "not a plain value". */
function plainField(item: Y.Item | undefined): Field | undefined {
  if (!item) return undefined;
  const c = item.content;
  if (c instanceof Y.ContentAny || c instanceof Y.ContentJSON) {
    const values = c.getContent();
    return { plain: true, value: values[values.length - 1] };
  }
  return { plain: false };
}

/** The plain value of a field of a map type, or undefined (absent or not plain). */
function fieldValue(type: YType | null, key: string, view: View = VISIBLE): unknown {
  const f = plainField(view.entries(type).get(key));
  return f?.plain ? f.value : undefined;
}

const asText = (v: unknown) => (typeof v === 'string' ? v : String(v));

/** Whether a key's visible value differs between two versions of one type (null: absent). */
function changedKeys(before: YType | null, after: YType | null): boolean {
  const b = entries(before);
  const a = entries(after);
  if (b.size !== a.size) return true;
  for (const [key, bi] of b) {
    const ai = a.get(key);
    if (!ai || entryId(ai) !== entryId(bi)) return true;
    if (changed(typeOf(bi), typeOf(ai))) return true;
  }
  return false;
}

/** Whether the visible list part differs (units added or removed, or changed inside). */
function changedUnits(before: YType | null, after: YType | null): boolean {
  const b = units(before);
  const a = units(after);
  if (b.length !== a.length) return true;
  for (let i = 0; i < b.length; i++) {
    if (b[i]!.id !== a[i]!.id) return true;
    if (changed(typeOf(b[i]!.item), typeOf(a[i]!.item))) return true;
  }
  return false;
}

/** Whether anything visible differs between two versions of one type (null: absent). */
function changed(before: YType | null, after: YType | null): boolean {
  return changedKeys(before, after) || changedUnits(before, after);
}

/** A text's length as read: its characters and embeds (formatting marks take none). */
function textLength(text: YType | null): number {
  let n = 0;
  for (const u of units(text)) {
    if (u.item.content instanceof Y.ContentString || u.item.content instanceof Y.ContentEmbed) n++;
  }
  return n;
}

const isString = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;
const isFiniteNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

/**
 * Nesting of arrays and objects inside a plain value, stopping once past `limit`; Infinity
 * for an object whose prototype was replaced (lib0 assigns keys, so a "__proto__" key
 * becomes the prototype: malformed).
 */
function valueNesting(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object' || v instanceof Uint8Array) continue;
    if (!Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype) return Infinity;
    const d = depth + 1;
    if (d > deepest) deepest = d;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v as object)) stack.push([child, d]);
  }
  return deepest;
}

// ------------------------------------------------------------------ what the update integrated

/**
 * One level of a new struct's path: the map key (null for a list element) and the item at
 * that level, with whether it held a map.
 */
interface Segment {
  readonly key: string | null;
  readonly holder: Y.Item;
  readonly heldMap: boolean;
}

interface NewStruct {
  readonly item: Y.Item;
  /** Root name, then one segment per level down to the item itself. */
  readonly root: string;
  readonly path: readonly Segment[];
  /** A content kind or value no board may hold, if it is one. */
  readonly contentProblem: string | null;
  /** Lands under something deleted before this update: Yjs discards it. */
  readonly discarded: boolean;
  /** For a map value: the key it is written under, as `slotOf` names it. */
  readonly slot: string | null;
  /** Its map is one this update creates. */
  readonly inNewMap: boolean;
  /** Something above it was deleted by this update (it cannot show, whatever it holds). */
  readonly underDeleted: boolean;
}

/** A map key, named the same in the doc before and after: its map's holder (or root) and key. */
function slotOf(type: YType, key: string): string {
  const holder = type._item;
  return holder ? `${holder.id.client}:${holder.id.clock}|${key}` : `root:${Y.findRootTypeKey(type)}|${key}`;
}

function contentProblem(item: Y.Item): string | null {
  const c = item.content;
  if (c instanceof Y.ContentBinary) return 'binary content';
  if (c instanceof Y.ContentDoc) return 'a subdocument';
  if (c instanceof Y.ContentType) {
    const t = c.type;
    // XML types first: Y.XmlText is a Y.Text, Y.XmlHook a Y.Map.
    if (t instanceof Y.XmlFragment || t instanceof Y.XmlHook || t instanceof Y.XmlText) return 'an XML type';
    if (!(t instanceof Y.Map || t instanceof Y.Array || t instanceof Y.Text)) return 'an unknown type';
    return null;
  }
  let values: unknown[] = [];
  if (c instanceof Y.ContentAny || c instanceof Y.ContentJSON) values = c.getContent();
  else if (c instanceof Y.ContentEmbed) values = [c.embed];
  else if (c instanceof Y.ContentFormat) values = [c.value];
  else if (!(c instanceof Y.ContentString || c instanceof Y.ContentDeleted)) return 'unknown content';
  for (const v of values) {
    const nesting = valueNesting(v, BOUNDS.valueNesting);
    if (nesting === Infinity) return 'a value with a "__proto__" key';
    if (nesting > BOUNDS.valueNesting) return `a value nested deeper than ${BOUNDS.valueNesting} levels`;
  }
  return null;
}

/** Every item the update's transaction integrated, with its path (read before Yjs collects). */
function captureNewStructs(tr: Y.Transaction): NewStruct[] {
  const out: NewStruct[] = [];
  const store = tr.doc.store;
  const isNew = (item: Y.Item) => item.id.clock >= (tr.beforeState.get(item.id.client) ?? 0);
  for (const [client, afterClock] of tr.afterState) {
    const beforeClock = tr.beforeState.get(client) ?? 0;
    if (afterClock <= beforeClock) continue;
    const structs = store.clients.get(client) ?? [];
    for (let i = Y.findIndexSS(structs, beforeClock); i < structs.length; i++) {
      const s = structs[i]!;
      if (!(s instanceof Y.Item) || s.id.clock + s.length <= beforeClock) continue;
      const path: Segment[] = [];
      let cur: Y.Item = s;
      let root = '';
      let discarded = false;
      let tooDeep = false;
      for (;;) {
        path.unshift({ key: cur.parentSub, holder: cur, heldMap: isYMap(typeOf(cur)) });
        const parent = cur.parent as YType;
        const holder = parent._item;
        if (holder === null) {
          root = Y.findRootTypeKey(parent);
          break;
        }
        if (!isNew(holder) && holder.deleted && !Y.isDeleted(tr.deleteSet, holder.id)) discarded = true;
        if (path.length >= MAX_TYPE_NESTING) {
          // Its holder is already as deep as a type may be: this one is deeper.
          tooDeep = true;
          break;
        }
        cur = holder;
      }
      const parent = s.parent as YType;
      out.push({
        item: s,
        root,
        path,
        contentProblem: tooDeep ? `types nested deeper than ${MAX_TYPE_NESTING} levels` : contentProblem(s),
        discarded,
        slot: s.parentSub === null ? null : slotOf(parent, s.parentSub),
        inNewMap: parent._item !== null && isNew(parent._item),
        underDeleted: path.slice(0, -1).some((seg) => seg.holder.deleted),
      });
    }
  }
  return out;
}

/**
 * What the bytes themselves may not be (guard policy), read from Yjs' own decoding of them:
 * beyond the bounds; a client written twice (Yjs reads only its last run, so the first is
 * neither applied nor kept).
 */
function shapeProblem(update: Uint8Array): string | null {
  const { structs } = Y.decodeUpdate(update);
  if (structs.length > BOUNDS.structs) return `more than ${BOUNDS.structs} structs`;
  let total = 0;
  const runs = new Set<number>();
  let client = -1;
  for (const s of structs) {
    if (s.length > BOUNDS.runLength) return `a struct ${s.length} clock values long`;
    total += s.length;
    if (s.id.client !== client) {
      client = s.id.client;
      if (runs.has(client)) return `client ${client} written twice`;
      runs.add(client);
    }
  }
  if (total > BOUNDS.totalLength) return `structs ${total} clock values long in all`;
  return null;
}

const containsId = (item: Y.Item, id: Y.ID) =>
  item.id.client === id.client && id.clock >= item.id.clock && id.clock < item.id.clock + item.length;

/** The values of one key that no other value of the same key follows (origin): they can win. */
function unfollowed(items: readonly Y.Item[]): Y.Item[] {
  const followed = new Set<Y.Item>();
  for (const i of items) {
    const o = i.origin;
    const before = o ? items.find((x) => x !== i && containsId(x, o)) : undefined;
    if (before) followed.add(before);
  }
  return items.filter((i) => !followed.has(i));
}

/**
 * Structural problems of what the update's transaction integrated (read before Yjs collects
 * deleted content):
 * - a struct naming as its parent an item that holds no type (Yjs drops it; no client
 *   writes one);
 * - a map value naming a right neighbour (no client writes one: a map value lands after the
 *   current one) (guard policy);
 * - a map value of several units (one item holding several values, which Y.Map never
 *   writes) that the update does not delete whole: the key shows only its last unit, and
 *   once part of it is deleted, Yjs splits it and leaves the rest live but not the key's
 *   value, where every replica loading the doc deletes it;
 * - in a map this update creates (a new thread or comment, judged whole), a key whose new
 *   values are not one chain, each naming the previous as its left neighbour: two side by
 *   side would be ordered by client id (guard policy).
 */
function integrationProblem(update: Uint8Array, tr: Y.Transaction, news: readonly NewStruct[]): string | null {
  const store = tr.doc.store;
  const itemAt = (id: Y.ID): Y.Item | null => {
    if (id.clock >= Y.getState(store, id.client)) return null;
    const found = Y.getItem(store, id) as Y.Item | Y.GC;
    return found instanceof Y.Item ? found : null;
  };
  const decoded = Y.decodeUpdate(update);
  for (const s of decoded.structs) {
    if (!(s instanceof Y.Item)) continue;
    if (s.id.clock + s.length <= (tr.beforeState.get(s.id.client) ?? 0)) continue; // already known
    // Its key: named, or that of its neighbours (a map value's neighbours hold its key).
    const neighbour = (s.origin ? itemAt(s.origin) : null) ?? (s.rightOrigin ? itemAt(s.rightOrigin) : null);
    const keyed = s.parentSub !== null || (s.parentSub === null && s.parent === null && neighbour?.parentSub != null);
    // A map value naming a right neighbour, even one Yjs then drops.
    if (s.rightOrigin && keyed) return 'a map value names a right neighbour';
    if (keyed && s.length > 1 && !(s.content instanceof Y.ContentDeleted)) {
      if (!coversAll(decoded.ds.clients.get(s.id.client) ?? [], s.id.clock, s.length)) {
        return 'a map value holds several values';
      }
    }
    const parent = s.parent as unknown;
    if (!(parent instanceof Y.ID)) continue;
    if (parent.clock >= Y.getState(store, parent.client)) continue;
    const holder = Y.getItem(store, parent) as Y.Item | Y.GC;
    if (!(holder instanceof Y.Item)) continue;
    if (!(holder.content instanceof Y.ContentType || holder.content instanceof Y.ContentDeleted)) {
      return 'a struct names a parent that holds no type';
    }
  }
  for (const [slot, group] of groupBySlot(news)) {
    const key = `"${slot.slice(slot.indexOf('|') + 1, slot.indexOf('|') + 41)}"`;
    if (group.some((n) => n.item.rightOrigin !== null)) return `a value of ${key} names a right neighbour`;
    if (!group[0]!.inNewMap) continue;
    const items = group.map((n) => n.item);
    const heads = items.filter((i) => !i.origin || !items.some((x) => x !== i && containsId(x, i.origin!)));
    const targets = items.flatMap((i) => items.filter((x) => x !== i && i.origin && containsId(x, i.origin)));
    if (heads.length !== 1 || new Set(targets).size !== targets.length) return `two values of ${key} side by side`;
  }
  return null;
}

/** Whether delete-set ranges cover every clock of [clock, clock + length). */
function coversAll(ranges: readonly { clock: number; len: number }[], clock: number, length: number): boolean {
  let upTo = clock;
  for (const r of [...ranges].sort((a, b) => a.clock - b.clock)) {
    if (r.clock > upTo) break;
    upTo = Math.max(upTo, r.clock + r.len);
  }
  return upTo >= clock + length;
}

function groupBySlot(news: readonly NewStruct[]): Map<string, NewStruct[]> {
  const out = new Map<string, NewStruct[]>();
  for (const n of news) if (!n.discarded && n.slot !== null) out.set(n.slot, [...(out.get(n.slot) ?? []), n]);
  return out;
}

/**
 * Map values that are neither deleted nor their key's value. Yjs keeps one value per key
 * and deletes the others as they integrate, so a loaded copy of a doc never has such a
 * value; a doc gets one when an item holding several values under a key is split (the
 * same update deleting some of its units) and the part on the left stays. Every replica
 * that loads the doc then deletes it, so the server and its clients no longer agree on
 * what is live: their later deletes of it look like edits of that key.
 */
function strayValues(doc: Y.Doc): Set<string> {
  const out = new Set<string>();
  for (const structs of doc.store.clients.values()) {
    for (const s of structs) {
      if (!(s instanceof Y.Item) || s.deleted || s.parentSub === null) continue;
      if ((s.parent as YType)._map.get(s.parentSub) !== s) out.add(entryId(s));
    }
  }
  return out;
}

/**
 * Types whose length (what readers index by) disagrees with the visible elements of their
 * list, by path. Yjs keeps a type's length as items integrate; an item linked into one
 * list while naming another as its parent breaks it.
 */
function miscountedTypes(doc: Y.Doc): Set<string> {
  const out = new Set<string>();
  const visit = (type: YType, path: string, depth: number) => {
    if (depth > MAX_TYPE_NESTING + 2) return;
    let n = 0;
    for (let i = type._start; i !== null; i = i.right) if (!i.deleted && i.countable) n += i.length;
    if (n !== type._length) out.add(path);
    for (const [key, item] of entries(type)) {
      const t = typeOf(item);
      if (t) visit(t, `${path}/${key}`, depth + 1);
    }
    for (const u of units(type)) {
      const t = u.offset === 0 ? typeOf(u.item) : null;
      if (t) visit(t, `${path}/${u.id}`, depth + 1);
    }
  };
  for (const [name, type] of doc.share) visit(type as YType, name, 0);
  return out;
}

// ------------------------------------------------------------------ the board's rules

/** A value to judge as a key's new value, and how to read inside it. */
interface Written {
  readonly item: Y.Item;
  readonly view: View;
}

class BoardDiff {
  private readonly bySlot: Map<string, NewStruct[]>;
  private readonly written: View;

  /**
   * @param before,after The board before and after the update (gc on).
   * @param news What the update integrated, read in the copy with gc off.
   * @param deletedByUpdate Whether the update's own delete set deletes an item.
   */
  constructor(
    private readonly p: Principal,
    private readonly before: Y.Doc,
    private readonly after: Y.Doc,
    private readonly news: readonly NewStruct[],
    private readonly deletedByUpdate: (item: Y.Item) => boolean,
    private readonly isMember: (userId: string) => boolean = () => false,
  ) {
    this.bySlot = groupBySlot(news);
    this.written = asWritten(deletedByUpdate);
  }

  private root(doc: Y.Doc, name: string): YType | null {
    return (doc.share.get(name) as YType | undefined) ?? null;
  }

  run(): void {
    const names = new Set([...this.before.share.keys(), ...this.after.share.keys()]);
    for (const name of names) {
      const b = this.root(this.before, name);
      const a = this.root(this.after, name);
      // Every root is a map: an element of its list part is invisible to every reader.
      if (changedUnits(b, a)) refuse(`the board's ${name.slice(0, 40)} holds keyed entries only`);
      switch (name) {
        case ROOT.meta:
        case ROOT.stakeholders:
          if (changed(b, a)) need(this.p, { kind: 'edit-setup' }, `change ${name}`);
          break;
        case ROOT.categories:
        case ROOT.points:
          if (!changed(b, a)) break;
          need(this.p, { kind: 'edit-plan' }, `change ${name}`);
          if (name === ROOT.points) this.titleLengths(b, a);
          break;
        case ROOT.positions:
          this.positions(b, a);
          break;
        case ROOT.threads:
          this.threads(b, a);
          break;
        case ROOT.amendments:
          this.amendments(b, a);
          break;
        case ROOT.reactions:
          this.reactions(b, a);
          break;
        default:
          if (changed(b, a)) refuse(`unknown root "${name.slice(0, 40)}"`);
      }
    }
    this.planShapes();
  }

  /**
   * The new values a key must be judged by: the one now visible if it is new, and every
   * other value the update wrote there that no other one follows and the update does not
   * itself delete. Each of those could have been the key's value, depending only on the
   * client ids the sender chose (guard policy: judged as if it were).
   */
  private newValues(slot: string, visible: Y.Item | undefined): Written[] {
    const out: Written[] = visible ? [{ item: visible, view: VISIBLE }] : [];
    const group = (this.bySlot.get(slot) ?? []).map((n) => n.item);
    for (const w of unfollowed(group)) {
      if (this.deletedByUpdate(w) || w.content instanceof Y.ContentDeleted) continue;
      if (visible && entryId(w) === entryId(visible)) continue;
      out.push({ item: w, view: this.written });
    }
    return out;
  }

  /**
   * The keys of a map that exists before and after, with what happened to each: its value
   * removed (deleted, replaced, or, where the update wrote a value that lost to it, as good
   * as replaced), and the new values to judge.
   */
  private keyChanges(
    b: YType | null,
    a: YType | null,
    slot: (key: string) => string,
    onKept: (key: string, before: Y.Item, after: Y.Item) => void,
  ): { key: string; removed: Y.Item | null; values: Written[] }[] {
    const bs = entries(b);
    const as = entries(a);
    const out: { key: string; removed: Y.Item | null; values: Written[] }[] = [];
    for (const key of new Set([...bs.keys(), ...as.keys()])) {
      const bi = bs.get(key);
      const ai = as.get(key);
      const kept = bi !== undefined && ai !== undefined && entryId(bi) === entryId(ai);
      if (kept) onKept(key, bi, ai);
      const values = this.newValues(slot(key), kept ? undefined : ai);
      const wrote = this.bySlot.has(slot(key));
      const removed = bi && (!kept || wrote) ? bi : null;
      if (removed || values.length > 0) out.push({ key, removed, values });
    }
    return out;
  }

  /**
   * Every value written under the plan and setup roots that is, or could be, seen (not
   * deleted by the update itself, and not followed by another value of its key) keeps the
   * plan's shape; below them, list elements belong only in a point's texts (guard policy:
   * values never seen are not checked).
   */
  private planShapes(): void {
    for (const s of this.news) {
      if (!PLAN_ROOTS.has(s.root) || this.deletedByUpdate(s.item) || s.item.content instanceof Y.ContentDeleted)
        continue;
      if (s.slot !== null) {
        const group = (this.bySlot.get(s.slot) ?? []).map((n) => n.item);
        if (!unfollowed(group).includes(s.item)) continue;
      }
      const keys = s.path.map((seg) => seg.key);
      if (s.root === ROOT.points && keys.length === 3 && keys[2] === null) continue; // a point's text
      if (keys.some((k) => k === null)) refuse(`${s.root} holds keyed entries and fields only`);
      const f = plainField(s.item);
      const value: PlanValue = f?.plain ? { plain: true, v: f.value } : { plain: false, t: typeOf(s.item) };
      const problem = planShapeProblem(s.root, keys as string[], value);
      if (problem) refuse(problem);
      // (guard policy) a deleted point names its deleter, as comments name their author.
      if (s.root === ROOT.points && keys[1] === POINT.deletedBy && !(value.plain && value.v === this.p.userId)) {
        refuse('a point is deleted only in your own name');
      }
    }
  }

  /** A point's title grown past its limit (one already longer may still be shortened). */
  private titleLengths(b: YType | null, a: YType | null): void {
    const bs = entries(b);
    for (const [key, ai] of entries(a)) {
      const title = entries(typeOf(ai)).get(POINT.title);
      if (!(typeOf(title) instanceof Y.Text)) continue;
      const bi = bs.get(key);
      const old = bi && entryId(bi) === entryId(ai) ? entries(typeOf(bi)).get(POINT.title) : undefined;
      const before = old && entryId(old) === entryId(title!) ? textLength(typeOf(old)) : 0;
      const after = textLength(typeOf(title));
      if (after > before && after > LIMITS.titleLength) {
        refuse(`a point title is at most ${LIMITS.titleLength} characters`);
      }
    }
  }

  /**
   * No point of this id is left of the one there was: none before, or the one before is no
   * longer the key's value (deleted, or replaced by another).
   */
  pointGone(pid: unknown): boolean {
    if (typeof pid !== 'string') return true;
    const before = entries(this.root(this.before, ROOT.points)).get(pid);
    if (!before) return true;
    const after = entries(this.root(this.after, ROOT.points)).get(pid);
    return !after || entryId(after) !== entryId(before);
  }

  /**
   * Reactions: each person sets and deletes only their own key, to a comment that is on the
   * board after the update; an editor's purge of a gone thread (or point) takes others' too.
   */
  private reactions(b: YType | null, a: YType | null): void {
    const changes = this.keyChanges(
      b,
      a,
      (key) => `root:${ROOT.reactions}|${key}`,
      (_key, bi, ai) => {
        if (changed(typeOf(bi), typeOf(ai))) refuse('a reaction is a plain value');
      },
    );
    for (const { key, removed, values } of changes) {
      const parts = reactionKeyParts(key);
      if (!parts) refuse(`malformed reaction key "${key.slice(0, 40)}"`);
      const own = parts.userId === this.p.userId;
      if (removed && !own && !(may(this.p, { kind: 'edit-plan' }) && this.threadGone(parts.threadId))) {
        refuse(`${this.p.role} may not take back another person's reaction`);
      }
      for (const w of values) {
        if (!own) refuse('a reaction is given only as yourself');
        const f = plainField(w.item);
        if (!f?.plain || !isFiniteNumber(f.value)) refuse('a reaction holds a time');
        if (!this.commentAfter(parts.threadId, parts.commentId)) refuse('a reaction is to a comment on the board');
      }
    }
  }

  /** The thread before the update is no longer its key's value, or its point is gone. */
  private threadGone(tid: string): boolean {
    const before = entries(this.root(this.before, ROOT.threads)).get(tid);
    if (!before) return true;
    const after = entries(this.root(this.after, ROOT.threads)).get(tid);
    if (!after || entryId(after) !== entryId(before)) return true;
    return this.pointGone(fieldValue(typeOf(before), THREAD.pointId));
  }

  /** The thread holds a comment with this id after the update. */
  private commentAfter(tid: string, cid: string): boolean {
    const thread = typeOf(entries(this.root(this.after, ROOT.threads)).get(tid));
    const comments = isYMap(thread) ? typeOf(entries(thread).get(THREAD.comments)) : null;
    return units(comments).some((u) => fieldValue(typeOf(u.item), COMMENT.id) === cid);
  }

  private positions(b: YType | null, a: YType | null): void {
    const changes = this.keyChanges(
      b,
      a,
      (key) => `root:${ROOT.positions}|${key}`,
      (_key, bi, ai) => {
        if (changed(typeOf(bi), typeOf(ai))) refuse('a position is a plain value');
      },
    );
    for (const { key, removed, values } of changes) {
      const m = POSITION_KEY.exec(key);
      if (!m) refuse(`malformed position key "${key.slice(0, 40)}"`);
      const [, pid, sid] = m as unknown as [string, string, string];
      if (removed) {
        // Removing the positions of a deleted point is plan editing.
        const ok =
          may(this.p, { kind: 'set-position', sid }) || (may(this.p, { kind: 'edit-plan' }) && this.pointGone(pid));
        if (!ok) refuse(`${this.p.role} may not remove or replace ${sid}'s position`);
      }
      for (const w of values) {
        need(this.p, { kind: 'set-position', sid }, `set ${sid}'s position`);
        const f = plainField(w.item);
        if (!f?.plain || !this.validPosition(f.value)) refuse('malformed position value');
      }
    }
  }

  /** A position as setPosition writes it, by the principal, under their own name. */
  private validPosition(value: unknown): boolean {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const v = value as Record<string, unknown>;
    return (
      Object.keys(v).every((k) => POSITION_FIELDS.has(k)) &&
      (STANCES as readonly unknown[]).includes(v['stance']) &&
      isString(v['rationale'], LIMITS.rationaleLength) &&
      v['by'] === this.p.userId &&
      (v['byName'] === undefined || v['byName'] === this.p.name) &&
      (v['at'] === undefined || typeof v['at'] === 'number')
    );
  }

  private threads(b: YType | null, a: YType | null): void {
    const changes = this.keyChanges(
      b,
      a,
      (key) => `root:${ROOT.threads}|${key}`,
      (_key, bi, ai) => this.existingThread(typeOf(bi), typeOf(ai)),
    );
    for (const { removed, values } of changes) {
      if (removed) {
        const pointId = fieldValue(typeOf(removed), THREAD.pointId);
        const ok =
          may(this.p, { kind: 'delete-thread' }) || (may(this.p, { kind: 'edit-plan' }) && this.pointGone(pointId));
        if (!ok) refuse(`${this.p.role} may not delete or replace a thread`);
      }
      for (const w of values) this.newThread(w);
    }
  }

  private newThread({ item, view }: Written): void {
    const t = typeOf(item);
    if (!isYMap(t)) refuse('a thread must be a map');
    const fields = view.entries(t);
    for (const key of fields.keys()) if (!THREAD_FIELDS.has(key)) refuse(`a thread has no field "${key.slice(0, 40)}"`);
    if (view.units(t).length > 0) refuse('a thread holds keys only');
    const plain = (key: string) => {
      const f = plainField(fields.get(key));
      if (f && !f.plain) refuse(`a thread's ${key} must be a plain value`);
      return f?.plain ? f.value : undefined;
    };
    const sid = plain(THREAD.stakeholderId);
    if (!isString(sid, 64)) refuse('a new thread must name its stakeholder');
    need(this.p, { kind: 'open-thread', sid }, `open a thread for ${sid}`);
    if (!isString(plain(THREAD.pointId), 64)) refuse('a new thread must name its point');
    if (plain(THREAD.createdBy) !== this.p.userId) refuse('a new thread must name you as its author');
    if (!isFiniteNumber(plain(THREAD.createdAt))) refuse('a new thread needs a time');
    const resolved = plain(THREAD.resolved);
    if (resolved === true) {
      // Opened and resolved before it ever synced.
      need(this.p, { kind: 'resolve-thread', sid }, `resolve ${sid}'s thread`);
      if (plain(THREAD.resolvedBy) !== this.p.userId) refuse('a resolution must name you');
      if (!isFiniteNumber(plain(THREAD.resolvedAt))) refuse('a resolution needs a time');
    } else {
      if (fields.has(THREAD.resolved) && resolved !== false) refuse('resolved is true or false');
      if (fields.has(THREAD.resolvedBy) || fields.has(THREAD.resolvedAt)) refuse('an open thread has no resolution');
    }
    const comments = typeOf(fields.get(THREAD.comments));
    if (!isYArray(comments)) refuse('a new thread must hold a comment list');
    if (fields.has(THREAD.anchor) && !validAnchor(plain(THREAD.anchor))) refuse('malformed anchor');
    this.commentList(null, comments, view);
  }

  private existingThread(b: YType | null, a: YType | null): void {
    if (!isYMap(b) || !isYMap(a)) {
      if (changed(b, a)) refuse('malformed thread');
      return;
    }
    const sid = asText(fieldValue(b, THREAD.stakeholderId));
    const changes = this.keyChanges(
      b,
      a,
      (key) => slotOf(b, key),
      (key, bi, ai) => {
        if (key === THREAD.comments && isYArray(typeOf(bi))) this.commentList(typeOf(bi), typeOf(ai), VISIBLE);
        else if (changed(typeOf(bi), typeOf(ai))) refuse(`a thread's ${key} cannot change`);
      },
    );
    for (const { key, values } of changes) {
      if (!RESOLVE_FIELDS.has(key)) refuse(`a thread's ${key.slice(0, 40)} cannot change`);
      need(this.p, { kind: 'resolve-thread', sid }, `resolve or reopen ${sid}'s thread`);
      for (const { item } of values) {
        const f = plainField(item);
        const v = f?.plain ? f.value : undefined;
        const valid =
          f?.plain === true &&
          ((key === THREAD.resolved && typeof v === 'boolean') ||
            (key === THREAD.resolvedBy && v === this.p.userId) ||
            (key === THREAD.resolvedAt && isFiniteNumber(v)));
        if (!valid) refuse(`malformed ${key}`);
      }
    }
    if (changedUnits(b, a)) refuse('a thread holds keys only');
  }

  /** A comment list, before (null for a new list) and after. */
  private commentList(b: YType | null, a: YType | null, view: View): void {
    if (!isYArray(a)) refuse('malformed comment list');
    if (b === null ? view.entries(a).size > 0 : changedKeys(b, a)) refuse('a comment list holds elements only');
    const bu = units(b);
    const au = view.units(a);
    const afterUnits = new Set(au.map((u) => u.id));
    for (const u of bu) if (!afterUnits.has(u.id)) refuse('comments are never removed (they are soft-deleted)');
    // Comment ids, counted over the whole list as it stands after the update.
    const idCount = new Map<unknown, number>();
    for (const u of au) {
      const c = typeOf(u.item);
      const id = fieldValue(c, COMMENT.id, view);
      if (isYMap(c)) idCount.set(id, (idCount.get(id) ?? 0) + 1);
    }
    const beforeByUnit = new Map(bu.map((u) => [u.id, u]));
    for (const u of au) {
      const old = beforeByUnit.get(u.id);
      if (old) {
        this.existingComment(typeOf(old.item), typeOf(u.item));
        continue;
      }
      need(this.p, { kind: 'reply' }, 'comment');
      const c = typeOf(u.item);
      if (!isYMap(c)) refuse('a comment must be a map');
      this.newComment(c, view);
      if ((idCount.get(fieldValue(c, COMMENT.id, view)) ?? 0) > 1) {
        refuse('a comment with this id is already in the thread');
      }
    }
  }

  /** A comment as newComment in mutations.ts writes it, by the principal, as themselves. */
  private newComment(c: Y.Map<unknown>, view: View): void {
    const fields = view.entries(c);
    for (const key of fields.keys()) {
      if (!COMMENT_FIELDS.has(key)) refuse(`a comment has no field "${key.slice(0, 40)}"`);
    }
    if (view.units(c).length > 0) refuse('a comment holds keys only');
    const plain = (key: string) => {
      const f = plainField(fields.get(key));
      if (f && !f.plain) refuse(`a comment's ${key} must be a plain value`);
      return f?.plain ? f.value : undefined;
    };
    if (plain(COMMENT.authorId) !== this.p.userId) refuse('a new comment must name you as its author');
    if (!isString(plain(COMMENT.id), 64)) refuse('a new comment needs an id');
    if (plain(COMMENT.stakeholderId) !== this.p.stakeholderId) refuse('a new comment must carry your stakeholder');
    if (plain(COMMENT.authorName) !== this.p.name) refuse('a new comment must carry your own name');
    if (!isString(plain(COMMENT.body), LIMITS.commentLength)) refuse('a new comment needs a body');
    if (!isFiniteNumber(plain(COMMENT.createdAt))) refuse('a new comment needs a time');
    if (fields.has(COMMENT.editedAt) && !isFiniteNumber(plain(COMMENT.editedAt))) refuse('malformed editedAt');
    if (fields.has(COMMENT.deleted) && plain(COMMENT.deleted) !== true) refuse('malformed deleted');
    if (fields.has(COMMENT.mentions) && !validMentions(plain(COMMENT.mentions), this.isMember)) {
      refuse('mentions name distinct members');
    }
  }

  private existingComment(b: YType | null, a: YType | null): void {
    if (!isYMap(b) || !isYMap(a)) {
      if (changed(b, a)) refuse('malformed comment');
      return;
    }
    const authorId = asText(fieldValue(b, COMMENT.authorId));
    const changes = this.keyChanges(
      b,
      a,
      (key) => slotOf(b, key),
      (key, bi, ai) => {
        if (changed(typeOf(bi), typeOf(ai))) refuse(`a comment's ${key} cannot change inside`);
      },
    );
    for (const { key, values } of changes) {
      if (!EDITABLE_COMMENT_FIELDS.has(key)) refuse(`a comment's ${key.slice(0, 40)} cannot change`);
      need(this.p, { kind: 'edit-comment', authorId }, "edit another's comment");
      for (const { item } of values) {
        const f = plainField(item);
        const v = f?.plain ? f.value : undefined;
        const valid =
          f?.plain === true &&
          ((key === COMMENT.body && isString(v, LIMITS.commentLength)) ||
            (key === COMMENT.editedAt && isFiniteNumber(v)) ||
            (key === COMMENT.deleted && v === true) ||
            (key === COMMENT.mentions && validMentions(v, this.isMember)));
        if (!valid) refuse(`malformed comment ${key}`);
      }
    }
    if (changedUnits(b, a)) refuse('a comment holds keys only');
  }

  /**
   * A point that was on the board (not in the trash) before the update and is still its
   * key's value: what amendments may be about, and what keeps one open.
   */
  private pointLiveBefore(pid: unknown): boolean {
    if (typeof pid !== 'string' || this.pointGone(pid)) return false;
    const point = typeOf(entries(this.root(this.before, ROOT.points)).get(pid));
    return isYMap(point) && fieldValue(point, POINT.deletedAt) === undefined;
  }

  private amendments(b: YType | null, a: YType | null): void {
    const changes = this.keyChanges(
      b,
      a,
      (key) => `root:${ROOT.amendments}|${key}`,
      (_key, bi, ai) => this.existingAmendment(typeOf(bi), typeOf(ai)),
    );
    for (const { removed, values } of changes) {
      if (removed) {
        // Only purging a deleted point takes its amendments; they are otherwise kept.
        const pointId = fieldValue(typeOf(removed), AMENDMENT.pointId);
        if (!(may(this.p, { kind: 'edit-plan' }) && this.pointGone(pointId))) refuse('amendments are kept');
      }
      for (const w of values) this.newAmendment(w);
    }
  }

  private newAmendment({ item, view }: Written): void {
    const t = typeOf(item);
    if (!isYMap(t)) refuse('an amendment must be a map');
    const fields = view.entries(t);
    for (const key of fields.keys()) {
      if (!AMENDMENT_NEW_FIELDS.has(key)) refuse(`a proposal has no field "${key.slice(0, 40)}"`);
    }
    if (view.units(t).length > 0) refuse('an amendment holds keys only');
    const plain = (key: string) => {
      const f = plainField(fields.get(key));
      if (f && !f.plain) refuse(`an amendment's ${key} must be a plain value`);
      return f?.plain ? f.value : undefined;
    };
    const sid = plain(AMENDMENT.stakeholderId);
    if (!isString(sid, 64)) refuse('a proposal must name its delegation');
    need(this.p, { kind: 'propose', sid }, `propose for ${sid}`);
    const field = plain(AMENDMENT.field);
    if (field !== 'title' && field !== 'body') refuse('a proposal rewords a title or a body');
    if (!isString(plain(AMENDMENT.pointId), 64) || !this.pointLiveBefore(plain(AMENDMENT.pointId))) {
      refuse('a proposal is about a point on the board');
    }
    if (!isString(plain(AMENDMENT.text), wordingMax(field))) refuse('malformed wording');
    if (typeof plain(AMENDMENT.baseText) !== 'string') refuse('a proposal keeps the text it rewords');
    if (!isString(plain(AMENDMENT.rationale), LIMITS.rationaleLength)) refuse('malformed rationale');
    if (plain(AMENDMENT.proposedBy) !== this.p.userId) refuse('a proposal names you as its author');
    if (plain(AMENDMENT.proposedByName) !== this.p.name) refuse('a proposal carries your own name');
    if (!isFiniteNumber(plain(AMENDMENT.proposedAt))) refuse('a proposal needs a time');
    const status = plain(AMENDMENT.status);
    if (status !== 'open' && status !== 'withdrawn') refuse('a proposal starts open');
    const list = typeOf(fields.get(AMENDMENT.responses));
    if (!isYArray(list) || view.units(list).length > 0 || view.entries(list).size > 0) {
      refuse('a proposal starts with an empty answers list');
    }
  }

  private existingAmendment(b: YType | null, a: YType | null): void {
    if (!isYMap(b) || !isYMap(a)) {
      if (changed(b, a)) refuse('malformed amendment');
      return;
    }
    const proposer = asText(fieldValue(b, AMENDMENT.stakeholderId));
    const open = fieldValue(b, AMENDMENT.status) === 'open' && this.pointLiveBefore(fieldValue(b, AMENDMENT.pointId));
    const changes = this.keyChanges(
      b,
      a,
      (key) => slotOf(b, key),
      (key, bi, ai) => {
        if (key === AMENDMENT.responses && isYArray(typeOf(bi))) this.answers(typeOf(bi), typeOf(ai), proposer, open);
        else if (changed(typeOf(bi), typeOf(ai))) refuse(`an amendment's ${key} cannot change inside`);
      },
    );
    const limit = wordingMax(fieldValue(b, AMENDMENT.field));
    for (const { key, values } of changes) {
      if (!AMENDMENT_EDITABLE.has(key)) refuse(`an amendment's ${key.slice(0, 40)} cannot change`);
      need(this.p, { kind: 'manage-amendment', proposer }, `withdraw or rebase ${proposer}'s amendment`);
      if (!open) refuse('the amendment is no longer open');
      for (const { item } of values) {
        const f = plainField(item);
        const v = f?.plain ? f.value : undefined;
        const valid =
          f?.plain === true &&
          ((key === AMENDMENT.text && isString(v, limit)) ||
            (key === AMENDMENT.baseText && typeof v === 'string') ||
            (key === AMENDMENT.status && v === 'withdrawn'));
        if (!valid) refuse(`malformed amendment ${key}`);
      }
    }
    if (changedUnits(b, a)) refuse('an amendment holds keys only');
  }

  /** An amendment's answers: appended only, each a plain value by another delegation in your name. */
  private answers(b: YType | null, a: YType | null, proposer: string, open: boolean): void {
    if (!isYArray(a)) refuse('malformed answers list');
    if (changedKeys(b, a)) refuse('an answers list holds elements only');
    const before = new Set(units(b).map((u) => u.id));
    const after = units(a);
    const afterIds = new Set(after.map((u) => u.id));
    for (const id of before) if (!afterIds.has(id)) refuse('answers are never removed');
    for (const u of after) {
      if (before.has(u.id)) continue;
      const c = u.item.content;
      if (!(c instanceof Y.ContentAny || c instanceof Y.ContentJSON)) refuse('an answer is a plain value');
      const v: unknown = c.getContent()[u.offset];
      const sid = typeof v === 'object' && v !== null ? asText((v as Record<string, unknown>)['stakeholderId']) : '';
      need(this.p, { kind: 'answer', sid, proposer }, `answer ${proposer}'s amendment as ${sid}`);
      if (!open) refuse('the amendment is no longer open');
      if (!this.validAnswer(v)) refuse('malformed answer');
    }
  }

  private validAnswer(value: unknown): boolean {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const v = value as Record<string, unknown>;
    return (
      Object.keys(v).every((k) => ANSWER_FIELDS.has(k)) &&
      v['stakeholderId'] === this.p.stakeholderId &&
      (RESPONSE_STANCES as readonly unknown[]).includes(v['stance']) &&
      isString(v['note'], LIMITS.responseNoteLength) &&
      v['by'] === this.p.userId &&
      v['byName'] === this.p.name &&
      isFiniteNumber(v['at']) &&
      (v['wordingHash'] === undefined || isString(v['wordingHash'], 64))
    );
  }

  /**
   * Checks on every struct the update integrated, visible or not: what the board's paths
   * may hold at all (guard policy: a point's texts hold no types), and, for those that never
   * became visible, permission to write where they were put (they are stored and relayed,
   * though no value of theirs is read).
   */
  checkNew(): void {
    for (const s of this.news) {
      const [top, , third] = s.path;
      if (top?.key === null) refuse(`the board's ${s.root.slice(0, 40)} holds keyed entries only`);
      if (s.root === ROOT.points && s.path.length === 3 && third?.key === null) {
        if (s.item.content instanceof Y.ContentType) refuse("a point's text holds only text");
      }
      if (s.item.deleted) this.mayWriteAt(s);
    }
  }

  private mayWriteAt(s: NewStruct): void {
    const path = s.path;
    const isNew = (seg: Segment) => seg.holder.id.clock >= Y.getState(this.before.store, seg.holder.id.client);
    switch (s.root) {
      case ROOT.meta:
      case ROOT.stakeholders:
        return need(this.p, { kind: 'edit-setup' }, `write to ${s.root}`);
      case ROOT.categories:
      case ROOT.points:
        return need(this.p, { kind: 'edit-plan' }, `write to ${s.root}`);
      case ROOT.positions: {
        const m = path.length === 1 && path[0]!.key !== null ? POSITION_KEY.exec(path[0]!.key) : null;
        if (!m) refuse('malformed position');
        return need(this.p, { kind: 'set-position', sid: m[2]! }, `set ${m[2]}'s position`);
      }
      case ROOT.threads:
        break;
      case ROOT.amendments:
        return this.mayWriteAmendment(path, isNew);
      case ROOT.reactions: {
        // Never seen, but stored and relayed: in your own name only.
        const parts = path.length === 1 && path[0]!.key !== null ? reactionKeyParts(path[0]!.key) : null;
        if (!parts) refuse('malformed reaction');
        if (parts.userId !== this.p.userId) refuse('a reaction is given only as yourself');
        return;
      }
      default:
        refuse(`unknown root "${s.root.slice(0, 40)}"`);
    }
    const [thread, field, comment, commentField] = path;
    if (!thread || thread.key === null) refuse('malformed thread');
    if (!field) return; // a thread that never became visible: nothing of it is read
    if (field.key === null) refuse('malformed thread');
    const threadIsNew = isNew(thread);
    // A new container's fields are judged with it only if it is a map: anything else is malformed.
    if (threadIsNew && !thread.heldMap) refuse('a thread must be a map');
    if (path.length === 2) {
      if (threadIsNew) {
        if (!THREAD_FIELDS.has(field.key)) refuse(`a thread has no field "${field.key.slice(0, 40)}"`);
        return;
      }
      if (!RESOLVE_FIELDS.has(field.key)) refuse(`a thread's ${field.key.slice(0, 40)} cannot change`);
      const sid = this.beforeField(thread, THREAD.stakeholderId);
      return need(this.p, { kind: 'resolve-thread', sid }, `resolve or reopen ${sid}'s thread`);
    }
    if (field.key !== THREAD.comments || !comment || comment.key !== null) refuse('malformed comment list');
    if (path.length === 3) return need(this.p, { kind: 'reply' }, 'comment');
    if (path.length !== 4 || !commentField || commentField.key === null) refuse('malformed comment');
    if (isNew(comment)) {
      if (!comment.heldMap) refuse('a comment must be a map');
      if (!COMMENT_FIELDS.has(commentField.key)) refuse(`a comment has no field "${commentField.key.slice(0, 40)}"`);
      return;
    }
    if (!EDITABLE_COMMENT_FIELDS.has(commentField.key)) refuse(`a comment's ${commentField.key} cannot change`);
    const authorId = this.beforeField(comment, COMMENT.authorId);
    need(this.p, { kind: 'edit-comment', authorId }, "edit another's comment");
  }

  /** A struct under an amendment that never became visible: it still needs the right to be written there. */
  private mayWriteAmendment(path: readonly Segment[], isNew: (seg: Segment) => boolean): void {
    const [amendment, field, answer] = path;
    if (!amendment || amendment.key === null) refuse('malformed amendment');
    if (!field) return; // an amendment that never became visible: nothing of it is read
    if (field.key === null) refuse('malformed amendment');
    const fresh = isNew(amendment);
    if (fresh && !amendment.heldMap) refuse('an amendment must be a map');
    if (fresh) {
      if (path.length !== 2 || !AMENDMENT_NEW_FIELDS.has(field.key)) refuse('a proposal holds its fields only');
      return;
    }
    const proposer = this.beforeField(amendment, AMENDMENT.stakeholderId);
    const open =
      this.beforeField(amendment, AMENDMENT.status) === 'open' &&
      this.pointLiveBefore(this.beforeField(amendment, AMENDMENT.pointId));
    if (path.length === 2) {
      if (!AMENDMENT_EDITABLE.has(field.key)) refuse(`an amendment's ${field.key.slice(0, 40)} cannot change`);
      need(this.p, { kind: 'manage-amendment', proposer }, `withdraw or rebase ${proposer}'s amendment`);
      if (!open) refuse('the amendment is no longer open');
      return;
    }
    if (field.key !== AMENDMENT.responses || !answer || answer.key !== null || path.length !== 3) {
      refuse('malformed answers list');
    }
    // An answer nobody will read: written as the sender's own delegation, as any answer must be.
    const sid = this.p.stakeholderId ?? '';
    need(this.p, { kind: 'answer', sid, proposer }, `answer ${proposer}'s amendment`);
    if (!open) refuse('the amendment is no longer open');
  }

  /** A field of a map that existed before the update, read from the doc before it. */
  private beforeField(seg: Segment, key: string): string {
    const found = Y.getItem(this.before.store, seg.holder.id) as Y.Item | Y.GC;
    return asText(found instanceof Y.Item ? fieldValue(typeOf(found), key) : undefined);
  }
}

// ------------------------------------------------------------------ private notes

/**
 * A private-notes doc holds only `notes: pointId -> Y.Text`, written by members of its
 * stakeholder: every change, visible or not, needs that right; a note is text (no other
 * type anywhere in it); the root holds keyed entries only.
 */
function checkNotes(
  p: Principal,
  sid: string,
  before: Y.Doc,
  after: Y.Doc,
  news: readonly NewStruct[],
  deletedByUpdate: (item: Y.Item) => boolean,
): void {
  const names = new Set([...before.share.keys(), ...after.share.keys()]);
  let any = news.length > 0;
  for (const name of names) {
    const b = (before.share.get(name) as YType | undefined) ?? null;
    const a = (after.share.get(name) as YType | undefined) ?? null;
    if (!changed(b, a)) continue;
    if (name !== NOTES_ROOT) refuse('private notes hold only notes');
    if (changedUnits(b, a)) refuse('private notes hold keyed entries only');
    any = true;
  }
  for (const s of news) {
    if (s.root !== NOTES_ROOT) refuse('private notes hold only notes');
    if (s.path[0]!.key === null) refuse('private notes hold keyed entries only');
    if (s.item.content instanceof Y.ContentType && (s.path.length > 1 || !isPlainText(typeOf(s.item)))) {
      refuse('a point note must be text');
    }
  }
  // Every value written under a note's key that could be its value is text.
  for (const group of groupBySlot(news).values()) {
    if (group[0]!.path.length !== 1) continue;
    for (const w of unfollowed(group.map((n) => n.item))) {
      if (deletedByUpdate(w) || w.content instanceof Y.ContentDeleted) continue;
      if (!isPlainText(typeOf(w))) refuse('a point note must be text');
    }
  }
  // The note a key shows after the update, if it changed, is text.
  const b = entries((before.share.get(NOTES_ROOT) as YType | undefined) ?? null);
  for (const [key, ai] of entries((after.share.get(NOTES_ROOT) as YType | undefined) ?? null)) {
    const bi = b.get(key);
    if ((!bi || entryId(bi) !== entryId(ai)) && !isPlainText(typeOf(ai))) refuse('a point note must be text');
  }
  if (any) need(p, { kind: 'write-notes', sid }, `write ${sid}'s notes`);
}

// ------------------------------------------------------------------ the oracle

const ORACLE = Symbol('guard oracle');

function copyOf(state: Uint8Array, gc: boolean): Y.Doc {
  const copy = new Y.Doc({ gc });
  // A client id no real writer uses, so Yjs never thinks the update writes as this copy.
  copy.clientID = 2 ** 53 - 7;
  Y.applyUpdate(copy, state);
  return copy;
}

/** Whether the update's own delete set deletes (the first unit of) an item. */
function deletedBy(update: Uint8Array): (item: Y.Item) => boolean {
  const { ds } = Y.decodeUpdate(update);
  return (item) =>
    (ds.clients.get(item.id.client) ?? []).some((r) => item.id.clock >= r.clock && item.id.clock < r.clock + r.len);
}

function refusal(reason: string): OracleVerdict {
  return { verdict: 'refuse', reason, malformed: false };
}

export function judgeUpdate(input: OracleInput): OracleVerdict {
  const { principal: p, update } = input;
  const kind = input.docKind ?? { kind: 'board' };
  // The bytes first, before any copy is made (most garbage ends here, cheaply).
  try {
    const shape = shapeProblem(update);
    if (shape !== null) return { verdict: 'refuse', reason: `the update holds ${shape}`, malformed: true };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { verdict: 'refuse', reason: `Yjs cannot decode it (${message.slice(0, 80)})`, malformed: true };
  }
  const state = Y.encodeStateAsUpdate(input.doc);
  const before = copyOf(state, true);
  // The doc as the server would hold it after the update (gc on, as on the server)...
  const after = copyOf(state, true);
  // ...and the same with gc off: what becomes visible is the same (Yjs collects deleted
  // content only once the transaction is over), but deleted content stays readable.
  const kept = copyOf(state, false);
  let news: NewStruct[] = [];
  let structural: string | null = null;
  let captured = false;
  let oracleError: unknown = null;
  const onTransaction = (tr: Y.Transaction) => {
    if (tr.origin !== ORACLE || captured) return;
    captured = true;
    try {
      news = captureNewStructs(tr);
      structural = integrationProblem(update, tr, news);
    } catch (err) {
      // Not Yjs refusing the update: a bug here. Reported below, not taken for "malformed".
      oracleError = err;
    }
  };
  kept.on('afterTransaction', onTransaction);
  try {
    try {
      const decoder = decoding.createDecoder(update);
      Y.readUpdateV2(decoder, after, ORACLE, new Y.UpdateDecoderV1(decoder));
      if (decoding.hasContent(decoder)) return { verdict: 'refuse', reason: 'bytes after the update', malformed: true };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { verdict: 'refuse', reason: `Yjs cannot apply it (${message.slice(0, 80)})`, malformed: true };
    }
    if (after.store.pendingStructs !== null) {
      return { verdict: 'unjudgeable', reason: 'Yjs keeps some of its structs pending (missing clocks)' };
    }
    if (after.store.pendingDs !== null) {
      return { verdict: 'unjudgeable', reason: 'Yjs keeps some of its deletes pending (unknown clocks)' };
    }
    Y.applyUpdate(kept, update, ORACLE);
    if (oracleError !== null) throw oracleError;
    for (const name of new Set([...after.share.keys(), ...kept.share.keys()])) {
      const a = (after.share.get(name) as YType | undefined) ?? null;
      const k = (kept.share.get(name) as YType | undefined) ?? null;
      if (changed(a, k)) throw new Error(`oracle: gc changed what is visible in "${name}"`);
    }
    if (structural !== null) return { verdict: 'refuse', reason: structural, malformed: true };
    // What the server would hold must read the same as what every client loading it reads.
    const reloaded = copyOf(Y.encodeStateAsUpdate(after), true);
    try {
      for (const name of new Set([...after.share.keys(), ...reloaded.share.keys()])) {
        const a = (after.share.get(name) as YType | undefined) ?? null;
        const r = (reloaded.share.get(name) as YType | undefined) ?? null;
        if (changed(a, r)) return refusal(`leaves "${name.slice(0, 40)}" reading differently in a copy loaded from it`);
      }
    } finally {
      reloaded.destroy();
    }
    const miscountedBefore = miscountedTypes(before);
    for (const path of miscountedTypes(after)) {
      if (!miscountedBefore.has(path))
        return refusal(`leaves ${path.slice(0, 80)} with a length its elements do not add up to`);
    }
    const strayBefore = strayValues(before);
    for (const id of strayValues(after)) {
      if (!strayBefore.has(id)) return refusal("leaves a map value live that is not its key's value (a split item)");
    }

    const changedDoc = !Y.equalSnapshots(Y.snapshot(before), Y.snapshot(after));
    if (p.role === 'observer' && changedDoc) return refusal('observers cannot change anything');
    const beforeSv = Y.decodeStateVector(Y.encodeStateVector(before));
    const claims = new Map<number, string>();
    for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(after))) {
      if (clock <= (beforeSv.get(client) ?? 0) || !input.clientOwners) continue;
      const owner = input.clientOwners.get(client);
      if (owner === undefined) claims.set(client, p.userId);
      else if (owner !== p.userId) return refusal(`writes under client id ${client}, which is ${owner}'s`);
    }
    const live = news.filter((s) => !s.discarded);
    for (const s of live) if (s.contentProblem) return refusal(`the update holds ${s.contentProblem}`);
    try {
      if (kind.kind === 'notes') {
        checkNotes(p, kind.stakeholderId, before, after, live, deletedBy(update));
      } else {
        const diff = new BoardDiff(p, before, after, live, deletedBy(update), input.isMember);
        diff.run();
        diff.checkNew();
      }
    } catch (err) {
      if (err instanceof Refusal) return { verdict: 'refuse', reason: err.reason, malformed: err.malformed };
      throw err;
    }
    return { verdict: 'allow', claims, changed: changedDoc, hiddenByAncestor: live.some((n) => n.underDeleted) };
  } finally {
    kept.off('afterTransaction', onTransaction);
    before.destroy();
    after.destroy();
    kept.destroy();
  }
}
