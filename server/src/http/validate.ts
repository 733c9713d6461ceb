import type { z } from 'zod';
import { HttpError } from './errors.ts';

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
