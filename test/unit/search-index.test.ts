/**
 * The search index's replica of a board (server/src/search/BoardReplica.ts): after each
 * batch of committed updates it returns only the index rows that differ.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { movePoint, openThread, pointText, replyToThread, setPosition, trashPoint } from '@parley/shared/model';
import { BoardReplica } from '../../server/src/search/BoardReplica.ts';
import { IndexTables } from '../../server/src/search/IndexTables.ts';
import { IndexWorker } from '../../server/src/search/IndexWorker.ts';
import type { FromWorker } from '../../server/src/search/indexProtocol.ts';
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

describe('the search worker', () => {
  it('XSEARCH8: a board whose updates were dropped (the worker fell behind) is replayed from the store before it is searched again, so nothing committed is missed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-index-'));
    const tables = new IndexTables(dir);
    const posted: FromWorker[] = [];
    const worker = new IndexWorker(tables, (m) => posted.push(m), { flushMs: 10, idleMs: 60_000 });
    const { doc, points } = seededBoard();
    const body = pointText(doc, points[0]![0]!, 'body')!;
    const log: Uint8Array[] = [Y.encodeStateAsUpdate(doc)];
    /** An edit committed to the store: in the log, and passed on to the worker unless dropped. */
    const commit = (word: string, passOn = true) => {
      const before = Y.encodeStateVector(doc);
      body.insert(body.length, ` ${word}`);
      const update = Y.encodeStateAsUpdate(doc, before);
      log.push(update);
      if (passOn) worker.handle({ type: 'commits', boards: [{ boardId: 'b', updates: [update] }] });
    };
    /** Answers every log request so far, as the main thread does. */
    const answerLogs = () => {
      for (const m of posted.filter((p) => p.type === 'need-log')) {
        posted.splice(posted.indexOf(m), 1);
        worker.handle({ type: 'log', boardId: m.boardId, updates: [...log], lastSeq: log.length });
      }
    };
    const search = async (q: string) => {
      worker.handle({ type: 'search', requestId: 1, boardIds: ['b'], query: q, limit: 10 });
      for (let i = 0; i < 50; i++) {
        answerLogs();
        const answer = posted.find((m) => m.type === 'hits' || m.type === 'failed');
        if (answer) {
          posted.splice(posted.indexOf(answer), 1);
          return answer.type === 'hits' ? answer.hits.map((h) => h.field) : answer.message;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      throw new Error('no answer');
    };
    try {
      worker.handle({ type: 'start', boardIds: ['b'] });
      expect(await search('S1')).toEqual(['title']);
      commit('amberline');
      expect(await search('amberline')).toEqual(['body']);
      // The main thread dropped one update and says so; the next one comes as usual.
      commit('cobaltreef', false);
      worker.handle({ type: 'stale', boardIds: ['b'] });
      commit('duskmoor');
      expect(await search('cobaltreef')).toEqual(['body']);
      expect(await search('duskmoor amberline')).toEqual(['body']);
    } finally {
      worker.handle({ type: 'close' });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
