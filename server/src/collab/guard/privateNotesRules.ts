import { NOTES_ROOT } from '@parley/shared/model';
import { can, describeRefusal, type Principal } from '@parley/shared/permissions';
import type { Verdict } from './boardRules.ts';
import { insertedValue } from './content.ts';
import type { Change } from './resolveChanges.ts';

/** A private-notes doc holds only `notes: pointId -> Y.Text`, writable by its stakeholder's members. */
export function checkPrivateNotesChanges(
  principal: Principal,
  stakeholderId: string,
  changes: readonly Change[],
): Verdict {
  if (changes.length === 0) return { ok: true };
  const action = { kind: 'write-private-notes', stakeholderId } as const;
  if (!can(principal, action)) return { ok: false, reason: describeRefusal(action) };
  for (const change of changes) {
    const root = change.path[0];
    if (root?.kind !== 'root' || root.name !== NOTES_ROOT || change.path[1]?.kind !== 'key')
      return { ok: false, reason: 'Private notes hold only notes.' };
    if (change.op === 'insert') {
      const value = insertedValue(change.item);
      if (value.kind === 'forbidden') return { ok: false, reason: `Notes cannot hold ${value.what}.` };
      if (value.kind === 'type' && (change.path.length > 2 || value.type !== 'text')) {
        return { ok: false, reason: 'A point note must be text.' };
      }
      if (change.path.length === 2 && !change.transient && !(value.kind === 'type' && value.type === 'text')) {
        return { ok: false, reason: 'A point note must be text.' };
      }
    }
  }
  return { ok: true };
}
