import { deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * How a version's state is stored: deflated. A board's state is mostly text and compresses
 * several times over, and a smaller row is a shorter synchronous write for SQLite (a 2 MB
 * row held the event loop 12–28 ms here; P8 allows 20). Packed and unpacked on the
 * versions' worker (and in the CLI's own process).
 */
export function packVersionState(state: Uint8Array): Uint8Array {
  return deflateRawSync(state);
}

export function unpackVersionState(stored: Uint8Array): Uint8Array {
  return inflateRawSync(stored);
}
