import { z } from 'zod';
import { isValidBoardId } from '@parley/shared/protocol';
import type { AccessChange, AccessControl } from '../accounts/AccessControl.ts';
import type { Logger } from '../logger.ts';
import { reportOutages, type RedisConnection } from './redisConnection.ts';

/** The one channel every instance publishes its access changes on. */
export const ACCESS_CHANGES_CHANNEL = 'parley:access-changes';

/** Ids as the store makes them, bounded so a bad message costs nothing. */
const Id = z.string().min(1).max(200);
const BoardId = z.string().refine(isValidBoardId, 'not a board id');

const Change = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('session-revoked'), sessionId: Id }),
  z.strictObject({ kind: z.literal('user-revoked'), userId: Id }),
  z.strictObject({ kind: z.literal('membership-changed'), boardId: BoardId, userId: Id }),
  z.strictObject({ kind: z.literal('invites-changed'), boardId: BoardId }),
]);
const Message = z.strictObject({ from: Id, change: Change });

/** The change another instance announced, or why a message is ignored (our own, or not valid). */
export function parseRelayed(raw: string, instanceId: string): { change: AccessChange } | { ignored: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ignored: 'not JSON' };
  }
  const parsed = Message.safeParse(json);
  if (!parsed.success) return { ignored: 'not an access change' };
  if (parsed.data.from === instanceId) return { ignored: 'own' };
  return { change: parsed.data.change };
}

/**
 * Carries access changes between instances at once (docs/ARCHITECTURE.md, "Several
 * instances"): every change a route of this instance announces is published on Redis, and
 * every change another instance published is announced here, so a removed member's or a
 * signed-out session's sockets close on every instance, not after the store watch's next
 * poll. Changes that came from the store watch (every instance reads it) or from another
 * instance are not published again. Pub/sub drops what is sent while an instance is
 * disconnected: the store watch stays the safety net. Resolves with a closer.
 */
export async function relayAccessChanges(
  access: AccessControl,
  redis: RedisConnection,
  instanceId: string,
  log: Logger,
): Promise<() => Promise<void>> {
  const subscriber = redis.duplicate();
  reportOutages(subscriber, log, 'access changes');
  await subscriber.connect();
  await subscriber.subscribe(ACCESS_CHANGES_CHANNEL, (raw) => {
    const relayed = parseRelayed(raw, instanceId);
    if ('ignored' in relayed) {
      if (relayed.ignored !== 'own') log.warn({ reason: relayed.ignored }, 'ignored a relayed access change');
      return;
    }
    try {
      access.notifyFromPeer(relayed.change);
    } catch (err) {
      log.warn({ err }, 'could not apply a relayed access change');
    }
  });
  const stopListening = access.onChange((change, origin) => {
    if (origin !== 'here') return;
    redis.publish(ACCESS_CHANGES_CHANNEL, JSON.stringify({ from: instanceId, change })).catch((err: unknown) => {
      // The other instances' store watches will see revocations; other changes wait for a re-read.
      log.warn({ err, change }, 'could not relay an access change to the other instances');
    });
  });
  return async () => {
    stopListening();
    await subscriber.close().catch(() => subscriber.destroy());
  };
}
