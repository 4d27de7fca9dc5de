/**
 * The click stream (test/helpers/click-stream.ts) in a worker thread, started through
 * bench/tsx-worker.mjs: its own event loop, so the fakes the bench serves in the main thread
 * neither delay the clicks nor add to the latencies measured. Stops when the parent posts a
 * message, and answers with the samples.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { z } from 'zod';
import { startClickStream } from '../test/helpers/click-stream.js';

const options = z
  .object({
    url: z.url(),
    signingSecret: z.string(),
    intervalMs: z.number().positive(),
    requests: z.array(z.object({ kind: z.string(), body: z.string() })).min(1),
  })
  .parse(workerData);
const port = parentPort;
if (!port) throw new Error('click-stream-worker.ts runs as a worker thread');
const stream = startClickStream(options);
port.once('message', () => {
  void stream.stop().then((samples) => port.postMessage(samples));
});
