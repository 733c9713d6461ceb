import { SqliteStorage } from '../../server/src/persistence/sqlite/SqliteStorage.ts';
import type { PendingUpdate } from '../../server/src/persistence/Storage.ts';

/** A real SQLite store whose appends fail while `failing` is set (a full disk, a lost volume). */
export class FlakyStorage extends SqliteStorage {
  failing = true;
  failures = 0;
  override async appendUpdates(batch: readonly PendingUpdate[]): Promise<void> {
    if (this.failing) {
      this.failures++;
      throw new Error('SQLITE_FULL: database or disk is full');
    }
    return super.appendUpdates(batch);
  }
}
