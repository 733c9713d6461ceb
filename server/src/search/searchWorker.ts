import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { IndexTables } from './IndexTables.ts';
import { IndexWorker } from './IndexWorker.ts';
import type { FromWorker, ToWorker } from './indexProtocol.ts';

/** The search worker's entry (SearchIndex starts it): the index, off the rooms' event loop. */
// The index must never take CPU from the rooms: this thread runs at the lowest priority
// (on Linux a nice value is per thread), so it works when a core is free and catches up
// after a burst. Search answers may then lag; saves and relays never wait for it.
try {
  os.setPriority(os.constants.priority.PRIORITY_LOW);
} catch {
  // Not allowed here: the index simply runs at normal priority.
}
const port = parentPort!;
const { dataDir } = workerData as { dataDir: string };
const worker = new IndexWorker(new IndexTables(dataDir), (message: FromWorker) => port.postMessage(message));
port.on('message', (message: ToWorker) => worker.handle(message));
