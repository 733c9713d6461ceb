import * as Y from 'yjs';
import {
  compareBoards,
  snapshotOf,
  type BoardComparison,
  type BoardJson,
  type BoardSnapshot,
} from '@parley/shared/model';
import { packVersionState, unpackVersionState } from './versionState.ts';

/**
 * What the version worker computes (VersionPool): everything that decodes or encodes a
 * whole board for versions, so none of it holds the rooms' event loop. Pure computation on
 * bytes the server read from its store: the worker never touches the store itself, so it
 * works the same on any store.
 */

/** A version to decode: its id (decoded versions are kept by id) and its state as stored (packed). */
export interface VersionBytes {
  readonly id: string;
  readonly state: Uint8Array;
}

/**
 * The live board's stored log since `fromSeq` (0: all of it). The worker keeps a replica
 * of each board it was sent, so after the first time only new entries travel.
 */
export interface LiveLog {
  readonly boardId: string;
  readonly fromSeq: number;
  readonly lastSeq: number;
  readonly entries: readonly Uint8Array[];
}

export type VersionTask =
  /** The live board's whole state, garbage-collected and packed, for a version of it (kept decoded as `versionId`). */
  | { readonly kind: 'publish'; readonly live: LiveLog; readonly versionId: string }
  | { readonly kind: 'read'; readonly version: VersionBytes }
  | { readonly kind: 'compare'; readonly from: VersionBytes; readonly to: VersionBytes | { readonly live: LiveLog } };

export type VersionTaskResult =
  | { readonly kind: 'state'; readonly state: Uint8Array }
  | { readonly kind: 'board'; readonly board: BoardJson }
  | { readonly kind: 'comparison'; readonly comparison: BoardComparison }
  /** The worker holds no replica of the board at `fromSeq`: send the whole log. */
  | { readonly kind: 'need-full-log' };

/** Decoded versions and board replicas kept (least recently used out). */
const KEPT_VERSIONS = 8;
const KEPT_REPLICAS = 4;
const versions = new Map<string, BoardSnapshot>();
const replicas = new Map<string, { doc: Y.Doc; seq: number; snapshot: BoardSnapshot | null }>();

function touch<K, V>(map: Map<K, V>, key: K, value: V, max: number, drop?: (v: V) => void): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) {
    const [oldKey, oldValue] = map.entries().next().value!;
    map.delete(oldKey);
    drop?.(oldValue);
  }
}

function decoded(v: VersionBytes): BoardSnapshot {
  const snapshot = versions.get(v.id) ?? decode(v.state);
  touch(versions, v.id, snapshot, KEPT_VERSIONS);
  return snapshot;
}

function decode(state: Uint8Array): BoardSnapshot {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, unpackVersionState(state));
    return snapshotOf(doc);
  } finally {
    doc.destroy();
  }
}

/** The board's replica brought up to `live.lastSeq`, or null when `live` does not start where it is. */
function replica(live: LiveLog): { doc: Y.Doc; seq: number; snapshot: BoardSnapshot | null } | null {
  let r = replicas.get(live.boardId);
  if (live.fromSeq === 0) {
    r?.doc.destroy();
    r = { doc: new Y.Doc(), seq: 0, snapshot: null };
  } else if (!r || r.seq !== live.fromSeq) return null;
  if (live.entries.length > 0) {
    const doc = r.doc;
    doc.transact(() => {
      for (const u of live.entries) Y.applyUpdate(doc, u);
    });
    r.snapshot = null;
  }
  r.seq = live.lastSeq;
  touch(replicas, live.boardId, r, KEPT_REPLICAS, (old) => old.doc.destroy());
  return r;
}

export function runVersionTask(task: VersionTask): VersionTaskResult {
  switch (task.kind) {
    case 'publish': {
      const r = replica(task.live);
      if (!r) return { kind: 'need-full-log' };
      r.snapshot ??= snapshotOf(r.doc);
      // The new version is compared next, most likely: it is decoded already.
      touch(versions, task.versionId, r.snapshot, KEPT_VERSIONS);
      return { kind: 'state', state: packVersionState(Y.encodeStateAsUpdate(r.doc)) };
    }
    case 'read':
      return { kind: 'board', board: decoded(task.version).board };
    case 'compare': {
      let to: BoardSnapshot;
      if ('live' in task.to) {
        const r = replica(task.to.live);
        if (!r) return { kind: 'need-full-log' };
        to = r.snapshot ??= snapshotOf(r.doc);
      } else to = decoded(task.to);
      return { kind: 'comparison', comparison: compareBoards(decoded(task.from), to) };
    }
  }
}
