import * as Y from 'yjs';
import {
  AMENDMENT,
  HISTORY_EXCERPT_LENGTH,
  HISTORY_GROUP_IDLE_MS,
  HISTORY_TEXT_LIMIT,
  POINT,
  ROOT,
  STANCES,
  THREAD,
  COMMENT,
  boardRoots,
  currentResponses,
  listAmendments,
  readSignOffRule,
  signOffState,
  type AmendmentAction,
  type BoardRoots,
  type AmendmentField,
  type AmendmentId,
  type Decision,
  type HistoryDetail,
  type PositionValue,
  type TextCause,
  wordingChange,
} from '@parley/shared/model';
import type { Principal } from '@parley/shared/permissions';
import type { HistoryRow } from '../persistence/Storage.ts';
import type { Change, Segment } from '../collab/guard/resolveChanges.ts';

/** Who took part in a thread, kept as replies commit. */
interface ThreadPeople {
  /** The opener and every commenter. */
  readonly people: Set<string>;
}

/** Open text runs kept before the idle ones are forgotten (a busy board's writers, not its history). */
const SWEEP_GROUPS_AT = 512;

type Actor = Pick<Principal, 'userId' | 'name'> & { readonly stakeholderId: string | null };

/** A run of one person's edits to one point's title or body: one stored entry, rewritten as it grows. */
interface TextGroup {
  readonly key: string;
  readonly pointId: string;
  readonly field: AmendmentField;
  readonly actor: Actor;
  readonly at: number;
  readonly before: string;
  until: number;
  inserted: number;
  deleted: number;
  edits: number;
}

/** What an update is about to change that needs reading again once it is applied. */
interface Pending {
  readonly actor: Actor;
  readonly texts: Map<TextGroup, { inserted: number; deleted: number }>;
  readonly positions: Map<string, PositionValue | null>;
  readonly points: Map<string, { categoryId: unknown; trashed: boolean } | null>;
  /** A thread this update opens ('new'), or whether one it changes was resolved. */
  readonly threads: Map<string, 'new' | boolean>;
  readonly amendments: Map<string, { created: boolean; status: unknown; rebased: boolean }>;
  readonly responses: { readonly amendmentId: string; readonly value: unknown }[];
  /** Threads this update replies in, with the comments it adds to each (their struct ids). */
  readonly replies: Map<string, Y.ID[]>;
  /** Comments whose mentions this update rewrites, with their thread and mentions before. */
  readonly mentionEdits: Map<Y.Map<unknown>, { readonly threadId: string; readonly before: readonly string[] }>;
}

const rootOf = (path: readonly Segment[]) => (path[0] as { name: string }).name;
const keyAt = (path: readonly Segment[], i: number): string | null => {
  const seg = path[i];
  return seg?.kind === 'key' ? seg.key : null;
};
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const clipText = (s: string, max: number) => (s.length > max ? s.slice(0, max) : s);

function newPending(principal: Principal): Pending {
  return {
    actor: { userId: principal.userId, name: principal.name, stakeholderId: principal.stakeholderId ?? null },
    texts: new Map(),
    positions: new Map(),
    points: new Map(),
    threads: new Map(),
    amendments: new Map(),
    responses: [],
    replies: new Map(),
    mentionEdits: new Map(),
  };
}

/** The user ids a comment @mentions (COMMENT.mentions, a plain array). */
function mentionsOf(comment: Y.Map<unknown>): string[] {
  const v = comment.get(COMMENT.mentions);
  const list: unknown[] = Array.isArray(v) ? v : v instanceof Y.Array ? v.toArray() : [];
  return [...new Set(list.filter((x): x is string => typeof x === 'string'))];
}

/** The doc's struct with this id, if it has one (an applied update's insert always does). */
function structAt(doc: Y.Doc, id: Y.ID): Y.Item | null {
  const { clients } = doc.store;
  const structs = clients.get(id.client);
  if (!structs || id.clock >= Y.getState(doc.store, id.client)) return null;
  const item = Y.getItem(doc.store, id);
  return item instanceof Y.Item ? item : null;
}

function commentsOf(thread: Y.Map<unknown>): Y.Map<unknown>[] {
  const comments = thread.get(THREAD.comments);
  return comments instanceof Y.Array ? comments.toArray().filter((c): c is Y.Map<unknown> => c instanceof Y.Map) : [];
}

function positionValue(v: unknown): PositionValue | null {
  if (typeof v !== 'object' || v === null) return null;
  const { stance, rationale } = v as Record<string, unknown>;
  if (typeof stance !== 'string' || !(STANCES as readonly string[]).includes(stance)) return null;
  return { stance: stance as PositionValue['stance'], rationale: str(rationale) };
}

