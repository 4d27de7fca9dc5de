/**
 * In the bot's process: sends every AWS and Slack request, unchanged, to a fake server in
 * another process (fake-server.ts) and hands its answer back. The bot runs the production
 * AWS SDK and Slack WebClient against their real URLs; only the network hop is redirected.
 */
import { http } from 'msw';
import { setupServer, type SetupServer } from 'msw/node';
import { hopByHopHeaders, nullBodyStatuses, originalUrlHeader } from './fake-server.js';

const loopbackHost = /^(127\.0\.0\.1|localhost|\[::1\])$/;

/** The bot's own listener and the fake server are on loopback; everything else would leak to the internet. */
export function isLoopback(url: string): boolean {
  return loopbackHost.test(new URL(url).hostname);
}

/** AWS endpoints, the Slack Web API and Slack's interaction response URLs. */
function isFaked(url: URL): boolean {
  return (
    url.hostname.endsWith('.amazonaws.com') ||
    (url.hostname === 'slack.com' && url.pathname.startsWith('/api/')) ||
    url.hostname === 'hooks.slack.com'
  );
}

export function forwardToFake(fakeUrl: string): SetupServer {
  const server = setupServer(
    http.all(
      ({ request }) => isFaked(new URL(request.url)),
      async ({ request }) => {
        const headers = withoutHopByHop(request.headers);
        headers.set(originalUrlHeader, request.url);
        const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
        // The fake server is on loopback, so this fetch passes through msw to the network.
        const answer = await fetch(fakeUrl, { method: request.method, headers, redirect: 'manual', ...(hasBody ? { body: await request.arrayBuffer() } : {}) });
        const body = nullBodyStatuses.has(answer.status) ? null : await answer.arrayBuffer();
        return new Response(body, { status: answer.status, statusText: answer.statusText, headers: withoutHopByHop(answer.headers) });
      },
    ),
  );
  server.listen({
    onUnhandledRequest(request, print) {
      if (!isLoopback(request.url)) print.error();
    },
  });
  return server;
}

function withoutHopByHop(source: Headers): Headers {
  const headers = new Headers();
  source.forEach((value, name) => {
    if (!hopByHopHeaders.has(name)) headers.append(name, value);
  });
  return headers;
}
