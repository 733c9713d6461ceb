import { orphansOf, trashedPoints, type ThreadId } from '@parley/shared/model';
import type { DocRoom } from './DocRoom.ts';

/** What a purge removes for good. */
export interface PurgeSet {
  /** Deleted points whose undo time is over (with their positions, threads and notes). */
  readonly points: string[];
  /** Positions, threads and amendments of points no longer in the doc (`orphansOf`). */
  readonly positions: string[];
  readonly threads: ThreadId[];
  readonly amendments: string[];
  /** Reactions to threads no longer in the doc (`orphansOf`). */
  readonly reactions: string[];
}

export interface TrashPurgerOptions {
  /** How long a deleted point stays restorable, counted from when this server first saw it deleted. */
  readonly purgeAfterMs: number;
  readonly purge: (room: DocRoom, what: PurgeSet) => Promise<void>;
  readonly onError: (err: unknown) => void;
  readonly now?: () => number;
}

/**
 * Purges a board's deleted points once their undo time is over, and the positions and
 * threads left without a point after the same time (a redo of the point's creation may
 * still bring it back until then). Time is the server's own, from when this process first
 * saw each: the `deletedAt` a client wrote is its clock, and an offline client's delete
 * would otherwise arrive already expired. Polls rather than observing the doc, so typing
 * costs nothing; it stops by itself once its room is destroyed.
 */
export class TrashPurger {
  private readonly firstSeen = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly room: DocRoom,
    private readonly opts: TrashPurgerOptions,
  ) {
    const every = Math.min(30_000, Math.max(50, Math.floor(opts.purgeAfterMs / 4)));
    this.timer = setInterval(() => void this.tick(), every);
    this.timer.unref();
  }

  async tick(): Promise<void> {
    if (this.room.isDestroyed) {
      clearInterval(this.timer);
      return;
    }
    if (this.running) return;
    const now = (this.opts.now ?? Date.now)();
    const seen = new Set<string>();
    const due = <T extends string>(kind: string, id: T): boolean => {
      const key = `${kind}:${id}`;
      seen.add(key);
      const first = this.firstSeen.get(key) ?? now;
      this.firstSeen.set(key, first);
      return now - first >= this.opts.purgeAfterMs;
    };
    const orphans = orphansOf(this.room.doc);
    const what: PurgeSet = {
      points: trashedPoints(this.room.doc)
        .map((p) => p.id as string)
        .filter((id) => due('point', id)),
      positions: orphans.positions.filter((key) => due('position', key)),
      threads: orphans.threads.filter((id) => due('thread', id)),
      amendments: orphans.amendments.filter((id) => due('amendment', id)),
      reactions: orphans.reactions.filter((key) => due('reaction', key)),
    };
    // Restored (or already purged) ones start afresh if they come back.
    for (const key of this.firstSeen.keys()) if (!seen.has(key)) this.firstSeen.delete(key);
    const count =
      what.points.length + what.positions.length + what.threads.length + what.amendments.length + what.reactions.length;
    if (count === 0) return;
    this.running = true;
    try {
      await this.opts.purge(this.room, what);
    } catch (err) {
      this.opts.onError(err);
    } finally {
      this.running = false;
    }
  }
}
