/**
 * A steady stream of Slack requests to the bot's HTTP receiver, one every `intervalMs` whether
 * or not earlier ones were answered (Slack does not wait either), each signed when it is sent
 * (a run longer than Bolt's five-minute window stays valid), and the time each took to be
 * acknowledged. Runs in a test's thread or in a bench worker (bench/click-stream-worker.ts).
 */
import { performance } from 'node:perf_hooks';
import { signSlackRequest } from '../../src/sim/signed-request.js';

export interface StreamedRequest {
  /** What the request is, for the report: "approve", "status"... */
  kind: string;
  /** The form-encoded body Slack posts. */
  body: string;
}

export interface ClickStreamOptions {
  url: string;
  signingSecret: string;
  intervalMs: number;
  /** Sent in turn, from the first again after the last. */
  requests: readonly StreamedRequest[];
}

export interface AckSample {
  kind: string;
  /** HTTP status, or 0 when the request failed without an answer. */
  status: number;
  /** From sending to the whole answer read. */
  ms: number;
  /** When it was sent (epoch ms), to tell which phase of the run it fell in. */
  sentAt: number;
}

export interface ClickStream {
  /** Stops sending; resolves with every sample once the requests in flight are answered. */
  stop(): Promise<AckSample[]>;
}

export function startClickStream(options: ClickStreamOptions): ClickStream {
  if (options.requests.length === 0) throw new Error('a click stream needs at least one request');
  const inFlight = new Set<Promise<AckSample>>();
  const samples: AckSample[] = [];
  let next = 0;
  const send = async (request: StreamedRequest): Promise<AckSample> => {
    const sentAt = Date.now();
    const t0 = performance.now();
    const sample = (status: number): AckSample => ({ kind: request.kind, status, ms: performance.now() - t0, sentAt });
    try {
      const response = await fetch(options.url, { method: 'POST', body: request.body, headers: { ...signSlackRequest(options.signingSecret, request.body) } });
      await response.arrayBuffer();
      return sample(response.status);
    } catch {
      return sample(0);
    }
  };
  const tick = () => {
    const request = options.requests[next++ % options.requests.length]!;
    const sent = send(request).then((sample) => {
      samples.push(sample);
      inFlight.delete(sent);
      return sample;
    });
    inFlight.add(sent);
  };
  tick();
  const timer = setInterval(tick, options.intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all([...inFlight]);
      return samples.sort((a, b) => a.sentAt - b.sentAt);
    },
  };
}