/**
 * Derives a board's point histories from the updates the room commits: each accepted client
 * update is looked at twice, right before it is applied (what it replaces) and right after
 * (what it made), by the server, which knows who sent it, so no client can forge an entry.
 * What one transaction yields is taken by its commit (`takeRows`) and stored in the same
 * store transaction as the update itself, so after a crash the history holds exactly the
 * stored updates' entries. The server's own changes (an accepted amendment) bring their
 * entries with them (`serverChange`).
 */
export class HistoryRecorder {
  /** Open text groups by point, field and author; a restart simply starts new ones. */
  private readonly groups = new Map<string, TextGroup>();
  private readonly events: HistoryRow[] = [];
  private readonly touched = new Set<TextGroup>();
  /**
   * Threads replied in so far, read once each (before the first reply is applied): a busy
   * thread's thousandth reply must not read the 999 before it.
   */
  private readonly threadPeople = new Map<string, ThreadPeople>();
  /** The doc's roots, got once: every accepted update is looked at here. */
  private readonly roots: BoardRoots;

  constructor(
    private readonly boardId: string,
    private readonly doc: Y.Doc,
    private readonly now: () => number = Date.now,
  ) {
    this.roots = boardRoots(doc);
  }

  /** Before an accepted client update is applied: notes what it will change, reading what it replaces. */
  before(principal: Principal, changes: readonly Change[]): Pending | null {
    let pending: Pending | null = null;
    const { points, positions, threads } = this.roots;
    for (const c of changes) {
      const path = c.path;
      if (c.transient || path.length < 2) continue;
      const root = rootOf(path);
      const key = keyAt(path, 1);
      if (key === null) continue;
      const existed = (path[1] as { struct: { live: boolean } }).struct.live;
      if (root === ROOT.threads && path.length > 3) {
        // A comment's fields are no entry, but for a reply (a comment added to a thread that
        // was there: a new thread's first comment is its 'opened' entry) and added mentions.
        if (existed && c.op === 'insert') pending = this.noteComment(pending, principal, key, c);
        continue;
      }
      if (root === ROOT.points) {
        const field = keyAt(path, 2);
        if (path.length >= 4 && existed && (field === POINT.title || field === POINT.body)) {
          pending ??= newPending(principal);
          const group = this.groupFor(key, field, pending.actor);
          const counts = pending.texts.get(group) ?? { inserted: 0, deleted: 0 };
          if (c.op === 'insert') counts.inserted += c.item.content instanceof Y.ContentString ? c.length : 0;
          else counts.deleted += c.length;
          pending.texts.set(group, counts);
        } else if (path.length <= 3 && !pending?.points.has(key)) {
          pending ??= newPending(principal);
          const m = points.get(key);
          pending.points.set(
            key,
            existed && m instanceof Y.Map
              ? { categoryId: m.get(POINT.categoryId), trashed: m.get(POINT.deletedAt) !== undefined }
              : null,
          );
        }
      } else if (root === ROOT.positions && path.length === 2) {
        pending ??= newPending(principal);
        if (!pending.positions.has(key)) pending.positions.set(key, positionValue(positions.get(key)));
      } else if (root === ROOT.threads) {
        if (path.length === 2 && c.op === 'insert') (pending ??= newPending(principal)).threads.set(key, 'new');
        else if (path.length === 3 && keyAt(path, 2) === THREAD.resolved && !pending?.threads.has(key)) {
          const t = threads.get(key);
          if (t instanceof Y.Map) (pending ??= newPending(principal)).threads.set(key, t.get(THREAD.resolved) === true);
        }
      } else if (root === ROOT.amendments) {
        pending ??= newPending(principal);
        const field = keyAt(path, 2);
        const a = pending.amendments.get(key) ?? { created: false, status: undefined, rebased: false };
        if (path.length === 2 && c.op === 'insert') a.created = true;
        else if (path.length === 3 && field === AMENDMENT.status) a.status = 'changed';
        else if (path.length === 3 && (field === AMENDMENT.text || field === AMENDMENT.baseText)) a.rebased = true;
        else if (path.length >= 4 && field === AMENDMENT.responses && c.op === 'insert') {
          const values = c.item.content instanceof Y.ContentAny ? c.item.content.getContent() : [];
          for (const value of values) pending.responses.push({ amendmentId: key, value });
        }
        pending.amendments.set(key, a);
      }
    }
    return pending;
  }

