import * as Y from 'yjs';
import type { Logger } from '../../logger.ts';
import type { Storage } from '../../persistence/Storage.ts';

/** Log entries read from the store at a time while a room loads. */
const LOAD_PAGE_ENTRIES = 2_000;
/** How long applying the log may hold the event loop at a time while a room loads. */
const LOAD_SLICE_MS = 8;
/** A loaded room compacts its log every this many × the compaction threshold entries. */
const LIVE_COMPACT_FACTOR = 20;

export interface RoomLogDeps {
  readonly storage: Storage;
  readonly log: Logger;
  readonly compactThreshold: number;
  /** The owner epoch the room was loaded under (RoomDeps.epoch): compactions carry it too. */
  readonly epoch?: number;
}

/**
 * A document's update log in the store, as one loaded room sees it: replayed in slices when
 * the room loads, and compacted (after a long load, and as a room that stays loaded keeps
 * appending) into one state, so a restart never has a long log to replay.
 */
export class RoomLog {
  /** Settles once a running compaction is done (shutdown waits for it). */
  compaction: Promise<void> = Promise.resolve();
  private compacting = false;
  /** Entries appended since the room loaded or last compacted. */
  private appended = 0;
  /** A log found longer than the threshold while loading, compacted once the load is done. */
  private longLoad: { entries: number; lastSeq: number } | null = null;

  constructor(
    private readonly docName: string,
    private readonly deps: RoomLogDeps,
    /** The doc's whole state, encoded (the relay caches it for joiners). */
    private readonly fullState: () => Uint8Array,
    /** Client ids users own, stored with a compacted state (see `compact`). */
    private readonly claimedClients: () => Map<number, string>,
  ) {}

  /**
   * Applies the stored log to `doc` a page at a time, in slices of a few milliseconds with
   * the event loop free between them: a 100,000-entry log takes a second or more, and
   * other boards keep being served meanwhile. Time-boxed slices rather than fixed counts: a
   * cold process applies far more slowly until the JIT has warmed up. A long log is then
   * compacted in the background, after the first joiners are answered, from the state
   * encoded for them (never by Y.mergeUpdates, which is superlinear on long logs).
   */
  async replayInto(doc: Y.Doc): Promise<void> {
    let entries = 0;
    let lastSeq = 0;
    for await (const page of this.deps.storage.readLog(this.docName, LOAD_PAGE_ENTRIES)) {
      for (let next = 0; next < page.updates.length;) {
        const sliceStart = performance.now();
        Y.transact(doc, () => {
          while (next < page.updates.length && performance.now() - sliceStart < LOAD_SLICE_MS) {
            Y.applyUpdate(doc, page.updates[next++]!);
          }
        });
        await new Promise((resolve) => setImmediate(resolve));
      }
      entries += page.updates.length;
      lastSeq = page.lastSeq;
    }
    if (entries > this.deps.compactThreshold) this.longLoad = { entries, lastSeq };
  }

  /**
   * Compacts a long log just loaded, in the background, once the room is whole (its guard
   * knows the client-id owners a compaction stores): called at the end of the room's load.
   */
  compactAfterLoad(): void {
    const long = this.longLoad;
    this.longLoad = null;
    if (long) this.compaction = this.compactLater(long.entries, long.lastSeq);
  }

  /** One more entry is queued for the store (`stored` settles once it is committed). */
  appendedOne(stored: Promise<void>): void {
    if (++this.appended > LIVE_COMPACT_FACTOR * this.deps.compactThreshold && !this.compacting) {
      // After the commit, so the entries just counted are among those replaced.
      this.compaction = stored.then(() => this.compactLive());
      this.compacting = true;
    }
  }

  /** Compacts after the connections waiting for this load are answered. */
  private async compactLater(entries: number, uptoSeq: number): Promise<void> {
    this.compacting = true;
    await new Promise((resolve) => setTimeout(resolve, 0));
    await this.compact(entries, uptoSeq, 'compacted update log');
  }

  /**
   * Every entry stored up to the sequence number read first was applied to the doc before
   * it was queued, so the state taken after holds them all.
   */
  private async compactLive(): Promise<void> {
    this.compacting = true;
    const entries = this.appended;
    this.appended = 0;
    let uptoSeq: number;
    try {
      uptoSeq = await this.deps.storage.lastSeq(this.docName);
    } catch (err) {
      this.compacting = false;
      this.deps.log.error({ err, docName: this.docName }, 'compacting the update log failed');
      return;
    }
    await this.compact(entries, uptoSeq, 'compacted update log while loaded');
  }

  private async compact(entries: number, uptoSeq: number, done: string): Promise<void> {
    try {
      const state = this.fullState();
      // The state may hold applied edits whose log entries, and with them the claims of
      // their new client ids, are still queued. Stored without those claims, a crash would
      // leave the ids ownerless (frozen on reload) and their own writers unable to go on.
      await this.deps.storage.addClientOwners(this.docName, this.claimedClients());
      await this.deps.storage.compact(this.docName, state, uptoSeq, this.deps.epoch);
      this.deps.log.info({ docName: this.docName, entries }, done);
    } catch (err) {
      // The uncompacted log is intact; the next load, or the next threshold, tries again.
      this.deps.log.error({ err, docName: this.docName }, 'compacting the update log failed');
    } finally {
      this.compacting = false;
    }
  }
}
