/**
 * A realistic board for the guard's differential test (GUARD13): three stakeholders, three
 * categories, five points with edited texts, positions, and threads with comments by
 * several people (one resolved, one comment edited, one soft-deleted), two amendments (one
 * answered, one withdrawn) and a sign-off rule. Every person writes
 * under a client id of their own, and the owner map says whose each id is, as the server
 * keeps it.
 */
import * as Y from 'yjs';
import {
  META,
  addCategory,
  addPoint,
  addStakeholder,
  deleteComment,
  editComment,
  initBoard,
  listThreads,
  openThread,
  boardRoots,
  pointText,
  proposeAmendment,
  replyToThread,
  respondToAmendment,
  setPosition,
  setThreadResolved,
  type Actor,
  type CategoryId,
  type CommentId,
  type PointId,
  type StakeholderId,
  type ThreadId,
  type UserId,
} from '@parley/shared/model';
import type { Principal, Role } from '@parley/shared/permissions';

export const S = 'north' as StakeholderId;
export const T = 'south' as StakeholderId;
export const US = 'drafting' as StakeholderId;
export const SYSTEM = '@system';

function person(role: Role, stakeholderId: StakeholderId | null, userId: string, name: string): Principal {
  return { userId: userId as UserId, name, role, stakeholderId };
}

export const people = {
  owner: person('owner', US, 'u-owner', 'Olga Owner'),
  editor: person('editor', US, 'u-editor', 'Ed Editor'),
  delegateS: person('delegate', S, 'u-north-1', 'Nina North'),
  delegateS2: person('delegate', S, 'u-north-2', 'Nils North'),
  delegateT: person('delegate', T, 'u-south-1', 'Sam South'),
  observer: person('observer', null, 'u-observer', 'Oscar Observer'),
} as const;
export type PersonName = keyof typeof people;

/** The roles the differential test writes as (delegateS2 only authors seeded content). */
export const SENDERS = ['owner', 'editor', 'delegateS', 'delegateT', 'observer'] as const;
export type Sender = (typeof SENDERS)[number];

/** Each person's own client id in the seeded doc (the system's writes the board's set-up). */
export const CLIENT: Record<PersonName | 'system', number> = {
  system: 1,
  owner: 11,
  editor: 12,
  delegateS: 13,
  delegateS2: 14,
  delegateT: 15,
  observer: 16,
};

export const actorOf = (p: Principal): Actor => ({
  userId: p.userId,
  name: p.name,
  stakeholderId: (p.stakeholderId ?? US) as StakeholderId,
});

export interface World {
  readonly doc: Y.Doc;
  /** Which user owns each client id (DocRoom's clientOwners). */
  readonly owners: Map<number, string>;
  readonly categories: CategoryId[];
  readonly points: PointId[];
  readonly threads: ThreadId[];
  readonly amendments: string[];
}

interface Seed {
  readonly state: Uint8Array;
  readonly categories: CategoryId[];
  readonly points: PointId[];
  readonly threads: ThreadId[];
  readonly amendments: string[];
}

let seed: Seed | null = null;

