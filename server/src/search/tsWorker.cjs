// Starts the search worker from its TypeScript source under tsx (dev, tests). Node 20
// gives a worker tsx's `require` hook when the worker starts from a file, but not its ESM
// hooks, so neither a .ts entry nor an import() of one would load.
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose (see above) */
const { workerData } = require('node:worker_threads');
require(workerData.tsEntry);
