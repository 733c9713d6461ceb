import type * as Y from 'yjs';
import { COMMENT, POINT } from './schema.ts';
import { ReactionIndex, reactionCommentKey } from './reactions.ts';
import { boardRoots, str, type BoardRoots } from './roots.ts';
import type { BoardJson, CommentJson, PointJson, ThreadJson } from './types.ts';
import {
  listCategories,
  listPoints,
  listPositions,
  listStakeholders,
  listThreads,
  readComment,
  readMeta,
  readPoint,
  readThread,
  type UnnumberedPoint,
} from './view.ts';

/**
 * The board's plain JSON view, kept up to date part by part. `toBoardJson` reads the whole
 * doc; on a board with thousands of comments that is milliseconds per keystroke. This
 * rebuilds only what a change touched, and only the threads it touched: a keystroke in a
 * point body recomputes the 28 points and nothing else, a reply re-reads one thread and
 * reuses its unchanged comments. Parts that did not change keep their identity, so a UI
 * can skip them (a thread of 200 comments does not re-render 200 comments for a reply).
 */
export class LiveBoardView {
  private readonly roots: BoardRoots;
  private view: BoardJson;
  private readonly threadCache = new Map<string, ThreadJson>();
  private readonly staleThreads = new Set<string>();
  /** Points as read, by id, until a change inside one makes it stale. */
  private readonly pointCache = new Map<string, UnnumberedPoint>();
  private readonly stalePoints = new Set<string>();
  /** Comment JSON by the comment's Y.Map, dropped when that map changes. */
  private readonly commentCache = new WeakMap<object, CommentJson>();
  /** The reactions root by comment, kept current from its events (observed once). */
  private readonly reactions: ReactionIndex;
  /**
   * Comments (`threadId:commentId`) whose reactions changed since the last read: their
   * maps did not change, so the cache by map identity alone would miss it.
   */
  private readonly staleReactions = new Set<string>();
  private commentOf(threadId: string, m: Y.Map<unknown>): CommentJson {
    let comment = this.commentCache.get(m);
    const commentId = str(m.get(COMMENT.id));
    if (!comment || this.staleReactions.has(reactionCommentKey(threadId, commentId))) {
      comment = readComment(m, this.reactions.forComment(threadId, commentId));
      this.commentCache.set(m, comment);
    }
    return comment;
  }
  /** Everything is stale until the first read. */
  private stale = staleness(true);
  private readonly unobserve: (() => void)[] = [];

  constructor(
    private readonly doc: Y.Doc,
    /** Called on the first change after each read. */
    private readonly onStale: () => void = () => undefined,
  ) {
    this.roots = boardRoots(doc);
    this.reactions = new ReactionIndex(this.roots.reactions);
    // Everything is stale, so this first read uses nothing of a previous view.
    this.view = this.read();
    type Events = Y.YEvent<Y.AbstractType<unknown>>[];
    const watch = (root: Y.Map<unknown>, mark: (events: Events) => void) => {
      const handler = (events: Events) => {
        const wasStale = this.isStale;
        mark(events);
        if (!wasStale && this.isStale) this.onStale();
      };
      root.observeDeep(handler);
      this.unobserve.push(() => root.unobserveDeep(handler));
    };
    const r = this.roots as unknown as Record<keyof BoardRoots, Y.Map<unknown>>;
    watch(r.meta, () => (this.stale.meta = true));
    watch(r.stakeholders, () => (this.stale.stakeholders = true));
    watch(r.categories, () => (this.stale.categories = true));
    watch(r.positions, () => (this.stale.positions = true));
    watch(r.points, (events) => {
      this.stale.points = true;
      if (events.some((e) => changesPointSet(e, r.points))) this.stale.pointSet = true;
      for (const e of events) {
        if (e.target === r.points) for (const id of e.changes.keys.keys()) this.stalePoints.add(id);
        else this.stalePoints.add(String(e.path[0]));
      }
    });
    watch(r.threads, (events) => {
      this.stale.threads = true;
      for (const e of events) {
        if (e.target === r.threads) for (const id of e.changes.keys.keys()) this.staleThreads.add(id);
        else this.staleThreads.add(String(e.path[0]));
        // A change inside a comment's map makes that comment stale (other targets: no entry).
        this.commentCache.delete(e.target);
      }
    });
    // A reaction re-reads its comment, and so its thread; the others keep their objects.
    watch(r.reactions, (events) => {
      for (const e of events) {
        for (const key of e.changes.keys.keys()) {
          const parts = this.reactions.update(key);
          if (parts === null) continue;
          this.staleReactions.add(reactionCommentKey(parts.threadId, parts.commentId));
          this.staleThreads.add(parts.threadId);
          this.stale.threads = true;
        }
      }
    });
  }