function buildSeed(): Seed {
  const doc = new Y.Doc();
  const as = (who: PersonName | 'system') => {
    doc.clientID = CLIENT[who];
  };
  as('system');
  initBoard(doc, { title: 'Regional framework', description: 'Round 1 draft' });
  addStakeholder(doc, null, { id: US, name: 'Drafting team', short: 'DRF', color: '#444444' });
  addStakeholder(doc, null, { id: S, name: 'Northern delegation', short: 'N', color: '#1d4ed8' });
  addStakeholder(doc, null, { id: T, name: 'Southern delegation', short: 'S', color: '#15803d' });
  const categories = [
    addCategory(doc, null, 'Scope'),
    addCategory(doc, null, 'Budget'),
    addCategory(doc, null, 'Later'),
  ];
  const points = [
    addPoint(doc, null, { categoryId: categories[0]!, title: 'Ceasefire line', body: 'Along the current line.' }),
    addPoint(doc, null, { categoryId: categories[0]!, title: 'Monitoring', body: 'By a joint commission.' }),
    addPoint(doc, null, { categoryId: categories[1]!, title: 'Reconstruction fund', body: 'Pooled, audited.' }),
    addPoint(doc, null, { categoryId: categories[1]!, title: 'Sanctions relief', body: 'Phased.' }),
    addPoint(doc, null, { categoryId: categories[1]!, title: 'Energy', body: '' }),
  ];
  as('editor');
  pointText(doc, points[0]!, 'body')!.insert(0, 'Roughly: ');
  pointText(doc, points[1]!, 'title')!.format(0, 4, { bold: true });
  pointText(doc, points[2]!, 'body')!.delete(0, 7);
  const a = (who: PersonName) => actorOf(people[who]);
  as('delegateS');
  setPosition(doc, a('delegateS'), { pointId: points[0]!, stakeholderId: S, stance: 'support', rationale: 'Fair.' });
  const tNorth = openThread(doc, a('delegateS'), { pointId: points[0]!, body: 'Which map is meant?' });
  as('delegateT');
  setPosition(doc, a('delegateT'), { pointId: points[0]!, stakeholderId: T, stance: 'oppose' });
  replyToThread(doc, a('delegateT'), tNorth, 'The 2022 one.');
  const tSouth = openThread(doc, a('delegateT'), { pointId: points[1]!, body: 'Who chairs it?' });
  as('delegateS2');
  replyToThread(doc, a('delegateS2'), tSouth, 'A rotating chair.');
  const second = listThreads(doc).find((t) => t.id === tSouth)!.comments[1]!.id;
  deleteComment(doc, a('delegateS2'), tSouth, second as CommentId);
  setPosition(doc, a('delegateS2'), { pointId: points[2]!, stakeholderId: S, stance: 'undecided' });
  as('owner');
  const tDraft = openThread(doc, a('owner'), { pointId: points[2]!, body: 'Numbers pending.' });
  setPosition(doc, a('owner'), { pointId: points[3]!, stakeholderId: T, stance: 'support-with-changes' });
  as('editor');
  replyToThread(doc, a('editor'), tDraft, 'Expected next week.');
  setThreadResolved(doc, a('editor'), tDraft, true);
  as('delegateS');
  const first = listThreads(doc).find((t) => t.id === tNorth)!.comments[0]!.id;
  editComment(doc, a('delegateS'), tNorth, first as CommentId, 'Which map is meant, exactly?');
  const open = proposeAmendment(doc, a('delegateS'), {
    pointId: points[0]!,
    field: 'body',
    wording: 'Along the line of contact.',
    rationale: 'Names the line.',
  });
  const withdrawn = proposeAmendment(doc, a('delegateS'), {
    pointId: points[1]!,
    field: 'title',
    wording: 'Joint monitoring',
    rationale: '',
  });
  boardRoots(doc).amendments.get(withdrawn)!.set('status', 'withdrawn');
  as('delegateT');
  respondToAmendment(doc, a('delegateT'), open, { stance: 'object', note: 'Which line?' });
  as('owner');
  boardRoots(doc).meta.set(META.signOff, [S, T]);
  const state = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return { state, categories, points, threads: [tNorth, tSouth, tDraft], amendments: [open, withdrawn] };
}

/** A fresh copy of the seeded board, as the server holds it (gc on). */
export function freshWorld(): World {
  seed ??= buildSeed();
  const doc = new Y.Doc({ gc: true });
  Y.applyUpdate(doc, seed.state);
  const owners = new Map<number, string>([[CLIENT.system, SYSTEM]]);
  for (const name of Object.keys(people) as PersonName[]) owners.set(CLIENT[name], people[name].userId);
  return {
    doc,
    owners,
    categories: [...seed.categories],
    points: [...seed.points],
    threads: [...seed.threads],
    amendments: [...seed.amendments],
  };
}

// ------------------------------------------------------------------ reading the doc's items

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Yjs types are invariant in their event type
type YType = Y.AbstractType<any>;

/** The item holding a key's current value in a type (live, not deleted), if any. */
export function winner(type: YType | null | undefined, key: string): Y.Item | null {
  const item = type?._map.get(key);
  return item && !item.deleted ? item : null;
}

/** The type an item holds, if it holds one. */
export function typeIn(item: Y.Item | null | undefined): YType | null {
  return item?.content instanceof Y.ContentType ? (item.content.type as YType) : null;
}

/** Every item of a type's list part, deleted or not, in order. */
export function listItems(type: YType | null | undefined): Y.Item[] {
  const out: Y.Item[] = [];
  for (let n = type?._start ?? null; n !== null; n = n.right) out.push(n);
  return out;
}

/** The id of an item's last clock unit. */
export const lastId = (item: Y.Item) => Y.createID(item.id.client, item.id.clock + item.length - 1);
