import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Live counts read when `/metrics` is scraped. */
interface LiveSources {
  connections: () => number;
  rooms: () => number;
  queued: () => number;
  /** Boards this instance holds the lease on (0 with one instance). */
  leases: () => number;
  /** Forwarded websockets open through this instance now. */
  forwarding: () => number;
}

/**
 * What `/metrics` exposes (Prometheus text). The default Node metrics include event-loop
 * delay percentiles (`nodejs_eventloop_lag_p99_seconds` …), heap and CPU.
 */
export class Metrics {
  readonly registry = new Registry();
  private sources: LiveSources = {
    connections: () => 0,
    rooms: () => 0,
    queued: () => 0,
    leases: () => 0,
    forwarding: () => 0,
  };

  readonly updatesApplied = new Counter({
    name: 'parley_updates_applied_total',
    help: 'Client updates (sync step 2 and update messages) applied to a document',
    registers: [this.registry],
  });

  readonly updatesRefused = new Counter({
    name: 'parley_updates_refused_total',
    help: 'Client messages refused, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly broadcastFrames = new Counter({
    name: 'parley_broadcast_frames_total',
    help: 'Document update frames sent to clients',
    registers: [this.registry],
  });

  readonly persistLatency = new Histogram({
    name: 'parley_persist_latency_seconds',
    help: 'Time from an update being accepted to its commit in the store',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly persistFailures = new Counter({
    name: 'parley_persist_failures_total',
    help: 'Failed store transactions (their updates stay queued and are retried)',
    registers: [this.registry],
  });

  readonly roomFailures = new Counter({
    name: 'parley_room_failures_total',
    help: 'Rooms reloaded from the store because an applied update could not be committed',
    registers: [this.registry],
  });

  readonly leasesAcquired = new Counter({
    name: 'parley_board_leases_acquired_total',
    help: 'Boards this instance took the lease on and claimed in the store (several instances)',
    registers: [this.registry],
  });

  readonly leasesLost = new Counter({
    name: 'parley_board_leases_lost_total',
    help: 'Boards this instance stopped serving because its lease ran out or the store fenced it off',
    registers: [this.registry],
  });

  readonly forwardedConnections = new Counter({
    name: 'parley_forwarded_connections_total',
    help: 'Document websockets passed on to the instance that owns their board',
    registers: [this.registry],
  });

  readonly forwardedRequests = new Counter({
    name: 'parley_forwarded_requests_total',
    help: 'Board HTTP requests passed on to the instance that owns their board',
    registers: [this.registry],
  });

  readonly forwardFailures = new Counter({
    name: 'parley_forward_failures_total',
    help: 'Connections and requests that could not reach the owning instance (answered 503 / closed 1013)',
    registers: [this.registry],
  });

  readonly persistQueued = this.liveGauge(
    'parley_persist_queued_updates',
    'Updates accepted but not yet committed to the store',
    'queued',
  );

  readonly connections = this.liveGauge('parley_connections', 'Open document websocket connections', 'connections');

  readonly roomsLoaded = this.liveGauge('parley_rooms_loaded', 'Documents loaded in memory', 'rooms');

  readonly leasesHeld = this.liveGauge('parley_board_leases_held', 'Boards this instance owns now', 'leases');

  readonly forwardsOpen = this.liveGauge(
    'parley_forwarded_connections_open',
    'Forwarded document websockets open through this instance now',
    'forwarding',
  );

  constructor() {
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
  }

  /** Where the live gauges read their values at scrape time. */
  observe(sources: LiveSources): void {
    this.sources = sources;
  }

  private liveGauge(name: string, help: string, source: keyof LiveSources): Gauge {
    const read = () => this.sources[source]();
    return new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }
}
