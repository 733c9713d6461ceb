import { ROOT } from '@parley/shared/model';
import { parseDocName } from '@parley/shared/protocol';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { PersistQueue } from '../storage/PersistQueue.ts';
import type { Storage } from '../storage/Storage.ts';
import { BoardRoom } from './BoardRoom.ts';
import type { Connection } from './Connection.ts';

export class UnknownDocError extends Error {}

export interface RegistryOptions {
  readonly storage: Storage;
  readonly persist: PersistQueue;
  readonly log: Logger;
  readonly idleMs: number;
  readonly compactThreshold: number;
  readonly relayFramesPerSecond: number;
  readonly metrics?: Metrics;
}

/**
 * Loads each document once, however many connections race to open it, and unloads a room
 * only when it has no connections and none of its updates are still waiting for the store.
 */
export class RoomRegistry {
  private readonly rooms = new Map<string, Promise<BoardRoom>>();
  private readonly idleTimers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly opts: RegistryOptions) {}

  get loadedCount(): number {
    return this.rooms.size;
  }

  /** Resolves the loaded room; rejects with UnknownDocError if no such board exists. */
  async open(docName: string): Promise<BoardRoom> {
    this.cancelIdle(docName);
    let room = this.rooms.get(docName);
    if (!room) {
      room = this.load(docName);
      this.rooms.set(docName, room);
      // A room opened without a connection (an export, a private-notes existence check)
      // must still idle out; join() cancels this as soon as someone connects.
      room.then(
        (r) => r.connectionCount === 0 && this.scheduleIdle(r),
        () => this.rooms.delete(docName),
      );
    }
    return room;
  }

  async join(docName: string, conn: Connection): Promise<BoardRoom> {
    for (;;) {
      const room = await this.open(docName);
      // An idle unload may have won the race between load and join; load afresh.
      if (room.isDestroyed) continue;
      this.cancelIdle(docName);
      room.addConnection(conn);
      return room;
    }
  }

  leave(room: BoardRoom, conn: Connection): void {
    room.removeConnection(conn);
    if (room.connectionCount === 0) this.scheduleIdle(room);
  }

  /** Unloads every room after its state is stored. */
  async closeAll(): Promise<void> {
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    this.idleTimers.clear();
    const rooms = await Promise.allSettled(this.rooms.values());
    await this.opts.persist.close();
    // After the flush: a live compaction waits for the commit of the entry that started it.
    await Promise.all(rooms.map((r) => (r.status === 'fulfilled' ? r.value.compaction : undefined)));
    for (const r of rooms) if (r.status === 'fulfilled') r.value.destroy();
    this.rooms.clear();
  }

  /**
   * A failed room (BoardRoom.fail) is dropped at once; the next connection loads the doc
   * afresh once the store holds everything the room queued before it failed.
   */
  private forget(room: BoardRoom): void {
    void this.rooms.get(room.docName)?.then((current) => {
      if (current !== room) return;
      this.cancelIdle(room.docName);
      this.rooms.delete(room.docName);
      this.reloadBarriers.set(
        room.docName,
        this.opts.persist.flush().catch(() => {
          /* logged and retried by the queue; the reload reads what is stored by then */
        }),
      );
    });
  }

  private readonly reloadBarriers = new Map<string, Promise<void>>();

  private async load(docName: string): Promise<BoardRoom> {
    const barrier = this.reloadBarriers.get(docName);
    if (barrier) {
      await barrier;
      this.reloadBarriers.delete(docName);
    }
    const parsed = parseDocName(docName);
    if (!parsed) throw new UnknownDocError('invalid document name');
    if (!(await this.opts.storage.boardExists(parsed.boardId))) {
      throw new UnknownDocError(`no board "${parsed.boardId}"`);
    }
    let boardDoc: BoardRoom['doc'] | undefined;
    if (parsed.kind === 'private') {
      // A private-notes doc exists for every stakeholder of an existing board, and only then.
      const board = await this.open(parsed.boardId);
      if (!board.doc.getMap(ROOT.stakeholders).has(parsed.stakeholderId)) {
        throw new UnknownDocError(`no stakeholder "${parsed.stakeholderId}" on board "${parsed.boardId}"`);
      }
      boardDoc = board.doc;
    }
    const started = performance.now();
    const room = await BoardRoom.load(docName, parsed, {
      storage: this.opts.storage,
      persist: this.opts.persist,
      log: this.opts.log,
      compactThreshold: this.opts.compactThreshold,
      relayFramesPerSecond: this.opts.relayFramesPerSecond,
      ...(boardDoc ? { boardDoc } : {}),
      ...(this.opts.metrics ? { metrics: this.opts.metrics } : {}),
      onFailure: (failed) => this.forget(failed),
    });
    this.opts.log.info({ docName, ms: Math.round(performance.now() - started) }, 'room loaded');
    return room;
  }

  /** Every loaded room (for closing connections when access changes). */
  async loadedRooms(): Promise<BoardRoom[]> {
    const settled = await Promise.allSettled(this.rooms.values());
    return settled.flatMap((r) => (r.status === 'fulfilled' && !r.value.isDestroyed ? [r.value] : []));
  }

  private cancelIdle(docName: string): void {
    const timer = this.idleTimers.get(docName);
    if (timer) {
      clearTimeout(timer);
      this.idleTimers.delete(docName);
    }
  }

  private scheduleIdle(room: BoardRoom): void {
    this.cancelIdle(room.docName);
    const timer = setTimeout(() => {
      this.idleTimers.delete(room.docName);
      void this.unloadIfIdle(room);
    }, this.opts.idleMs);
    timer.unref();
    this.idleTimers.set(room.docName, timer);
  }

  private async unloadIfIdle(room: BoardRoom): Promise<void> {
    room.settle();
    if (this.opts.persist.hasPendingFor(room.docName)) {
      try {
        await this.opts.persist.flush();
      } catch {
        // The store is failing: keep the room (and its unsaved state) loaded and try later.
        this.scheduleIdle(room);
        return;
      }
    }
    if (room.connectionCount > 0 || this.opts.persist.hasPendingFor(room.docName)) return;
    if ((await this.rooms.get(room.docName)) !== room) return;
    if (room.connectionCount > 0) return;
    this.rooms.delete(room.docName);
    room.destroy();
    this.opts.log.info({ docName: room.docName }, 'room unloaded');
  }
}
