import type { Request, RequestHandler, Response } from 'express';
import type { Membership, SessionInfo } from '../accounts/AccountStore.ts';
import type { AccessControl, BoardAccess, Identity } from '../accounts/AccessControl.ts';
import { AuthError } from '../accounts/AccessControl.ts';
import { HttpError } from './errors.ts';

/** Attaches the signed-in session (if any) to `res.locals.session`. */
export function sessionMiddleware(access: AccessControl): RequestHandler {
  return (req, res, next) => {
    access.session(req.headers.cookie).then((session) => {
      res.locals['session'] = session;
      next();
    }, next);
  };
}

export function currentSession(res: Response): SessionInfo | null {
  return (res.locals['session'] as SessionInfo | null | undefined) ?? null;
}

export function requireSession(res: Response): SessionInfo {
  const session = currentSession(res);
  if (!session) throw new HttpError(401, 'unauthorized', 'Sign in first.');
  return session;
}

/** The token of an `Authorization: Bearer <token>` header, if any. */
export function bearerToken(req: Request): string | null {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : null;
}

/**
 * The one answer for "no such board" and "you may not see it", so a known caller cannot
 * probe which boards exist. Anyone signed out gets 401 whether or not the board exists.
 */
export function noSuchBoard(): HttpError {
  return new HttpError(404, 'unknown_board', 'No such board, or you have no access to it.');
}

/**
 * The caller's access to a board (session cookie or `Authorization: Bearer <token>`):
 * 401 without valid credentials, and `noSuchBoard()` for a signed-in non-member.
 */
export async function requireBoardAccess(access: AccessControl, req: Request, boardId: string): Promise<BoardAccess> {
  try {
    return await access.boardAccess(boardId, { cookieHeader: req.headers.cookie, token: bearerToken(req) });
  } catch (err) {
    if (!(err instanceof AuthError)) throw err;
    if (err.failure === 'access') throw noSuchBoard();
    throw new HttpError(401, 'unauthorized', `Sign in first: ${err.message}.`);
  }
}

/**
 * Who is calling, by session cookie or `Authorization: Bearer <token>` (401 without valid
 * credentials), for routes not about one board.
 */
export async function requireIdentity(access: AccessControl, req: Request): Promise<Identity> {
  try {
    return await access.identify({ cookieHeader: req.headers.cookie, token: bearerToken(req) });
  } catch (err) {
    if (err instanceof AuthError) throw new HttpError(401, 'unauthorized', `Sign in first: ${err.message}.`);
    throw err;
  }
}

/**
 * The boards a credential reaches, with the caller's role and stakeholder on each: every
 * board a session's user is a member of; only the board an access token was made for.
 */
export async function reachableBoards(
  access: AccessControl,
  identity: Identity,
): Promise<Pick<Membership, 'boardId' | 'role' | 'stakeholderId'>[]> {
  if (identity.kind === 'token') {
    const { principal, boardId } = identity.token;
    return [{ boardId, role: principal.role, stakeholderId: principal.stakeholderId }];
  }
  return access.accounts.listMemberships(identity.userId);
}
