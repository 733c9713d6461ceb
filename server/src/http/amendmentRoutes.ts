import { Router } from 'express';
import { z } from 'zod';
import {
  LIMITS,
  ModelError,
  decideAmendment,
  decisionRefusal,
  listAmendments,
  type AmendmentId,
} from '@parley/shared/model';
import { can, describeRefusal } from '@parley/shared/permissions';
import type { AccessControl } from '../accounts/AccessControl.ts';
import type { RoomRegistry } from '../collab/room/RoomRegistry.ts';
import { requireBoardAccess } from './authContext.ts';
import { unknownIfGone } from './boardView.ts';
import { HttpError } from './errors.ts';
import { boardIdParam, parseBody } from './validate.ts';

/** An amendment id as a route parameter: what `newAmendmentId` makes, and no more than an id field holds. */
const AMENDMENT_ID = new RegExp(`^[A-Za-z0-9_-]{1,${LIMITS.idFieldLength}}$`);

const Decision = z
  .object({
    decision: z.enum(['accept', 'reject']),
    note: z.string().max(LIMITS.responseNoteLength).optional(),
  })
  .strict();

/**
 * Editors accept or reject amendments here, not in the document: accepting checks the
 * board's sign-off rule against the whole board (who has endorsed, whether the text moved
 * on), which a client could not be trusted to judge. The check and the write happen in
 * one synchronous step on the loaded room, so nothing can slip between them; accepting
 * writes the wording into the point's text as a minimal edit (`applyWording`).
 */
export function amendmentRoutes(registry: RoomRegistry, access: AccessControl): Router {
  const router = Router();

  router.post('/boards/:id/amendments/:amendmentId/decision', async (req, res) => {
    const boardId = boardIdParam(req);
    const { principal } = await requireBoardAccess(access, req, boardId);
    const amendmentId = String(req.params['amendmentId']);
    if (!AMENDMENT_ID.test(amendmentId)) throw new HttpError(400, 'invalid_amendment_id', 'Not an amendment id.');
    const action = { kind: 'decide-amendment' } as const;
    if (!can(principal, action)) throw new HttpError(403, 'forbidden', describeRefusal(action));
    const { decision, note } = parseBody(Decision, req.body);
    const status = decision === 'accept' ? 'accepted' : 'rejected';
    await unknownIfGone(
      registry.editBoard(boardId, (doc, room) => {
        // Known once the room is loaded (editBoard loads it first).
        if (registry.isArchived(boardId)) {
          throw new HttpError(409, 'board_archived', 'This board is archived: it is read-only.');
        }
        const id = amendmentId as AmendmentId;
        if (!listAmendments(doc).some((a) => a.id === id)) {
          throw new HttpError(404, 'unknown_amendment', 'No such amendment on this board.');
        }
        const refusal = decisionRefusal(doc, id, status);
        if (refusal) throw new HttpError(409, 'decision_refused', refusal);
        const editor = { userId: principal.userId, name: principal.name };
        const decide = () => decideAmendment(doc, editor, id, status, note);
        try {
          // The point's history records the decision, and an accepted text's cause, with it.
          const history = room.history;
          if (history) {
            history.decision({ ...editor, stakeholderId: principal.stakeholderId }, id, status, note ?? '', decide);
          } else decide();
        } catch (err) {
          if (err instanceof ModelError) throw new HttpError(400, 'invalid_body', err.message);
          throw err;
        }
      }),
    );
    res.json({ id: amendmentId, status });
  });

  return router;
}
