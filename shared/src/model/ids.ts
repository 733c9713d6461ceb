import { getRandomValues } from 'lib0/webcrypto';

/**
 * Branded string ids: the compiler then refuses a point id where a thread id is expected,
 * which matters because every id is a plain string on the wire.
 */
type Brand<T, B extends string> = T & { readonly __brand: B };

export type BoardId = Brand<string, 'BoardId'>;
export type StakeholderId = Brand<string, 'StakeholderId'>;
export type CategoryId = Brand<string, 'CategoryId'>;
export type PointId = Brand<string, 'PointId'>;
export type ThreadId = Brand<string, 'ThreadId'>;
export type CommentId = Brand<string, 'CommentId'>;
export type UserId = Brand<string, 'UserId'>;
export type VersionId = Brand<string, 'VersionId'>;

/** Short random ids: 12 base-36 chars carry ~62 bits, plenty for ids scoped to one board. */
export function newId<T extends string>(prefix: string): T {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  // One call for all twelve characters: each getRandomValues call costs microseconds.
  const words = getRandomValues(new Uint32Array(12)) as Uint32Array;
  let out = prefix;
  for (const word of words) out += alphabet[word % alphabet.length];
  return out as T;
}

export const newCategoryId = (): CategoryId => newId<CategoryId>('c_');
export const newPointId = (): PointId => newId<PointId>('p_');
export const newThreadId = (): ThreadId => newId<ThreadId>('t_');
export const newCommentId = (): CommentId => newId<CommentId>('m_');
export const newVersionId = (): VersionId => newId<VersionId>('v_');