  private noteComment(pending: Pending | null, principal: Principal, threadId: string, c: Change) {
    const path = c.path;
    if (path.length === 4 && keyAt(path, 2) === THREAD.comments) {
      const t = this.roots.threads.get(threadId);
      if (!(t instanceof Y.Map)) return pending;
      this.peopleOf(threadId, t);
      pending ??= newPending(principal);
      // The inserted struct's id: its integrated struct is found by id after the update,
      // without searching a long comment list for it.
      const added = pending.replies.get(threadId);
      if (added) added.push(c.item.id);
      else pending.replies.set(threadId, [c.item.id]);
    } else if (path.length === 5 && keyAt(path, 4) === COMMENT.mentions) {
      const holder = path[3] as Segment & { kind: 'elem' };
      const comment =
        holder.struct.live && holder.struct.item.content instanceof Y.ContentType
          ? holder.struct.item.content.type
          : null;
      if (!(comment instanceof Y.Map) || pending?.mentionEdits.has(comment)) return pending;
      (pending ??= newPending(principal)).mentionEdits.set(comment, { threadId, before: mentionsOf(comment) });
    }
    return pending;
  }

  /** After the update is applied: records what it did. */
  after(pending: Pending | null): void {
    if (!pending) return;
    const at = this.now();
    const { actor } = pending;
    for (const [group, counts] of pending.texts) {
      group.until = at;
      group.inserted += counts.inserted;
      group.deleted += counts.deleted;
      group.edits += 1;
      this.touched.add(group);
    }
    const { points, positions, threads } = this.roots;
    for (const [pointId, was] of pending.points) {
      const m = points.get(pointId);
      if (!(m instanceof Y.Map)) continue;
      const trashed = m.get(POINT.deletedAt) !== undefined;
      if (!was) this.event(pointId, actor, at, { kind: 'point', action: 'created' });
      else if (trashed !== was.trashed) {
        this.event(pointId, actor, at, { kind: 'point', action: trashed ? 'deleted' : 'restored' });
      } else if (m.get(POINT.categoryId) !== was.categoryId) {
        this.event(pointId, actor, at, {
          kind: 'point',
          action: 'moved',
          fromCategory: str(was.categoryId),
          toCategory: str(m.get(POINT.categoryId)),
        });
      }
    }
    for (const [key, from] of pending.positions) {
      const to = positionValue(positions.get(key));
      if (from?.stance === to?.stance && from?.rationale === to?.rationale) continue;
      const [pointId, stakeholderId] = key.split(':');
      if (!pointId || !stakeholderId) continue;
      this.event(pointId, actor, at, { kind: 'position', stakeholderId, from, to });
    }
    for (const [threadId, was] of pending.threads) {
      const t = threads.get(threadId);
      if (!(t instanceof Y.Map)) continue;
      const pointId = str(t.get(THREAD.pointId));
      const resolved = t.get(THREAD.resolved) === true;
      if (was === 'new') {
        const [first, ...more] = commentsOf(t);
        this.event(pointId, actor, at, {
          kind: 'thread',
          action: 'opened',
          threadId,
          excerpt: firstComment(t),
          ...(first ? { commentId: str(first.get(COMMENT.id)), mentions: mentionsOf(first) } : {}),
        });
        // Replies written with the thread, before it ever synced (offline work): each is a
        // reply of its own, so their mentions are told too. Only the actor wrote in it.
        for (const c of more) {
          this.event(pointId, actor, at, {
            kind: 'comment',
            action: 'posted',
            threadId,
            commentId: str(c.get(COMMENT.id)),
            excerpt: clipText(str(c.get(COMMENT.body)), HISTORY_EXCERPT_LENGTH),
            mentions: mentionsOf(c),
            participants: [],
          });
        }
      } else if (was !== resolved) {
        this.event(pointId, actor, at, {
          kind: 'thread',
          action: resolved ? 'resolved' : 'reopened',
          threadId,
          excerpt: firstComment(t),
        });
      }
    }
    if (pending.amendments.size > 0) this.amendmentEvents(pending, at);
    for (const [threadId, added] of pending.replies) this.replyEvents(threadId, added, actor, at);
    for (const [comment, { threadId, before }] of pending.mentionEdits) {
      const t = threads.get(threadId);
      const added = mentionsOf(comment).filter((u) => !before.includes(u));
      if (!(t instanceof Y.Map) || added.length === 0 || comment.get(COMMENT.deleted) === true) continue;
      this.event(str(t.get(THREAD.pointId)), actor, at, {
        kind: 'comment',
        action: 'edited',
        threadId,
        commentId: str(comment.get(COMMENT.id)),
        excerpt: clipText(str(comment.get(COMMENT.body)), HISTORY_EXCERPT_LENGTH),
        mentions: added,
        participants: [],
      });
    }
  }

