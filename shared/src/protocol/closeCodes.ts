/**
 * Websocket close codes the server uses, named once for server, client and tests.
 * 4000-4999 is the range RFC 6455 leaves to applications; the last three digits echo the
 * nearest HTTP status so a log reader can guess the meaning.
 */
export const CLOSE = {
  /** Malformed frame: undecodable, unknown message type, truncated, or v2-encoded. */
  malformed: 4400,
  /** Missing, expired or invalid credentials. */
  unauthorized: 4401,
  /** The update touched something this connection may not change. */
  forbiddenUpdate: 4403,
  /** The doc name is valid but names no board on this server. */
  unknownBoard: 4404,
  /** The doc name does not match the allowed pattern. */
  invalidDocName: 4406,
  /** This user's role or membership changed; reconnect to continue with the new rights. */
  accessChanged: 4410,
  /** A frame larger than the server accepts (ws itself uses 1009 at the socket layer). */
  tooLarge: 4413,
  /** The client stopped reading: more was waiting to be sent to it than the server holds. */
  tooSlow: 4408,
  /** Too many connections or messages from one client or address. */
  rateLimited: 4429,
  /** The server is shutting down; clients reconnect to another instance or later. */
  goingAway: 1001,
  /** Unexpected server-side failure while handling a frame. */
  internalError: 1011,
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
};

/** Codes after which reconnecting unchanged cannot help, so clients should stop and tell the user. */
export const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  CLOSE.unauthorized,
  CLOSE.unknownBoard,
  CLOSE.invalidDocName,
]);
