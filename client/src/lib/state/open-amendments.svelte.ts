import type * as Y from 'yjs';
import { boardRoots, groupBy, listAmendments, type AmendmentJson } from '@parley/shared/model';

const NONE: readonly AmendmentJson[] = [];

/**
 * The board's open amendments by point, kept live from the doc, for the position matrix's
 * markers. Re-read only when the amendments change (rare next to typing). An amendment
 * whose point is in the trash reads as closed; it counts here as open, since that point has
 * no row and a restore brings it back without an amendments change to re-read on.
 */
export class OpenAmendments {
  #byPoint = $state.raw(groupBy<AmendmentJson, string>([], (a) => a.pointId));
  readonly #doc: Y.Doc;
  readonly #root: Y.Map<Y.Map<unknown>>;

  constructor(doc: Y.Doc) {
    this.#doc = doc;
    this.#root = boardRoots(doc).amendments;
    this.#read();
    this.#root.observeDeep(this.#read);
  }

  #read = () => {
    const open = listAmendments(this.#doc).filter((a) => a.status === 'open' || a.status === 'closed');
    this.#byPoint = groupBy(open, (a) => a.pointId as string);
  };

  /** The point's open amendments: the same array until they change. */
  for(pointId: string): readonly AmendmentJson[] {
    return this.#byPoint.get(pointId) ?? NONE;
  }

  destroy(): void {
    this.#root.unobserveDeep(this.#read);
  }
}
