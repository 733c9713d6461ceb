/**
 * Websocket close codes the server uses, named once for server, client and tests, with
 * what a client does after each (CLOSE_ACTION). docs/PROTOCOL.md "Close codes" lists the
 * same table; a unit test keeps the two in step.
 * 4000-4999 is the range RFC 6455 leaves to applications; the last three digits echo the
 * nearest HTTP status so a log reader can guess the meaning.
 */
export const CLOSE = {
  /**
   * A frame could not be decoded: empty, truncated, an unknown message or sync type,
   * trailing bytes, an update Yjs cannot read (including v2), bad awareness JSON, a text frame.
   */
  malformed: 4400,
  /**
   * Missing, expired or invalid credentials; not a member; another stakeholder's notes;
   * signed out or revoked; not ready within the auth time limit.
   */
  unauthorized: 4401,
  /** The update guard refused an update (it touched something this connection may not change); the reason says why. */
  forbiddenUpdate: 4403,
  /** The doc name is valid but names no board (or stakeholder) on this server. */
  unknownBoard: 4404,
  /** The doc name does not match the allowed pattern. */
  invalidDocName: 4406,
  /** This user's role or membership changed; reconnect to continue with the new rights. */
  accessChanged: 4410,
  /**
   * More data than allowed before the board was ready, or an update beyond the update
   * bounds. A single frame above the payload limit is closed by ws itself, with 1009.
   */
  tooLarge: 4413,
  /** The client stopped reading: more was waiting to be sent to it than the server holds. */
  tooSlow: 4408,
  /** Too many connections from the address, or too many messages or sync requests on the connection. */
  rateLimited: 4429,
  /** The server is shutting down (state was stored first); clients reconnect to another instance or later. */
  goingAway: 1001,
  /** The server failed to open the board, or the board failed closed (an applied update could not be committed). */
  internalError: 1011,
  /**
   * With several instances: this instance no longer owns the board (its lease ran out, or
   * another instance claimed it). Reconnecting reaches the new owner and resyncs.
   */
  ownerMoved: 1012,
  /**
   * With several instances: the board's owner could not be reached or chosen just now
   * (Redis unreachable, or the board changing hands). Reconnect with the usual backoff.
   */
  tryAgainLater: 1013,
} as const;
export type CloseCode = (typeof CLOSE)[keyof typeof CLOSE];

export const CLOSE_REASON: Record<CloseCode, string> = {
  [CLOSE.malformed]: 'malformed message',
  [CLOSE.unauthorized]: 'unauthorized',
  [CLOSE.forbiddenUpdate]: 'forbidden update',
  [CLOSE.unknownBoard]: 'unknown board',
  [CLOSE.invalidDocName]: 'invalid document name',
  [CLOSE.accessChanged]: 'your access to this board changed',
  [CLOSE.tooLarge]: 'message too large',
  [CLOSE.tooSlow]: 'fell too far behind; reconnect to resync',
  [CLOSE.rateLimited]: 'rate limited',
  [CLOSE.goingAway]: 'server shutting down',
  [CLOSE.internalError]: 'internal error',
  [CLOSE.ownerMoved]: 'the board moved to another server; reconnecting',
  [CLOSE.tryAgainLater]: 'the board is changing servers; try again shortly',
};

/**
 * What a client does after the server closed with a code:
 * - `reconnect`: reconnect with the usual backoff; the sync handshake resyncs, and what was
 *   not acknowledged as saved is sent again.
 * - `reconnect-later`: reconnect, but back off much further (the server is shedding load).
 * - `refresh-access`: ask for its rights again (`/api/auth/me`), then reconnect.
 * - `resync`: do not reconnect with the local state: discard it, resync from the server,
 *   tell the user (reconnecting unchanged would send the refused update again).
 * - `sign-in`: stop and ask the user to sign in; retry after that.
 * - `give-up`: stop and tell the user why; reconnecting unchanged cannot help.
 */
export type CloseAction = 'reconnect' | 'reconnect-later' | 'refresh-access' | 'resync' | 'sign-in' | 'give-up';

export const CLOSE_ACTION: Record<CloseCode, CloseAction> = {
  [CLOSE.malformed]: 'reconnect',
  [CLOSE.unauthorized]: 'sign-in',
  [CLOSE.forbiddenUpdate]: 'resync',
  [CLOSE.unknownBoard]: 'give-up',
  [CLOSE.invalidDocName]: 'give-up',
  [CLOSE.accessChanged]: 'refresh-access',
  [CLOSE.tooLarge]: 'reconnect',
  [CLOSE.tooSlow]: 'reconnect',
  [CLOSE.rateLimited]: 'reconnect-later',
  [CLOSE.goingAway]: 'reconnect',
  [CLOSE.internalError]: 'reconnect',
  [CLOSE.ownerMoved]: 'reconnect',
  [CLOSE.tryAgainLater]: 'reconnect',
};

/** The action for any close code; codes Parley does not name (1006, ws's 1009, …) reconnect. */
export function closeAction(code: number): CloseAction {
  return (CLOSE_ACTION as Record<number, CloseAction | undefined>)[code] ?? 'reconnect';
}

/** Whether the client's automatic reconnect goes on after this action (the others are handled, or stop). */
export function reconnectsBySelf(action: CloseAction): boolean {
  return action === 'reconnect' || action === 'reconnect-later';
}

/** Whether the client stops for good after this action, until the user acts. */
export function isFatalAction(action: CloseAction): boolean {
  return action === 'sign-in' || action === 'give-up';
}

/** Codes after which reconnecting unchanged cannot help, so clients should stop and tell the user. */
export const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set(
  (Object.values(CLOSE) as CloseCode[]).filter((code) => isFatalAction(CLOSE_ACTION[code])),
);
