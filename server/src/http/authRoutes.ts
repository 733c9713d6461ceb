import { Router, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { LIMITS } from '@parley/shared/model';
import { AccountError } from '../accounts/AccountStore.ts';
import { SESSION_COOKIE, type AccessControl } from '../accounts/AccessControl.ts';
import { hashPassword, passwordProblem, verifyPassword } from '../accounts/passwords.ts';
import { newOpaqueToken } from '../accounts/secrets.ts';
import { currentSession, requireSession } from './authContext.ts';
import { HttpError } from './errors.ts';
import { parseBody } from './validate.ts';

export interface AuthRouteOptions {
  readonly sessionTtlMs: number;
  readonly secureCookies: boolean;
}

const Email = z.email().max(LIMITS.emailLength);
const SignUp = z.object({
  email: Email,
  name: z.string().trim().min(1).max(LIMITS.userNameLength),
  password: z.string().min(1).max(LIMITS.passwordLength),
});
const SignIn = z.object({ email: Email, password: z.string().min(1).max(LIMITS.passwordLength) });

/** Sign-up, sign-in, sign-out, "who am I", and one-click sign-in links. */
export function authRoutes(access: AccessControl, opts: AuthRouteOptions): { api: Router; links: Router } {
  const accounts = access.accounts;
  const api = Router();
  // Password guessing is slowed per address; scrypt already makes each guess expensive.
  const credentialLimiter = rateLimit({
    windowMs: 15 * 60_000,
    limit: 30,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(new HttpError(429, 'rate_limited', 'Too many attempts; try again later.')),
  });

  async function startSession(res: Response, userId: string): Promise<void> {
    const token = newOpaqueToken();
    await accounts.createSession(userId, token, opts.sessionTtlMs);
    res.cookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: opts.secureCookies,
      path: '/',
      maxAge: opts.sessionTtlMs,
    });
  }

  api.post('/auth/signup', credentialLimiter, async (req, res) => {
    const body = parseBody(SignUp, req.body);
    const problem = passwordProblem(body.password);
    if (problem) throw new HttpError(400, 'weak_password', problem);
    try {
      const user = await accounts.createUser({
        email: body.email,
        name: body.name,
        passwordHash: await hashPassword(body.password),
      });
      await startSession(res, user.id);
      res.status(201).json({ user: { id: user.id, email: user.email, name: user.name } });
    } catch (err) {
      if (err instanceof AccountError && err.code === 'email_taken') throw new HttpError(409, err.code, err.message);
      throw err;
    }
  });

  api.post('/auth/signin', credentialLimiter, async (req, res) => {
    const body = parseBody(SignIn, req.body);
    const user = await accounts.findUserByEmail(body.email);
    // Verify against a dummy hash when there is no such user, so timing reveals nothing.
    const ok = await verifyPassword(body.password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok || user.disabled) throw new HttpError(401, 'bad_credentials', 'Wrong email or password.');
    await startSession(res, user.id);
    res.json({ user: { id: user.id, email: user.email, name: user.name } });
  });

  api.post('/auth/signout', async (req, res) => {
    const token = access.sessionTokenFrom(req.headers.cookie);
    const session = currentSession(res);
    if (token) await accounts.revokeSession(token);
    if (session) access.notify({ kind: 'session-revoked', sessionId: session.sessionId });
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.status(204).end();
  });

  /**
   * Signs the user out on every device: every session ends and every access token minted
   * until now is refused, and every websocket and socket.io socket of theirs closes at once.
   */
  api.post('/auth/signout-everywhere', async (_req, res) => {
    const session = requireSession(res);
    await accounts.revokeUserSessions(session.user.id);
    access.notify({ kind: 'user-revoked', userId: session.user.id });
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.status(204).end();
  });

  api.get('/auth/me', async (_req, res) => {
    const session = requireSession(res);
    const memberships = await accounts.listMemberships(session.user.id);
    res.json({
      user: { id: session.user.id, email: session.user.email, name: session.user.name },
      memberships: memberships.map((m) => ({ boardId: m.boardId, role: m.role, stakeholderId: m.stakeholderId })),
    });
  });

  // One-click sign-in links (the demo prints one per role): /auth/link/<token>
  const links = Router();
  links.get('/auth/link/:token', async (req, res) => {
    const link = await accounts.useSignInLink(req.params.token);
    if (!link) {
      res
        .status(410)
        .type('text/plain')
        .send('This sign-in link has expired. Restart the server for fresh demo links.');
      return;
    }
    await startSession(res, link.userId);
    res.redirect(303, link.boardId ? `/b/${encodeURIComponent(link.boardId)}` : '/');
  });

  return { api, links };
}

// A valid scrypt hash of a random password, computed once at startup.
const DUMMY_HASH = await hashPassword(newOpaqueToken());
