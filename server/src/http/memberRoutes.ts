import { Router, type Request } from 'express';
import { z } from 'zod';
import { LIMITS, ROOT } from '@parley/shared/model';
import { ROLES, can, describeRefusal, stakeholderMismatch, type Principal } from '@parley/shared/permissions';
import { STAKEHOLDER_ID_PATTERN } from '@parley/shared/protocol';
import { AccountError, type Membership } from '../accounts/AccountStore.ts';
import type { AccessControl, BoardAccess } from '../accounts/AccessControl.ts';
import { newOpaqueToken } from '../accounts/secrets.ts';
import type { RoomRegistry } from '../collab/room/RoomRegistry.ts';
import { noSuchBoard, requireBoardAccess, requireSession } from './authContext.ts';
import { HttpError } from './errors.ts';
import { boardIdParam, parseBody } from './validate.ts';

const MemberPatch = z.object({
  role: z.enum(ROLES),
  stakeholderId: z.string().regex(STAKEHOLDER_ID_PATTERN).nullable(),
});
const InviteBody = MemberPatch.extend({
  ttlHours: z
    .number()
    .int()
    .min(1)
    .max(LIMITS.inviteTtlHours)
    .default(24 * 7),
  maxUses: z.number().int().min(1).max(LIMITS.inviteUses).default(1),
});

function requireOwner(principal: Principal): void {
  const action = { kind: 'manage-members' } as const;
  if (!can(principal, action)) throw new HttpError(403, 'forbidden', describeRefusal(action));
}

