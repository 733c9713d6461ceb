import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { z } from 'zod';
import type { StakeholderId, UserId } from '@parley/shared/model';
import { ROLES, type Principal } from '@parley/shared/permissions';
import { isValidBoardId, STAKEHOLDER_ID_PATTERN } from '@parley/shared/protocol';

/**
 * Short-lived signed access tokens (HS256 JWTs) for scripts and stock clients:
 * `?token=` on the websocket, `auth: { token }` on socket.io, `Authorization: Bearer` on REST.
 * A token is scoped to one board and carries the role and stakeholder it grants.
 */
const ISSUER = 'parley';
export const DEFAULT_TOKEN_TTL_SECONDS = 60 * 60;

const Claims = z.object({
  sub: z.string().min(1).max(100),
  board: z.string().refine(isValidBoardId),
  role: z.enum(ROLES),
  sid: z.string().regex(STAKEHOLDER_ID_PATTERN).nullable(),
  name: z.string().min(1).max(100),
});

export interface TokenGrant {
  readonly userId: string;
  readonly boardId: string;
  readonly role: Principal['role'];
  readonly stakeholderId: string | null;
  readonly name: string;
  readonly ttlSeconds?: number;
}

export class TokenError extends Error {}

export async function signAccessToken(secret: Uint8Array, grant: TokenGrant): Promise<string> {
  const claims = Claims.parse({
    sub: grant.userId,
    board: grant.boardId,
    role: grant.role,
    sid: grant.stakeholderId,
    name: grant.name,
  });
  if (claims.role !== 'observer' && claims.sid === null) {
    throw new TokenError(`a ${claims.role} must belong to a stakeholder`);
  }
  return new SignJWT({ board: claims.board, role: claims.role, sid: claims.sid, name: claims.name })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub)
    .setIssuer(ISSUER)
    .setIssuedAt()
    .setExpirationTime(`${grant.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS}s`)
    .sign(secret);
}

/** Verifies a token for `boardId`; throws TokenError with a reason a user may read. */
export async function verifyAccessToken(secret: Uint8Array, token: string, boardId: string): Promise<Principal> {
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, secret, { issuer: ISSUER, algorithms: ['HS256'] }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw new TokenError('token expired');
    throw new TokenError('invalid token');
  }
  const claims = Claims.safeParse(payload);
  if (!claims.success) throw new TokenError('invalid token claims');
  if (claims.data.board !== boardId) throw new TokenError('token is for another board');
  return {
    userId: claims.data.sub as UserId,
    name: claims.data.name,
    role: claims.data.role,
    stakeholderId: claims.data.sid as StakeholderId | null,
  };
}
