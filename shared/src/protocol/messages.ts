/**
 * Top-level message types of a y-websocket frame (the first varUint of every binary
 * frame). 0-3 are y-protocols' own; Parley's app messages use codes >= 100 so they can
 * never collide with a future y-protocols type.
 */
export const MESSAGE = {
  sync: 0,
  awareness: 1,
  auth: 2,
  queryAwareness: 3,
  /**
   * Server → client: `varUint count`, the number of this connection's update-bearing
   * messages (sync step 2 and update) that are now durably stored, counted from the start
   * of the connection. Sent only to connections that asked with `subscribeSaved`.
   */
  saved: 100,
  /** Client → server, no payload: "send me `saved` acknowledgements on this connection". */
  subscribeSaved: 101,
} as const;
export type MessageType = (typeof MESSAGE)[keyof typeof MESSAGE];

/** The `subscribeSaved` frame: its type as one varUint (101 < 128, so one byte), no payload. */
export function subscribeSavedFrame(): Uint8Array {
  return new Uint8Array([MESSAGE.subscribeSaved]);
}

/** Sub-types inside a sync message (y-protocols/sync). */
export const SYNC = {
  step1: 0,
  step2: 1,
  update: 2,
} as const;

/** Where the websocket endpoint lives: `/yjs/<docName>`. */
export const YJS_PATH_PREFIX = '/yjs';
