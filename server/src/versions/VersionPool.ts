import { Piscina } from 'piscina';
import type { BoardComparison, BoardJson } from '@parley/shared/model';
import type { Storage } from '../persistence/Storage.ts';
import type { RecordInput } from './recordDocx.ts';
import type { LiveLog, VersionBytes, VersionTask } from './versionTasks.ts';
import type { VersionWorkerResult, VersionWorkerTask } from './versionWorker.ts';

/** The worker's module, beside this one (see ImportPool for why two names). */
const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './versionWorker.ts' : './versionWorker.js',
  import.meta.url,
);

/** Log entries read per page (the event loop is free between pages). */
const LOG_PAGE = 500;

/** Buffers to move to the worker rather than copy (a view of a shared buffer is copied first). */
function movable(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

/** Each distinct buffer once (a transfer list must not name one twice). */
function buffers(views: readonly Uint8Array[]): ArrayBuffer[] {
  return [...new Set(views.map((v) => v.buffer as ArrayBuffer))];
}

function moved(v: VersionBytes): VersionBytes {
  return { id: v.id, state: movable(v.state) };
}

/**
 * Runs version work on one worker thread: encoding a big board's state, or decoding two
 * versions to compare them, takes tens to hundreds of milliseconds, which on the main
 * thread would hold every room. One thread, warm for a minute after use, like ImportPool.
 * The live board reaches the worker as its stored log; the worker keeps a replica per
 * board, so only entries stored since the last time travel (`sentUpTo`).
 */
export class VersionPool {
  private readonly pool = new Piscina<VersionWorkerTask, VersionWorkerResult>({
    filename: WORKER_URL.href,
    minThreads: 0,
    maxThreads: 1,
    idleTimeout: 60_000,
  });
  /** The last log entry sent to the worker per board (it may have forgotten since: it says so). */
  private readonly sentUpTo = new Map<string, number>();

  constructor(private readonly storage: Storage) {}

  /** The live board's whole state as stored now, packed to be stored as a version (call after the room's edits are stored). */
  async publishState(boardId: string, versionId: string): Promise<Uint8Array> {
    const r = await this.withLive(boardId, (live) => ({ kind: 'publish', live, versionId }));
    if (r.kind !== 'state') throw new Error(`version worker answered ${r.kind}`);
    return r.state;
  }

  async read(version: VersionBytes): Promise<BoardJson> {
    const v = moved(version);
    const r = await this.pool.run({ kind: 'read', version: v }, { transferList: buffers([v.state]) });
    if (r.kind !== 'board') throw new Error(`version worker answered ${r.kind}`);
    return r.board;
  }

  /** `to`: another version, or the live board as stored now. */
  async compare(from: VersionBytes, to: VersionBytes | { liveBoard: string }): Promise<BoardComparison> {
    let r: VersionWorkerResult;
    if ('liveBoard' in to) {
      r = await this.withLive(to.liveBoard, (live) => ({ kind: 'compare', from: moved(from), to: { live } }));
    } else {
      const f = moved(from);
      const t = moved(to);
      r = await this.pool.run({ kind: 'compare', from: f, to: t }, { transferList: buffers([f.state, t.state]) });
    }
    if (r.kind !== 'comparison') throw new Error(`version worker answered ${r.kind}`);
    return r.comparison;
  }

  /** The negotiation record as a Word document. */
  async recordDocx(input: RecordInput): Promise<Uint8Array> {
    const r = await this.pool.run({ kind: 'record-docx', input });
    if (r.kind !== 'docx') throw new Error(`version worker answered ${r.kind}`);
    return r.bytes;
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }

  /** Runs a task on the live board: with what is new since the last time, or all of it if the worker asks. */
  private async withLive(boardId: string, task: (live: LiveLog) => VersionTask): Promise<VersionWorkerResult> {
    for (const from of [this.sentUpTo.get(boardId) ?? 0, 0]) {
      const live = await this.liveLog(boardId, from);
      const t = task(live);
      const moving = [...live.entries, ...('from' in t ? [t.from.state] : [])];
      const r = await this.pool.run(t, { transferList: buffers(moving) });
      if (r.kind === 'need-full-log') continue;
      this.sentUpTo.set(boardId, live.lastSeq);
      return r;
    }
    throw new Error('the version worker refused the whole log');
  }

  private async liveLog(boardId: string, fromSeq: number): Promise<LiveLog> {
    const entries: Uint8Array[] = [];
    let lastSeq = fromSeq;
    for await (const page of this.storage.readLog(boardId, LOG_PAGE, fromSeq)) {
      for (const u of page.updates) entries.push(movable(u));
      lastSeq = page.lastSeq;
    }
    return { boardId, fromSeq, lastSeq, entries };
  }
}
