import { sleep } from './stats.ts';

/**
 * Runs an open-loop schedule: each of `clients` sends `perSecond` times a second, with
 * phases spread over the period, for `seconds`. A send happens when due and never waits
 * on a reply, so a slow server cannot slow the offered load. `send(i, seq, scheduledAt)`
 * gets the scheduled time (performance.now() clock), which latency is measured from.
 * Returns how many sends each client made.
 */
export async function openLoop(
  clients: number,
  perSecond: number,
  seconds: number,
  send: (client: number, seq: number, scheduledAt: number) => void,
  /** The schedule's origin (default: now); `scheduledOffset` gives each send's time from it. */
  t0 = performance.now(),
): Promise<number[]> {
  const period = 1000 / perSecond;
  const end = t0 + seconds * 1000;
  const nextAt = Array.from({ length: clients }, (_, i) => t0 + scheduledOffset(clients, perSecond, i, 0));
  const sent = new Array<number>(clients).fill(0);
  while (performance.now() < end) {
    const now = performance.now();
    for (let i = 0; i < clients; i++) {
      while (nextAt[i]! <= now && nextAt[i]! < end) {
        send(i, sent[i]!, nextAt[i]!);
        sent[i]!++;
        nextAt[i]! += period;
      }
    }
    await sleep(1);
  }
  return sent;
}

/** When `openLoop` schedules send `seq` of `client`, in ms after its `t0`. */
export function scheduledOffset(clients: number, perSecond: number, client: number, seq: number): number {
  const period = 1000 / perSecond;
  return (period * client) / clients + seq * period;
}
