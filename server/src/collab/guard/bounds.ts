/**
 * Bounds on what one update may hold, checked while it is decoded, before anything is
 * applied. Each is far above what an honest client sends and far below what costs the
 * server real time or memory; docs/SECURITY.md lists them.
 */
export const UPDATE_BOUNDS = {
  /**
   * Nesting of a JSON or Any value (a position is one level deep). Yjs, lib0 and
   * JSON.stringify recurse once per level when they encode a value, so a value nested
   * thousands of levels deep overflows the stack in the server's own encode after commit.
   */
  valueDepth: 16,
  /**
   * Structs (items, GC and skip runs) in one update. A week of offline work on a big board
   * is a few thousand; 3.9 million one-clock GC structs fit in a 7.8 MB frame and cost
   * seconds and hundreds of megabytes to integrate.
   */
  structs: 100_000,
  /**
   * Clock length of one struct: a GC or skip run, or deleted content. An honest run is
   * content its writer typed and deleted; a run of 2^52 pushes its client's clock to the
   * edge of exact integers.
   */
  runLength: 1 << 24,
  /** Sum of all struct lengths in one update (so many long runs are bounded too). */
  totalLength: 1 << 26,
} as const;
