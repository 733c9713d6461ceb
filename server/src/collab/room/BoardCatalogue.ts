import type * as Y from 'yjs';
import { META, ROOT, STAKEHOLDER } from '@parley/shared/model';
import type { Logger } from '../../logger.ts';
import type { Storage } from '../../persistence/Storage.ts';

/**
 * Keeps the store's board catalogue (title, stakeholder names) in step with a board doc, so
 * the board list reads them without loading every board. Written when they change, and the
 * names once per load (boards made before the catalogue held them). The doc stays the
 * truth: a failed write is logged and the next change writes again.
 */
export class BoardCatalogue {
  private title: string;
  private names = '';

  constructor(
    private readonly boardId: string,
    private readonly doc: Y.Doc,
    private readonly storage: Storage,
    private readonly log: Logger,
  ) {
    this.title = this.readTitle();
    this.storeNamesIfChanged();
  }

  /** After each committed transaction of the board doc. */
  afterCommit(tr: Y.Transaction): void {
    const title = this.readTitle();
    if (title !== this.title) {
      this.title = title;
      this.storage.setBoardTitle(this.boardId, title).catch((err: unknown) => this.failed(err, 'title'));
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Yjs types are invariant in their event type
    if (tr.changedParentTypes.has(this.doc.getMap(ROOT.stakeholders) as Y.AbstractType<any>))
      this.storeNamesIfChanged();
  }

  private readTitle(): string {
    const title = this.doc.getMap(ROOT.meta).get(META.title);
    return typeof title === 'string' ? title : '';
  }

  private storeNamesIfChanged(): void {
    const names: Record<string, string> = {};
    this.doc.getMap<Y.Map<unknown>>(ROOT.stakeholders).forEach((m, id) => {
      const name = typeof m?.get === 'function' ? m.get(STAKEHOLDER.name) : undefined;
      if (typeof name === 'string') names[id] = name;
    });
    const json = JSON.stringify(names);
    if (json === this.names) return;
    this.names = json;
    this.storage.setBoardStakeholderNames(this.boardId, names).catch((err: unknown) => this.failed(err, 'names'));
  }

  private failed(err: unknown, what: string): void {
    this.log.error({ err, boardId: this.boardId }, `could not store the board's ${what} in the catalogue`);
  }
}
