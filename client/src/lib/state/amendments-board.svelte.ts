import type * as Y from 'yjs';
import {
  boardRoots,
  isStale,
  listAmendments,
  pointText,
  readSignOffRule,
  type AmendmentJson,
  type PointId,
  type SignOffRule,
} from '@parley/shared/model';

/**
 * Every amendment of the board, kept live from the doc for the amendments page, with which
 * open ones are stale. The list is re-read when the amendments change (rare next to
 * typing); typing in a point's text only re-judges that text's open amendments, so a long
 * session of edits does not re-read the whole list per keystroke.
 */
export class AmendmentsBoard {
  list = $state.raw<readonly AmendmentJson[]>([]);
  rule = $state.raw<SignOffRule | null>(null);
  /** The ids of the open amendments whose point's text moved on since they were (re)based. */
  staleIds = $state.raw<ReadonlySet<string>>(new Set());

  readonly #doc: Y.Doc;
  /** The texts open amendments reword, each with the function that re-judges them. */
  #watched = new Map<Y.Text, () => void>();

  constructor(doc: Y.Doc) {
    this.#doc = doc;
  }

  #readAmendments = () => {
    this.list = listAmendments(this.#doc);
    this.#watchTexts();
    this.staleIds = new Set(this.list.filter((a) => a.status === 'open' && isStale(this.#doc, a)).map((a) => a.id));
  };

  #readRule = () => {
    this.rule = readSignOffRule(this.#doc);
  };

  /** Observes exactly the texts open amendments reword (the set changes with the amendments). */
  #watchTexts() {
    const byText = new Map<Y.Text, AmendmentJson[]>();
    for (const a of this.list) {
      if (a.status !== 'open') continue;
      const text = pointText(this.#doc, a.pointId as PointId, a.field);
      if (!text) continue;
      const group = byText.get(text);
      if (group) group.push(a);
      else byText.set(text, [a]);
    }
    this.#unwatchTexts();
    for (const [text, group] of byText) {
      const rejudge = () => this.#rejudge(group);
      text.observe(rejudge);
      this.#watched.set(text, rejudge);
    }
  }

  #unwatchTexts() {
    for (const [text, rejudge] of this.#watched) text.unobserve(rejudge);
    this.#watched.clear();
  }

  /** A text changed: re-judges its amendments, and replaces the set only if one flipped. */
  #rejudge(group: readonly AmendmentJson[]) {
    let next: Set<string> | null = null;
    for (const a of group) {
      const stale = isStale(this.#doc, a);
      if (stale === this.staleIds.has(a.id)) continue;
      next ??= new Set(this.staleIds);
      if (stale) next.add(a.id);
      else next.delete(a.id);
    }
    if (next) this.staleIds = next;
  }

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
      this.#unwatchTexts();
    };
  }
}
