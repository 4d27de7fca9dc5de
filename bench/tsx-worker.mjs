// Boots a TypeScript worker thread: on Node 20 worker threads do not inherit tsx's loader,
// so it is registered here before the entry (workerData.entry, a file URL) is imported.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
