import { parentPort, workerData } from 'node:worker_threads';
import { IndexTables } from './IndexTables.ts';
import { IndexWorker } from './IndexWorker.ts';
import type { FromWorker, ToWorker } from './indexProtocol.ts';

/** The search worker's entry (SearchIndex starts it): the index, off the rooms' event loop. */
const port = parentPort!;
const { dataDir } = workerData as { dataDir: string };
const worker = new IndexWorker(new IndexTables(dataDir), (message: FromWorker) => port.postMessage(message));
port.on('message', (message: ToWorker) => worker.handle(message));
