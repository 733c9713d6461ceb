import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { LIMITS, STAKEHOLDER_COLOR_PATTERN, oneLineText } from '@parley/shared/model';
import { MAX_IMPORT_BYTES } from '@parley/shared/import';
import type { AccessControl } from '../accounts/AccessControl.ts';
import { createBoardFromPlan, planForSetup, storeNewBoard } from '../boards/createBoards.ts';
import type { ImportPool } from '../boards/ImportPool.ts';
import type { Storage } from '../persistence/Storage.ts';
import { requireSession } from './authContext.ts';
import { HttpError } from './errors.ts';
import { parseBody } from './validate.ts';

export type BoardCreation = 'anyone' | 'cli';

const oneLine = (max: number, what: string) =>
  z
    .string()
    .transform(oneLineText)
    .pipe(z.string().min(1, `${what} must not be empty`).max(max, `${what} is longer than ${max} characters`));

const NewBoardBody = z
  .object({
    title: oneLine(LIMITS.titleLength, 'the title'),
    description: z.string().max(LIMITS.descriptionLength).optional(),
    stakeholders: z
      .array(
        z.object({
          name: oneLine(LIMITS.stakeholderNameLength, 'a stakeholder name'),
          short: oneLine(LIMITS.stakeholderShortLength, 'a short label').optional(),
          color: z.string().regex(STAKEHOLDER_COLOR_PATTERN, 'colours are #rrggbb').optional(),
        }),
      )
      .max(LIMITS.stakeholdersPerBoard),
    ownStakeholder: z.string().transform(oneLineText),
    start: z.enum(['empty', 'demo-shape']).default('empty'),
  })
  .superRefine((b, ctx) => {
    const names = b.stakeholders.map((s) => s.name.toLowerCase());
    if (new Set(names).size !== names.length) {
      ctx.addIssue({ code: 'custom', path: ['stakeholders'], message: 'two stakeholders have the same name' });
    }
    if (b.start === 'empty' && names.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['stakeholders'], message: 'a board needs at least one stakeholder' });
    }
  });

const MEDIA = { markdown: ['text/markdown', 'text/x-markdown', 'text/plain'], json: ['application/json'] };

/** Refuses creation when the operator keeps it to the CLI. */
function creationAllowed(mode: BoardCreation): RequestHandler {
  return (_req, res, next) => {
    requireSession(res);
    if (mode === 'cli') {
      throw new HttpError(
        403,
        'board_creation_disabled',
        'Boards are created by the operator on this server (PARLEY_BOARD_CREATION=cli).',
      );
    }
    next();
  };
}

/** The file as raw bytes, up to 5 MiB; a larger one is a 413 with its own code. */
function rawFile(): RequestHandler {
  const raw = express.raw({ type: [...MEDIA.markdown, ...MEDIA.json], limit: MAX_IMPORT_BYTES });
  return (req, res, next) => {
    raw(req, res, (err?: unknown) => {
      if ((err as { type?: string } | undefined)?.type === 'entity.too.large') {
        next(new HttpError(413, 'file_too_large', `The file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MiB.`));
      } else next(err);
    });
  };
}

/**
 * `POST /api/boards` (the "New board" form) and `POST /api/boards/import` (a Markdown or
 * JSON file as the body; `?dryRun=1` previews without creating). Mounted before the
 * global 64 kB JSON parser so that the import route has its own 5 MiB limit.
 */
export function boardCreateRoutes(
  storage: Storage,
  access: AccessControl,
  mode: BoardCreation,
  imports: ImportPool,
  /** Told of each board created, so its creator's other tabs list it at once. */
  onCreated: (boardId: string) => void = () => undefined,
): Router {
  const router = Router();

  router.post('/boards', creationAllowed(mode), express.json({ limit: '64kb' }), async (req, res) => {
    const session = requireSession(res);
    const body = parseBody(NewBoardBody, req.body);
    const plan = planForSetup(body);
    const own = plan.stakeholders.find((s) => s.name.toLowerCase() === body.ownStakeholder.toLowerCase());
    if (!own) {
      throw new HttpError(400, 'invalid_body', 'ownStakeholder: must be the name of one of the stakeholders');
    }
    const id = await createBoardFromPlan(storage, access.accounts, plan, {
      owner: { userId: session.user.id, stakeholderId: own.id },
    });
    onCreated(id);
    res.status(201).json({ id });
  });

  router.post('/boards/import', creationAllowed(mode), rawFile(), async (req, res) => {
    const session = requireSession(res);
    const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase() ?? '';
    const isJson = MEDIA.json.includes(type);
    if (!isJson && !MEDIA.markdown.includes(type)) {
      throw new HttpError(415, 'unsupported_media_type', 'Send the file as text/markdown or application/json.');
    }
    const titleParam = req.query['title'];
    let title: string | undefined;
    if (titleParam !== undefined) {
      title = typeof titleParam === 'string' ? oneLineText(titleParam) : '';
      if (!title || title.length > LIMITS.titleLength) {
        throw new HttpError(400, 'invalid_title', `title must be 1 to ${LIMITS.titleLength} characters`);
      }
    }
    const bytes = Buffer.isBuffer(req.body) ? new Uint8Array(req.body) : new Uint8Array();
    const dryRun = req.query['dryRun'] === '1' || req.query['dryRun'] === 'true';
    const outcome = await imports.run({
      bytes,
      format: isJson ? 'json' : 'markdown',
      dryRun,
      ...(title ? { title } : {}),
    });
    if (outcome.kind === 'invalid') throw new HttpError(400, 'invalid_file', outcome.message);
    if (outcome.kind === 'preview') {
      res.json({ preview: outcome.preview });
      return;
    }
    const id = await storeNewBoard(storage, access.accounts, outcome.state, outcome.title, {
      userId: session.user.id,
      stakeholderId: outcome.ownerStakeholderId,
    });
    onCreated(id);
    res.status(201).json({ id });
  });

  return router;
}
