/**
 * Fault injection for the crash test (NOTIFY10): with `PARLEY_FAULT_HOLD_NOTIFICATIONS=1`
 * no drain runs, so a test can kill the server knowing that its commits are stored and not
 * drained. Unset (always, outside tests) it costs one comparison per drain.
 */
export const notificationsHeld = process.env['PARLEY_FAULT_HOLD_NOTIFICATIONS'] === '1';
