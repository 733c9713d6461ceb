/**
 * The board document's Yjs layout. Every root and field name lives here once, so the
 * server's permission guard, the client and the tests agree on paths.
 *
 *   meta          Y.Map   title, description, isDemo, schemaVersion
 *   stakeholders  Y.Map   sid -> Y.Map { name, short, color, order }
 *   categories    Y.Map   cid -> Y.Map { title, order }
 *   points        Y.Map   pid -> Y.Map { categoryId, order, title: Y.Text, body: Y.Text, createdAt,
 *                                       deletedAt?, deletedBy? }
 *   positions     Y.Map   "pid:sid" -> plain object { stance, rationale, by, byName, at }
 *   threads       Y.Map   tid -> Y.Map { pointId, stakeholderId, createdBy, createdAt,
 *                                        resolved, resolvedBy, resolvedAt, anchor?,
 *                                        comments: Y.Array<Y.Map { id, authorId, authorName,
 *                                                   stakeholderId, body, createdAt,
 *                                                   mentions?, editedAt?, deleted? }> }
 *   reactions     Y.Map   "tid:cid:reaction:userId" -> at (number)
 *   amendments    Y.Map   aid -> Y.Map { pointId, field, text, baseText, rationale,
 *                                        stakeholderId, proposedBy, proposedByName,
 *                                        proposedAt, status, responses: Y.Array<{
 *                                          stakeholderId, stance, note, by, byName, at,
 *                                          wordingHash? }>,
 *                                        decidedBy?, decidedByName?, decidedAt?,
 *                                        decisionNote? }
 */
export const SCHEMA_VERSION = 1;

export const ROOT = {
  meta: 'meta',
  stakeholders: 'stakeholders',
  categories: 'categories',
  points: 'points',
  positions: 'positions',
  threads: 'threads',
  amendments: 'amendments',
  /**
   * One flat entry per person, comment and reaction (`reactionKey`): toggling one is a
   * set or a delete of one's own key, so two people reacting at once never conflict.
   */
  reactions: 'reactions',
} as const;
export type RootName = (typeof ROOT)[keyof typeof ROOT];

export const META = {
  title: 'title',
  description: 'description',
  isDemo: 'isDemo',
  schemaVersion: 'schemaVersion',
  /** Whose sign-off accepting an amendment needs: 'all', or a list of stakeholder ids (none when unset). */
  signOff: 'signOff',
} as const;

export const STAKEHOLDER = { name: 'name', short: 'short', color: 'color', order: 'order' } as const;

export const CATEGORY = { title: 'title', order: 'order' } as const;

export const POINT = {
  categoryId: 'categoryId',
  order: 'order',
  title: 'title',
  body: 'body',
  createdAt: 'createdAt',
  /** Set when an editor deletes the point: hidden at once, restorable until the server purges it. */
  deletedAt: 'deletedAt',
  deletedBy: 'deletedBy',
} as const;

/**
 * A deleted point stays in the doc, hidden, for `purgeAfterMs` of the server's time, so
 * its deleter can undo (a notice offers it for `undoNoticeMs`); then the server deletes it
 * with its positions, threads and notes. Undo cannot re-create them instead: that would
 * rewrite other delegations' comments and positions in the deleter's name, which the
 * guard refuses.
 */
export const TRASH = {
  undoNoticeMs: 10_000,
  purgeAfterMs: 120_000,
} as const;

export const THREAD = {
  pointId: 'pointId',
  stakeholderId: 'stakeholderId',
  createdBy: 'createdBy',
  createdAt: 'createdAt',
  resolved: 'resolved',
  resolvedBy: 'resolvedBy',
  resolvedAt: 'resolvedAt',
  comments: 'comments',
  /**
   * Set once, when the thread is opened on a span of the point's text (`ThreadAnchor`):
   * the span follows edits through Yjs relative positions.
   */
  anchor: 'anchor',
} as const;

/**
 * Where an anchored thread points: a span of a point's title or body, as two Yjs relative
 * positions (`Y.encodeRelativePosition`, base64) and the text quoted when it was opened
 * (shown when the span's text has been deleted).
 */
export interface ThreadAnchor {
  readonly field: 'title' | 'body';
  readonly start: string;
  readonly end: string;
  readonly quote: string;
}

export const COMMENT = {
  id: 'id',
  authorId: 'authorId',
  authorName: 'authorName',
  stakeholderId: 'stakeholderId',
  body: 'body',
  createdAt: 'createdAt',
  editedAt: 'editedAt',
  deleted: 'deleted',
  /**
   * The user ids of the board members the comment @mentions, a plain array (the body holds
   * "@Name" for reading); written with the body, checked by the guard (members only).
   */
  mentions: 'mentions',
} as const;

