/**
 * Builds the HTTP requests Slack sends to the bot's Bolt HTTP receiver: realistic
 * interaction and slash-command bodies, signed the way Slack signs them, so tests and
 * the demo go through Bolt's real signature check instead of bypassing it. The payloads
 * are the same in Socket Mode, where `slack-socket-mode.ts` wraps them in envelopes.
 */
import { createHmac } from 'node:crypto';
import type { BlockAction, ButtonAction, SlashCommand } from '@slack/bolt';

export interface SlackSignedHeaders {
  'content-type': 'application/x-www-form-urlencoded';
  'x-slack-request-timestamp': string;
  'x-slack-signature': string;
}

/** `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` under the app's signing secret. */
export function slackSignature(signingSecret: string, body: string, timestampSeconds: number): string {
  const digest = createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${body}`).digest('hex');
  return `v0=${digest}`;
}

/** Headers for a body Slack would send now (Bolt rejects timestamps more than 5 minutes off). */
export function signSlackRequest(
  signingSecret: string,
  body: string,
  timestampSeconds: number = Math.floor(Date.now() / 1000),
): SlackSignedHeaders {
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestampSeconds),
    'x-slack-signature': slackSignature(signingSecret, body, timestampSeconds),
  };
}

export interface SlackWorkspaceIds {
  teamId?: string;
  teamDomain?: string;
  apiAppId?: string;
  /** Legacy verification token; Bolt ignores it but Slack still sends it. */
  verificationToken?: string;
}

export interface BlockActionsOptions extends SlackWorkspaceIds {
  user: { id: string; name: string };
  actionId: string;
  value: string;
  channel: string;
  channelName?: string;
  /** ts of the message carrying the button. */
  messageTs: string;
  blockId?: string;
  buttonText?: string;
  triggerId?: string;
  responseUrl?: string;
  /** The message as Slack echoes it back (text and blocks the user clicked on). */
  message?: { text?: string; blocks?: unknown[]; user?: string };
}

/** A block_actions payload for a button click on a message, shaped as Slack sends it. */
export function blockActionsPayload(options: BlockActionsOptions): BlockAction<ButtonAction> {
  const ids = workspace(options);
  const now = actionTimestamp();
  return {
    type: 'block_actions',
    user: { id: options.user.id, username: options.user.name, name: options.user.name, team_id: ids.teamId },
    api_app_id: ids.apiAppId,
    token: ids.verificationToken,
    container: { type: 'message', message_ts: options.messageTs, channel_id: options.channel, is_ephemeral: false },
    trigger_id: options.triggerId ?? `${now.replace('.', '')}.${ids.teamId}.sim${Math.random().toString(16).slice(2, 10)}`,
    team: { id: ids.teamId, domain: ids.teamDomain },
    is_enterprise_install: false,
    channel: { id: options.channel, name: options.channelName ?? options.channel },
    message: {
      type: 'message',
      ts: options.messageTs,
      text: options.message?.text ?? '',
      user: options.message?.user ?? 'U0SOC2BOT',
      blocks: options.message?.blocks ?? [],
    },
    state: { values: {} },
    response_url: options.responseUrl ?? `https://hooks.slack.com/actions/${ids.teamId}/000000000/sim`,
    actions: [
      {
        type: 'button',
        action_id: options.actionId,
        block_id: options.blockId ?? 'actions',
        text: { type: 'plain_text', text: options.buttonText ?? options.actionId, emoji: true },
        value: options.value,
        action_ts: now,
      },
    ],
  };
}

/** The raw body Slack posts for an interaction: a single form field holding the JSON payload. */
export function blockActionsBody(options: BlockActionsOptions): string {
  return new URLSearchParams({ payload: JSON.stringify(blockActionsPayload(options)) }).toString();
}

export interface SlashCommandOptions extends SlackWorkspaceIds {
  command: string;
  text: string;
  user: { id: string; name: string };
  channel: string;
  channelName?: string;
  triggerId?: string;
  responseUrl?: string;
}

