import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  LIMITS,
  deleteComment,
  deleteThread,
  editComment,
  listThreads,
  openThread,
  replyToThread,
  setThreadResolved,
  type Actor,
  type CommentId,
  type PointId,
  type ThreadId,
  type UserId,
} from '@parley/shared/model';
import { GOV, NGO, ann, bob, expectOneMutation, expectRefused, seededBoard } from './helpers.ts';

/** Same user id as ann, different display name: authorship is by user id. */
const annOtherTab: Actor = { ...ann, name: 'Ann (laptop)' };
/** Same name and stakeholder as ann, different user: must not count as the author. */
const impostor: Actor = { ...ann, userId: 'u-mallory' as UserId };

let clock = 1_000;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  clock = 1_000;
  vi.setSystemTime(clock);
});
afterEach(() => {
  vi.useRealTimers();
});
const tick = () => vi.setSystemTime((clock += 1_000));

function board() {
  const s = seededBoard();
  const pointId = s.points[0]![0]!;
  tick();
  const threadId = openThread(s.doc, ann, { pointId, body: '  What about costs?  ' });
  const first = listThreads(s.doc)[0]!.comments[0]!.id;
  return { ...s, pointId, threadId, first };
}

const thread = (doc: Parameters<typeof listThreads>[0], id: ThreadId) => {
  const t = listThreads(doc).find((x) => x.id === id);
  if (!t) throw new Error(`thread ${id} not listed`);
  return t;
};

