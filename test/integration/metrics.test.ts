import { describe, expect, it } from 'vitest';
import { listPoints, pointText } from '@parley/shared/model';
import { connectClient, waitFor } from '../helpers/clients.ts';
import { metricValue } from '../helpers/metrics.ts';
import { startServer } from '../helpers/server.ts';
import { identity, mintToken } from '../helpers/tokens.ts';

const metric = metricValue;

describe('/metrics', () => {
  it('METRICS1: Prometheus text with connections, rooms, updates, broadcasts, persist latency and event-loop delay', async () => {
    const server = await startServer();
    const token = await mintToken(server, identity('editor', 'us'));
    const a = connectClient(server.wsUrl, 'demo', { token });
    const b = connectClient(server.wsUrl, 'demo', { token });
    try {
      await Promise.all([a.synced, b.synced]);
      const [p] = listPoints(a.doc);
      for (let i = 0; i < 5; i++) pointText(a.doc, p!.id, 'body')!.insert(0, `m${i} `);
      await waitFor(() => pointText(b.doc, p!.id, 'body')!.toString().startsWith('m4 '), 'B to see the edits');
      let text = '';
      await waitFor(() => {
        void fetch(`${server.url}/metrics`)
          .then((r) => r.text())
          .then((t) => (text = t));
        return (metric(text, 'parley_persist_latency_seconds_count') ?? 0) >= 5;
      }, 'persist latency observations');
      const res = await fetch(`${server.url}/metrics`);
      expect(res.headers.get('content-type')).toMatch(/text\/plain/);
      text = await res.text();
      expect(metric(text, 'parley_connections')).toBe(2);
      expect(metric(text, 'parley_rooms_loaded')).toBe(1);
      expect(metric(text, 'parley_updates_applied_total')).toBeGreaterThanOrEqual(5);
      // Updates committed together travel to each peer as one merged frame.
      const frames = metric(text, 'parley_broadcast_frames_total') ?? 0;
      expect(frames).toBeGreaterThanOrEqual(1);
      expect(frames).toBeLessThanOrEqual(metric(text, 'parley_updates_applied_total')!);
      expect(metric(text, 'parley_persist_latency_seconds_count')).toBeGreaterThanOrEqual(5);
      expect(metric(text, 'nodejs_eventloop_lag_p99_seconds')).not.toBeNull();
    } finally {
      a.destroy();
      b.destroy();
      await server.stop();
    }
  });
});
