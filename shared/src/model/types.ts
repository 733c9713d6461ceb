import type { CategoryId, CommentId, PointId, StakeholderId, ThreadId, UserId } from './ids.ts';
import type { ReactionJson } from './reactions.ts';
import type { Stance, ThreadAnchor } from './schema.ts';

/** Who performs a mutation. Stored on comments and positions so people see who said what. */
export interface Actor {
  readonly userId: UserId;
  readonly name: string;
  readonly stakeholderId: StakeholderId;
}

export interface MetaJson {
  title: string;
  description: string;
  isDemo: boolean;
  schemaVersion: number;
}

export interface StakeholderJson {
  id: StakeholderId;
  name: string;
  short: string;
  color: string;
  order: string;
}

export interface CategoryJson {
  id: CategoryId;
  title: string;
  order: string;
  /** 1-based, derived from order. */
  number: number;
}

export interface PointJson {
  id: PointId;
  categoryId: CategoryId;
  order: string;
  /** 1..N across the whole board, derived from category order then point order. */
  number: number;
  title: string;
  body: string;
  createdAt: number;
}

export interface PositionJson {
  pointId: PointId;
  stakeholderId: StakeholderId;
  stance: Stance;
  rationale: string;
  by: UserId;
  byName: string;
  at: number;
}

export interface CommentJson {
  id: CommentId;
  authorId: UserId;
  authorName: string;
  stakeholderId: StakeholderId;
  body: string;
  createdAt: number;
  editedAt: number | null;
  deleted: boolean;
  /** The user ids the comment @mentions (none once it is deleted). */
  mentions: UserId[];
  /** Who reacted how, in REACTIONS order, only reactions someone gave (none once it is deleted). */
  reactions: ReactionJson[];
}

export interface ThreadJson {
  id: ThreadId;
  pointId: PointId;
  stakeholderId: StakeholderId;
  createdBy: UserId;
  createdAt: number;
  resolved: boolean;
  resolvedBy: UserId | null;
  resolvedAt: number | null;
  /** The span of the point's text it was opened on, if any (`resolveAnchor` says where it is now). */
  anchor: ThreadAnchor | null;
  comments: CommentJson[];
}

export interface BoardJson {
  meta: MetaJson;
  stakeholders: StakeholderJson[];
  categories: CategoryJson[];
  points: PointJson[];
  positions: PositionJson[];
  threads: ThreadJson[];
}
