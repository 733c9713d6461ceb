import type { Server } from 'socket.io';
import type { BoardListChange, ClientToServerEvents, OnlineUser, ServerToClientEvents } from '@parley/shared/protocol';
import type { Principal } from '@parley/shared/permissions';
import type { AccessChange, AccessControl, ChangeOrigin } from '../accounts/AccessControl.ts';
import type { Logger } from '../logger.ts';
import { userBoardRoom, userRoom } from './rooms.ts';

type AppIo = Server<ClientToServerEvents, ServerToClientEvents>;

/** What changed on a board, as the routes that change it report it. */
export type BoardChangeKind = Exclude<BoardListChange['kind'], 'online'>;

/**
 * Who is online on a board is sent at most this often: people opening and closing tabs
 * would otherwise make one event each, to every member.
 */
export const ONLINE_EVENT_INTERVAL_MS = 500;

/**
 * Keeps every member's board list live: tells the members of a board (in their user rooms,
 * on every instance through the socket.io adapter) that it was created, renamed, archived,
 * deleted or its members changed, and who has it open.
 *
 * Who is online is counted from the board's websocket connections on this instance. With
 * several instances a board's connections all end on its owner (scale/OwnerRouting.ts), so
 * the owner's count is the whole count.
 */
export class BoardListEvents {
  /** Per board, per user: how many connections they have open, and how they are shown. */
  private readonly online = new Map<string, Map<string, { user: OnlineUser; connections: number }>>();
  private readonly pendingOnline = new Map<string, NodeJS.Timeout>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly io: AppIo,
    private readonly access: AccessControl,
    private readonly log: Logger,
  ) {
    this.unsubscribe = access.onChange((change, origin) => this.onAccessChange(change, origin));
  }

  close(): void {
    this.unsubscribe();
    for (const timer of this.pendingOnline.values()) clearTimeout(timer);
    this.pendingOnline.clear();
  }

  /** Tells the board's members (and `alsoTell`, who just lost or gained it) what changed. */
  changed(kind: BoardChangeKind, boardId: string, alsoTell: readonly string[] = []): void {
    void this.emitToMembers(boardId, { kind, boardId }, alsoTell, false).catch((err: unknown) =>
      this.log.warn({ err, boardId, kind }, 'could not tell members of a board change'),
    );
  }

  /** A user's websocket for the board doc was authenticated and joined its room. */
  joined(boardId: string, principal: Principal): void {
    let users = this.online.get(boardId);
    if (!users) this.online.set(boardId, (users = new Map()));
    const entry = users.get(principal.userId);
    if (entry) {
      entry.connections += 1;
      return;
    }
    users.set(principal.userId, {
      user: { userId: principal.userId, name: principal.name, stakeholderId: principal.stakeholderId ?? null },
      connections: 1,
    });
    this.scheduleOnline(boardId);
  }

  left(boardId: string, principal: Principal): void {
    const users = this.online.get(boardId);
    const entry = users?.get(principal.userId);
    if (!users || !entry) return;
    entry.connections -= 1;
    if (entry.connections > 0) return;
    users.delete(principal.userId);
    if (users.size === 0) this.online.delete(boardId);
    this.scheduleOnline(boardId);
  }

  /** Who has the board open on this instance now. */
  onlineUsers(boardId: string): OnlineUser[] {
    return [...(this.online.get(boardId)?.values() ?? [])].map((e) => e.user);
  }

  private scheduleOnline(boardId: string): void {
    if (this.pendingOnline.has(boardId)) return;
    const timer = setTimeout(() => {
      this.pendingOnline.delete(boardId);
      const change: BoardListChange = { kind: 'online', boardId, online: this.onlineUsers(boardId) };
      void this.emitToMembers(boardId, change, [], false).catch((err: unknown) =>
        this.log.warn({ err, boardId }, 'could not tell members who is online'),
      );
    }, ONLINE_EVENT_INTERVAL_MS);
    timer.unref();
    this.pendingOnline.set(boardId, timer);
  }

  /**
   * A member added, removed or changed: their own list gains, loses or changes the board,
   * and the others' member counts change. Told once: by the instance where the change was
   * made (to every instance), or by each instance to its own sockets when only the store
   * watch saw it (a CLI change); a change relayed from another instance was told there.
   */
  private onAccessChange(change: AccessChange, origin: ChangeOrigin): void {
    if (change.kind !== 'membership-changed' || origin === 'peer') return;
    void this.emitToMembers(
      change.boardId,
      { kind: 'members', boardId: change.boardId },
      [change.userId],
      origin === 'store',
    ).catch((err: unknown) => this.log.warn({ err, change }, 'could not tell members of a membership change'));
  }

  private async emitToMembers(
    boardId: string,
    change: BoardListChange,
    alsoTell: readonly string[],
    localOnly: boolean,
  ): Promise<void> {
    const members = await this.access.accounts.listMembers(boardId);
    const userIds = new Set([...members.map((m) => m.userId), ...alsoTell]);
    if (userIds.size === 0) return;
    // Token sockets hear only their own board's events (rooms.ts).
    const rooms = [...userIds].flatMap((id) => [userRoom(id), userBoardRoom(id, boardId)]);
    (localOnly ? this.io.local : this.io).to(rooms).emit('boards:changed', change);
  }
}
