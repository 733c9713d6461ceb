import type * as Y from 'yjs';
import { isStale, pointText, type AmendmentJson, type PointId } from '@parley/shared/model';

/**
 * Which open amendments are stale, followed on exactly the texts they reword: typing in one
 * of them re-judges only that text's amendments, and reports a new set only when one of
 * them flipped, so a long run of keystrokes re-renders nothing until an amendment turns stale.
 */
export class StaleWatch {
  readonly #doc: Y.Doc;
  readonly #onChange: (staleIds: ReadonlySet<string>) => void;
  #stale: ReadonlySet<string> = new Set();
  /** Each watched text, with the function that re-judges its amendments. */
  readonly #watched = new Map<Y.Text, () => void>();

  constructor(doc: Y.Doc, onChange: (staleIds: ReadonlySet<string>) => void) {
    this.#doc = doc;
    this.#onChange = onChange;
  }

  /** The amendments changed: watch the texts their open ones reword, and judge them all. */
  track(list: readonly AmendmentJson[]): void {
    const byText = new Map<Y.Text, AmendmentJson[]>();
    for (const a of list) {
      if (a.status !== 'open') continue;
      const text = pointText(this.#doc, a.pointId as PointId, a.field);
      if (!text) continue;
      const group = byText.get(text);
      if (group) group.push(a);
      else byText.set(text, [a]);
    }
    this.destroy();
    for (const [text, group] of byText) {
      const rejudge = () => this.#rejudge(group);
      text.observe(rejudge);
      this.#watched.set(text, rejudge);
    }
    const open = [...byText.values()].flat();
    this.#emit(new Set(open.filter((a) => isStale(this.#doc, a)).map((a) => a.id)));
  }

  #rejudge(group: readonly AmendmentJson[]): void {
    let next: Set<string> | null = null;
    for (const a of group) {
      const stale = isStale(this.#doc, a);
      if (stale === this.#stale.has(a.id)) continue;
      next ??= new Set(this.#stale);
      if (stale) next.add(a.id);
      else next.delete(a.id);
    }
    if (next) this.#emit(next);
  }

  #emit(next: ReadonlySet<string>): void {
    this.#stale = next;
    this.#onChange(next);
  }

  /** Stops watching every text. */
  destroy(): void {
    for (const [text, rejudge] of this.#watched) text.unobserve(rejudge);
    this.#watched.clear();
  }
}
