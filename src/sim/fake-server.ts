/**
 * Serves msw handlers (the simulated AWS account and Slack workspace) over loopback HTTP,
 * so the bot can run in another process, and be killed, while the fakes and their state
 * live on here. The bot's process forwards each AWS and Slack request unchanged, with its
 * original URL in a header (see forward-to-fake.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getResponse, type RequestHandler } from 'msw';
import { z } from 'zod';

/** Carries the URL the bot called (https://s3.us-east-1.amazonaws.com/...) to the fake server. */
export const originalUrlHeader = 'x-sim-original-url';

/** Headers that describe one connection, not the request, so they are never copied across a hop. */
export const hopByHopHeaders = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host', 'expect', 'upgrade']);

/** Statuses whose responses carry no body (a Response with one cannot be built). */
export const nullBodyStatuses = new Set([101, 204, 205, 304]);

/** `received`: before the fake acts on the request; `answered`: it has acted, the response is not yet sent. */
export type Stage = 'received' | 'answered';

export interface Exchange {
  stage: Stage;
  /** The request with its original URL (a copy: a hook may read its body). */
  request: Request;
  /** At `answered` only: a copy of what the fake answered. */
  response?: Response;
}

/**
 * Called at both stages of every request. `hang-up` drops the connection there and then, as a
 * dead client leaves it: at `received` the fake never acts on the request, at `answered` it has
 * acted but the answer is never sent.
 */
export type Hook = (exchange: Exchange) => void | 'hang-up' | Promise<void | 'hang-up'>;

export interface FakeServer {
  /** Where the bot's process forwards to. */
  url: string;
  /** Requests no handler answered (each got a 501): a test expects none. */
  readonly unhandled: string[];
  /** Adds a hook; the returned function removes it. Hooks run in the order added. */
  hook(hook: Hook): () => void;
  /** Resolves with the next exchange that matches (after the hooks added before it ran). */
  next(match: (exchange: Exchange) => boolean): Promise<Exchange>;
  close(): Promise<void>;
}

const originalUrl = z.url({ protocol: /^https?$/ });

export async function startFakeServer(handlers: RequestHandler[]): Promise<FakeServer> {
  const hooks: Hook[] = [];
  const unhandled: string[] = [];
  const runHooks = async (exchange: () => Exchange): Promise<boolean> => {
    for (const hook of [...hooks]) {
      if ((await hook(exchange())) === 'hang-up') return false;
    }
    return true;
  };

  const server = createServer((message, reply) => {
    serve(message, reply).catch((error: unknown) => {
      reply.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });

  async function serve(message: IncomingMessage, reply: ServerResponse): Promise<void> {
    const request = await toFetchRequest(message);
    if (!(await runHooks(() => ({ stage: 'received', request: request.clone() })))) {
      reply.destroy();
      return;
    }
    const answer = await getResponse(handlers, request.clone());
    if (!answer) {
      unhandled.push(`${request.method} ${request.url}`);
      reply.writeHead(501, { 'content-type': 'text/plain' }).end(`no simulated handler for ${request.method} ${request.url}`);
      return;
    }
    const body = Buffer.from(await answer.arrayBuffer());
    const response = () => new Response(nullBodyStatuses.has(answer.status) ? null : body, answer);
    if (!(await runHooks(() => ({ stage: 'answered', request: request.clone(), response: response() })))) {
      reply.destroy();
      return;
    }
    const headers: Record<string, string> = {};
    answer.headers.forEach((value, name) => {
      if (!hopByHopHeaders.has(name)) headers[name] = value;
    });
    reply.writeHead(answer.status, answer.statusText, headers).end(body);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const fake: FakeServer = {
    url: `http://127.0.0.1:${port}/`,
    unhandled,
    hook(hook) {
      hooks.push(hook);
      return () => {
        const index = hooks.indexOf(hook);
        if (index >= 0) hooks.splice(index, 1);
      };
    },
    next(match) {
      return new Promise((resolve) => {
        const remove = fake.hook((exchange) => {
          if (!match(exchange)) return;
          remove();
          resolve(exchange);
        });
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
  return fake;
}

async function toFetchRequest(message: IncomingMessage): Promise<Request> {
  const url = originalUrl.parse(message.headers[originalUrlHeader], { error: () => `${originalUrlHeader} must carry the URL the bot called` });
  const headers = new Headers();
  for (const [name, value] of Object.entries(message.headers)) {
    if (value === undefined || name === originalUrlHeader || hopByHopHeaders.has(name)) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const method = message.method ?? 'GET';
  const chunks: Buffer[] = [];
  for await (const chunk of message) chunks.push(chunk as Buffer);
  return new Request(url, { method, headers, ...(method === 'GET' || method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }) });
}
