import type { RequestHandler } from 'express';
import { HttpError } from './errors.ts';

/**
 * Which browser origins may use this server with a user's cookies: the server's own origin
 * (the Host it was reached at) plus any configured extra origins (e.g. a dev server).
 * Requests without an Origin header come from non-browser clients, which hold no cookies
 * of ours unless given them, and are allowed.
 */
export class OriginPolicy {
  private readonly extra: Set<string>;

  constructor(allowedOrigins: readonly string[]) {
    this.extra = new Set(allowedOrigins.map((o) => o.replace(/\/+$/, '').toLowerCase()));
  }

  allows(origin: string | undefined, host: string | undefined): boolean {
    if (origin === undefined) return true;
    if (this.extra.has(origin.toLowerCase())) return true;
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      return false; // includes the opaque origin "null"
    }
    return host !== undefined && parsed.host.toLowerCase() === host.toLowerCase();
  }

  /** Refuses state-changing requests sent by pages on other sites (CSRF). */
  middleware(): RequestHandler {
    return (req, _res, next) => {
      if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
      const origin = req.headers.origin;
      const crossSiteFetch = origin === undefined && req.headers['sec-fetch-site'] === 'cross-site';
      if (crossSiteFetch || !this.allows(origin, req.headers.host)) {
        next(new HttpError(403, 'forbidden_origin', 'Requests from other sites are not allowed.'));
        return;
      }
      next();
    };
  }
}
