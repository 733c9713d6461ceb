// Preloaded into every benchmarked server (node --import): reports the server's own
// event-loop delay over IPC, so the same probe measures Parley and the peers.
import { monitorEventLoopDelay } from 'node:perf_hooks';

const histogram = monitorEventLoopDelay({ resolution: 1 });
histogram.enable();
process.on('message', (message) => {
  if (message !== 'loop-delay') return;
  const ms = (ns) => ns / 1e6;
  process.send?.({
    type: 'loop-delay',
    p50: ms(histogram.percentile(50)),
    p99: ms(histogram.percentile(99)),
    max: ms(histogram.max),
  });
  histogram.reset();
});
// The IPC channel must not keep a server alive that would otherwise exit.
process.channel?.unref();