/** Members, roles, stakeholders of members, and invites: managed by owners. */
export function memberRoutes(access: AccessControl, registry: RoomRegistry, publicUrl: string | undefined): Router {
  const accounts = access.accounts;
  const router = Router();
  const baseUrl = (req: Request) => publicUrl ?? `${req.protocol}://${req.get('host')}`;

  /** Members other than observers belong to exactly one stakeholder of this board. */
  async function checkStakeholder(boardId: string, role: Membership['role'], sid: string | null): Promise<void> {
    const mismatch = stakeholderMismatch(role, sid);
    if (mismatch === 'observer-has-stakeholder')
      throw new HttpError(400, 'invalid_body', 'Observers belong to no stakeholder.');
    if (mismatch === 'stakeholder-missing')
      throw new HttpError(400, 'invalid_body', 'Choose the stakeholder this member belongs to.');
    if (sid === null) return;
    const room = await registry.open(boardId);
    if (!room.doc.getMap(ROOT.stakeholders).has(sid)) {
      throw new HttpError(400, 'unknown_stakeholder', `No stakeholder "${sid}" on this board.`);
    }
  }

  /** Access first (so strangers learn nothing), then existence: a token can outlive its board. */
  async function boardAccess(req: Request, boardId: string): Promise<BoardAccess> {
    const granted = await requireBoardAccess(access, req, boardId);
    if (!(await registry.boardExists(boardId))) throw noSuchBoard();
    return granted;
  }

  async function ensureAnotherOwner(boardId: string, userId: string): Promise<void> {
    const owners = (await accounts.listMembers(boardId)).filter((m) => m.role === 'owner' && m.userId !== userId);
    if (owners.length === 0) throw new HttpError(409, 'last_owner', 'A board needs at least one owner.');
  }

  router.get('/boards/:id/members', async (req, res) => {
    const boardId = boardIdParam(req);
    const { principal } = await boardAccess(req, boardId);
    const isOwner = can(principal, { kind: 'manage-members' });
    const members = await accounts.listMembers(boardId);
    res.json({
      members: members.map((m) => ({
        userId: m.userId,
        name: m.name,
        role: m.role,
        stakeholderId: m.stakeholderId,
        ...(isOwner ? { email: m.email } : {}),
      })),
      ...(isOwner
        ? {
            invites: (await accounts.listInvites(boardId)).map((i) => ({
              id: i.id,
              role: i.role,
              stakeholderId: i.stakeholderId,
              expiresAt: i.expiresAt,
              uses: i.uses,
              maxUses: i.maxUses,
              revoked: i.revoked,
            })),
          }
        : {}),
    });
  });

  router.patch('/boards/:id/members/:userId', async (req, res) => {
    const boardId = boardIdParam(req);
    requireOwner((await boardAccess(req, boardId)).principal);
    const body = parseBody(MemberPatch, req.body);
    const userId = String(req.params['userId']);
    const current = await accounts.getMembership(boardId, userId);
    if (!current) throw new HttpError(404, 'not_found', 'No such member.');
    await checkStakeholder(boardId, body.role, body.stakeholderId);
    if (current.role === 'owner' && body.role !== 'owner') await ensureAnotherOwner(boardId, userId);
    await accounts.setMembership({ boardId, userId, role: body.role, stakeholderId: body.stakeholderId });
    access.notify({ kind: 'membership-changed', boardId, userId });
    res.json({ member: { userId, role: body.role, stakeholderId: body.stakeholderId } });
  });

  router.delete('/boards/:id/members/:userId', async (req, res) => {
    const boardId = boardIdParam(req);
    requireOwner((await boardAccess(req, boardId)).principal);
    const userId = String(req.params['userId']);
    const current = await accounts.getMembership(boardId, userId);
    if (!current) throw new HttpError(404, 'not_found', 'No such member.');
    if (current.role === 'owner') await ensureAnotherOwner(boardId, userId);
    await accounts.removeMembership(boardId, userId);
    access.notify({ kind: 'membership-changed', boardId, userId });
    res.status(204).end();
  });

  router.post('/boards/:id/invites', async (req, res) => {
    const boardId = boardIdParam(req);
    const { principal } = await boardAccess(req, boardId);
    requireOwner(principal);
    const body = parseBody(InviteBody, req.body);
    await checkStakeholder(boardId, body.role, body.stakeholderId);
    const token = newOpaqueToken();
    const invite = await accounts.createInvite(
      {
        boardId,
        role: body.role,
        stakeholderId: body.stakeholderId,
        createdBy: principal.userId,
        expiresAt: Date.now() + body.ttlHours * 3_600_000,
        maxUses: body.maxUses,
      },
      token,
    );
    access.notify({ kind: 'invites-changed', boardId });
    res.status(201).json({ invite: { ...invite, url: `${baseUrl(req)}/invite/${token}` } });
  });

  router.delete('/boards/:id/invites/:inviteId', async (req, res) => {
    const boardId = boardIdParam(req);
    requireOwner((await boardAccess(req, boardId)).principal);
    if (!(await accounts.revokeInvite(boardId, String(req.params['inviteId'])))) {
      throw new HttpError(404, 'not_found', 'No such invite.');
    }
    access.notify({ kind: 'invites-changed', boardId });
    res.status(204).end();
  });

  // The invite page reads what an invite grants before the person accepts it.
  router.get('/invites/:token', async (req, res) => {
    const invite = await accounts.getInviteByToken(req.params.token);
    const valid = invite !== null && !invite.revoked && invite.expiresAt > Date.now() && invite.uses < invite.maxUses;
    if (!invite || !valid)
      throw new HttpError(404, 'invite_invalid', 'This invite link is invalid, expired or already used.');
    const room = await registry.open(invite.boardId);
    const stakeholder = invite.stakeholderId
      ? room.doc.getMap<{ get(k: string): unknown }>(ROOT.stakeholders).get(invite.stakeholderId)
      : undefined;
    const title = room.doc.getMap(ROOT.meta).get('title');
    res.json({
      invite: {
        boardId: invite.boardId,
        boardTitle: typeof title === 'string' ? title : invite.boardId,
        role: invite.role,
        stakeholderId: invite.stakeholderId,
        stakeholderName: typeof stakeholder?.get('name') === 'string' ? stakeholder.get('name') : null,
        expiresAt: invite.expiresAt,
      },
    });
  });

  router.post('/invites/:token/accept', async (req, res) => {
    const session = requireSession(res);
    try {
      const membership = await accounts.acceptInvite(req.params.token, session.user.id);
      access.notify({ kind: 'membership-changed', boardId: membership.boardId, userId: session.user.id });
      res.json({ membership });
    } catch (err) {
      if (err instanceof AccountError && err.code === 'invite_invalid') throw new HttpError(410, err.code, err.message);
      if (err instanceof AccountError && err.code === 'already_member') throw new HttpError(409, err.code, err.message);
      throw err;
    }
  });

  return router;
}
