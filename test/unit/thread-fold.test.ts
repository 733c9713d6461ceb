import { describe, expect, it } from 'vitest';
import type { CommentJson } from '@parley/shared/model';
import { foldBoundary, threadRows } from '../../client/src/lib/state/thread-fold.ts';

const comment = (id: string): CommentJson =>
  ({
    id,
    authorId: 'u',
    authorName: 'U',
    stakeholderId: 's',
    body: id,
    createdAt: 0,
    editedAt: null,
    deleted: false,
  }) as CommentJson;
const thread = (n: number) => Array.from({ length: n }, (_, i) => comment(`m${i}`));
const shape = (rows: ReturnType<typeof threadRows>) =>
  rows.map((r) => (r.kind === 'fold' ? `fold ${r.hidden}` : r.comment.id));

describe('thread folding', () => {
  it('FOLD1 threads of six or fewer comments show whole; longer ones fold all but the opening and latest three, and the fold keeps its place as replies arrive', () => {
    expect(foldBoundary(thread(6))).toBeNull();
    expect(shape(threadRows(thread(6), foldBoundary(thread(6))))).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
    const boundary = foldBoundary(thread(8));
    expect(shape(threadRows(thread(8), boundary))).toEqual(['m0', 'fold 4', 'm5', 'm6', 'm7']);
    // Two replies later, under the same boundary: they show below the fold.
    expect(shape(threadRows(thread(10), boundary))).toEqual(['m0', 'fold 4', 'm5', 'm6', 'm7', 'm8', 'm9']);
    expect(shape(threadRows(thread(10), null))).toHaveLength(10);
  });

  it('FOLD2 every row has its own key, even when writers reuse a comment id (a clash must not break the list)', () => {
    const comments = [comment('a'), comment('b'), comment('a'), comment('a'), comment('fold')];
    const keys = threadRows(comments, null).map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);
    const folded = threadRows(thread(8), foldBoundary(thread(8))).map((r) => r.key);
    expect(new Set(folded).size).toBe(folded.length);
  });
});
