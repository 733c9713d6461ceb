import { DEMO_STAKEHOLDERS, SCHEMA_VERSION, newId, oneLineText, type CategoryId } from '@parley/shared/model';
import { isValidBoardId } from '@parley/shared/protocol';
import { DEFAULT_STAKEHOLDER_NAME, buildBoardState, stakeholdersFor, type BoardPlan } from '@parley/shared/import';
import type { AccountStore } from '../accounts/AccountStore.ts';
import { DEMO_CATEGORIES } from '../seed/demoContent.ts';
import type { Storage } from '../persistence/Storage.ts';

/** A new board id: the model's random id with no prefix (no title in URLs or logs). */
export function newBoardId(): string {
  const id = newId<string>('');
  if (!isValidBoardId(id)) throw new Error('generated an invalid board id');
  return id;
}

export interface NewBoardSetup {
  readonly title: string;
  readonly description?: string | undefined;
  readonly stakeholders: readonly { name: string; short?: string | undefined; color?: string | undefined }[];
  /** `demo-shape`: the demo's four categories (no points); its four stakeholders if none are given. */
  readonly start: 'empty' | 'demo-shape';
}

/** The plan of a board made from the "New board" form (or `parley board create`). */
export function planForSetup(setup: NewBoardSetup): BoardPlan {
  const given =
    setup.stakeholders.length > 0 || setup.start !== 'demo-shape'
      ? setup.stakeholders
      : DEMO_STAKEHOLDERS.map((s) => ({ name: s.name, short: s.short, color: s.color }));
  const categories =
    setup.start === 'demo-shape'
      ? DEMO_CATEGORIES.map((c, i) => ({ id: `c${i}` as CategoryId, title: c.title, order: '', number: i + 1 }))
      : [];
  return {
    meta: { title: setup.title, description: setup.description ?? '', isDemo: false, schemaVersion: SCHEMA_VERSION },
    stakeholders: stakeholdersFor(given),
    categories,
    points: [],
    positions: [],
    threads: [],
  };
}

/**
 * A plan with the stakeholder its owner will belong to: the file's first, or a default
 * "Drafting team" added when the file names none.
 */
export function withOwnerStakeholder(plan: BoardPlan): { plan: BoardPlan; stakeholderId: string } {
  const first = plan.stakeholders[0];
  if (first) return { plan, stakeholderId: first.id };
  const [drafting] = stakeholdersFor([{ name: DEFAULT_STAKEHOLDER_NAME }]);
  return { plan: { ...plan, stakeholders: [drafting!] }, stakeholderId: drafting!.id };
}

/**
 * Stores a new board built from a plan as ONE state (not a log of mutations), then makes
 * `owner` its owner (as `ownerStakeholderId`). Returns the new board id.
 */
export async function createBoardFromPlan(
  storage: Storage,
  accounts: AccountStore,
  plan: BoardPlan,
  options: { title?: string; owner?: { userId: string; stakeholderId: string } } = {},
): Promise<string> {
  const state = buildBoardState(plan, options.title === undefined ? {} : { title: options.title });
  const title = oneLineText(options.title ?? plan.meta.title);
  return storeNewBoard(storage, accounts, state, title, options.owner);
}

/** Stores a board's first state under a new id, with `owner` (if any) as its owner. */
export async function storeNewBoard(
  storage: Storage,
  accounts: AccountStore,
  state: Uint8Array,
  title: string,
  owner?: { userId: string; stakeholderId: string },
): Promise<string> {
  for (;;) {
    const id = newBoardId();
    if (await storage.boardExists(id)) continue;
    await storage.createBoard(id, title, state);
    if (owner) {
      await accounts.setMembership({
        boardId: id,
        userId: owner.userId,
        role: 'owner',
        stakeholderId: owner.stakeholderId,
      });
    }
    return id;
  }
}
