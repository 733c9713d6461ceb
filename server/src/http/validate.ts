import type { Request } from 'express';
import type { z } from 'zod';
import { INVALID_BOARD_ID_MESSAGE, isValidBoardId } from '@parley/shared/protocol';
import { HttpError } from './errors.ts';

/** The `:id` route parameter as a board id; one that cannot be a board id is a 400. */
export function boardIdParam(req: Request): string {
  const id = String(req.params['id']);
  if (!isValidBoardId(id)) throw new HttpError(400, 'invalid_board_id', INVALID_BOARD_ID_MESSAGE);
  return id;
}

/** Parses a request body with a zod schema; a mismatch is a 400 naming the fields. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    const detail = result.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
      .join('; ');
    throw new HttpError(400, 'invalid_body', detail);
  }
  return result.data;
}
