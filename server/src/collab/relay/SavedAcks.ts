import type { Connection } from '../endpoint/Connection.ts';
import { encodeSaved } from '../codec/messageCodec.ts';

/** One connection's count of update-bearing messages: sent, and stored. */
interface Count {
  received: number;
  stored: number;
  /** Settles once every message counted so far is stored: acks follow it, in order. */
  chain: Promise<void>;
  owed: boolean;
}

/**
 * The durable "saved" acknowledgements of a room (PROTOCOL.md): per connection, how many of
 * the update-bearing messages it sent are committed to the store. A message's ack waits for
 * every earlier one of the same connection, so counts only grow; several that become due
 * before one goes out travel as one ack with the highest count. `due` is told when a
 * connection starts being owed one; the relay then sends it (with its next frame to that
 * connection, or alone).
 */
export class SavedAcks {
  private readonly counts = new WeakMap<Connection, Count>();
  private readonly owed = new Set<Connection>();

  constructor(private readonly due: () => void) {}

  /** Counts one message of `conn`, acknowledged once `stored` (and every earlier one) resolves. */
  track(conn: Connection, stored: Promise<void>): void {
    let count = this.counts.get(conn);
    if (!count) this.counts.set(conn, (count = { received: 0, stored: 0, chain: Promise.resolve(), owed: false }));
    const c = count;
    const n = ++c.received;
    c.chain = c.chain
      .then(() => stored)
      .then(() => {
        c.stored = n;
        if (!conn.wantsSavedAcks || c.owed) return;
        c.owed = true;
        this.owed.add(conn);
        this.due();
      });
  }

  /** The ack owed to `conn`, if any (it is then no longer owed). */
  take(conn: Connection): Uint8Array | null {
    if (!this.owed.delete(conn)) return null;
    const count = this.counts.get(conn)!;
    count.owed = false;
    return encodeSaved(count.stored);
  }

  /** Every connection owed an ack, with its ack (then no longer owed). */
  takeAll(): [Connection, Uint8Array][] {
    return [...this.owed].map((conn) => [conn, this.take(conn)!]);
  }

  clear(): void {
    this.owed.clear();
  }
}
