import type { Actor, StakeholderId, UserId } from '@parley/shared/model';
import type { Role } from '@parley/shared/permissions';
import { signAccessToken } from '../../server/src/accounts/accessTokens.ts';
import { loadSigningSecret } from '../../server/src/accounts/secrets.ts';
import type { RunningServer } from './server.ts';

export interface TestIdentity {
  readonly userId: string;
  readonly name: string;
  readonly role: Role;
  readonly stakeholderId: string | null;
}

let counter = 0;

/** An identity with a unique user id, for a token. */
export function identity(role: Role, stakeholderId: string | null, name?: string): TestIdentity {
  counter++;
  return { userId: `u-test-${counter}-${role}`, name: name ?? `${role} ${counter}`, role, stakeholderId };
}

/** The actor a model mutation is made as, for this identity. */
export const actorOf = (who: TestIdentity): Actor => ({
  userId: who.userId as UserId,
  name: who.name,
  stakeholderId: who.stakeholderId as StakeholderId,
});

/**
 * Signs an access token the way `npm run parley -- token` does, with the server's own
 * secret from its data dir (tests call this instead of spawning the CLI each time).
 */
export function mintToken(
  server: Pick<RunningServer, 'dataDir'>,
  who: TestIdentity,
  boardId = 'demo',
  ttlSeconds?: number,
) {
  return signAccessToken(loadSigningSecret(server.dataDir, undefined), {
    userId: who.userId,
    boardId,
    role: who.role,
    stakeholderId: who.stakeholderId,
    name: who.name,
    ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
  });
}

export interface DemoLink {
  readonly label: string;
  readonly role: Role;
  readonly stakeholderId: string | null;
  readonly email: string;
  readonly url: string;
}

/** The demo's one-click sign-in links, from the server's structured start-up log. */
export function demoLinks(server: Pick<RunningServer, 'logs'>): DemoLink[] {
  const entry = server.logs.find((l) => l['msg'] === 'demo sign-in links');
  if (!entry) throw new Error('the server logged no demo sign-in links');
  return entry['links'] as DemoLink[];
}
