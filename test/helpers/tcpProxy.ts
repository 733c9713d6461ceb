import net from 'node:net';

/**
 * A small TCP proxy for fault injection in the cluster tests (integration/cluster.test.ts).
 *
 * - Between an instance and Redis: `cut()` destroys every connection through it and
 *   refuses new ones until `restore()` (`cutFor(ms)` does both), as a network partition
 *   between that one instance and Redis would.
 * - In front of the instances, as a load balancer: each new connection goes to the first
 *   of its targets that accepts it, so a killed instance (connection refused) is skipped
 *   and its clients land on the next one. `refuse()` holds new connections off while the
 *   open ones carry on.
 *
 * Refusing means not listening: a client's connect fails at once (ECONNREFUSED), as when
 * the far side is down. (A proxy that accepted and then closed would look to a Redis client
 * like a server that answers and hangs up: node-redis, which needs no handshake, reports
 * itself ready on every such connect.) The port is listened on again by `restore()`.
 *
 * Bytes are piped as they come, in both directions; either side closing closes the other.
 */
export interface TcpProxy {
  readonly port: number;
  /** `scheme://127.0.0.1:<port>`, e.g. `redis` or `ws`. */
  url(scheme: string): string;
  /** Where new connections go, in order of preference (ports on 127.0.0.1). */
  setTargets(ports: readonly number[]): void;
  /** Refuses new connections (stops listening) until `restore()`. Open ones stay. */
  refuse(): void;
  /** Destroys every open connection (both sides) and refuses new ones until `restore()`. */
  cut(): void;
  /** `cut()`, then `restore()` after `ms`. */
  cutFor(ms: number): Promise<void>;
  /** Listens again; resolves once new connections are accepted. */
  restore(): Promise<void>;
  /** Connections piped right now. */
  readonly open: number;
  /** Connections accepted and piped to a target so far. */
  readonly piped: number;
  /** Connections closed unpiped (refused, or no target accepted). */
  readonly refused: number;
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 2_000;

export async function startTcpProxy(targets: readonly number[]): Promise<TcpProxy> {
  let order = [...targets];
  let refusing = false;
  let piped = 0;
  let refused = 0;
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket | null }>();

  const server = net.createServer({ pauseOnConnect: true, noDelay: true }, (client) => {
    client.on('error', () => undefined);
    if (refusing) {
      refused++;
      client.destroy();
      return;
    }
    const pair: { client: net.Socket; upstream: net.Socket | null } = { client, upstream: null };
    pairs.add(pair);
    client.once('close', () => {
      pairs.delete(pair);
      pair.upstream?.destroy();
    });
    const candidates = [...order];
    const tryNext = (i: number): void => {
      if (client.destroyed) return;
      if (i >= candidates.length || refusing) {
        refused++;
        client.destroy();
        return;
      }
      const upstream = net.connect({ host: '127.0.0.1', port: candidates[i]!, noDelay: true });
      pair.upstream = upstream;
      let connected = false;
      upstream.setTimeout(CONNECT_TIMEOUT_MS, () => upstream.destroy(new Error('connect timeout')));
      upstream.once('connect', () => {
        connected = true;
        upstream.setTimeout(0);
        if (client.destroyed || refusing) {
          upstream.destroy();
          if (!client.destroyed) {
            refused++;
            client.destroy();
          }
          return;
        }
        piped++;
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
      upstream.on('error', () => {
        // Not accepted (a dead target): the next one. Once piped, the close below ends both.
        if (!connected) tryNext(i + 1);
      });
      upstream.once('close', () => {
        if (connected) client.destroy();
      });
    };
    tryNext(0);
  });
  const listen = (at: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(at, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  let listening: Promise<void> = Promise.resolve();
  let closed = false;

  const stopListening = () => {
    refusing = true;
    listening = listening.then(() => {
      if (server.listening) server.close();
    });
  };
  const startListening = () => {
    refusing = false;
    listening = listening.then(async () => {
      if (!server.listening && !closed) await listen(port);
    });
    return listening;
  };

  const dropAll = () => {
    for (const pair of pairs) {
      pair.upstream?.destroy();
      pair.client.destroy();
    }
    pairs.clear();
  };

  return {
    port,
    url: (scheme) => `${scheme}://127.0.0.1:${port}`,
    setTargets(ports) {
      order = [...ports];
    },
    refuse() {
      stopListening();
    },
    cut() {
      stopListening();
      dropAll();
    },
    async cutFor(ms) {
      stopListening();
      dropAll();
      await new Promise((resolve) => setTimeout(resolve, ms));
      await startListening();
    },
    restore() {
      return startListening();
    },
    get open() {
      return pairs.size;
    },
    get piped() {
      return piped;
    },
    get refused() {
      return refused;
    },
    close: async () => {
      closed = true;
      refusing = true;
      dropAll();
      await listening;
      if (server.listening) await new Promise((resolve) => server.close(resolve));
    },
  };
}
