/**
 * socket.io room names, one place for every emitter (across instances the Redis adapter
 * routes by these names).
 */

/** Every socket that joined the board (`board:join`): its activity and member events. */
export const boardRoom = (boardId: string): string => `board:${boardId}`;

/**
 * Every socket of a user signed in with a session: their notifications and board list.
 * A socket authenticated with an access token (scoped to one board) joins
 * `userBoardRoom` instead, and hears only that board's.
 */
export const userRoom = (userId: string): string => `user:${userId}`;
export const userBoardRoom = (userId: string, boardId: string): string => `user:${userId}:board:${boardId}`;
