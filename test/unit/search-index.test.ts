/**
 * The search index's replica of a board (server/src/search/BoardReplica.ts): after each
 * batch of committed updates it returns only the index rows that differ.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { movePoint, openThread, pointText, replyToThread, setPosition, trashPoint } from '@parley/shared/model';
import { BoardReplica } from '../../server/src/search/BoardReplica.ts';
import { ann, bob, GOV, seededBoard } from './helpers.ts';

/** A replica fed like the worker feeds it: the board so far as its log, then each change as an update. */
function follow(doc: Y.Doc) {
  const replica = new BoardReplica('b', [Y.encodeStateAsUpdate(doc)], [], new Map());
  const first = replica.diffAll();
  return {
    first,
    /** Applies what `change` does to `doc` and returns the next flush. */
    after(change: () => void) {
      const before = Y.encodeStateVector(doc);
      change();
      replica.apply([Y.encodeStateAsUpdate(doc, before)]);
      return replica.flush();
    },
  };
}

describe('the search index replica', () => {
  it('XSEARCH7: a replica writes only what changed: a reply in a thread one row, an unchanged text none, a moved point the numbers that changed, a trashed point the removal of its rows and place', () => {
    const { doc, cats, points } = seededBoard();
    const s1 = points[0]![0]!;
    const s2 = points[0]![1]!;
    const b1 = points[1]![0]!;
    const thread = openThread(doc, bob, { pointId: s1, body: 'First question about tollgate.' });
    setPosition(doc, ann, { pointId: s1, stakeholderId: GOV, stance: 'oppose', rationale: 'Too vague.' });
    const board = follow(doc);
    // The whole board at first: five titles, a comment, a rationale; five places.
    expect(board.first.upserts.map((e) => e.field).sort()).toEqual(
      ['comment', 'rationale', 'title', 'title', 'title', 'title', 'title'].sort(),
    );
    expect([...board.first.places.values()].map((p) => p.number).sort()).toEqual([1, 2, 3, 4, 5]);

    const reply = board.after(() => replyToThread(doc, ann, thread, 'An answer about tollgate.'));
    expect(reply.upserts).toEqual([
      expect.objectContaining({ pointId: s1, field: 'comment', threadId: thread, text: 'An answer about tollgate.' }),
    ]);
    expect(reply.deletes).toEqual([]);
    expect(reply.places.size).toBe(0);

    const typed = board.after(() => pointText(doc, s2, 'body')!.insert(0, 'Body words.'));
    expect(typed.upserts).toEqual([expect.objectContaining({ pointId: s2, field: 'body', text: 'Body words.' })]);
    expect(board.after(() => undefined).upserts).toEqual([]);

    // B1 (point 3) moves to the top: it becomes 1, S1 and S2 become 2 and 3; B2 and B3 stay.
    const moved = board.after(() => movePoint(doc, ann, b1, { categoryId: cats[0], index: 0 }));
    expect(moved.upserts).toEqual([]);
    expect(Object.fromEntries([...moved.places].map(([id, p]) => [id, p.number]))).toEqual({
      [b1]: 1,
      [s1]: 2,
      [s2]: 3,
    });

    const trashed = board.after(() => trashPoint(doc, ann, s1));
    expect(trashed.upserts).toEqual([]);
    // Its title, its rationale and both comments.
    expect(trashed.deletes).toEqual(expect.arrayContaining([`${s1}|title`, `${s1}|r|${GOV}`]));
    expect(trashed.deletes).toHaveLength(4);
    expect(trashed.placesGone).toEqual([s1]);
  });
});
