import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { z } from 'zod';
import { LIMITS, type StakeholderId, type UserId } from '@parley/shared/model';
import { ROLES, stakeholderMismatch, type Principal } from '@parley/shared/permissions';
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
  name: z.string().min(1).max(LIMITS.userNameLength),
  iat: z.number().int().nonnegative(),
  /**
   * The mint time in milliseconds. `iat` has whole seconds only, and revocation compares
   * against a millisecond time: with `iat` alone, a token minted later in the same second
   * as a revocation could not be told from one minted earlier in it.
   */
  iat_ms: z.number().int().nonnegative().optional(),
});

export interface TokenGrant {
  readonly userId: string;
  readonly boardId: string;
  readonly role: Principal['role'];
  readonly stakeholderId: string | null;
  readonly name: string;
  readonly ttlSeconds?: number;
}

/** A verified token: what it grants, on which board, and when it was minted. */
export interface VerifiedToken {
  readonly principal: Principal;
  readonly boardId: string;
  /**
   * When it was minted, in ms. A token from before `iat_ms` existed counts as minted at the
   * start of its `iat` second: the earliest it can have been, so a revocation later in that
   * second still refuses it.
   */
  readonly issuedAtMs: number;
}

export class TokenError extends Error {}

export async function signAccessToken(secret: Uint8Array, grant: TokenGrant): Promise<string> {
  const nowMs = Date.now();
  const iat = Math.floor(nowMs / 1000);
  const claims = Claims.parse({
    sub: grant.userId,
    board: grant.boardId,
    role: grant.role,
    sid: grant.stakeholderId,
    name: grant.name,
    iat,
    iat_ms: nowMs,
  });
  if (stakeholderMismatch(claims.role, claims.sid) === 'stakeholder-missing') {
    throw new TokenError(`a ${claims.role} must belong to a stakeholder`);
  }
  return new SignJWT({ board: claims.board, role: claims.role, sid: claims.sid, name: claims.name, iat_ms: nowMs })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub)
    .setIssuer(ISSUER)
    .setIssuedAt(iat)
    .setExpirationTime(iat + (grant.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS))
    .sign(secret);
}

/**
 * Verifies a token's signature, expiry and claims, whatever its board; throws TokenError
 * with a reason a user may read. Revocation is the caller's business (it needs the store).
 */
export async function verifyAccessToken(secret: Uint8Array, token: string): Promise<VerifiedToken> {
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, secret, { issuer: ISSUER, algorithms: ['HS256'] }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw new TokenError('token expired');
    throw new TokenError('invalid token');
  }
  const claims = Claims.safeParse(payload);
  if (!claims.success) throw new TokenError('invalid token claims');
  const { iat, iat_ms: iatMs } = claims.data;
  // Both times are signed by us, so they agree unless the token was made by something else.
  if (iatMs !== undefined && Math.floor(iatMs / 1000) !== iat) throw new TokenError('invalid token claims');
  return {
    principal: {
      userId: claims.data.sub as UserId,
      name: claims.data.name,
      role: claims.data.role,
      stakeholderId: claims.data.sid as StakeholderId | null,
    },
    boardId: claims.data.board,
    issuedAtMs: iatMs ?? iat * 1000,
  };
}
