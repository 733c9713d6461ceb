// Preloaded into the server by measure-server.ts (node --import): answers 'memory' over
// IPC with the process's own view of its memory, so RSS can be split into the V8 heap,
// memory held outside it (buffers), and the rest (code, native libraries, SQLite, stacks).
import v8 from 'node:v8';

process.on('message', (message) => {
  if (message !== 'memory') return;
  const mb = (n) => Math.round((n / 1048576) * 10) / 10;
  const usage = process.memoryUsage();
  const spaces = Object.fromEntries(
    v8
      .getHeapSpaceStatistics()
      .map((s) => [s.space_name.replace(/_space$/, ''), `${mb(s.space_used_size)}/${mb(s.space_size)}`]),
  );
  const heap = v8.getHeapStatistics();
  process.send?.({
    type: 'memory',
    rss: mb(usage.rss),
    heapTotal: mb(usage.heapTotal),
    heapUsed: mb(usage.heapUsed),
    external: mb(usage.external),
    arrayBuffers: mb(usage.arrayBuffers),
    mallocedMemory: mb(heap.malloced_memory),
    codeAndMetadata: mb(v8.getHeapCodeStatistics().code_and_metadata_size),
    spaces,
  });
});
// The IPC channel must not keep the server alive.
process.channel?.unref();
