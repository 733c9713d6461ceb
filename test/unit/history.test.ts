import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import {
  HISTORY_GROUP_IDLE_MS,
  clearPosition,
  listPoints,
  listThreads,
  movePoint,
  openThread,
  pointText,
  proposeAmendment,
  respondToAmendment,
  restorePoint,
  setPosition,
  setThreadResolved,
  trashPoint,
  withdrawAmendment,
  type Actor,
  type CategoryId,
  type HistoryDetail,
  type PointId,
  type StakeholderId,
  type UserId,
} from '@parley/shared/model';
import type { Principal } from '@parley/shared/permissions';
import { buildDemoState } from '../../server/src/seed/createDemoBoard.ts';
import { encodeUpdate } from '../../server/src/collab/codec/messageCodec.ts';
import type { StoredHistoryRow } from '../../server/src/persistence/Storage.ts';
import { roomHarness, type RoomConnection, type RoomHarness } from '../helpers/room.ts';

const person = (id: string, role: Principal['role'], stakeholderId: string | null): Principal => ({
  userId: `u-${id}` as UserId,
  name: id,
  role,
  stakeholderId: stakeholderId as StakeholderId | null,
});
const actor = (p: Principal): Actor => ({
  userId: p.userId,
  name: p.name,
  stakeholderId: p.stakeholderId ?? ('us' as StakeholderId),
});

/** A person connected to the room with a replica of their own, as a synced client holds one. */
interface Member {
  readonly principal: Principal;
  readonly connection: RoomConnection;
  readonly doc: Y.Doc;
  /** Makes `edit` on the replica and returns the frame carrying it. */
  frame(edit: (doc: Y.Doc) => void): Uint8Array;
}

async function member(h: RoomHarness, principal: Principal): Promise<Member> {
  const connection = await h.connect(principal);
  const doc = new Y.Doc();
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(h.room.doc));
  return {
    principal,
    connection,
    doc,
    frame(edit) {
      let out: Uint8Array | null = null;
      const take = (u: Uint8Array) => (out = u);
      doc.on('update', take);
      edit(doc);
      doc.off('update', take);
      return encodeUpdate(out!);
    },
  };
}

/** Brings a member's replica up to the room's doc (what the relay would have sent). */
const catchUp = (m: Member, h: RoomHarness) =>
  Y.applyUpdate(m.doc, Y.encodeStateAsUpdate(h.room.doc, Y.encodeStateVector(m.doc)));

const history = (h: RoomHarness, pointId: string) => h.storage.readPointHistory('demo', pointId, null, 100);
const details = (rows: StoredHistoryRow[]) => rows.map((r) => r.detail);

