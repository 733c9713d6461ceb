/**
 * Fault injection for the fail-closed tests (SAVE4): with `PARLEY_FAULT_PRECOMMIT_MARKER`
 * set, the step between applying an update and queueing it for the commit throws for any
 * update whose bytes contain that marker, as a failing encode of a hostile value once did.
 * Unset (always, outside tests) it costs one comparison per commit.
 */
const marker = process.env['PARLEY_FAULT_PRECOMMIT_MARKER']
  ? Buffer.from(process.env['PARLEY_FAULT_PRECOMMIT_MARKER'])
  : null;

export function injectedPrecommitFault(update: Uint8Array): void {
  if (marker && Buffer.from(update.buffer, update.byteOffset, update.byteLength).includes(marker)) {
    throw new Error('injected pre-commit fault');
  }
}
