import type { HTTPReceiver } from '@slack/bolt';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Slack's own window: a signed request more than 5 minutes off is refused. */
const maxSkewSeconds = 5 * 60;

/**
 * Bolt refuses requests signed too long ago but not ones dated in the future, which a
 * captured-and-held request or a skewed signer could produce. This closes that side:
 * a timestamp more than 5 minutes ahead is answered 401 before Bolt sees it.
 */
export function rejectFutureTimestamps(receiver: HTTPReceiver, nowSeconds: () => number = () => Date.now() / 1000): void {
  const next = receiver.requestListener;
  receiver.requestListener = (req: IncomingMessage, res: ServerResponse) => {
    const header = req.headers['x-slack-request-timestamp'];
    const timestamp = Number(Array.isArray(header) ? header[0] : header);
    if (Number.isFinite(timestamp) && timestamp - nowSeconds() > maxSkewSeconds) {
      res.writeHead(401);
      res.end();
      return;
    }
    next(req, res);
  };
}
