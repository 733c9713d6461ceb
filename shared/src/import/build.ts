import * as Y from 'yjs';
import { addCategory, addPoint, addStakeholder, initBoard } from '../model/mutations.ts';
import {
  newCommentId,
  newPointId,
  newThreadId,
  type CategoryId,
  type PointId,
  type StakeholderId,
} from '../model/ids.ts';
import { boardRoots } from '../model/roots.ts';
import { COMMENT, ENTRY_ID_PATTERN, POINT, THREAD, positionKey } from '../model/schema.ts';
import type { BoardPlan } from './plan.ts';

/**
 * A new board's whole initial state as ONE update, built from a plan: meta, stakeholders,
 * categories and points with the shared mutations, then positions and threads in one
 * transaction in the schema's shape, keeping the plan's authors and times (the mutations
 * would stamp the current user and time, and an import keeps who said what, and when).
 * Point, thread and comment ids of the plan are kept where valid and unique (a JSON
 * export read back keeps its ids); category ids are new.
 */
export function buildBoardState(plan: BoardPlan, options: { title?: string } = {}): Uint8Array {
  const doc = new Y.Doc();
  try {
    initBoard(doc, { title: options.title ?? plan.meta.title, description: plan.meta.description });
    for (const s of plan.stakeholders)
      addStakeholder(doc, null, { id: s.id, name: s.name, short: s.short, color: s.color });
    const categoryIds = new Map<string, CategoryId>();
    for (const c of plan.categories) categoryIds.set(c.id, addCategory(doc, null, c.title));
    const pointIds = new Map<string, PointId>();
    const used = new Set<string>();
    const fresh = (id: string, mint: () => string) => {
      // A board keeps a plan's ids of the shape entry ids must have (no ':', short).
      const out = ENTRY_ID_PATTERN.test(id) && !used.has(id) ? id : mint();
      used.add(out);
      return out;
    };
    for (const p of plan.points) {
      const categoryId = categoryIds.get(p.categoryId);
      if (!categoryId) throw new Error(`point "${p.id}" names no category of the plan`);
      const id = fresh(p.id, newPointId) as PointId;
      pointIds.set(p.id, addPoint(doc, null, { categoryId, title: p.title, body: p.body, id }));
    }
    const roots = boardRoots(doc);
    doc.transact(() => {
      for (const p of plan.points) roots.points.get(pointIds.get(p.id)!)?.set(POINT.createdAt, p.createdAt);
      for (const pos of plan.positions) {
        const pointId = pointIds.get(pos.pointId);
        if (!pointId) continue;
        roots.positions.set(positionKey(pointId, pos.stakeholderId as StakeholderId), {
          stance: pos.stance,
          rationale: pos.rationale,
          by: pos.by,
          byName: pos.byName,
          at: pos.at,
        });
      }
      for (const t of plan.threads) {
        const pointId = pointIds.get(t.pointId);
        if (!pointId) continue;
        const thread = new Y.Map<unknown>();
        thread.set(THREAD.pointId, pointId);
        thread.set(THREAD.stakeholderId, t.stakeholderId);
        thread.set(THREAD.createdBy, t.createdBy);
        thread.set(THREAD.createdAt, t.createdAt);
        thread.set(THREAD.resolved, t.resolved);
        if (t.resolved && t.resolvedBy !== null) thread.set(THREAD.resolvedBy, t.resolvedBy);
        if (t.resolved && t.resolvedAt !== null) thread.set(THREAD.resolvedAt, t.resolvedAt);
        const comments = new Y.Array<Y.Map<unknown>>();
        comments.push(
          t.comments.map((c) => {
            const m = new Y.Map<unknown>();
            m.set(COMMENT.id, fresh(c.id, newCommentId));
            m.set(COMMENT.authorId, c.authorId);
            m.set(COMMENT.authorName, c.authorName);
            m.set(COMMENT.stakeholderId, c.stakeholderId);
            m.set(COMMENT.body, c.deleted ? '' : c.body);
            m.set(COMMENT.createdAt, c.createdAt);
            if (c.editedAt !== null) m.set(COMMENT.editedAt, c.editedAt);
            if (c.deleted) m.set(COMMENT.deleted, true);
            return m;
          }),
        );
        thread.set(THREAD.comments, comments);
        roots.threads.set(fresh(t.id, newThreadId), thread);
      }
    });
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}
