import type { OfflineBot } from '../../src/sim/offline-bot.js';
import { appHomeOpenedEvent, signSlackRequest, slackSignature, slashCommandBody } from '../../src/sim/signed-request.js';
import type { EphemeralMessage } from '../../src/sim/slack-workspace.js';

export interface CommandResult {
  status: number;
  /** What Bolt answered in the HTTP response (the ack body), null when the ack was empty. */
  ack: { response_type?: string; text?: string; blocks?: unknown[] } | null;
  /** Messages posted to the command's response_url after the ack. */
  replies: EphemeralMessage[];
}

let commands = 0;

/** POSTs a correctly signed `/soc2` to the bot's real receiver; resolves with Bolt's answer (the ack). */
export async function sendSoc2(
  offline: OfflineBot,
  text: string,
  options: { user?: { id: string; name: string }; channel?: string } = {},
): Promise<Omit<CommandResult, 'replies'>> {
  const channel = options.channel ?? 'C0PLATFORM01';
  commands += 1;
  const body = slashCommandBody({
    command: '/soc2',
    text,
    user: options.user ?? { id: 'U0ANA00001', name: 'ana' },
    channel,
    // The fake answers response URLs it issued; Slack's own are per command, this one too.
    responseUrl: offline.slack.responseUrlFor(channel, `command.${commands}`),
  });
  const response = await offline.post(body, { ...signSlackRequest(offline.signingSecret, body) });
  const raw = await response.text();
  return { status: response.status, ack: raw ? (JSON.parse(raw) as CommandResult['ack']) : null };
}

/** `sendSoc2`, then waits for the work after the ack and collects what it posted to the response_url. */
export async function runSoc2(offline: OfflineBot, text: string, options: { user?: { id: string; name: string }; channel?: string } = {}): Promise<CommandResult> {
  const before = offline.slack.ephemerals.length;
  const sent = await sendSoc2(offline, text, options);
  await offline.bot.background.idle();
  return { ...sent, replies: offline.slack.ephemerals.slice(before) };
}

/** A signed `app_home_opened` event callback, as the Events API posts it (JSON, not a form). */
export async function openAppHome(offline: OfflineBot, user: string, tab: 'home' | 'messages' = 'home'): Promise<Response> {
  const seconds = Math.floor(Date.now() / 1000);
  const body = JSON.stringify(appHomeOpenedEvent({ user, tab, botUserId: offline.slack.botUserId }));
  const response = await offline.post(body, {
    'content-type': 'application/json',
    'x-slack-request-timestamp': String(seconds),
    'x-slack-signature': slackSignature(offline.signingSecret, body, seconds),
  });
  await offline.bot.background.idle();
  return response;
}
