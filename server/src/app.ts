import http from 'node:http';
import express from 'express';
import { AccessControl } from './accounts/AccessControl.ts';
import { BoardMembers } from './accounts/BoardMembers.ts';
import { RoomRegistry } from './collab/room/RoomRegistry.ts';
import { WebsocketEndpoint } from './collab/endpoint/WebsocketEndpoint.ts';
import { AppEventsServer } from './appEvents/AppEventsServer.ts';
import { BoardListEvents } from './appEvents/BoardListEvents.ts';
import type { Config } from './config.ts';
import { authRoutes } from './http/authRoutes.ts';
import { sessionMiddleware } from './http/authContext.ts';
import { boardCreateRoutes } from './http/boardCreateRoutes.ts';
import { ImportPool } from './boards/ImportPool.ts';
import { amendmentRoutes } from './http/amendmentRoutes.ts';
import { historyRoutes } from './http/historyRoutes.ts';
import { versionRoutes } from './http/versionRoutes.ts';
import { activityRoutes } from './http/activityRoutes.ts';
import { notificationRoutes } from './http/notificationRoutes.ts';
import { NotificationEvents } from './notifications/NotificationEvents.ts';
import { NotificationInbox } from './notifications/NotificationInbox.ts';
import { Notifier } from './notifications/Notifier.ts';
import { boardsWithActivity } from './notifications/outbox.ts';
import { recordRoutes } from './http/recordRoutes.ts';
import { VersionPool } from './versions/VersionPool.ts';
import { boardRoutes } from './http/boardRoutes.ts';
import { errorHandler, notFound } from './http/errors.ts';
import { memberRoutes } from './http/memberRoutes.ts';
import { searchRoutes } from './http/searchRoutes.ts';
import { OriginPolicy } from './http/originPolicy.ts';
import { securityHeaders } from './http/securityHeaders.ts';
import { staticClient } from './http/staticClient.ts';
import type { Logger } from './logger.ts';
import { Metrics } from './metrics.ts';
import { ensureDemoBoard } from './seed/createDemoBoard.ts';
import { demoSignInLinks, type DemoSignInLink } from './seed/demoAccounts.ts';
import { PersistQueue } from './persistence/PersistQueue.ts';
import { SearchIndex } from './search/SearchIndex.ts';
import { openStores } from './persistence/openStores.ts';
import type { Storage } from './persistence/Storage.ts';
import { NotOwnerError, OwnerUnknownError } from './scale/BoardOwnership.ts';
import { ScaleOut } from './scale/ScaleOut.ts';
import { shareAppEvents } from './scale/appEventsAdapter.ts';
import { relayAccessChanges } from './scale/accessChangeRelay.ts';

export interface ParleyApp {
  readonly server: http.Server;
  readonly storage: Storage;
  readonly registry: RoomRegistry;
  readonly access: AccessControl;
  /** Resolves with the bound port. */
  listen(): Promise<number>;
  /** Fresh one-click sign-in links for the demo people (empty without the demo). */
  demoLinks(baseUrl: string): Promise<DemoSignInLink[]>;
  /** Stops accepting, stores everything, closes every socket and the store. */
  close(): Promise<void>;
}

