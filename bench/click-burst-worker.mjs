// Fires pre-signed requests at once from its own thread (its own event loop, no msw),
// as Slack would from outside, and reports each request's time to the HTTP answer.
// Plain JavaScript: worker threads do not inherit tsx's loader on Node 20.
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

/** @type {{ url: string, requests: { body: string, headers: Record<string, string> }[] }} */
const { url, requests } = workerData;
const results = await Promise.all(
  requests.map(async ({ body, headers }) => {
    const t0 = performance.now();
    const response = await fetch(url, { method: 'POST', body, headers });
    await response.arrayBuffer();
    return { status: response.status, ms: performance.now() - t0 };
  }),
);
parentPort?.postMessage(results);
