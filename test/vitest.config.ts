import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Vitest's default on two cores is one file at a time. Most integration and e2e time is
    // spent waiting (servers starting, sockets, browsers painting), so two files run at
    // once, e2e files too: the suite takes ~9 minutes instead of ~16. Three at a time was
    // slower again on two cores (1047 s against 953 s for the whole CI run).
    maxWorkers: 2,
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