  get isStale(): boolean {
    return Object.values(this.stale).some(Boolean);
  }

  /** The current view; parts no change touched since the last read are the same objects. */
  read(): BoardJson {
    if (!this.isStale) return this.view;
    const s = this.stale;
    const v = this.view;
    // Unset during the constructor's first read.
    const previousPoints = (v as BoardJson | undefined)?.points ?? [];
    this.view = {
      meta: s.meta ? readMeta(this.doc) : v.meta,
      stakeholders: s.stakeholders ? listStakeholders(this.doc) : v.stakeholders,
      categories: s.categories ? listCategories(this.doc) : v.categories,
      // Point numbers follow category order.
      points: s.points || s.categories ? reuseUnchanged(previousPoints, this.listPoints(), samePoint) : v.points,
      positions: s.positions || s.pointSet ? listPositions(this.doc) : v.positions,
      threads: s.threads || s.pointSet ? this.listThreads() : v.threads,
    };
    this.staleReactions.clear();
    this.stale = staleness(false);
    return this.view;
  }

  destroy(): void {
    for (const off of this.unobserve.splice(0)) off();
  }

  /** `listPoints`, re-reading only the points changed since the last read (a keystroke: one). */
  private listPoints(): PointJson[] {
    for (const id of this.stalePoints) this.pointCache.delete(id);
    this.stalePoints.clear();
    const points = this.roots.points;
    for (const id of this.pointCache.keys()) if (!points.has(id)) this.pointCache.delete(id);
    return listPoints(this.doc, (id, m) => {
      let point = this.pointCache.get(id);
      if (!point) {
        point = readPoint(id, m);
        this.pointCache.set(id, point);
      }
      return point;
    });
  }

  /** `listThreads`, re-reading only the threads changed since the last read. */
  private listThreads(): ThreadJson[] {
    for (const id of this.staleThreads) this.threadCache.delete(id);
    this.staleThreads.clear();
    const threads = this.roots.threads;
    for (const id of this.threadCache.keys()) if (!threads.has(id)) this.threadCache.delete(id);
    return listThreads(this.doc, undefined, (id, m) => {
      let thread = this.threadCache.get(id);
      if (!thread) {
        thread = readThread(id, m, (c) => this.commentOf(id, c));
        this.threadCache.set(id, thread);
      }
      return thread;
    });
  }
}

/** Points added or removed, or a point deleted or restored (POINT.deletedAt). */
function changesPointSet(e: Y.YEvent<Y.AbstractType<unknown>>, points: Y.Map<unknown>): boolean {
  if (e.target === points) return e.changes.keys.size > 0;
  return e.target.parent === points && (e as Y.YMapEvent<unknown>).keysChanged?.has(POINT.deletedAt) === true;
}

const samePoint = (a: PointJson, b: PointJson) =>
  a.id === b.id &&
  a.number === b.number &&
  a.title === b.title &&
  a.body === b.body &&
  a.categoryId === b.categoryId &&
  a.order === b.order &&
  a.createdAt === b.createdAt;

/**
 * `next`, with every element equal to the one at its place in `previous` replaced by that
 * previous object, and `previous` itself when nothing differs: typing in one point leaves
 * the other points' objects (and their list rows) untouched.
 */
function reuseUnchanged<T>(previous: readonly T[], next: T[], same: (a: T, b: T) => boolean): T[] {
  let changed = previous.length !== next.length;
  for (let i = 0; i < next.length; i++) {
    const old = previous[i];
    if (old !== undefined && same(old, next[i]!)) next[i] = old;
    else changed = true;
  }
  return changed ? next : (previous as T[]);
}

/** Which parts of the view need re-reading. */
function staleness(all: boolean) {
  return {
    meta: all,
    stakeholders: all,
    categories: all,
    points: all,
    /** Points were added or removed: positions and threads of missing points hide. */
    pointSet: all,
    positions: all,
    threads: all,
  };
}
