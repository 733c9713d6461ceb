import { buildBoardState, decodeUtf8, parseJsonPlan, parseMarkdownPlan, previewOf } from '@parley/shared/import';
import type { ImportPreview } from '@parley/shared/import';
import { oneLineText } from '@parley/shared/model';
import { withOwnerStakeholder } from './createBoards.ts';

export interface ImportRequest {
  readonly bytes: Uint8Array;
  readonly format: 'markdown' | 'json';
  /** Overrides the file's title (already checked by the caller). */
  readonly title?: string;
  readonly dryRun: boolean;
}

export type ImportOutcome =
  | { readonly kind: 'invalid'; readonly message: string }
  | { readonly kind: 'preview'; readonly preview: ImportPreview }
  | {
      readonly kind: 'state';
      /** The board as one Yjs update, ready to store. */
      readonly state: Uint8Array;
      readonly title: string;
      /** The stakeholder the importer joins as owner. */
      readonly ownerStakeholderId: string;
    };

/**
 * Everything an import does before it touches the store: decode, parse, and build the
 * board's state. A pure function of the file, so it can run off the main thread
 * (importWorker.ts): a 5 MiB plan takes a second or two of CPU, and every board of the
 * server would wait that long.
 */
export function importFile(req: ImportRequest): ImportOutcome {
  const decoded = decodeUtf8(req.bytes);
  if (!decoded.ok) return { kind: 'invalid', message: decoded.message };
  const result = req.format === 'json' ? parseJsonPlan(decoded.text) : parseMarkdownPlan(decoded.text);
  if (!result.ok) return { kind: 'invalid', message: result.error.message };
  if (req.dryRun) {
    return { kind: 'preview', preview: { ...previewOf(result.plan), ...(req.title ? { title: req.title } : {}) } };
  }
  const { plan, stakeholderId } = withOwnerStakeholder(result.plan);
  const state = buildBoardState(plan, req.title === undefined ? {} : { title: req.title });
  return { kind: 'state', state, title: oneLineText(req.title ?? plan.meta.title), ownerStakeholderId: stakeholderId };
}
