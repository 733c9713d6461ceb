import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Vitest's default on two cores is one file at a time. Most integration and e2e time is
    // spent waiting (servers starting, sockets, browsers painting, fsyncs), so three files
    // run at once, e2e files too: on two cores the suite took ~16 minutes one at a time and
    // ~14 two at a time once PostgreSQL and the cluster tests came in.
    maxWorkers: 3,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['unit/**/*.test.ts'], testTimeout: 20_000 },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          globalSetup: ['helpers/buildClientOnce.ts'],
        },
      },
    ],
  },
});
