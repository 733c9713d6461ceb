import pg from 'pg';
import type { Logger } from '../../logger.ts';

/**
 * int8 columns (sequence numbers, epoch-ms times) as JS numbers, not the strings pg hands
 * out by default: every value the stores keep fits well within 2^53.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 && format !== 'binary'
      ? Number
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

export interface PoolOptions {
  /** Most connections the pool opens at once. */
  readonly max?: number;
  readonly log?: Logger;
}

/** A connection pool on `url` that reads int8 as numbers and survives a dropped idle connection. */
export function createPool(url: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, types, ...(options.max ? { max: options.max } : {}) });
  // An idle connection the server closes (a restart, a failover) is an 'error' event; without
  // a listener it would end the process. The pool replaces the connection on next use.
  pool.on('error', (err) => options.log?.warn({ err }, 'an idle PostgreSQL connection failed'));
  return pool;
}