  /** The thread's people as they are now (read once, then kept up to date). */
  private peopleOf(threadId: string, thread: Y.Map<unknown>): ThreadPeople {
    let known = this.threadPeople.get(threadId);
    if (!known) {
      known = { people: new Set([str(thread.get(THREAD.createdBy))]) };
      for (const c of commentsOf(thread)) known.people.add(str(c.get(COMMENT.authorId)));
      this.threadPeople.set(threadId, known);
    }
    return known;
  }

  /** Each comment the update added to the thread: who it mentions, and who took part before it. */
  private replyEvents(threadId: string, added: readonly Y.ID[], actor: Actor, at: number): void {
    const t = this.roots.threads.get(threadId);
    const known = this.threadPeople.get(threadId);
    if (!(t instanceof Y.Map) || !known) {
      this.threadPeople.delete(threadId);
      return;
    }
    const pointId = str(t.get(THREAD.pointId));
    for (const id of added) {
      const item = structAt(this.doc, id);
      const c = item?.content instanceof Y.ContentType ? item.content.type : null;
      if (!item || item.deleted || !(c instanceof Y.Map)) continue;
      this.event(pointId, actor, at, {
        kind: 'comment',
        action: 'posted',
        threadId,
        commentId: str(c.get(COMMENT.id)),
        excerpt: clipText(str(c.get(COMMENT.body)), HISTORY_EXCERPT_LENGTH),
        mentions: mentionsOf(c),
        participants: [...known.people].filter((u) => u !== actor.userId && u !== ''),
      });
      known.people.add(str(c.get(COMMENT.authorId)));
    }
  }

  /**
   * An editor's decision, made by the server: its entries (and, when accepting, the text
   * change with the amendment as its cause) join the transaction `apply` makes.
   */
  decision(editor: Actor, amendmentId: AmendmentId, decision: Decision, note: string, apply: () => void): void {
    const a = listAmendments(this.doc).find((x) => x.id === amendmentId);
    if (!a) {
      apply();
      return;
    }
    const entries: { pointId: string; detail: HistoryDetail }[] = [];
    if (decision === 'accepted') {
      const endorsedBy = [...currentResponses(a)].filter(([, r]) => r.stance === 'endorse').map(([sid]) => sid);
      const stakeholderIds = [...this.roots.stakeholders.keys()];
      const { signed } = signOffState(a, readSignOffRule(this.doc), stakeholderIds);
      entries.push(
        this.textEntry(a.pointId, a.field, a.text, {
          kind: 'amendment',
          amendmentId: a.id,
          number: a.number,
          stakeholderId: a.stakeholderId,
          endorsedBy,
          signedOffBy: signed,
        }),
      );
    }
    entries.push({
      pointId: a.pointId,
      detail: {
        kind: 'amendment',
        action: decision,
        amendmentId: a.id,
        number: a.number,
        field: a.field,
        stakeholderId: a.stakeholderId,
        note: note.trim(),
      },
    });
    this.serverChange(editor, entries, apply);
  }

  /**
   * An editor's restore of a point's text from a published version, made by the server as
   * a forward edit: its entry, with the version as its cause, joins the transaction `apply` makes.
   */
  restore(
    editor: Actor,
    pointId: string,
    field: AmendmentField,
    wording: string,
    version: { id: string; name: string },
    apply: () => void,
  ): void {
    const cause: TextCause = { kind: 'version', versionId: version.id, versionName: version.name };
    this.serverChange(editor, [this.textEntry(pointId, field, wording, cause)], apply);
  }

  /** A server-made change of `field` to `wording`, as an entry of its own. */
  private textEntry(
    pointId: string,
    field: AmendmentField,
    wording: string,
    cause: TextCause,
  ): { pointId: string; detail: HistoryDetail } {
    const before = this.textOf(pointId, field);
    // Someone's run of edits on this text ends here: what follows is a new entry.
    for (const [key, group] of this.groups) {
      if (group.pointId === pointId && group.field === field) this.groups.delete(key);
    }
    const { inserted, deleted } = wordingChange(before, wording);
    return {
      pointId,
      detail: { kind: 'text', field, before: clipText(before, HISTORY_TEXT_LIMIT), inserted, deleted, edits: 1, cause },
    };
  }

