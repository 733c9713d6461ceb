import type * as Y from 'yjs';
import {
  boardRoots,
  listAmendments,
  pointText,
  readSignOffRule,
  type AmendmentJson,
  type PointId,
  type SignOffRule,
} from '@parley/shared/model';

/**
 * The amendments of one point, kept live from the doc: the board view (BoardState) does not
 * carry them, and only the open point's need rendering. Also the point's title and body as
 * they stand, since every amendment is shown (and judged stale) against them.
 */
export class PointAmendments {
  list = $state.raw<AmendmentJson[]>([]);
  title = $state('');
  body = $state('');
  rule = $state.raw<SignOffRule | null>(null);

  readonly #doc: Y.Doc;
  readonly #pointId: PointId;

  constructor(doc: Y.Doc, pointId: PointId) {
    this.#doc = doc;
    this.#pointId = pointId;
    this.#readAmendments();
    this.#readTexts();
    this.#readRule();
  }

  #readAmendments = () => {
    this.list = listAmendments(this.#doc, this.#pointId);
  };

  #readTexts = () => {
    this.title = pointText(this.#doc, this.#pointId, 'title')?.toString() ?? '';
    this.body = pointText(this.#doc, this.#pointId, 'body')?.toString() ?? '';
  };

  #readRule = () => {
    this.rule = readSignOffRule(this.#doc);
  };

  /** The point's text an amendment rewords, as it stands. */
  current(a: Pick<AmendmentJson, 'field'>): string {
    return a.field === 'title' ? this.title : this.body;
  }

  /** Follows the doc until the returned function is called (an $effect's cleanup). */
  connect(): () => void {
    const { amendments, meta } = boardRoots(this.#doc);
    const texts = [pointText(this.#doc, this.#pointId, 'title'), pointText(this.#doc, this.#pointId, 'body')];
    amendments.observeDeep(this.#readAmendments);
    meta.observe(this.#readRule);
    for (const t of texts) t?.observe(this.#readTexts);
    return () => {
      amendments.unobserveDeep(this.#readAmendments);
      meta.unobserve(this.#readRule);
      for (const t of texts) t?.unobserve(this.#readTexts);
    };
  }
}