describe('point history derived from committed updates (unit: server/src/history/HistoryRecorder.ts, in-memory sockets and store)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    vi.useRealTimers();
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function harness(): Promise<RoomHarness> {
    const h = await roomHarness(buildDemoState());
    cleanups.push(h.close);
    return h;
  }

  it('HIST1 one person’s edits to one text make one entry that grows (until, edits, characters) while they keep coming; another person’s edits in the same turn make their own entry; after the idle gap a new entry starts with the text as it then was', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const h = await harness();
    const ann = await member(h, person('ann', 'editor', 'us'));
    const bob = await member(h, person('bob', 'editor', 'europe'));
    const pointId = listPoints(ann.doc)[0]!.id;
    const body = (d: Y.Doc) => pointText(d, pointId, 'body')!;
    const original = body(h.room.doc).toString();

    await h.deliver(
      ann.connection,
      ann.frame((d) => body(d).insert(0, 'One ')),
    );
    vi.setSystemTime(1_060_000);
    // Both in one turn: one transaction, one commit, two authors.
    h.room.handleMessage(
      ann.connection.conn,
      ann.frame((d) => body(d).insert(0, 'Two ')),
    );
    h.room.handleMessage(
      bob.connection.conn,
      bob.frame((d) => body(d).delete(body(d).length - 3, 3)),
    );
    await h.persist.flush();

    let rows = await history(h, pointId);
    expect(rows.map((r) => [r.actorId, r.detail.kind])).toEqual([
      ['u-bob', 'text'],
      ['u-ann', 'text'],
    ]);
    const annEntry = rows[1]!;
    expect(annEntry.at).toBe(1_000_000);
    expect(annEntry.until).toBe(1_060_000);
    expect(annEntry.detail).toMatchObject({
      kind: 'text',
      field: 'body',
      before: original,
      inserted: 8,
      deleted: 0,
      edits: 2,
      cause: { kind: 'direct' },
    });
    expect(rows[0]!.detail).toMatchObject({ inserted: 0, deleted: 3, edits: 1 });

    catchUp(ann, h);
    const textNow = body(h.room.doc).toString();
    vi.setSystemTime(1_060_000 + HISTORY_GROUP_IDLE_MS + 1);
    await h.deliver(
      ann.connection,
      ann.frame((d) => body(d).insert(0, 'Three ')),
    );
    rows = await history(h, pointId);
    expect(rows).toHaveLength(3);
    expect(rows[0]!.actorId).toBe('u-ann');
    expect(rows[0]!.detail).toMatchObject({ before: textNow, inserted: 6, edits: 1 });
    // The older entry was not touched by the new run.
    expect(rows[2]!.until).toBe(1_060_000);
  });

  it('HIST2 every position change is an entry of its own, from → to with the rationale, and clearing it is one too', async () => {
    const h = await harness();
    const ua = await member(h, person('olena', 'delegate', 'ukraine'));
    const pointId = listPoints(ua.doc)[1]!.id;
    const sid = 'ukraine' as StakeholderId;
    const set = (stance: 'support' | 'oppose', rationale: string) =>
      h.deliver(
        ua.connection,
        ua.frame((d) => setPosition(d, actor(ua.principal), { pointId, stakeholderId: sid, stance, rationale })),
      );
    await set('oppose', 'Too vague');
    await set('support', 'Now it is monitored');
    await set('support', 'Monitored weekly');
    await h.deliver(
      ua.connection,
      ua.frame((d) => clearPosition(d, actor(ua.principal), pointId, sid)),
    );
    const positions = details(await history(h, pointId)).filter((d) => d.kind === 'position');
    expect(positions.reverse()).toEqual([
      { kind: 'position', stakeholderId: 'ukraine', from: null, to: { stance: 'oppose', rationale: 'Too vague' } },
      {
        kind: 'position',
        stakeholderId: 'ukraine',
        from: { stance: 'oppose', rationale: 'Too vague' },
        to: { stance: 'support', rationale: 'Now it is monitored' },
      },
      {
        kind: 'position',
        stakeholderId: 'ukraine',
        from: { stance: 'support', rationale: 'Now it is monitored' },
        to: { stance: 'support', rationale: 'Monitored weekly' },
      },
      {
        kind: 'position',
        stakeholderId: 'ukraine',
        from: { stance: 'support', rationale: 'Monitored weekly' },
        to: null,
      },
    ]);
  });

  it('HIST3 amendments proposed, endorsed, objected, retracted and withdrawn, threads opened, resolved and reopened, and points created, moved, deleted and restored are entries of the point they concern, under the sender’s name and delegation', async () => {
    const h = await harness();
    const ua = await member(h, person('olena', 'delegate', 'ukraine'));
    const eu = await member(h, person('eva', 'delegate', 'europe'));
    const editor = await member(h, person('ed', 'editor', 'us'));
    const pointId = listPoints(ua.doc)[3]!.id;
    let amendmentId = '';
    await h.deliver(
      ua.connection,
      ua.frame((d) => {
        amendmentId = proposeAmendment(d, actor(ua.principal), {
          pointId,
          field: 'title',
          wording: 'A better title',
          rationale: 'Clearer',
        });
      }),
    );
    catchUp(eu, h);
    const answer = (stance: 'endorse' | 'object' | 'retract', note: string) =>
      h.deliver(
        eu.connection,
        eu.frame((d) => respondToAmendment(d, actor(eu.principal), amendmentId as never, { stance, note })),
      );
    await answer('object', 'Not yet');
    await answer('retract', '');
    await answer('endorse', 'Fine now');
    catchUp(ua, h);
    await h.deliver(
      ua.connection,
      ua.frame((d) => withdrawAmendment(d, actor(ua.principal), amendmentId as never)),
    );

    catchUp(eu, h);
    let threadId = '';
    await h.deliver(
      eu.connection,
      eu.frame((d) => {
        threadId = openThread(d, actor(eu.principal), { pointId, body: 'Who monitors?' });
      }),
    );
    catchUp(editor, h);
    await h.deliver(
      editor.connection,
      editor.frame((d) => setThreadResolved(d, actor(editor.principal), threadId as never, true)),
    );
    await h.deliver(
      editor.connection,
      editor.frame((d) => setThreadResolved(d, actor(editor.principal), threadId as never, false)),
    );
    const otherCategory = [...h.room.doc.getMap('categories').keys()].find(
      (c) => c !== listPoints(h.room.doc).find((p) => p.id === pointId)!.categoryId,
    )! as CategoryId;
    await h.deliver(
      editor.connection,
      editor.frame((d) =>
        movePoint(d, actor(editor.principal), pointId as PointId, { categoryId: otherCategory, index: 0 }),
      ),
    );
    await h.deliver(
      editor.connection,
      editor.frame((d) => trashPoint(d, actor(editor.principal), pointId as PointId)),
    );
    await h.deliver(
      editor.connection,
      editor.frame((d) => restorePoint(d, actor(editor.principal), pointId as PointId)),
    );

    const rows = (await history(h, pointId)).reverse();
    const summary = rows.map((r) => [r.actorId, r.actorStakeholderId, kindOf(r.detail)]);
    expect(summary).toEqual([
      ['u-olena', 'ukraine', 'amendment proposed #1 Clearer'],
      ['u-eva', 'europe', 'amendment objected #1 Not yet'],
      ['u-eva', 'europe', 'amendment retracted #1 '],
      ['u-eva', 'europe', 'amendment endorsed #1 Fine now'],
      ['u-olena', 'ukraine', 'amendment withdrawn #1 '],
      ['u-eva', 'europe', 'thread opened Who monitors?'],
      ['u-ed', 'us', 'thread resolved Who monitors?'],
      ['u-ed', 'us', 'thread reopened Who monitors?'],
      ['u-ed', 'us', 'point moved'],
      ['u-ed', 'us', 'point deleted'],
      ['u-ed', 'us', 'point restored'],
    ]);
    expect(listThreads(h.room.doc).some((t) => t.id === threadId)).toBe(true);
  });

  it('HIST4 a refused update records nothing, and a reply in a thread or a reordering within a category is no entry', async () => {
    const h = await harness();
    const observer = await member(h, person('otto', 'observer', null));
    const editor = await member(h, person('ed', 'editor', 'us'));
    const pointId = listPoints(editor.doc)[0]!.id;
    await h.deliver(
      observer.connection,
      observer.frame((d) => pointText(d, pointId, 'body')!.insert(0, 'forbidden ')),
    );
    const p = listPoints(editor.doc).find((x) => x.id === pointId)!;
    await h.deliver(
      editor.connection,
      editor.frame((d) => movePoint(d, actor(editor.principal), pointId, { categoryId: p.categoryId, index: 2 })),
    );
    expect(await history(h, pointId)).toEqual([]);
  });
});

function kindOf(d: HistoryDetail): string {
  switch (d.kind) {
    case 'amendment':
      return `amendment ${d.action} #${d.number} ${d.note}`;
    case 'thread':
      return `thread ${d.action} ${d.excerpt}`;
    case 'point':
      return `point ${d.action}`;
    default:
      return d.kind;
  }
}
