import { describe, expect, it } from 'vitest';
import {
  BoardSearch,
  queryWords,
  searchBoard,
  type BoardJson,
  type CategoryId,
  type CommentId,
  type PointId,
  type SearchHit,
  type StakeholderId,
  type ThreadId,
  type UserId,
} from '@parley/shared/model';

const US = 'us' as StakeholderId;
const UA = 'ukraine' as StakeholderId;
const P1 = 'p1' as PointId;
const P2 = 'p2' as PointId;

function board(): BoardJson {
  const comment = (id: string, body: string, deleted = false) => ({
    id: id as CommentId,
    authorId: 'u1' as UserId,
    authorName: 'Ann',
    stakeholderId: UA,
    body,
    createdAt: 1,
    editedAt: null,
    deleted,
    mentions: [],
    reactions: [],
  });
  return {
    meta: { title: 'B', description: '', isDemo: false, schemaVersion: 1 },
    stakeholders: [
      { id: US, name: 'United States', short: 'US', color: '#1d4ed8', order: 'a' },
      { id: UA, name: 'Ukraine', short: 'UA', color: '#ca8a04', order: 'b' },
    ],
    categories: [{ id: 'c1' as CategoryId, title: 'Peace', order: 'a', number: 1 }],
    points: [
      // Listed out of order: hits come in point order.
      {
        id: P2,
        categoryId: 'c1' as CategoryId,
        order: 'b',
        number: 2,
        title: 'Talks in Genève',
        body: '',
        createdAt: 1,
      },
      {
        id: P1,
        categoryId: 'c1' as CategoryId,
        order: 'a',
        number: 1,
        title: 'Ceasefire arrangements',
        body: `${'Opening words of a long body. '.repeat(4)}The ceasefire line is monitored by observers. ${'More text. '.repeat(20)}`,
        createdAt: 1,
      },
    ],
    positions: [
      {
        pointId: P1,
        stakeholderId: UA,
        stance: 'oppose',
        rationale: 'Not while the line is open',
        by: 'u1' as UserId,
        byName: 'Ann',
        at: 1,
      },
      {
        pointId: P1,
        stakeholderId: US,
        stance: 'support',
        rationale: 'The LINE holds',
        by: 'u2' as UserId,
        byName: 'Bob',
        at: 1,
      },
    ],
    threads: [
      {
        id: 't1' as ThreadId,
        pointId: P1,
        stakeholderId: UA,
        createdBy: 'u1' as UserId,
        createdAt: 1,
        resolved: false,
        resolvedBy: null,
        resolvedAt: null,
        anchor: null,
        comments: [comment('k1', 'Who monitors the line?'), comment('k2', 'The line was removed', true)],
      },
    ],
  };
}

const where = (hits: SearchHit[]) =>
  hits.map((h) => `${h.pointNumber}:${h.field}${h.stakeholderId ? `:${h.stakeholderId}` : ''}`);
const marked = (h: SearchHit) => h.matches.map(([a, b]) => h.snippet.slice(a, b));

describe('search within a board (unit: shared/src/model/search.ts)', () => {
  it('SEARCH1 a field matches when it holds every word of the query, ignoring case and accents; hits come in board order with a snippet whose matches are marked; deleted comments and empty queries find nothing', () => {
    const b = board();
    const line = searchBoard(b, 'line');
    // Title, body, rationales in delegation order, then comments; the deleted comment is not found.
    expect(where(line)).toEqual(['1:body', '1:rationale:us', '1:rationale:ukraine', '1:comment:ukraine']);
    expect(line[3]).toMatchObject({ threadId: 't1', commentId: 'k1' });
    expect(marked(line[1]!)).toEqual(['LINE']);

    // Every word, in any order; accents and case ignored both ways.
    expect(where(searchBoard(b, 'monitored CEASEFIRE'))).toEqual(['1:body']);
    expect(where(searchBoard(b, 'geneve'))).toEqual(['2:title']);
    expect(marked(searchBoard(b, 'GENÈVE')[0]!)).toEqual(['Genève']);
    expect(searchBoard(b, 'ceasefire tanks')).toEqual([]);

    // A long body: the snippet starts near the match and says where it was cut.
    const body = searchBoard(b, 'monitored')[0]!;
    expect(body.snippet.startsWith('…')).toBe(true);
    expect(body.snippet.endsWith('…')).toBe(true);
    expect(marked(body)).toEqual(['monitored']);

    expect(searchBoard(b, '   ')).toEqual([]);
    expect(queryWords('  The the  LINE ')).toEqual(['the', 'line']);
    expect(searchBoard(b, 'line', 2)).toHaveLength(2);
  });

  it('SEARCH1 a kept search folds only what changed: a later search sees edited texts', () => {
    const search = new BoardSearch();
    const b = board();
    expect(where(search.search(b, 'talks'))).toEqual(['2:title']);
    const edited: BoardJson = {
      ...b,
      points: b.points.map((p) => (p.id === P2 ? { ...p, title: 'Negotiations' } : p)),
    };
    expect(search.search(edited, 'talks')).toEqual([]);
    expect(where(search.search(edited, 'negotiations'))).toEqual(['2:title']);
  });
});