/** A slash command's fields: form-encoded over HTTP, the envelope's payload in Socket Mode. */
export function slashCommandPayload(options: SlashCommandOptions): SlashCommand {
  const ids = workspace(options);
  return {
    token: ids.verificationToken,
    team_id: ids.teamId,
    team_domain: ids.teamDomain,
    channel_id: options.channel,
    channel_name: options.channelName ?? options.channel,
    user_id: options.user.id,
    user_name: options.user.name,
    command: options.command,
    text: options.text,
    api_app_id: ids.apiAppId,
    is_enterprise_install: 'false',
    response_url: options.responseUrl ?? `https://hooks.slack.com/commands/${ids.teamId}/000000000/sim`,
    trigger_id: options.triggerId ?? `${actionTimestamp().replace('.', '')}.${ids.teamId}.sim`,
  };
}

/** A slash command as Slack posts it over HTTP: form-encoded fields, no JSON payload wrapper. */
export function slashCommandBody(options: SlashCommandOptions): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(slashCommandPayload(options))) {
    if (typeof value === 'string') form.set(key, value);
  }
  return form.toString();
}

export interface ViewSubmissionOptions extends SlackWorkspaceIds {
  user: { id: string; name: string };
  callbackId: string;
  privateMetadata: string;
  /** block_id -> the submitted value; a YYYY-MM-DD string for date pickers, a user id for user selects. */
  values: Record<string, { type: 'plain_text_input' | 'datepicker' | 'users_select'; value: string | null }>;
}

/** A modal submission (`view_submission`) payload, shaped as Slack sends it. */
export function viewSubmissionPayload(options: ViewSubmissionOptions): Record<string, unknown> {
  const ids = workspace(options);
  const values = Object.fromEntries(
    Object.entries(options.values).map(([blockId, input]) => {
      const field =
        input.type === 'datepicker'
          ? { type: 'datepicker', selected_date: input.value }
          : input.type === 'users_select'
            ? { type: 'users_select', selected_user: input.value }
            : { type: 'plain_text_input', value: input.value };
      return [blockId, { value: field }];
    }),
  );
  return {
    type: 'view_submission',
    team: { id: ids.teamId, domain: ids.teamDomain },
    user: { id: options.user.id, username: options.user.name, name: options.user.name, team_id: ids.teamId },
    api_app_id: ids.apiAppId,
    token: ids.verificationToken,
    trigger_id: `${actionTimestamp().replace('.', '')}.${ids.teamId}.sim`,
    view: {
      id: 'V0SIMVIEW',
      team_id: ids.teamId,
      type: 'modal',
      callback_id: options.callbackId,
      private_metadata: options.privateMetadata,
      hash: 'sim.hash',
      state: { values },
      blocks: [],
    },
    response_urls: [],
  };
}

/** The raw body of a modal submission, as Slack posts it over HTTP. */
export function viewSubmissionBody(options: ViewSubmissionOptions): string {
  return new URLSearchParams({ payload: JSON.stringify(viewSubmissionPayload(options)) }).toString();
}

export interface AppHomeOpenedOptions extends SlackWorkspaceIds {
  user: string;
  tab: 'home' | 'messages';
  /** The bot user the event is authorised for. */
  botUserId: string;
}

/** An `app_home_opened` event callback: the JSON body over HTTP, the envelope's payload in Socket Mode. */
export function appHomeOpenedEvent(options: AppHomeOpenedOptions): Record<string, unknown> {
  const ids = workspace(options);
  const seconds = Math.floor(Date.now() / 1000);
  return {
    token: ids.verificationToken,
    team_id: ids.teamId,
    api_app_id: ids.apiAppId,
    type: 'event_callback',
    event_id: `Ev${seconds}${Math.random().toString(16).slice(2, 8)}`,
    event_time: seconds,
    event: { type: 'app_home_opened', user: options.user, channel: 'D0SOC2HOME', tab: options.tab, event_ts: `${seconds}.000100` },
    authorizations: [{ team_id: ids.teamId, user_id: options.botUserId, is_bot: true, is_enterprise_install: false }],
  };
}

function workspace(ids: SlackWorkspaceIds): Required<SlackWorkspaceIds> {
  return {
    teamId: ids.teamId ?? 'T0SIMTEAM',
    teamDomain: ids.teamDomain ?? 'sim-workspace',
    apiAppId: ids.apiAppId ?? 'A0SOC2BOT',
    verificationToken: ids.verificationToken ?? 'sim-verification-token',
  };
}

/** Slack's action_ts: seconds with microseconds. */
function actionTimestamp(): string {
  return (Date.now() / 1000).toFixed(6);
}