  private serverChange(actor: Actor, entries: { pointId: string; detail: HistoryDetail }[], apply: () => void): void {
    const at = this.now();
    const recorded = this.events.length;
    for (const e of entries) this.event(e.pointId, actor, at, e.detail);
    try {
      apply();
    } catch (err) {
      // Refused before anything was written: its entries must not join a later commit.
      this.events.length = recorded;
      throw err;
    }
  }

  /** The entries of the transaction being committed; none are kept after. */
  takeRows(): HistoryRow[] {
    if (this.events.length === 0 && this.touched.size === 0) return [];
    const rows = this.events.splice(0);
    for (const g of this.touched) {
      rows.push({
        groupKey: g.key,
        boardId: this.boardId,
        pointId: g.pointId,
        at: g.at,
        until: g.until,
        actorId: g.actor.userId,
        actorName: g.actor.name,
        actorStakeholderId: g.actor.stakeholderId,
        detail: {
          kind: 'text',
          field: g.field,
          before: g.before,
          inserted: g.inserted,
          deleted: g.deleted,
          edits: g.edits,
          cause: { kind: 'direct' },
        },
      });
    }
    this.touched.clear();
    return rows;
  }

  private groupFor(pointId: string, field: AmendmentField, actor: Actor): TextGroup {
    const key = `${pointId}\u0000${field}\u0000${actor.userId}`;
    const now = this.now();
    let group = this.groups.get(key);
    if (!group || now - group.until > HISTORY_GROUP_IDLE_MS) {
      if (this.groups.size >= SWEEP_GROUPS_AT) this.forgetIdleGroups(now);
      group = {
        key: `${this.boardId}:${now.toString(36)}:${Math.random().toString(36).slice(2, 10)}`,
        pointId,
        field,
        actor,
        at: now,
        until: now,
        before: clipText(this.textOf(pointId, field), HISTORY_TEXT_LIMIT),
        inserted: 0,
        deleted: 0,
        edits: 0,
      };
      this.groups.set(key, group);
    }
    return group;
  }

  /** Runs that ended long ago stay closed whether or not they are remembered. */
  private forgetIdleGroups(now: number): void {
    for (const [key, group] of this.groups) {
      if (now - group.until > HISTORY_GROUP_IDLE_MS) this.groups.delete(key);
    }
  }

  private textOf(pointId: string, field: AmendmentField): string {
    const m = this.roots.points.get(pointId);
    const t = m instanceof Y.Map ? m.get(field === 'title' ? POINT.title : POINT.body) : undefined;
    return t instanceof Y.Text ? t.toString() : '';
  }

  private amendmentEvents(pending: Pending, at: number): void {
    const all = new Map(listAmendments(this.doc).map((a) => [a.id as string, a]));
    const record = (id: string, action: AmendmentAction, note: string) => {
      const a = all.get(id);
      if (!a) return;
      this.event(a.pointId, pending.actor, at, {
        kind: 'amendment',
        action,
        amendmentId: a.id,
        number: a.number,
        field: a.field,
        stakeholderId: a.stakeholderId,
        note,
        // Read now: the rule may change later, and the notification drain reads no doc.
        ...(action === 'proposed'
          ? { signOffFrom: signOffState(a, readSignOffRule(this.doc), [...this.roots.stakeholders.keys()]).pending }
          : {}),
      });
    };
    for (const [id, change] of pending.amendments) {
      const a = all.get(id);
      if (!a) continue;
      if (change.created) record(id, 'proposed', a.rationale);
      else if (change.status !== undefined && a.status === 'withdrawn') record(id, 'withdrawn', '');
      else if (change.rebased) record(id, 'rebased', '');
    }
    for (const r of pending.responses) {
      const v = r.value as Record<string, unknown> | null;
      const stance = v?.['stance'];
      const action: AmendmentAction | null =
        stance === 'endorse'
          ? 'endorsed'
          : stance === 'object'
            ? 'objected'
            : stance === 'retract'
              ? 'retracted'
              : null;
      if (action) record(r.amendmentId, action, str(v?.['note']));
    }
  }

  private event(pointId: string, actor: Actor, at: number, detail: HistoryDetail): void {
    this.events.push({
      groupKey: null,
      boardId: this.boardId,
      pointId,
      at,
      until: at,
      actorId: actor.userId,
      actorName: actor.name,
      actorStakeholderId: actor.stakeholderId,
      detail,
    });
  }
}

function firstComment(thread: Y.Map<unknown>): string {
  const comments = thread.get(THREAD.comments);
  const first = comments instanceof Y.Array ? (comments.get(0) as unknown) : undefined;
  const body = first instanceof Y.Map ? str(first.get(COMMENT.body)) : '';
  return clipText(body, HISTORY_EXCERPT_LENGTH);
}
