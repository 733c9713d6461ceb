import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { listPoints, pointText, snapshotOf, toBoardJson } from '@parley/shared/model';
import { buildDemoState } from '../../server/src/seed/createDemoBoard.ts';
import { runVersionTask, type LiveLog } from '../../server/src/versions/versionTasks.ts';
import { unpackVersionState } from '../../server/src/versions/versionState.ts';

/** A board's log as a store holds it: the initial state, then one entry per edit. */
function boardLog(): { doc: Y.Doc; log: Uint8Array[] } {
  const doc = new Y.Doc();
  const log: Uint8Array[] = [buildDemoState()];
  Y.applyUpdate(doc, log[0]!);
  doc.on('update', (u: Uint8Array) => log.push(u));
  return { doc, log };
}

const live = (boardId: string, log: Uint8Array[], fromSeq: number, lastSeq = log.length): LiveLog => ({
  boardId,
  fromSeq,
  lastSeq,
  entries: log.slice(fromSeq, lastSeq),
});

describe('the versions worker’s tasks (unit: server/src/versions/versionTasks.ts, in-process)', () => {
  it('ROUND10 a published state is the stored log’s whole board, packed; after the first time only new log entries are needed, and a replica that does not start where the entries do asks for the whole log', () => {
    const { doc, log } = boardLog();
    const first = runVersionTask({ kind: 'publish', live: live('b1', log, 0), versionId: 'v_a' });
    if (first.kind !== 'state') throw new Error(first.kind);
    const decoded = new Y.Doc();
    Y.applyUpdate(decoded, unpackVersionState(first.state));
    expect(toBoardJson(decoded)).toEqual(toBoardJson(doc));
    expect(first.state.byteLength).toBeLessThan(Y.encodeStateAsUpdate(doc).byteLength);

    const seen = log.length;
    const p = listPoints(doc)[0]!;
    pointText(doc, p.id, 'body')!.insert(0, 'Later: ');
    // Only the new entry travels, and the comparison against the live board sees it.
    const compared = runVersionTask({
      kind: 'compare',
      from: { id: 'v_a', state: first.state },
      to: { live: live('b1', log, seen) },
    });
    expect(compared.kind === 'comparison' && compared.comparison.points.map((x) => [x.id, x.changes])).toEqual([
      [p.id, ['body']],
    ]);
    // A worker that holds no replica at that point (restarted, or another board) asks for all of it.
    expect(
      runVersionTask({ kind: 'compare', from: { id: 'v_a', state: first.state }, to: { live: live('b2', log, seen) } }),
    ).toEqual({
      kind: 'need-full-log',
    });
    expect(runVersionTask({ kind: 'publish', live: live('b1', log, 1), versionId: 'v_b' }).kind).toBe('need-full-log');
    const again = runVersionTask({ kind: 'read', version: { id: 'v_a', state: first.state } });
    expect(again.kind === 'board' && again.board).toEqual(snapshotOf(decoded).board);
  });
});
