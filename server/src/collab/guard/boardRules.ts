import * as Y from 'yjs';
import {
  AMENDMENT,
  AMENDMENT_FIELDS,
  COMMENT,
  LIMITS,
  POINT,
  RESPONSE_STANCES,
  ROOT,
  STANCES,
  THREAD,
  isLivePoint,
  isThreadAnchor,
  wordingLimit,
  type AmendmentField,
} from '@parley/shared/model';
import {
  OBSERVER_REFUSAL,
  can,
  describeRefusal,
  mayWrite,
  type Action,
  type Principal,
} from '@parley/shared/permissions';
import { addCommentIds, commentIdsOf } from './commentIds.ts';
import { insertedValue, insertedValues, liveArray, liveMap, mapField, type InsertedValue } from './content.ts';
import { mentionsRefusal, type IsMember } from './mentionRules.ts';
import { planShapeError } from './planSchema.ts';
import { checkReactionChange, type ReactionContext } from './reactionRules.ts';
import { clip, quoted } from './quote.ts';
import type { Change, Segment, StructRef } from './resolveChanges.ts';

export type Verdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const OK: Verdict = { ok: true };
const deny = (reason: string): Verdict => ({ ok: false, reason });

/** A thread or comment map created by this update; its fields are checked as a whole. */
interface NewMap {
  readonly fields: Map<string, InsertedValue>;
  readonly transient: boolean;
  /** For a comment: the struct holding its thread's comment list (live or new). */
  readonly list?: StructRef;
  /** For a comment: its thread's id. */
  readonly threadId?: string;
}

/** What the guard knows of the board beyond its doc. */
export interface BoardContext {
  /** Whether a user is a member of the board now; without it nobody may be @mentioned. */
  readonly isMember?: IsMember;
}

