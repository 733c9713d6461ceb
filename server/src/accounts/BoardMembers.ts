import type { AccessControl } from './AccessControl.ts';
import type { AccountStore } from './AccountStore.ts';

/**
 * The member user ids of each board with a loaded room, so the update guard can ask
 * "is this a member?" synchronously on every update (a comment may @mention members only).
 * Loaded before a board's room is ready (RoomRegistry.open waits for it), and read again
 * whenever the board's memberships change, wherever the change was made.
 */
export class BoardMembers {
  private readonly members = new Map<string, ReadonlySet<string>>();
  /** The latest read of each board: an older read that finishes later is dropped. */
  private readonly reads = new Map<string, Promise<void>>();

  constructor(private readonly accounts: Pick<AccountStore, 'listMembers'>) {}

  /** Reads the board's members unless they are already known. */
  async load(boardId: string): Promise<void> {
    // A refresh started meanwhile supersedes the read awaited: wait for the newest.
    while (!this.members.has(boardId)) await (this.reads.get(boardId) ?? this.read(boardId));
  }

  isMember(boardId: string, userId: string): boolean {
    return this.members.get(boardId)?.has(userId) === true;
  }

  /** Reads a known (or loading) board's members afresh; others are read when they load. */
  async refresh(boardId: string): Promise<void> {
    if (this.members.has(boardId) || this.reads.has(boardId)) await this.read(boardId);
  }

  /** The board has no room loaded any more: its members are read again when one loads. */
  forget(boardId: string): void {
    this.members.delete(boardId);
    this.reads.delete(boardId);
  }

  /** Refreshes a board on every membership change (`onError` hears a failed read). */
  watch(access: Pick<AccessControl, 'onChange'>, onError: (err: unknown) => void): () => void {
    return access.onChange((change) => {
      if (change.kind === 'membership-changed') this.refresh(change.boardId).catch(onError);
    });
  }

  private read(boardId: string): Promise<void> {
    const reading = this.accounts.listMembers(boardId).then(
      (list) => {
        if (this.reads.get(boardId) !== reading) return;
        this.members.set(boardId, new Set(list.map((m) => m.userId)));
        this.reads.delete(boardId);
      },
      (err: unknown) => {
        if (this.reads.get(boardId) === reading) this.reads.delete(boardId);
        throw err;
      },
    );
    this.reads.set(boardId, reading);
    return reading;
  }
}
