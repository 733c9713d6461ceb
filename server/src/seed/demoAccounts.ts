import { DEMO_STAKEHOLDERS } from '@parley/shared/model';
import type { Role } from '@parley/shared/permissions';
import { AccountError, type AccountStore } from '../accounts/AccountStore.ts';
import { newOpaqueToken } from '../accounts/secrets.ts';
import { DEMO_BOARD_ID } from './demoContent.ts';

export interface DemoSignInLink {
  readonly label: string;
  readonly role: Role;
  readonly stakeholderId: string | null;
  readonly email: string;
  readonly url: string;
}

interface DemoPerson {
  label: string;
  name: string;
  email: string;
  role: Role;
  stakeholderId: string | null;
}

/** One demo person per role, and one delegate per stakeholder. */
function demoPeople(): DemoPerson[] {
  return [
    { label: 'Owner', name: 'Demo owner', email: 'owner@demo.parley', role: 'owner', stakeholderId: 'us' },
    {
      label: 'Drafting editor',
      name: 'Drafting editor',
      email: 'editor@demo.parley',
      role: 'editor',
      stakeholderId: 'us',
    },
    ...DEMO_STAKEHOLDERS.map((s) => ({
      label: `${s.name} delegate`,
      name: `${s.name} delegate`,
      email: `${s.id}@demo.parley`,
      role: 'delegate' as const,
      stakeholderId: s.id,
    })),
    { label: 'Observer', name: 'Observer', email: 'observer@demo.parley', role: 'observer', stakeholderId: null },
  ];
}

const LINK_TTL_MS = 7 * 24 * 3_600_000;

/** The demo person's account; another instance on the same database may be making it too. */
async function findOrCreate(accounts: AccountStore, person: DemoPerson) {
  const found = await accounts.findUserByEmail(person.email);
  if (found) return found;
  try {
    return await accounts.createUser({ email: person.email, name: person.name, passwordHash: null });
  } catch (err) {
    const raced =
      err instanceof AccountError && err.code === 'email_taken' && (await accounts.findUserByEmail(person.email));
    if (raced) return raced;
    throw err;
  }
}

/**
 * Makes sure the demo people exist as members of the demo board (they have no password)
 * and issues a fresh one-click sign-in link for each, valid for a week.
 */
export async function demoSignInLinks(accounts: AccountStore, baseUrl: string): Promise<DemoSignInLink[]> {
  const links: DemoSignInLink[] = [];
  for (const person of demoPeople()) {
    const user = await findOrCreate(accounts, person);
    if (!(await accounts.getMembership(DEMO_BOARD_ID, user.id))) {
      await accounts.setMembership({
        boardId: DEMO_BOARD_ID,
        userId: user.id,
        role: person.role,
        stakeholderId: person.stakeholderId,
      });
    }
    const token = newOpaqueToken();
    await accounts.createSignInLink(user.id, DEMO_BOARD_ID, token, LINK_TTL_MS);
    links.push({
      label: person.label,
      role: person.role,
      stakeholderId: person.stakeholderId,
      email: person.email,
      url: `${baseUrl}/auth/link/${token}`,
    });
  }
  return links;
}
