import type * as Y from 'yjs';
import {
  boardRoots,
  listAmendments,
  readSignOffRule,
  type AmendmentJson,
  type SignOffRule,
} from '@parley/shared/model';
import { StaleWatch } from './amendments-board-stale.ts';

const NONE: ReadonlySet<string> = new Set();

/**
 * Every amendment of the board, kept live from the doc for the amendments page, with the
 * board's sign-off rule and which open amendments are stale. The list is re-read only when
 * the amendments change (rare next to typing); typing re-judges staleness alone.
 */
export class AmendmentsBoard {
  list = $state.raw<readonly AmendmentJson[]>([]);
  rule = $state.raw<SignOffRule | null>(null);
  /** The ids of the open amendments whose point's text moved on since they were (re)based. */
  staleIds = $state.raw<ReadonlySet<string>>(NONE);

  readonly #doc: Y.Doc;
  readonly #stale: StaleWatch;

  constructor(doc: Y.Doc) {
    this.#doc = doc;
    this.#stale = new StaleWatch(doc, (ids) => (this.staleIds = ids));
  }

  #readAmendments = () => {
    // From a local, not `this.list`: connect() runs in an effect, which must not depend on what it writes.
    const list = listAmendments(this.#doc);
    this.list = list;
    this.#stale.track(list);
  };

  #readRule = () => {
    this.rule = readSignOffRule(this.#doc);
  };

  /** Follows the doc until the returned function is called (an $effect's cleanup). */
  connect(): () => void {
    const { amendments, meta } = boardRoots(this.#doc);
    this.#readAmendments();
    this.#readRule();
    amendments.observeDeep(this.#readAmendments);
    meta.observe(this.#readRule);
    return () => {
      amendments.unobserveDeep(this.#readAmendments);
      meta.unobserve(this.#readRule);
      this.#stale.destroy();
    };
  }
}
