import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { HistoryEntryJson } from '@parley/shared/model';
import {
  isPositionOf,
  touchedEntries,
  withFreshFirstPage,
  withOlderPage,
  type RootChange,
} from '../../client/src/lib/components/history/history-model.ts';

const entry = (id: number, summary = `entry ${id}`): HistoryEntryJson => ({
  kind: 'thread',
  action: 'opened',
  threadId: `t${id}`,
  excerpt: '',
  id,
  at: id,
  until: id,
  actor: null,
  actorStakeholderId: null,
  summary,
});
/** Newest first, as the route pages them. */
const ids = (from: number, to: number) => Array.from({ length: from - to + 1 }, (_, i) => entry(from - i));
const shape = (list: { entries: readonly HistoryEntryJson[]; next: number | null }) => ({
  ids: list.entries.map((e) => e.id),
  next: list.next,
});

describe('the History tab’s pages (unit: client history-model.ts)', () => {
  it('HIST9: a refetched first page replaces what it covers and keeps the older pages below it, with their cursor', () => {
    // Shown: two pages of three (9..7, 6..4), more below 4.
    const shown = withOlderPage({ entries: ids(9, 7), next: 7 }, { entries: ids(6, 4), next: 4 });
    expect(shape(shown)).toEqual({ ids: [9, 8, 7, 6, 5, 4], next: 4 });
    // Two new entries and entry 9 grew (a run of text edits keeps its id).
    const fresh = withFreshFirstPage(shown, { entries: [entry(11), entry(10), entry(9, 'grown')], next: 9 });
    expect(shape(fresh)).toEqual({ ids: [11, 10, 9, 8, 7, 6, 5, 4], next: 4 });
    expect(fresh.entries[2]!.summary).toBe('grown');
    // Nothing shown yet, or everything fits one page: the page as it is.
    expect(shape(withFreshFirstPage(null, { entries: ids(3, 1), next: 1 }))).toEqual({ ids: [3, 2, 1], next: 1 });
    expect(shape(withFreshFirstPage(shown, { entries: ids(12, 1), next: null }))).toEqual({
      ids: [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
      next: null,
    });
    // What was shown stays shown when new entries push it off the first page.
    expect(shape(withFreshFirstPage({ entries: ids(9, 7), next: 7 }, { entries: ids(12, 10), next: 10 }))).toEqual({
      ids: [12, 11, 10, 9, 8, 7],
      next: 7,
    });
    // What was shown and is now covered by the fresh page is replaced by it.
    expect(shape(withFreshFirstPage({ entries: ids(9, 7), next: 7 }, { entries: ids(12, 8), next: 8 }))).toEqual({
      ids: [12, 11, 10, 9, 8, 7],
      next: 7,
    });
    // An older page repeating an entry already shown shows it once.
    expect(shape(withOlderPage({ entries: ids(9, 7), next: 7 }, { entries: ids(7, 5), next: null }))).toEqual({
      ids: [9, 8, 7, 6, 5],
      next: null,
    });
  });

  it('HIST10: the doc changes that concern a point are found by the entry they touch, at the root or deeper', () => {
    const doc = new Y.Doc();
    const points = doc.getMap<Y.Map<unknown>>('points');
    const positions = doc.getMap<unknown>('positions');
    const seen: Set<string>[] = [];
    const record = (events: Y.YEvent<Y.AbstractType<unknown>>[]) =>
      seen.push(
        touchedEntries(
          events.map((e): RootChange => ({ path: e.path, keysChanged: e.path.length === 0 ? [...e.keys.keys()] : [] })),
        ),
      );
    points.observeDeep(record);
    positions.observeDeep(record);

    const p1 = new Y.Map<unknown>();
    p1.set('body', new Y.Text('Working text'));
    points.set('p1', p1);
    (p1.get('body') as Y.Text).insert(0, 'New ');
    p1.set('categoryId', 'c2');
    positions.set('p1:ukraine', { stance: 'support' });
    positions.delete('p1:ukraine');
    expect(seen.map((s) => [...s])).toEqual([['p1'], ['p1'], ['p1'], ['p1:ukraine'], ['p1:ukraine']]);
    expect(isPositionOf('p1:ukraine', 'p1')).toBe(true);
    expect(isPositionOf('p10:ukraine', 'p1')).toBe(false);
  });
});
