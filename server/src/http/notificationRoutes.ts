import { Router, type Request } from 'express';
import { z } from 'zod';
import { isValidBoardId, type MarkReadRequest } from '@parley/shared/protocol';
import type { AccessControl } from '../accounts/AccessControl.ts';
import { NOTIFICATIONS_PAGE, type NotificationInbox } from '../notifications/NotificationInbox.ts';
import type { NotificationEvents } from '../notifications/NotificationEvents.ts';
import { requireIdentity } from './authContext.ts';
import { queryInt } from './historyRoutes.ts';
import { HttpError } from './errors.ts';
import { parseBody } from './validate.ts';

/** Ids one "mark read" may name. */
export const MARK_READ_MAX_IDS = 500;
/** Longer than any notification id (`n_` and 16 characters); anything longer is no id of ours. */
const NOTIFICATION_ID_LENGTH = 64;

const ReadIds = z
  .object({
    ids: z
      .array(z.string('each id must be a string').min(1).max(NOTIFICATION_ID_LENGTH), 'ids must be a list')
      .max(MARK_READ_MAX_IDS, `at most ${MARK_READ_MAX_IDS} ids at once`),
    upToSeq: z.number().int().nonnegative().optional(),
  })
  .strict();

const ReadAll = z
  .object({
    all: z.literal(true, 'all must be true'),
    boardId: z.string().refine(isValidBoardId, 'not a board id').optional(),
    upToSeq: z.number().int().nonnegative().optional(),
  })
  .strict();

/** Either shape, each checked strictly, with a message naming what is wrong. */
function markReadBody(body: unknown): MarkReadRequest {
  if (typeof body === 'object' && body !== null && 'ids' in body) return parseBody(ReadIds, body);
  if (typeof body === 'object' && body !== null && 'all' in body) return parseBody(ReadAll, body);
  throw new HttpError(400, 'invalid_body', 'Send { "ids": [...] } or { "all": true } (with an optional "boardId").');
}

/** `after`: 0 (everything) or a positive whole number. */
function afterOf(req: Request): number {
  return req.query['after'] === '0' ? 0 : (queryInt(req, 'after', Number.MAX_SAFE_INTEGER) ?? 0);
}

/**
 * A person's notifications (session cookie or `Authorization: Bearer <token>`; a token
 * sees only its board's). Read marks reach every device of the person over socket.io.
 */
export function notificationRoutes(
  access: AccessControl,
  inbox: NotificationInbox,
  events: NotificationEvents,
): Router {
  const router = Router();

  router.get('/notifications', async (req, res) => {
    const identity = await requireIdentity(access, req);
    const after = afterOf(req);
    const limit = queryInt(req, 'limit', NOTIFICATIONS_PAGE.max) ?? NOTIFICATIONS_PAGE.default;
    res.json(await inbox.page(identity, after, limit));
  });

  router.post('/notifications/read', async (req, res) => {
    const identity = await requireIdentity(access, req);
    const target = markReadBody(req.body);
    const outcome = await inbox.markRead(identity, target);
    events.read(identity.userId, outcome);
    res.json({ unread: outcome.unread });
  });

  return router;
}
