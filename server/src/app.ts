import http from 'node:http';
import express from 'express';
import { RoomRegistry } from './collab/RoomRegistry.ts';
import { WebsocketEndpoint } from './collab/WebsocketEndpoint.ts';
import type { Config } from './config.ts';
import { boardRoutes } from './http/boardRoutes.ts';
import { errorHandler, notFound } from './http/errors.ts';
import { staticClient } from './http/staticClient.ts';
import type { Logger } from './logger.ts';
import { ensureDemoBoard } from './seed/createDemoBoard.ts';
import { PersistQueue } from './storage/PersistQueue.ts';
import { SqliteStorage } from './storage/SqliteStorage.ts';
import type { Storage } from './storage/Storage.ts';

export interface ParleyApp {
  readonly server: http.Server;
  readonly storage: Storage;
  readonly registry: RoomRegistry;
  /** Resolves with the bound port. */
  listen(): Promise<number>;
  /** Stops accepting, stores everything, closes every socket and the store. */
  close(): Promise<void>;
}

export async function createApp(config: Config, log: Logger): Promise<ParleyApp> {
  const storage = new SqliteStorage(config.dataDir);
  const persist = new PersistQueue(storage, log, config.persistBatchMs);
  const registry = new RoomRegistry({
    storage,
    persist,
    log,
    idleMs: config.roomIdleMs,
    compactThreshold: config.compactThreshold,
  });
  const endpoint = new WebsocketEndpoint({ registry, log, maxPayload: config.maxPayload });

  if (config.seedDemo && (await ensureDemoBoard(storage))) log.info('created demo board');

  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', connections: endpoint.connectionCount, rooms: registry.loadedCount });
  });
  app.use('/api', express.json({ limit: '1mb' }), boardRoutes(storage, registry));
  app.use('/api', notFound);
  app.use(staticClient(config.clientDist));
  app.use(notFound);
  app.use(errorHandler(log));

  const server = http.createServer(app);
  server.on('upgrade', (req, socket, head) => {
    if (!endpoint.handleUpgrade(req, socket, head)) socket.destroy();
  });

  let closing: Promise<void> | null = null;
  return {
    server,
    storage,
    registry,
    listen: () =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          const address = server.address();
          resolve(typeof address === 'object' && address ? address.port : config.port);
        });
      }),
    close: () =>
      (closing ??= (async () => {
        server.close();
        endpoint.close();
        await registry.closeAll();
        await storage.close();
        server.closeAllConnections();
      })()),
  };
}