export async function createApp(config: Config, log: Logger): Promise<ParleyApp> {
  const stores = await openStores(
    { dataDir: config.dataDir, databaseUrl: config.databaseUrl, secret: config.secret },
    log,
  );
  const { storage, accounts } = stores;
  const access = new AccessControl(accounts, stores.signingSecret);
  const stopRevocationWatch = access.watchRevocations(config.revocationPollMs, (err) =>
    log.warn({ err }, 'could not read revocations'),
  );
  const metrics = new Metrics();
  // Who may be @mentioned on each loaded board (the update guard asks on every comment).
  const members = new BoardMembers(accounts);
  const stopWatchingMembers = members.watch(access, (err) => log.warn({ err }, 'could not read board members'));
  const scale = config.redisUrl
    ? await ScaleOut.connect(
        {
          redisUrl: config.redisUrl,
          leaseMs: config.leaseMs,
          instanceUrl: config.instanceUrl,
          signingSecret: stores.signingSecret,
        },
        storage,
        log,
        metrics,
      )
    : null;
  // Made once socket.io is; commits before that (none: nothing is served yet) are drained by its start.
  let notifier: Notifier | null = null;
  const persist = new PersistQueue(storage, log, config.persistBatchMs, {
    committed: (latencies) => {
      for (const ms of latencies) metrics.persistLatency.observe(ms / 1000);
    },
    stored: (batch) => {
      if (notifier) for (const boardId of boardsWithActivity(batch)) notifier.committed(boardId);
    },
    failed: () => metrics.persistFailures.inc(),
    fenced: (boardIds) => boardIds.forEach((boardId) => scale?.ownership.lost(boardId)),
  });
  // With several instances only a board's owner hears its commits: the others catch up from the store.
  const searchIndex = config.searchIndex
    ? new SearchIndex(storage, log, config.dataDir, { sharedStore: scale !== null })
    : null;
  const registry = new RoomRegistry({
    storage,
    persist,
    log,
    idleMs: config.roomIdleMs,
    compactThreshold: config.compactThreshold,
    relayFramesPerSecond: config.relayFramesPerSecond,
    metrics,
    trashPurgeMs: config.trashPurgeMs,
    ...(searchIndex
      ? { onBoardCommitted: (boardId: string, update: Uint8Array) => searchIndex.committed(boardId, update) }
      : {}),
    ...(scale ? { owner: scale.ownership } : {}),
    members,
  });
  scale?.ownership.onLost((boardId) => registry.dropBoard(boardId));
  const origins = new OriginPolicy(config.allowedOrigins);
  const app = express();
  const server = http.createServer(app);
  const inbox = new NotificationInbox(storage, access);
  // socket.io attaches its own upgrade listener for /socket.io; ours takes /yjs and
  // destroys anything else that is neither.
  const appEvents = new AppEventsServer(server, access, origins, log, inbox);
  const notificationEvents = new NotificationEvents(appEvents.io, scale !== null);
  notifier = new Notifier(storage, (boardId) => accounts.listMembers(boardId), notificationEvents, log);
  const listEvents = new BoardListEvents(appEvents.io, access, log);
  const endpoint = new WebsocketEndpoint({
    registry,
    access,
    origins,
    log,
    maxPayload: config.maxPayload,
    maxQueuedBytes: config.maxQueuedBytes,
    maxBufferedBytes: config.maxBufferedBytes,
    authTimeoutMs: config.authTimeoutMs,
    maxConnectionsPerIp: config.maxConnectionsPerIp,
    messagesPerSecond: config.messagesPerSecond,
    messageBurst: config.messageBurst,
    syncRequestsPerSecond: config.syncRequestsPerMinute / 60,
    syncRequestBurst: config.syncRequestBurst,
    presence: listEvents,
    ...(scale
      ? {
          addressOf: (req) => scale.peers.clientAddress(req),
          isOwnershipError: (err) => err instanceof NotOwnerError || err instanceof OwnerUnknownError,
        }
      : {}),
  });

  metrics.observe({
    connections: () => endpoint.connectionCount,
    rooms: () => registry.loadedCount,
    queued: () => persist.size,
    leases: () => scale?.leasesHeld ?? 0,
    forwarding: () => scale?.routing.forwardsOpen ?? 0,
  });

  if (config.seedDemo && (await ensureDemoBoard(storage))) log.info('created demo board');
  await searchIndex?.start();
  // What a crash left between a commit and its drain is drained now, before anyone connects.
  await notifier.start();

  const secure = config.publicUrl?.startsWith('https:') ?? false;
  const auth = authRoutes(access, { sessionTtlMs: config.sessionTtlMs, secureCookies: secure });
  const versionPool = new VersionPool(storage);
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.use(securityHeaders(secure));
  app.get('/healthz', (_req, res) => {
    const redis = scale?.redisStatus ?? 'off';
    // Degraded, not down: boards owned here are served until their leases lapse.
    res.json({
      status: redis === 'down' ? 'degraded' : 'ok',
      store: stores.kind,
      redis,
      connections: endpoint.connectionCount,
      rooms: registry.loadedCount,
      ...(scale ? { instance: scale.instanceId, boardsOwned: scale.leasesHeld } : {}),
    });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use(origins.middleware());
  app.use(sessionMiddleware(access));
  app.use(auth.links);
  // Before the 64 kB JSON parser: an imported file may be up to 5 MiB.
  const imports = new ImportPool();
  // Before any body parser: a board's requests are passed on whole to the instance serving it.
  if (scale) app.use('/api/boards/:boardId', scale.routing.middleware());
  app.use(
    '/api',
    boardCreateRoutes(storage, access, config.boardCreation, imports, (boardId) =>
      listEvents.changed('created', boardId),
    ),
  );
  app.use(
    '/api',
    express.json({ limit: '64kb' }),
    auth.api,
    boardRoutes(storage, registry, access, (boardId) => searchIndex?.removed(boardId), listEvents),
    searchRoutes(storage, registry, access, searchIndex),
    amendmentRoutes(registry, access),
    historyRoutes(storage, registry, access),
    versionRoutes(storage, registry, access, versionPool, (boardId) => notifier?.committed(boardId)),
    activityRoutes(storage, access),
    notificationRoutes(access, inbox, notificationEvents),
    recordRoutes(storage, registry, access, versionPool),
    memberRoutes(access, registry, config.publicUrl),
  );
  app.use('/api', notFound);
  app.use(staticClient(config.clientDist));
  app.use(notFound);
  app.use(errorHandler(log));

  const stopSharingAppEvents = scale ? await shareAppEvents(appEvents.io, scale.redis, log) : null;
  const stopRelayingAccess = scale ? await relayAccessChanges(access, scale.redis, scale.instanceId, log) : null;
  server.on('upgrade', (req, socket, head) => {
    if (scale?.routing.handleUpgrade(req, socket, head, (r, s, h) => endpoint.handleUpgrade(r, s, h))) return;
    if (endpoint.handleUpgrade(req, socket, head)) return;
    if (!req.url?.startsWith('/socket.io/')) socket.destroy();
  });

  let closing: Promise<void> | null = null;
  return {
    server,
    storage,
    registry,
    access,
    listen: () =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          const address = server.address();
          const port = typeof address === 'object' && address ? address.port : config.port;
          scale?.start(`http://${listeningHost(config.host)}:${port}`);
          resolve(port);
        });
      }),
    demoLinks: async (baseUrl) =>
      config.seedDemo && (await storage.boardExists('demo')) ? demoSignInLinks(accounts, baseUrl) : [],
    close: () =>
      (closing ??= (async () => {
        server.close();
        stopRevocationWatch();
        stopWatchingMembers();
        endpoint.close();
        listEvents.close();
        await appEvents.close();
        await stopSharingAppEvents?.();
        await stopRelayingAccess?.();
        await registry.closeAll();
        // After the rooms' last commits, whose drains it lets finish.
        await notifier?.close();
        await searchIndex?.close();
        await imports.close();
        await versionPool.close();
        await scale?.close();
        await stores.close();
        server.closeAllConnections();
      })()),
  };
}

/** An address the other instances can dial: the host listened on, or loopback for "any". */
function listeningHost(host: string | undefined): string {
  if (!host || host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
