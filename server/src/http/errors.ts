import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../logger.ts';
import { NotOwnerError, OwnerUnknownError } from '../scale/BoardOwnership.ts';

/** An error with an HTTP status and a stable machine-readable code. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'not_found', `No route for ${req.method} ${req.originalUrl.split('?')[0]}`));
};

/** Every REST error leaves as `{ error: { code, message } }`. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    if (err instanceof HttpError) {
      res.status(err.status).json({ error: { code: err.code, message: err.message } });
      return;
    }
    // Several instances: the board changed hands, or Redis cannot say who holds it now.
    if (err instanceof NotOwnerError || err instanceof OwnerUnknownError) {
      res.set('Retry-After', '1');
      res.status(503).json({ error: { code: 'board_moving', message: 'This board is changing servers; try again.' } });
      return;
    }
    // body-parser and friends attach a status to client errors.
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ error: { code: 'bad_request', message: (err as Error).message } });
      return;
    }
    log.error({ err }, 'request failed');
    res.status(500).json({ error: { code: 'internal', message: 'Internal server error' } });
  };
}
