import type { Role } from '@parley/shared/permissions';
import { connectClient, waitFor, type StockClient } from './clients.ts';
import { trackSaved } from './savedAcks.ts';
import { tokenFor, within } from './security.ts';
import type { RunningServer } from './server.ts';
import type { TestIdentity } from './tokens.ts';

/** A stock client that knows when the server has stored everything it sent. */
export interface Writer {
  readonly who: TestIdentity;
  readonly token: string;
  readonly client: StockClient;
  allSaved(): Promise<void>;
}

/**
 * A stock y-websocket client on `boardId` with a fresh token for `role`, synced, counting
 * the updates it sends so `allSaved` can wait for the server's saved acks of all of them.
 */
export async function connectWriter(
  server: RunningServer,
  role: Role,
  stakeholderId: string | null,
  boardId = 'demo',
): Promise<Writer> {
  const { who, token } = await tokenFor(server, role, stakeholderId);
  const client = connectClient(server.wsUrl, boardId, { token });
  const saved = trackSaved(client);
  // The sync step 2 sent on connect counts as one update-bearing message, then one per transaction.
  let sent = 1;
  client.doc.on('update', (_u: Uint8Array, origin: unknown) => {
    if (origin !== client.provider) sent++;
  });
  await within(client.synced, 10_000, `${role} to sync`);
  return {
    who,
    token,
    client,
    allSaved: () => waitFor(() => saved.count() >= sent, `${sent} updates to be saved`, 10_000),
  };
}

/** `Authorization` header with a writer's token. */
export const bearer = (w: Pick<Writer, 'token'>) => ({ authorization: `Bearer ${w.token}` });
