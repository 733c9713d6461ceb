import { trashedPoints } from '@parley/shared/model';
import type { BoardRoom } from './BoardRoom.ts';

export interface TrashPurgerOptions {
  /** How long a deleted point stays restorable, counted from when this server first saw it deleted. */
  readonly purgeAfterMs: number;
  /** Deletes the points for good (with their positions, threads and notes). */
  readonly purge: (room: BoardRoom, pointIds: string[]) => Promise<void>;
  readonly onError: (err: unknown) => void;
  readonly now?: () => number;
}

/**
 * Purges a board's deleted points once their undo time is over. Time is the server's own,
 * from when this process first saw each point deleted: the `deletedAt` a client wrote is
 * its clock, and an offline client's delete would otherwise arrive already expired.
 * Polls rather than observing the doc, so typing costs nothing; it stops by itself once
 * its room is destroyed.
 */
export class TrashPurger {
  private readonly firstSeen = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly room: BoardRoom,
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
    const due: string[] = [];
    const trashed = new Set<string>();
    for (const { id } of trashedPoints(this.room.doc)) {
      trashed.add(id);
      const seen = this.firstSeen.get(id) ?? now;
      this.firstSeen.set(id, seen);
      if (now - seen >= this.opts.purgeAfterMs) due.push(id);
    }
    // Restored (or already purged) points start afresh if they are deleted again.
    for (const id of this.firstSeen.keys()) if (!trashed.has(id)) this.firstSeen.delete(id);
    if (due.length === 0) return;
    this.running = true;
    try {
      await this.opts.purge(this.room, due);
    } catch (err) {
      this.opts.onError(err);
    } finally {
      this.running = false;
    }
  }
}
