import * as Y from 'yjs';
import type { Connection } from '../endpoint/Connection.ts';
import { encodeSpans, type TransactionSpan } from './transactionSpans.ts';
import { encodeSyncStep2, encodeUpdate } from '../codec/messageCodec.ts';
import { SavedAcks } from './SavedAcks.ts';
import { wireFrame } from '../endpoint/wsFrame.ts';

/** However crowded the room, an edit waits at most this long for its fan-out (one frame at 60 Hz). */
const MAX_WINDOW_MS = 16;

interface Outgoing {
  readonly update: Uint8Array;
  readonly span: TransactionSpan;
  /** The connection the update came from (it already has it), or null for the server's own. */
  readonly origin: Connection | null;
}

/**
 * Nobody sees an update before the store has it. An update applied to the room's doc is
 * relayed to the other connections only once the transaction holding it has committed, and
 * a joiner's sync step 2 reply waits for a moment when the doc holds nothing uncommitted.
 *
 * Why: if the server relayed first and then crashed before the commit, a peer would hold
 * an edit the restarted server no longer has, and resend it under its author's client id,
 * which the ownership check must refuse. The edit would be lost, and that peer wedged. Held
 * back until commit, every struct a peer receives from others is already durable, so after
 * any crash a client only ever has its own work to resend.
 *
 * The updates committed together go out together, as one merged frame. In a crowded room
 * commits are also relayed together: a flush follows the previous one by at least
 * (connections ÷ frame budget), so fan-out stays near `framesPerSecond` however fast edits
 * arrive. Each frame costs a write system call per recipient, which is most of what a
 * busy room costs; 300 people typing then wait up to 15 ms longer for each other, and two
 * people never wait at all.
 */
export class CommittedRelay {
  private readonly outgoing: Outgoing[] = [];
  private committedCount = 0;
  private flushScheduled = false;
  private flushTimer: NodeJS.Timeout | null = null;
  private lastFlushAt = Number.NEGATIVE_INFINITY;
  private readonly waitingJoiners: { conn: Connection; stateVector: Uint8Array }[] = [];
  /** Saved acks owed: each rides the pending flush, or goes out at once. */
  private readonly acks = new SavedAcks(() => this.ackDue());
  private ackSendScheduled = false;
  /** Resolves once everything applied so far is committed. */
  private allStored: Promise<void> = Promise.resolve();
  /**
   * The doc's whole state and the sync step 2 frame for a joiner with an empty doc, encoded
   * once per state of the doc: a burst of joiners (a meeting starting) costs one encode,
   * not one each, and load-time compaction stores the same bytes.
   */
  private fullStateCache: Uint8Array | null = null;
  private fullStateFrame: Uint8Array | null = null;

  constructor(
    private readonly doc: Y.Doc,
    private readonly recipients: ReadonlySet<Connection>,
    /** 0 relays every commit at once. */
    private readonly framesPerSecond: number,
    private readonly countFrames: (frames: number) => void,
  ) {}

  /** Stops a pending flush (the room is going away). */
  close(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.acks.clear();
  }

  /** Queues an applied update; it goes out once `stored` (in commit order) resolves. */
  add(update: Uint8Array, span: TransactionSpan, origin: Connection | null, stored: Promise<void>): void {
    this.fullStateCache = null;
    this.fullStateFrame = null;
    this.outgoing.push({ update, span, origin });
    this.allStored = stored;
    void stored.then(() => {
      this.committedCount++;
      this.scheduleFlush();
    });
  }

  /** Counts one update-bearing message of `conn`; its saved ack goes out once `stored` resolves. */
  trackSaved(conn: Connection, stored: Promise<void>): void {
    this.acks.track(conn, stored);
  }

  /**
   * A saved ack became owed. The commit that made it due has also scheduled a flush
   * (unless nothing in it was relayed); the ack goes out in the same write as the
   * connection's relay frame, which halves the system calls of a busy room. With no flush
   * pending it goes out after the current microtasks.
   */
  private ackDue(): void {
    if (this.flushScheduled || this.ackSendScheduled) return;
    this.ackSendScheduled = true;
    queueMicrotask(() => {
      this.ackSendScheduled = false;
      if (!this.flushScheduled) this.sendOwedAcks();
    });
  }

