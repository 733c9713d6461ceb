import type { Connection } from '../endpoint/Connection.ts';

/**
 * The origin of a transaction that applies client edits: everything its commit
 * (DocRoom.commitTransaction) needs to know about them, carried in the transaction
 * rather than in room fields set before `Y.applyUpdate` and read back after (Hocuspocus's
 * typed transaction origins do the same). The commit writes back `stored`.
 *
 * `alone`: one message of one connection (a sync step 2, or a held edit re-applied).
 * `batch`: a turn's live edits from any connections, applied in one transaction.
 */
export class EditOrigin {
  /** Client ids these edits are the first to write under, stored in the same commit. */
  readonly claims = new Map<number, string>();
  /** When each edit of a batch arrived (the persist-latency metric). */
  readonly receivedAt: number[] = [];
  /** Connections whose edits are in a batch. */
  readonly senders = new Set<Connection>();
  /** When the commit holding these edits is stored; null while nothing was committed. */
  stored: Promise<void> | null = null;

  private constructor(
    readonly kind: 'alone' | 'batch',
    /** The sender of a lone message. */
    readonly conn: Connection | null,
    /**
     * A lone live edit's own bytes: one transaction of the client's, normally all new to
     * the server, so it is stored and relayed as sent rather than re-encoded.
     */
    readonly bytes: Uint8Array | null,
  ) {}

  static alone(conn: Connection, bytes: Uint8Array | null): EditOrigin {
    return new EditOrigin('alone', conn, bytes);
  }

  static batch(): EditOrigin {
    return new EditOrigin('batch', null, null);
  }

  /** The connection the relay may skip: the only one whose edits the commit holds. */
  get sender(): Connection | null {
    if (this.kind === 'alone') return this.conn;
    return this.senders.size === 1 ? this.senders.values().next().value! : null;
  }
}
