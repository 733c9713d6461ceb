/**
 * Keys of the PostgreSQL advisory locks Parley takes, each held to the end of its
 * transaction (pg_advisory_xact_lock). The bigint keys and the (namespace, key) pairs are
 * separate spaces in PostgreSQL, so none of these can collide.
 */

/** Held while migrating, so two instances starting at once apply each migration once. */
export const MIGRATIONS_LOCK = 0x7061_726c_0001;

/**
 * Held while recording a revocation: concurrent transactions could otherwise commit their
 * seqs out of order, and a watcher reading `seq > last` would skip the one committed late.
 */
export const REVOCATIONS_LOCK = 0x7061_726c_0002;

/**
 * Namespace of the per-board log locks (the key is hashtext(boardId)): appends to a
 * board's docs commit in seq order, so a reader holding every entry up to a seq
 * (Storage.readLog's afterSeq) never misses one that commits later with a smaller seq.
 */
export const BOARD_LOG_LOCKS = 0x7061_726c;