const THREAD_FIELDS = new Set<string>(Object.values(THREAD));
const COMMENT_FIELDS_ON_CREATE = new Set<string>([
  COMMENT.id,
  COMMENT.authorId,
  COMMENT.authorName,
  COMMENT.stakeholderId,
  COMMENT.body,
  COMMENT.createdAt,
  // An offline client may create, edit and delete a comment before it syncs once.
  COMMENT.editedAt,
  COMMENT.deleted,
  COMMENT.mentions,
]);
/** The author's: mentions are written with the body (and cleared with it). */
const COMMENT_FIELDS_ON_EDIT = new Set<string>([COMMENT.body, COMMENT.editedAt, COMMENT.deleted, COMMENT.mentions]);
const RESOLVE_FIELDS = new Set<string>([THREAD.resolved, THREAD.resolvedBy, THREAD.resolvedAt]);
/** What a client writes when proposing; the `decided*` fields are the server's alone. */
const AMENDMENT_FIELDS_ON_CREATE = new Set<string>([
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
/** What its delegation changes later: the wording and its base (a rebase), or withdrawing. */
const AMENDMENT_FIELDS_ON_EDIT = new Set<string>([AMENDMENT.text, AMENDMENT.baseText, AMENDMENT.status]);
const RESPONSE_KEYS = new Set(['stakeholderId', 'stance', 'note', 'by', 'byName', 'at', 'wordingHash']);
/** A SHA-256 in base64 is 44 characters; room for no more. */
const WORDING_HASH_LENGTH = 64;

const isString = (v: InsertedValue | undefined, max = 1_000): v is { kind: 'value'; value: string } =>
  v?.kind === 'value' && typeof v.value === 'string' && v.value.length <= max;
const isNumber = (v: InsertedValue | undefined) =>
  v?.kind === 'value' && typeof v.value === 'number' && Number.isFinite(v.value);
const isValue = (v: InsertedValue | undefined, expected: unknown) => v?.kind === 'value' && v.value === expected;

/** What a text run adds to the text's length (formatting marks take clock values, not length). */
function visibleLength(item: Y.Item, length: number): number {
  return item.content instanceof Y.ContentString || item.content instanceof Y.ContentEmbed ? length : 0;
}

function liveTextLength(holder: Y.Item): number {
  const c = holder.content;
  return c instanceof Y.ContentType && c.type instanceof Y.Text ? c.type.length : 0;
}

function keyOf(seg: Segment | undefined): string | null {
  return seg?.kind === 'key' ? seg.key : null;
}

function isValidPosition(value: unknown, principal: Principal): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  const allowed = new Set(['stance', 'rationale', 'by', 'byName', 'at']);
  return (
    Object.keys(v).every((k) => allowed.has(k)) &&
    typeof v['stance'] === 'string' &&
    (STANCES as readonly string[]).includes(v['stance']) &&
    typeof v['rationale'] === 'string' &&
    v['rationale'].length <= LIMITS.rationaleLength &&
    v['by'] === principal.userId &&
    // Pinned like `by`: nobody's position may show under someone else's name.
    (v['byName'] === undefined || v['byName'] === principal.name) &&
    (v['at'] === undefined || typeof v['at'] === 'number')
  );
}

/**
 * Checks every change of one update against the rule table for `principal`. The whole
 * update is refused if any change is; the first refusal's reason is returned.
 */
export function checkBoardChanges(
  principal: Principal,
  doc: Y.Doc,
  changes: readonly Change[],
  context: BoardContext = {},
): Verdict {
  if (changes.length === 0) return OK;
  if (!mayWrite(principal)) return deny(OBSERVER_REFUSAL);
  return new BoardChangeCheck(principal, doc, changes, context.isMember ?? noMembers).run();
}

const noMembers: IsMember = () => false;

/**
 * One update's check. A class rather than closures inside `checkBoardChanges`: the guard
 * runs for every edit, and a call then allocates no functions.
 */
class BoardChangeCheck implements ReactionContext {
  private readonly points: Y.Map<unknown>;
  private readonly threads: Y.Map<unknown>;
  private readonly deletedPoints = new Set<string>();
  /** Threads this update deletes, and threads it creates (by id). */
  private readonly deletedThreads = new Set<string>();
  private readonly createdThreads = new Set<string>();
  /** The ids of the comments this update adds, by thread id (reactions may name them). */
  private readonly addedCommentsByThread = new Map<string, Set<string>>();
  /** Changes to the reactions root, judged once the new threads and comments are known. */
  private readonly reactionChanges: { change: Change; value: InsertedValue | null }[] = [];
  private readonly newThreads = new Map<Y.Item, NewMap>();
  private readonly newComments = new Map<Y.Item, NewMap>();
  /** The ids of the comments this update adds, by the struct holding their list. */
  private readonly addedCommentIds = new Map<Y.Item, Set<string>>();
  private readonly newAmendments = new Map<Y.Item, NewMap>();
  /** Characters this update adds to (or takes from) each point title it touches. */
  private readonly titleChanges = new Map<Y.Item, { holder: StructRef; delta: number }>();

  constructor(
    private readonly principal: Principal,
    doc: Y.Doc,
    private readonly changes: readonly Change[],
    private readonly isMember: IsMember,
  ) {
    this.points = doc.getMap<unknown>(ROOT.points);
    this.threads = doc.getMap<unknown>(ROOT.threads);
    for (const c of changes) {
      if (c.op === 'delete' && c.path.length === 2 && (c.path[0] as { name: string }).name === ROOT.points) {
        const pid = keyOf(c.path[1]);
        if (pid) this.deletedPoints.add(pid);
      }
      if (c.op === 'delete' && c.path.length === 2 && (c.path[0] as { name: string }).name === ROOT.threads) {
        const tid = keyOf(c.path[1]);
        if (tid) this.deletedThreads.add(tid);
      }
    }
    // Containers first, so their fields can be attached whatever order the structs came in.
    for (const c of changes) {
      if (c.op === 'insert' && c.path.length === 2 && (c.path[0] as { name: string }).name === ROOT.amendments) {
        const v = insertedValue(c.item);
        if (v.kind === 'type' && v.type === 'map') {
          this.newAmendments.set(c.item, { fields: new Map(), transient: c.transient });
        }
      }
      if (c.op !== 'insert' || (c.path[0] as { name: string }).name !== ROOT.threads) continue;
      const v = insertedValue(c.item);
      const isMap = v.kind === 'type' && v.type === 'map';
      // A container created and deleted within the same update (offline work that was
      // undone) never becomes visible; its fields are collected but not judged as a whole.
      if (c.path.length === 2 && isMap) {
        this.newThreads.set(c.item, { fields: new Map(), transient: c.transient });
        const tid = keyOf(c.path[1]);
        if (tid !== null && !c.transient) this.createdThreads.add(tid);
      }
      if (c.path.length === 4 && isMap) {
        const list = c.path[2]?.kind === 'key' ? c.path[2].struct : undefined;
        const threadId = keyOf(c.path[1]) ?? undefined;
        this.newComments.set(c.item, { fields: new Map(), transient: c.transient, list, threadId });
      }
    }
  }

  run(): Verdict {
    for (const change of this.changes) {
      const verdict = this.checkChange(change);
      if (!verdict.ok) return verdict;
    }
    const titles = this.checkTitleLengths();
    if (!titles.ok) return titles;
    for (const [, thread] of this.newThreads) {
      if (thread.transient) continue;
      const verdict = this.checkNewThread(thread);
      if (!verdict.ok) return verdict;
    }
    for (const [, comment] of this.newComments) {
      if (comment.transient) continue;
      const verdict = this.checkNewComment(comment);
      if (!verdict.ok) return verdict;
    }
    for (const [, amendment] of this.newAmendments) {
      if (amendment.transient) continue;
      const verdict = this.checkNewAmendment(amendment);
      if (!verdict.ok) return verdict;
    }
    for (const { change, value } of this.reactionChanges) {
      const verdict = checkReactionChange(change, keyOf(change.path[1]), value, this);
      if (!verdict.ok) return verdict;
    }
    this.recordCommentIds();
    return OK;
  }

  // ---------------------------------------------------------------- ReactionContext

  get userId(): string {
    return this.principal.userId;
  }

  get mayPurge(): boolean {
    return can(this.principal, { kind: 'edit-plan' });
  }

  threadExists(threadId: string): boolean {
    return this.createdThreads.has(threadId) || (this.threads.has(threadId) && !this.deletedThreads.has(threadId));
  }

  hasComment(threadId: string, commentId: string): boolean {
    if (this.addedCommentsByThread.get(threadId)?.has(commentId)) return true;
    // A thread this update creates (or replaces) holds only the comments it adds.
    if (this.createdThreads.has(threadId)) return false;
    const list = mapField(this.threads.get(threadId), THREAD.comments);
    return list instanceof Y.Array && commentIdsOf(list).has(commentId);
  }

  threadPurged(threadId: string): boolean {
    if (!this.threads.has(threadId) || this.deletedThreads.has(threadId)) return true;
    return this.pointGone(mapField(this.threads.get(threadId), THREAD.pointId));
  }

  /** On the board and not waiting in the trash: what amendments may be about. */
  private pointLive(pid: unknown): boolean {
    return (
      typeof pid === 'string' && !this.deletedPoints.has(pid) && isLivePoint(this.points as Y.Map<Y.Map<unknown>>, pid)
    );
  }

  private pointGone(pid: unknown): boolean {
    return typeof pid !== 'string' || !this.points.has(pid) || this.deletedPoints.has(pid);
  }

  private need(action: Action): Verdict {
    return can(this.principal, action) ? OK : deny(describeRefusal(action));
  }

  private checkChange(change: Change): Verdict {
    const { op, path, item } = change;
    const value = op === 'insert' ? insertedValue(item) : null;
    if (value?.kind === 'forbidden') return deny(`Boards cannot hold ${value.what}.`);
    if (value?.kind === 'type' && value.type === 'other') return deny('Boards cannot hold XML types.');
    const root = path[0]?.kind === 'root' ? path[0].name : '';
    // Every root is a map: an entry without a key is invisible to every reader.
    if (path[1]?.kind !== 'key') return deny(`The board's ${clip(root)} map holds only keyed entries.`);
    switch (root) {
      case ROOT.meta:
      case ROOT.stakeholders: {
        const allowed = this.need({ kind: 'edit-board-setup' });
        return allowed.ok ? this.checkPlanValue(change, value) : allowed;
      }
      case ROOT.categories:
      case ROOT.points: {
        const allowed = this.need({ kind: 'edit-plan' });
        return allowed.ok ? this.checkPlanValue(change, value) : allowed;
      }
      case ROOT.positions:
        return this.checkPosition(change, value);
      case ROOT.threads:
        return this.checkThreadChange(change, value);
      case ROOT.amendments:
        return this.checkAmendmentChange(change, value);
      case ROOT.reactions:
        this.reactionChanges.push({ change, value });
        return OK;
      default:
        return deny(`Unknown part of the board: ${quoted(root)}.`);
    }
  }

  /**
   * The plan and setup keep the shape every client reads (planSchema.ts), with the limits
   * the mutations apply. A point's title is text: what this update leaves in it is counted
   * once all its changes are seen.
   */
  private checkPlanValue(change: Change, value: InsertedValue | null): Verdict {
    const { path } = change;
    const root = (path[0] as { name: string }).name;
    if (root === ROOT.points && path.length === 4 && path[3]?.kind === 'elem') {
      if (value?.kind === 'type') return deny("A point's text holds only text.");
      if (keyOf(path[2]) === POINT.title) this.countTitleChange(change);
      return OK;
    }
    if (change.op !== 'insert' || change.transient || !value) return OK;
    const keys: string[] = [];
    for (let i = 1; i < path.length; i++) {
      const key = keyOf(path[i]);
      if (key === null) return deny('The plan holds only keyed entries and fields.');
      keys.push(key);
    }
    const error = planShapeError(root, keys, value);
    if (error !== null) return deny(error);
    // Pinned like a comment's author: nobody deletes a point in someone else's name.
    if (root === ROOT.points && keys[1] === POINT.deletedBy && !isValue(value, this.principal.userId)) {
      return deny('A deleted point names you as the one who deleted it.');
    }
    return OK;
  }

  private countTitleChange(change: Change): void {
    const holder = (change.path[2] as Extract<Segment, { kind: 'key' }>).struct;
    let entry = this.titleChanges.get(holder.item);
    if (!entry) this.titleChanges.set(holder.item, (entry = { holder, delta: 0 }));
    if (change.op === 'delete') entry.delta -= visibleLength(change.item, change.length);
    else if (!change.transient) entry.delta += visibleLength(change.item, change.length);
  }

  private checkTitleLengths(): Verdict {
    for (const { holder, delta } of this.titleChanges.values()) {
      const before = holder.live ? liveTextLength(holder.item) : 0;
      // A title already over the limit (stored before this rule) may still be shortened.
      if (delta > 0 && before + delta > LIMITS.titleLength) {
        return deny(`A point title is at most ${LIMITS.titleLength} characters.`);
      }
    }
    return OK;
  }

  private checkPosition(change: Change, value: InsertedValue | null): Verdict {
    const key = keyOf(change.path[1]);
    const match = key !== null && change.path.length === 2 ? /^([^:]+):([^:]+)$/.exec(key) : null;
    if (!match) return deny('Malformed position.');
    const [, pid, sid] = match as unknown as [string, string, string];
    if (change.op === 'delete') {
      // Deleting a point takes its positions with it; that is plan editing.
      if (this.pointGone(pid) && can(this.principal, { kind: 'edit-plan' })) return OK;
      return this.need({ kind: 'set-position', stakeholderId: sid });
    }
    const allowed = this.need({ kind: 'set-position', stakeholderId: sid });
    if (!allowed.ok || change.transient) return allowed;
    if (value?.kind !== 'value' || !isValidPosition(value.value, this.principal)) {
      return deny('A position needs a known stance, a short rationale, and you as its author.');
    }
    return OK;
  }

  private checkThreadChange(change: Change, value: InsertedValue | null): Verdict {
    const { op, path } = change;
    const threadSeg = path[1];
    if (threadSeg?.kind !== 'key') return deny('Malformed thread.');
    const threadStruct = threadSeg.struct;

    if (path.length === 2) {
      if (op === 'insert') {
        return this.newThreads.has(change.item) || change.transient ? OK : deny('A thread must be a map.');
      }
      const pointId = liveMap(change.item)?.get(THREAD.pointId);
      if (this.pointGone(pointId) && can(this.principal, { kind: 'edit-plan' })) return OK;
      return this.need({ kind: 'delete-thread' });
    }

    if (!threadStruct.live) {
      // Inside a thread this update creates.
      const thread = this.newThreads.get(threadStruct.item);
      if (!thread) return deny('Malformed thread.');
      if (path.length === 3) {
        const key = keyOf(path[2]);
        if (op !== 'insert' || key === null || !THREAD_FIELDS.has(key)) return deny('Malformed thread.');
        if (!change.transient && value) thread.fields.set(key, value);
        return OK;
      }
      return this.checkCommentChange(change, value);
    }

    // An existing thread.
    const threadMap = liveMap(threadStruct.item);
    if (!threadMap) return deny('Malformed thread.');
    if (path.length === 3) {
      const key = keyOf(path[2]);
      if (key === THREAD.anchor) return deny("A thread's anchor is set when it is opened and cannot change.");
      if (key === null || !RESOLVE_FIELDS.has(key))
        return deny("A thread's point, stakeholder and author cannot change.");
      const threadStakeholder = threadMap.get(THREAD.stakeholderId);
      const allowed = this.need({ kind: 'resolve-thread', threadStakeholderId: String(threadStakeholder) });
      if (!allowed.ok || op === 'delete' || change.transient) return allowed;
      const valid =
        (key === THREAD.resolved && value?.kind === 'value' && typeof value.value === 'boolean') ||
        (key === THREAD.resolvedBy && isValue(value ?? undefined, this.principal.userId)) ||
        (key === THREAD.resolvedAt && isNumber(value ?? undefined));
      return valid ? OK : deny('Malformed resolution.');
    }
    return this.checkCommentChange(change, value);
  }

  private checkCommentChange(change: Change, value: InsertedValue | null): Verdict {
    const { op, path } = change;
    if (keyOf(path[2]) !== THREAD.comments) return deny('Malformed thread.');
    const commentSeg = path[3];
    if (commentSeg?.kind !== 'elem') return deny('Malformed comment list.');
    if (path.length === 4) {
      if (op === 'delete') return deny('Comments are deleted by their author, which keeps their place in the thread.');
      if (!this.newComments.has(change.item) && !change.transient) return deny('A comment must be a map.');
      return this.need({ kind: 'reply' });
    }
    if (path.length !== 5) return deny('Malformed comment.');
    const key = keyOf(path[4]);
    if (key === null) return deny('Malformed comment.');
    if (!commentSeg.struct.live) {
      const comment = this.newComments.get(commentSeg.struct.item);
      if (!comment || op !== 'insert' || !COMMENT_FIELDS_ON_CREATE.has(key)) return deny('Malformed comment.');
      if (!change.transient && value) comment.fields.set(key, value);
      return OK;
    }
    const commentMap = liveMap(commentSeg.struct.item);
    if (!commentMap) return deny('Malformed comment.');
    const allowed = this.need({ kind: 'edit-comment', authorId: String(commentMap.get(COMMENT.authorId)) });
    if (!allowed.ok) return allowed;
    if (!COMMENT_FIELDS_ON_EDIT.has(key)) return deny("A comment's author and time cannot change.");
    if (op === 'delete' || change.transient) return OK;
    if (key === COMMENT.mentions) {
      const refusal = mentionsRefusal(value ?? undefined, this.isMember);
      return refusal === null ? OK : deny(refusal);
    }
    const valid =
      (key === COMMENT.body && isString(value ?? undefined, LIMITS.commentLength)) ||
      (key === COMMENT.editedAt && isNumber(value ?? undefined)) ||
      (key === COMMENT.deleted && isValue(value ?? undefined, true));
    return valid ? OK : deny('Malformed comment edit.');
  }

  private checkNewThread(thread: NewMap): Verdict {
    const f = thread.fields;
    const stakeholder = f.get(THREAD.stakeholderId);
    if (!isString(stakeholder, LIMITS.idFieldLength)) return deny('A new thread must name its stakeholder.');
    const allowed = this.need({ kind: 'open-thread', stakeholderId: stakeholder.value });
    if (!allowed.ok) return allowed;
    const comments = f.get(THREAD.comments);
    // Opened and resolved before it ever synced (offline): the resolution must be valid too.
    const resolvedNow = isValue(f.get(THREAD.resolved), true);
    if (resolvedNow) {
      const resolve = this.need({ kind: 'resolve-thread', threadStakeholderId: stakeholder.value });
      if (!resolve.ok) return resolve;
    }
    const valid =
      isString(f.get(THREAD.pointId), LIMITS.idFieldLength) &&
      isValue(f.get(THREAD.createdBy), this.principal.userId) &&
      isNumber(f.get(THREAD.createdAt)) &&
      (f.get(THREAD.resolved) === undefined || resolvedNow || isValue(f.get(THREAD.resolved), false)) &&
      (resolvedNow
        ? isValue(f.get(THREAD.resolvedBy), this.principal.userId) && isNumber(f.get(THREAD.resolvedAt))
        : !f.has(THREAD.resolvedBy) && !f.has(THREAD.resolvedAt)) &&
      comments?.kind === 'type' &&
      comments.type === 'array';
    if (!valid) return deny('A new thread must name its point, you as its author, and hold a comment list.');
    const anchor = f.get(THREAD.anchor);
    if (anchor !== undefined && !(anchor.kind === 'value' && isThreadAnchor(anchor.value))) {
      return deny("A thread's anchor is its field (title or body), two short positions and a short quote.");
    }
    return OK;
  }

  private checkNewComment(comment: NewMap): Verdict {
    const f = comment.fields;
    if (!isValue(f.get(COMMENT.authorId), this.principal.userId)) {
      return deny('A new comment must name you as its author.');
    }
    const valid =
      isString(f.get(COMMENT.id), LIMITS.idFieldLength) &&
      isValue(f.get(COMMENT.stakeholderId), this.principal.stakeholderId) &&
      isValue(f.get(COMMENT.authorName), this.principal.name) &&
      isString(f.get(COMMENT.body), LIMITS.commentLength) &&
      isNumber(f.get(COMMENT.createdAt)) &&
      (!f.has(COMMENT.editedAt) || isNumber(f.get(COMMENT.editedAt))) &&
      (!f.has(COMMENT.deleted) || isValue(f.get(COMMENT.deleted), true));
    if (!valid) return deny('A new comment needs an id, your delegation, your own name, a body and a time.');
    if (f.has(COMMENT.mentions)) {
      const refusal = mentionsRefusal(f.get(COMMENT.mentions), this.isMember);
      if (refusal !== null) return deny(refusal);
    }
    const id = String((f.get(COMMENT.id) as { value: string }).value);
    const claimed = this.claimCommentId(comment.list, id);
    if (claimed.ok && comment.threadId !== undefined) {
      let added = this.addedCommentsByThread.get(comment.threadId);
      if (!added) this.addedCommentsByThread.set(comment.threadId, (added = new Set()));
      added.add(id);
    }
    return claimed;
  }

  private checkAmendmentChange(change: Change, value: InsertedValue | null): Verdict {
    const { op, path } = change;
    const seg = path[1];
    if (seg?.kind !== 'key') return deny('Malformed amendment.');
    if (path.length === 2) {
      if (op === 'insert') {
        return this.newAmendments.has(change.item) || change.transient ? OK : deny('An amendment must be a map.');
      }
      // Purging a deleted point takes its amendments with it; otherwise they are kept.
      const pointId = liveMap(change.item)?.get(AMENDMENT.pointId);
      if (this.pointGone(pointId) && can(this.principal, { kind: 'edit-plan' })) return OK;
      return deny('Amendments are kept: its delegation withdraws one instead.');
    }
    const key = keyOf(path[2]);
    if (key === null) return deny('Malformed amendment.');
    if (!seg.struct.live) {
      // Inside an amendment this update proposes: collected, then checked whole.
      const amendment = this.newAmendments.get(seg.struct.item);
      if (!amendment || op !== 'insert' || path.length !== 3 || !AMENDMENT_FIELDS_ON_CREATE.has(key)) {
        return deny('A new amendment holds its wording, its point and its delegation, and no answers yet.');
      }
      if (!change.transient && value) amendment.fields.set(key, value);
      return OK;
    }
    const amendment = liveMap(seg.struct.item);
    if (!amendment) return deny('Malformed amendment.');
    const proposer = String(amendment.get(AMENDMENT.stakeholderId));
    // An amendment on a deleted point is closed: nobody answers or changes it.
    const open = amendment.get(AMENDMENT.status) === 'open' && this.pointLive(amendment.get(AMENDMENT.pointId));
    if (key === AMENDMENT.responses && path.length === 4) {
      return this.checkAnswer(change, proposer, open);
    }
    if (path.length !== 3 || !AMENDMENT_FIELDS_ON_EDIT.has(key)) {
      return deny("An amendment's point, delegation, author and decision cannot change.");
    }
    const allowed = this.need({ kind: 'manage-amendment', proposerStakeholderId: proposer });
    if (!allowed.ok) return allowed;
    if (!open) return deny('This amendment is no longer open.');
    if (op === 'delete' || change.transient) return OK;
    const field = amendment.get(AMENDMENT.field) === 'title' ? 'title' : 'body';
    const valid =
      (key === AMENDMENT.text && isString(value ?? undefined, wordingLimit(field))) ||
      (key === AMENDMENT.baseText && isString(value ?? undefined, Number.MAX_SAFE_INTEGER)) ||
      (key === AMENDMENT.status && isValue(value ?? undefined, 'withdrawn'));
    return valid ? OK : deny('Malformed amendment change.');
  }

  /** An answer appended to an open amendment's list, by another delegation, in its own name. */
  private checkAnswer(change: Change, proposer: string, open: boolean): Verdict {
    if (change.path[3]?.kind !== 'elem') return deny('Malformed answers list.');
    if (change.op === 'delete') return deny('Answers are kept: a delegation retracts its answer instead.');
    if (change.transient) {
      // Never read, but stored and relayed: written as the sender's own delegation, as any answer is.
      const allowed = this.need({
        kind: 'answer-amendment',
        stakeholderId: String(this.principal.stakeholderId),
        proposerStakeholderId: proposer,
      });
      if (!allowed.ok) return allowed;
      return open ? OK : deny('This amendment is no longer open.');
    }
    const values = insertedValues(change.item);
    if (!values) return deny('An answer is a plain value.');
    for (const v of values) {
      const sid = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)['stakeholderId'] : undefined;
      const allowed = this.need({
        kind: 'answer-amendment',
        stakeholderId: String(sid),
        proposerStakeholderId: proposer,
      });
      if (!allowed.ok) return allowed;
      if (!open) return deny('This amendment is no longer open.');
      if (!this.isValidAnswer(v)) {
        return deny(
          'An answer needs your delegation, endorse, object or retract, a short note, and you as its author.',
        );
      }
    }
    return OK;
  }

  private isValidAnswer(value: unknown): boolean {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const v = value as Record<string, unknown>;
    return (
      Object.keys(v).every((k) => RESPONSE_KEYS.has(k)) &&
      v['stakeholderId'] === this.principal.stakeholderId &&
      typeof v['stance'] === 'string' &&
      (RESPONSE_STANCES as readonly string[]).includes(v['stance']) &&
      typeof v['note'] === 'string' &&
      v['note'].length <= LIMITS.responseNoteLength &&
      v['by'] === this.principal.userId &&
      v['byName'] === this.principal.name &&
      typeof v['at'] === 'number' &&
      Number.isFinite(v['at']) &&
      // Which wording it answers: the sender's claim, which only decides whether its own
      // answer counts (for the wording it names).
      (v['wordingHash'] === undefined ||
        (typeof v['wordingHash'] === 'string' && v['wordingHash'].length <= WORDING_HASH_LENGTH))
    );
  }

  private checkNewAmendment(amendment: NewMap): Verdict {
    const f = amendment.fields;
    const stakeholder = f.get(AMENDMENT.stakeholderId);
    if (!isString(stakeholder, LIMITS.idFieldLength)) return deny('A new amendment must name its delegation.');
    const allowed = this.need({ kind: 'propose-amendment', stakeholderId: stakeholder.value });
    if (!allowed.ok) return allowed;
    const field = f.get(AMENDMENT.field);
    if (!isString(field) || !(AMENDMENT_FIELDS as readonly string[]).includes(field.value)) {
      return deny("An amendment rewords a point's title or body.");
    }
    const pointId = f.get(AMENDMENT.pointId);
    if (!isString(pointId, LIMITS.idFieldLength) || !this.pointLive(pointId.value)) {
      return deny('An amendment names a point of the board.');
    }
    const responses = f.get(AMENDMENT.responses);
    const valid =
      isString(f.get(AMENDMENT.text), wordingLimit(field.value as AmendmentField)) &&
      isString(f.get(AMENDMENT.baseText), Number.MAX_SAFE_INTEGER) &&
      isString(f.get(AMENDMENT.rationale), LIMITS.rationaleLength) &&
      isValue(f.get(AMENDMENT.proposedBy), this.principal.userId) &&
      isValue(f.get(AMENDMENT.proposedByName), this.principal.name) &&
      isNumber(f.get(AMENDMENT.proposedAt)) &&
      // Proposed and withdrawn before it ever synced (offline) is fine too.
      (isValue(f.get(AMENDMENT.status), 'open') || isValue(f.get(AMENDMENT.status), 'withdrawn')) &&
      responses?.kind === 'type' &&
      responses.type === 'array';
    return valid
      ? OK
      : deny('A new amendment needs its wording, the text it rewords, a rationale, you as its author, and a time.');
  }

  /**
   * A comment id is unique within its thread: clients key a thread's rows, and address
   * edits, by it. Ids are random, so only a broken or hostile writer repeats one.
   */
  private claimCommentId(list: StructRef | undefined, id: string): Verdict {
    if (!list) return deny('Malformed comment list.');
    let added = this.addedCommentIds.get(list.item);
    if (!added) this.addedCommentIds.set(list.item, (added = new Set()));
    const live = list.live ? liveArray(list.item) : null;
    if (added.has(id) || (live && commentIdsOf(live).has(id))) {
      return deny('A comment with this id is already in the thread.');
    }
    added.add(id);
    return OK;
  }

  /** The update is allowed (and is applied next): its comments join the known ids. */
  private recordCommentIds(): void {
    for (const [holder, ids] of this.addedCommentIds) {
      const live = liveArray(holder);
      if (live) addCommentIds(live, ids);
    }
  }
}