  private sendOwedAcks(): void {
    for (const [conn, ack] of this.acks.takeAll()) conn.send(ack);
  }

  /** Resolves once every update applied to the doc so far is committed. */
  whenAllStored(): Promise<void> {
    return this.allStored;
  }

  /** Answers a sync step 1 with committed state only (now, or after the next commit). */
  answerStep1(conn: Connection, stateVector: Uint8Array): void {
    if (this.outgoing.length === 0) conn.send(this.step2For(stateVector));
    else this.waitingJoiners.push({ conn, stateVector });
  }

  /** The doc's whole state as one update (everything applied, committed or not). */
  fullState(): Uint8Array {
    this.fullStateCache ??= Y.encodeStateAsUpdate(this.doc);
    return this.fullStateCache;
  }

  /** `stateVector` was validated when its message was decoded (messages.ts). */
  private step2For(stateVector: Uint8Array): Uint8Array {
    // An empty state vector is the single byte 0 (no entries).
    if (stateVector.byteLength === 1 && stateVector[0] === 0) {
      this.fullStateFrame ??= encodeSyncStep2(this.fullState());
      return this.fullStateFrame;
    }
    return encodeSyncStep2(Y.encodeStateAsUpdate(this.doc, stateVector));
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Commit callbacks of one batch resolve in one run of microtasks, and so do the saved
    // acks they make due (a few promise steps later); a tick runs after all of them, so the
    // flush carries both.
    process.nextTick(() => {
      const wait = this.lastFlushAt + this.windowMs() - performance.now();
      if (wait < 1) {
        this.flushScheduled = false;
        this.flush();
        return;
      }
      this.flushTimer = setTimeout(() => {
        this.flushTimer = null;
        this.flushScheduled = false;
        this.flush();
      }, wait);
    });
  }

  /** The least time between two flushes that keeps fan-out within the frame budget. */
  private windowMs(): number {
    if (this.framesPerSecond === 0) return 0;
    return Math.min(MAX_WINDOW_MS, (this.recipients.size * 1000) / this.framesPerSecond);
  }

  private flush(): void {
    const batch = this.outgoing.splice(0, this.committedCount);
    this.committedCount = 0;
    if (batch.length > 0) {
      this.lastFlushAt = performance.now();
      this.send(batch);
    }
    this.sendOwedAcks();
    if (this.outgoing.length > 0) return;
    for (const { conn, stateVector } of this.waitingJoiners.splice(0)) conn.send(this.step2For(stateVector));
  }

  /**
   * A lone update skips its sender. A batch is merged once and the same frame goes to
   * everyone, its senders included: re-merging "the batch minus your own" per sender is
   * quadratic under load (200 writers: ~200 merges of ~200 updates per commit), while a
   * replica applying structs it already has is a no-op in Yjs (both peers echo too).
   */
  private send(batch: readonly Outgoing[]): void {
    const skip = batch.length === 1 ? batch[0]!.origin : null;
    const update = batch.length === 1 ? batch[0]!.update : this.merge(batch);
    const frame = wireFrame(encodeUpdate(update));
    let frames = 0;
    for (const conn of this.recipients) {
      if (conn === skip) continue;
      const ack = this.acks.take(conn);
      conn.sendFrames(ack ? [wireFrame(ack), frame] : [frame]);
      frames++;
    }
    this.countFrames(frames);
  }

  /**
   * With nothing uncommitted left in the doc, the batch is exactly the doc's structs past
   * the batch's starts, and is written from the store in one pass. Otherwise (a commit
   * still in flight behind this one) the updates themselves are merged.
   */
  private merge(batch: readonly Outgoing[]): Uint8Array {
    if (this.outgoing.length === 0)
      return encodeSpans(
        this.doc,
        batch.map((o) => o.span),
      );
    return Y.mergeUpdates(batch.map((o) => o.update));
  }
}