describe('MODEL8: threads', () => {
  it("MODEL8: openThread creates an unresolved thread for the actor's stakeholder with a first comment", () => {
    const { doc, points } = seededBoard();
    const pointId = points[0]![0]!;
    vi.setSystemTime(5_000);
    const id = expectOneMutation(doc, 'openThread', ann.userId, () =>
      openThread(doc, ann, { pointId, body: '  Line 1\n  Line 2  ' }),
    );
    expect(id).toMatch(/^t_[a-z0-9]{12}$/);
    expect(listThreads(doc)).toEqual([
      {
        id,
        pointId,
        stakeholderId: GOV,
        createdBy: ann.userId,
        createdAt: 5_000,
        resolved: false,
        resolvedBy: null,
        resolvedAt: null,
        anchor: null,
        comments: [
          {
            id: expect.stringMatching(/^m_[a-z0-9]{12}$/),
            authorId: ann.userId,
            authorName: ann.name,
            stakeholderId: GOV,
            body: 'Line 1\n  Line 2',
            createdAt: 5_000,
            editedAt: null,
            deleted: false,
            mentions: [],
            reactions: [],
          },
        ],
      },
    ]);
  });

  it('MODEL8: openThread can open a thread for another stakeholder', () => {
    const { doc, points } = seededBoard();
    const pointId = points[0]![0]!;
    const id = openThread(doc, ann, { pointId, body: 'For the NGO', stakeholderId: NGO });
    expect(thread(doc, id)).toMatchObject({ stakeholderId: NGO, createdBy: ann.userId });
    expect(thread(doc, id).comments[0]!.stakeholderId).toBe(GOV);
  });

  it('MODEL8: several threads on a point are listed oldest first, and can be filtered by point', () => {
    const { doc, points } = seededBoard();
    const [p, q] = [points[0]![0]!, points[1]![0]!];
    tick();
    const t1 = openThread(doc, bob, { pointId: p, body: 'one' });
    tick();
    const t2 = openThread(doc, ann, { pointId: q, body: 'two' });
    tick();
    const t3 = openThread(doc, ann, { pointId: p, body: 'three' });
    expect(listThreads(doc).map((t) => t.id)).toEqual([t1, t2, t3]);
    expect(listThreads(doc, p).map((t) => t.id)).toEqual([t1, t3]);
    expect(listThreads(doc, q).map((t) => t.id)).toEqual([t2]);
  });

  it('MODEL2: openThread refuses an empty or over-long body and an unknown point', () => {
    const { doc, points } = seededBoard();
    const pointId = points[0]![0]!;
    expectRefused(doc, () => openThread(doc, ann, { pointId, body: '' }), 'invalid');
    expectRefused(doc, () => openThread(doc, ann, { pointId, body: ' \n\t ' }), 'invalid');
    expectRefused(doc, () => openThread(doc, ann, { pointId, body: 'x'.repeat(LIMITS.commentLength + 1) }), 'invalid');
    expectRefused(doc, () => openThread(doc, ann, { pointId: 'p_missing00000' as PointId, body: 'Hi' }), 'not-found');
    openThread(doc, ann, { pointId, body: 'x'.repeat(LIMITS.commentLength) });
    expect(listThreads(doc)).toHaveLength(1);
  });

  it('MODEL8: replies are appended in order with their author', () => {
    const { doc, threadId, first } = board();
    tick();
    const r1 = expectOneMutation(doc, 'replyToThread', bob.userId, () => replyToThread(doc, bob, threadId, ' Fine. '));
    tick();
    const r2 = replyToThread(doc, ann, threadId, 'Thanks');
    const comments = thread(doc, threadId).comments;
    expect(comments.map((c) => c.id)).toEqual([first, r1, r2]);
    expect(comments.map((c) => [c.body, c.authorId, c.authorName, c.stakeholderId])).toEqual([
      ['What about costs?', ann.userId, ann.name, GOV],
      ['Fine.', bob.userId, bob.name, NGO],
      ['Thanks', ann.userId, ann.name, GOV],
    ]);
    expect(new Set(comments.map((c) => c.id)).size).toBe(3);
  });

  it('MODEL2: replyToThread refuses an unknown thread and a bad body', () => {
    const { doc, threadId } = board();
    expectRefused(doc, () => replyToThread(doc, bob, 't_missing00000' as ThreadId, 'hi'), 'not-found');
    expectRefused(doc, () => replyToThread(doc, bob, threadId, '   '), 'invalid');
    expectRefused(doc, () => replyToThread(doc, bob, threadId, 'x'.repeat(LIMITS.commentLength + 1)), 'invalid');
  });

  it('MODEL8: the author can edit a comment; the edit is timestamped', () => {
    const { doc, threadId, first } = board();
    vi.setSystemTime(99_000);
    expectOneMutation(doc, 'editComment', ann.userId, () => editComment(doc, ann, threadId, first, ' Costs? '));
    expect(thread(doc, threadId).comments[0]).toMatchObject({ body: 'Costs?', editedAt: 99_000, deleted: false });
    // Authorship is by user id, not display name.
    editComment(doc, annOtherTab, threadId, first, 'Costs!');
    expect(thread(doc, threadId).comments[0]!.body).toBe('Costs!');
  });

  it('MODEL8: only the author may edit or delete a comment (by user id)', () => {
    const { doc, threadId, first } = board();
    expectRefused(doc, () => editComment(doc, bob, threadId, first, 'Hijacked'), 'invalid');
    expectRefused(doc, () => editComment(doc, impostor, threadId, first, 'Hijacked'), 'invalid');
    expectRefused(doc, () => deleteComment(doc, bob, threadId, first), 'invalid');
    expectRefused(doc, () => deleteComment(doc, impostor, threadId, first), 'invalid');
    expect(thread(doc, threadId).comments[0]).toMatchObject({ body: 'What about costs?', deleted: false });
  });

  it('MODEL2: editComment and deleteComment refuse unknown threads and comments, and bad bodies', () => {
    const { doc, threadId, first } = board();
    const missingComment = 'm_missing00000' as CommentId;
    const missingThread = 't_missing00000' as ThreadId;
    expectRefused(doc, () => editComment(doc, ann, threadId, missingComment, 'x'), 'not-found');
    expectRefused(doc, () => editComment(doc, ann, missingThread, first, 'x'), 'not-found');
    expectRefused(doc, () => editComment(doc, ann, threadId, first, '  '), 'invalid');
    expectRefused(doc, () => editComment(doc, ann, threadId, first, 'x'.repeat(LIMITS.commentLength + 1)), 'invalid');
    expectRefused(doc, () => deleteComment(doc, ann, threadId, missingComment), 'not-found');
    expectRefused(doc, () => deleteComment(doc, ann, missingThread, first), 'not-found');
  });

  it('MODEL8: deleting a comment is soft: it keeps its place but its text is erased', () => {
    const { doc, threadId, first } = board();
    const reply = replyToThread(doc, bob, threadId, 'Reply');
    expectOneMutation(doc, 'deleteComment', ann.userId, () => deleteComment(doc, ann, threadId, first));
    const comments = thread(doc, threadId).comments;
    expect(comments.map((c) => c.id)).toEqual([first, reply]);
    expect(comments[0]).toMatchObject({ deleted: true, body: '', authorId: ann.userId });
    expect(comments[1]).toMatchObject({ deleted: false, body: 'Reply' });
    // The text is gone from the current state of the doc, not just hidden by the view.
    expect(JSON.stringify(doc.getMap('threads').toJSON())).not.toContain('What about costs?');
  });

  it('MODEL8: a deleted comment cannot be edited back', () => {
    const { doc, threadId, first } = board();
    deleteComment(doc, ann, threadId, first);
    expectRefused(doc, () => editComment(doc, ann, threadId, first, 'Resurrected'), 'invalid');
    expect(thread(doc, threadId).comments[0]).toMatchObject({ deleted: true, body: '' });
  });

  it('MODEL8: a thread can be resolved and reopened, recording who resolved it and when', () => {
    const { doc, threadId } = board();
    vi.setSystemTime(77_000);
    expectOneMutation(doc, 'setThreadResolved', bob.userId, () => setThreadResolved(doc, bob, threadId, true));
    expect(thread(doc, threadId)).toMatchObject({ resolved: true, resolvedBy: bob.userId, resolvedAt: 77_000 });
    expectOneMutation(doc, 'setThreadResolved', ann.userId, () => setThreadResolved(doc, ann, threadId, false));
    expect(thread(doc, threadId)).toMatchObject({ resolved: false, resolvedBy: null, resolvedAt: null });
    // Replies are still possible on a reopened (and on a resolved) thread.
    setThreadResolved(doc, bob, threadId, true);
    replyToThread(doc, ann, threadId, 'After resolution');
    expect(thread(doc, threadId).comments).toHaveLength(2);
  });

  it('MODEL2: setThreadResolved and deleteThread refuse an unknown thread', () => {
    const { doc } = board();
    expectRefused(doc, () => setThreadResolved(doc, bob, 't_missing00000' as ThreadId, true), 'not-found');
    expectRefused(doc, () => deleteThread(doc, bob, 't_missing00000' as ThreadId), 'not-found');
  });

  it('MODEL8: deleteThread removes the thread and its comments, leaving others', () => {
    const { doc, threadId, pointId } = board();
    tick();
    const other = openThread(doc, bob, { pointId, body: 'Other' });
    expectOneMutation(doc, 'deleteThread', ann.userId, () => deleteThread(doc, ann, threadId));
    expect(listThreads(doc).map((t) => t.id)).toEqual([other]);
    expectRefused(doc, () => replyToThread(doc, ann, threadId, 'Too late'), 'not-found');
    expectRefused(doc, () => deleteThread(doc, ann, threadId), 'not-found');
  });
});
