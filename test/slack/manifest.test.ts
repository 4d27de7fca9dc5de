import type { AppsManifestValidateArguments } from '@slack/web-api';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { soc2Command } from '../../src/slack/commands/soc2.js';

const manifestText = readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8');

type Manifest = AppsManifestValidateArguments['manifest'];
type BotScope = NonNullable<NonNullable<Manifest['oauth_config']>['scopes']>['bot'] extends (infer S)[] | undefined ? S : never;
type BotEvent = NonNullable<NonNullable<Manifest['settings']>['event_subscriptions']>['bot_events'] extends (infer E)[] | undefined ? E : never;

const httpsUrl = z.url({ protocol: /^https$/ }).endsWith('/slack/events');

/** The manifest rules Slack enforces that a typo could break (see the notes on Slack limits). */
const manifestSchema = z
  .object({
    _metadata: z.object({ major_version: z.literal(1), minor_version: z.number().int() }),
    display_information: z.object({
      name: z.string().min(1).max(35),
      description: z.string().max(140),
      background_color: z.string().regex(/^#[0-9a-f]{6}$/i),
    }),
    features: z.object({
      app_home: z.object({ home_tab_enabled: z.literal(true), messages_tab_enabled: z.boolean() }),
      bot_user: z.object({ display_name: z.string().max(80).regex(/^[a-z0-9._-]+$/), always_online: z.boolean() }),
      slash_commands: z
        .array(
          z.object({
            command: z.string().regex(/^\/[a-z0-9_-]+$/).max(32),
            description: z.string().min(1).max(2000),
            usage_hint: z.string().max(1000),
            should_escape: z.boolean(),
            url: httpsUrl.optional(),
          }),
        )
        .length(1),
    }),
    oauth_config: z.object({
      scopes: z.object({ bot: z.array(z.custom<BotScope>((value) => typeof value === 'string' && /^[a-z.]+:[a-z.]+$|^commands$/.test(value))) }),
    }),
    settings: z.object({
      event_subscriptions: z.object({
        request_url: httpsUrl.optional(),
        bot_events: z.array(z.custom<BotEvent>((value) => typeof value === 'string' && /^[a-z_.]+$/.test(value))),
      }),
      interactivity: z.object({ is_enabled: z.literal(true), request_url: httpsUrl.optional() }),
      org_deploy_enabled: z.boolean(),
      socket_mode_enabled: z.boolean(),
      token_rotation_enabled: z.boolean(),
    }),
  })
  .refine(
    (m) =>
      m.settings.socket_mode_enabled ||
      (m.settings.interactivity.request_url !== undefined &&
        m.settings.event_subscriptions.request_url !== undefined &&
        m.features.slash_commands.every((c) => c.url !== undefined)),
    'request URLs may be left out only in Socket Mode',
  );

/** Scope each Web API method the bot calls needs; a method missing here fails the test until it is added. */
const scopeByMethod: Record<string, string | null> = {
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'chat.getPermalink': null,
  'files.getUploadURLExternal': 'files:write',
  'files.completeUploadExternal': 'files:write',
  'usergroups.users.list': 'usergroups:read',
  'views.open': null,
  'views.publish': null,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

function webApiMethodsCalled(): string[] {
  const src = new URL('../../src', import.meta.url).pathname;
  const calls = sourceFiles(src).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/\bclient\.([a-z]+(?:\.[a-zA-Z]+)+)\(/g)].map((m) => m[1]!));
  return [...new Set(calls)].sort();
}

describe('manifest.yml', () => {
  const manifest = manifestSchema.parse(parse(manifestText));

  it('respects Slack\'s manifest rules and is a Web API manifest', () => {
    // Compile-time: the keys are the ones @slack/web-api knows.
    const typed: Manifest = manifest;
    expect(typed.display_information.name).toBe('soc2-bot');
  });

  it('declares the /soc2 command the bot listens for, with a usage hint naming every subcommand', () => {
    const [command] = manifest.features.slash_commands;
    expect(command?.command).toBe(soc2Command);
    for (const word of ['status', 'sev1', 'account-id', 'exceptions', 'scan', 'export', 'help']) expect(command?.usage_hint).toContain(word);
  });

  it('subscribes to app_home_opened with the Home tab on, and runs in Socket Mode by default', () => {
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_home_opened']);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
  });

  it('asks for exactly the bot scopes the code uses', () => {
    const unknown = webApiMethodsCalled().filter((method) => !Object.hasOwn(scopeByMethod, method));
    expect(unknown, 'add these methods and their scopes to scopeByMethod (and the manifest)').toEqual([]);
    const needed = new Set(webApiMethodsCalled().flatMap((method) => scopeByMethod[method] ?? []));
    // commands: the slash command; chat:write.public: cards go to owner channels the bot was never invited to.
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...needed, 'commands', 'chat:write.public'].sort());
  });

  it('becomes a valid HTTP-mode manifest by the documented switch', () => {
    const http = manifestText
      .replace('socket_mode_enabled: true', 'socket_mode_enabled: false')
      .replace(/# (url|request_url): /g, '$1: ');
    const parsed = manifestSchema.parse(parse(http));
    expect(parsed.settings.interactivity.request_url).toBe('https://soc2-bot.example.com/slack/events');
    expect(parsed.settings.event_subscriptions.request_url).toBe('https://soc2-bot.example.com/slack/events');
    expect(parsed.features.slash_commands[0]?.url).toBe('https://soc2-bot.example.com/slack/events');
    // Without the URLs, HTTP mode is refused.
    expect(manifestSchema.safeParse(parse(manifestText.replace('socket_mode_enabled: true', 'socket_mode_enabled: false'))).success).toBe(false);
  });
});
