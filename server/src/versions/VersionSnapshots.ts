import * as Y from 'yjs';
import { snapshotOf, type BoardSnapshot } from '@parley/shared/model';
import type { Storage, VersionSummary } from '../persistence/Storage.ts';

/** Decoded versions kept: the two sides of a comparison and a few before them. */
const KEPT = 8;

/**
 * Published versions, decoded to what comparing and reading need. A version never changes,
 * so a decode (tens of ms for a big board) is done once and kept, least recently used out.
 */
export class VersionSnapshots {
  private readonly kept = new Map<string, { summary: VersionSummary; snapshot: BoardSnapshot }>();

  constructor(private readonly storage: Storage) {}

  async get(boardId: string, versionId: string): Promise<{ summary: VersionSummary; snapshot: BoardSnapshot } | null> {
    const key = `${boardId}\u0000${versionId}`;
    const hit = this.kept.get(key);
    if (hit) {
      this.kept.delete(key);
      this.kept.set(key, hit);
      return hit;
    }
    const stored = await this.storage.readVersion(boardId, versionId);
    if (!stored) return null;
    const doc = new Y.Doc();
    try {
      Y.applyUpdate(doc, stored.state);
      const entry = { summary: stored.summary, snapshot: snapshotOf(doc) };
      this.kept.set(key, entry);
      if (this.kept.size > KEPT) this.kept.delete(this.kept.keys().next().value!);
      return entry;
    } finally {
      doc.destroy();
    }
  }

  /** Forgets a deleted board's versions. */
  forgetBoard(boardId: string): void {
    for (const key of [...this.kept.keys()]) if (key.startsWith(`${boardId}\u0000`)) this.kept.delete(key);
  }
}