/** The reactions a comment can get, by the name stored in its key, with what is shown. */
export const REACTIONS = {
  'thumbs-up': '👍',
  'thumbs-down': '👎',
  heart: '❤️',
  celebrate: '🎉',
  eyes: '👀',
  question: '❓',
} as const;
export type Reaction = keyof typeof REACTIONS;

/**
 * Proposed wording for a point's title or body, on behalf of one delegation: an object of
 * its own, never a mark in the point's text, so that "may propose, may not write" holds.
 * `baseText` is the text the wording was proposed against: when the point's text has
 * moved on, the amendment is stale until its proposer rebases it.
 */
export const AMENDMENT = {
  pointId: 'pointId',
  field: 'field',
  text: 'text',
  baseText: 'baseText',
  rationale: 'rationale',
  stakeholderId: 'stakeholderId',
  proposedBy: 'proposedBy',
  proposedByName: 'proposedByName',
  proposedAt: 'proposedAt',
  status: 'status',
  /** Every endorsement, objection and retraction, in order: nothing is overwritten. */
  responses: 'responses',
  /** Written by the server only, when an editor accepts or rejects. */
  decidedBy: 'decidedBy',
  decidedByName: 'decidedByName',
  decidedAt: 'decidedAt',
  decisionNote: 'decisionNote',
} as const;

/** Which text of a point an amendment rewords. */
export const AMENDMENT_FIELDS = ['title', 'body'] as const;
export type AmendmentField = (typeof AMENDMENT_FIELDS)[number];

/**
 * `open` until its proposer withdraws it, an editor accepts or rejects it (on the server),
 * or its point is deleted (`closed`).
 */
export const AMENDMENT_STATUSES = ['open', 'withdrawn', 'accepted', 'rejected', 'closed'] as const;
export type AmendmentStatus = (typeof AMENDMENT_STATUSES)[number];

/** A delegation's answer to an amendment; `retract` takes its earlier answer back. */
export const RESPONSE_STANCES = ['endorse', 'object', 'retract'] as const;
export type ResponseStance = (typeof RESPONSE_STANCES)[number];

export const STANCES = ['support', 'support-with-changes', 'oppose', 'undecided'] as const;
export type Stance = (typeof STANCES)[number];

export const STANCE_LABEL: Record<Stance, string> = {
  support: 'Support',
  'support-with-changes': 'Support with changes',
  oppose: 'Oppose',
  undecided: 'Undecided',
};

/**
 * Limits enforced by the mutations and, on every update, by the server's guard; the
 * importers and the HTTP routes check the same ones.
 */
export const LIMITS = {
  titleLength: 300,
  categoryTitleLength: 200,
  rationaleLength: 2_000,
  commentLength: 10_000,
  stakeholderNameLength: 100,
  stakeholderShortLength: 8,
  descriptionLength: 5_000,
  /** Fractional-index keys grow only when many items are inserted at one spot. */
  orderKeyLength: 1_000,
  /** Ids of categories and points (ENTRY_ID_PATTERN), and a point's category. */
  entryIdLength: 40,
  /** Ids held in fields: a thread's point and stakeholder, a comment's id, who deleted a point. */
  idFieldLength: 64,
  /** A user's display name, as accounts and access tokens hold it (and positions and comments show it). */
  userNameLength: 100,
  /** RFC 5321's limit on a forward path. */
  emailLength: 254,
  passwordMinLength: 10,
  passwordLength: 200,
  /** Delegations a new board may start with. */
  stakeholdersPerBoard: 50,
  /** How many times one invite link may be used, and for how long it may be valid. */
  inviteUses: 100,
  inviteTtlHours: 24 * 30,
  /** Proposed wording for a point's body (a title's is `titleLength`), and an answer's note. */
  amendmentBodyLength: 20_000,
  responseNoteLength: 1_000,
  /** A published version's name ("Round 2 draft") and note. */
  versionNameLength: 200,
  versionNoteLength: 2_000,
  /** A search query, and how many hits one search returns. */
  searchQueryLength: 200,
  searchHits: 200,
  /** People one comment may @mention. */
  mentionsPerComment: 20,
  /** The text an anchored thread quotes, and one encoded relative position of its span. */
  anchorQuoteLength: 500,
  anchorPositionLength: 200,
} as const;

/**
 * Ids of categories and points: short, and never holding ':' (position keys are
 * "pointId:stakeholderId"). The guard accepts no other; an import keeps a plan's ids of
 * this shape.
 */
export const ENTRY_ID_PATTERN = new RegExp(`^[a-z0-9_-]{1,${LIMITS.entryIdLength}}$`);

export function positionKey(pointId: string, stakeholderId: string): string {
  return `${pointId}:${stakeholderId}`;
}
