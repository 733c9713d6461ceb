import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { AwarenessUser } from '@parley/shared/protocol';

export class MalformedAwareness extends Error {}

const MAX_STATE_BYTES = 16 * 1024;

/**
 * Rewrites an awareness update from a client so the identity in it is the server's:
 * the `user` field of every state is replaced by `pinned`, and the connection may only
 * speak for awareness client ids it owns (the first id it uses, or ids no other
 * connection has claimed). Entries for other ids are dropped. Returns null if nothing is
 * left to apply.
 *
 * Wire format (y-protocols/awareness): varUint count, then per entry varUint clientID,
 * varUint clock, varString JSON state ("null" removes the state).
 */
export function pinAwarenessUpdate(
  update: Uint8Array,
  pinned: AwarenessUser,
  mayUseClientId: (clientId: number) => boolean,
): Uint8Array | null {
  const d = decoding.createDecoder(update);
  const entries: { clientId: number; clock: number; state: string }[] = [];
  try {
    const count = decoding.readVarUint(d);
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(d);
      const clock = decoding.readVarUint(d);
      const json = decoding.readVarString(d);
      if (json.length > MAX_STATE_BYTES) throw new MalformedAwareness('awareness state too large');
      if (!mayUseClientId(clientId)) continue;
      let state: unknown;
      try {
        state = JSON.parse(json);
      } catch {
        throw new MalformedAwareness('awareness state is not JSON');
      }
      if (state !== null && (typeof state !== 'object' || Array.isArray(state))) {
        throw new MalformedAwareness('awareness state must be an object or null');
      }
      const rewritten = state === null ? null : { ...(state as Record<string, unknown>), user: pinned };
      entries.push({ clientId, clock, state: JSON.stringify(rewritten) });
    }
  } catch (err) {
    if (err instanceof MalformedAwareness) throw err;
    throw new MalformedAwareness('truncated awareness update');
  }
  if (decoding.hasContent(d)) throw new MalformedAwareness('trailing bytes after awareness update');
  if (entries.length === 0) return null;
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(e, entry.clientId);
    encoding.writeVarUint(e, entry.clock);
    encoding.writeVarString(e, entry.state);
  }
  return encoding.toUint8Array(e);
}
