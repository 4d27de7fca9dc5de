import type { types } from '@slack/bolt';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import { parsePolicy, type Policy } from '../../src/config/policy.js';
import type { OpenFinding, StatusSnapshot } from '../../src/evidence/status-query.js';
import { actionIds } from '../../src/slack/cards.js';
import { buildHomeView } from '../../src/slack/home.js';
import { buildControlFinding } from '../../src/sim/aws-account.js';
import { startOfflineBot, type OfflineBot } from '../../src/sim/offline-bot.js';
import { openAppHome } from '../helpers/slack-requests.js';

const platform = 'C0PLATFORM01';
const data = 'C0DATA00001';
const ana = { id: 'U0ANA00001', name: 'ana' };
const ben = 'U0BEN00001';
const sec = 'U0SEC00001';
const now = new Date('2026-11-25T12:00:00.000Z');

let offline: OfflineBot | undefined;
const ids: Record<string, string> = {};

async function start(policy?: Policy): Promise<OfflineBot> {
  const bot = await startOfflineBot({
    databasePath: join(mkdtempSync(join(tmpdir(), 'soc2-home-')), 'evidence.sqlite'),
    routing: { fallbackChannel: 'C0SECURITY01', tagKeys: ['owner'], owners: { platform, data }, accounts: {} },
    log: createLogger('silent'),
    clock: { now: () => now },
    awsMaxAttempts: 1,
    ...(policy ? { policy } : {}),
  });
  const seed = (name: string, control: string, owner: string, createdAt: string, title?: string) => {
    bot.aws.addBucket(name, { region: 'us-east-1', publicAccessBlock: null });
    const asff = buildControlFinding({ control, resourceId: `arn:aws:s3:::${name}`, accountId: '111111111111', createdAt, tags: { owner }, ...(title ? { title } : {}) });
    bot.aws.addFinding(asff);
    ids[name] = asff.Id!;
  };
  seed('customer-exports', 'S3.8', 'platform', '2026-11-20T08:00:00.000Z'); // Sev1, overdue
  seed('billing-reports', 'S3.5', 'platform', '2026-11-24T12:00:00.000Z'); // Sev2
  seed('odd-bucket', 'S3.9', 'platform', '2026-11-24T00:00:00.000Z', '<!channel> <http://evil.example|x> & co'); // Sev3
  seed('data-lake', 'S3.8', 'data', '2026-11-25T10:00:00.000Z'); // Sev1, not overdue
  await bot.bot.scan();
  offline = bot;
  return bot;
}

afterEach(async () => {
  await offline?.close();
  offline = undefined;
});

function home(bot: OfflineBot, user: string): types.HomeView {
  const published = bot.slack.homes.get(user);
  if (!published) throw new Error(`no Home tab was published for ${user}`);
  return published.view as unknown as types.HomeView;
}

function shown(view: types.HomeView): string {
  return JSON.stringify(view.blocks);
}

describe('App Home through the real receiver', () => {
  it('publishes the viewer\'s Home tab on app_home_opened: waiting decisions first, then channels', async () => {
    const bot = await start();
    const response = await openAppHome(bot, ana.id);
    expect(response.status).toBe(200);
    await vi.waitFor(() => expect(bot.slack.homes.has(ana.id)).toBe(true));
    expect(bot.slack.callsTo('views.publish').map((c) => c.args['user_id'])).toEqual([ana.id]);

    const view = home(bot, ana.id);
    expect(view.type).toBe('home');
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    const text = shown(view);
    // No approvers in the policy: anyone may decide, so every waiting card is the viewer's.
    expect(text).toContain('Waiting for your decision (4)');
    expect(text.indexOf('customer-exports')).toBeLessThan(text.indexOf('data-lake')); // overdue first
    expect(text.indexOf('data-lake')).toBeLessThan(text.indexOf('billing-reports')); // then by severity
    expect(text).toContain('overdue by 4 d 4 h');
    expect(text).toContain(`card in <#${platform}>`);
    expect(text).toContain('Open findings by channel');
    expect(text).toContain(`<#${platform}>: *3 open* · Sev1 1 · Sev2 1 · Sev3 1 · :warning: 1 overdue`);
    expect(text).toContain(`<#${data}>: *1 open* · Sev1 1 · Sev2 0 · Sev3 0`);
    expect(text.indexOf(`<#${platform}>: *3 open*`)).toBeLessThan(text.indexOf(`<#${data}>: *1 open*`));
    expect(text).toContain('&lt;!channel&gt; &lt;http://evil.example|x&gt; &amp; co');
    expect(text).not.toContain('<!channel>');
  });

  it('refreshes on every open', async () => {
    const bot = await start();
    await openAppHome(bot, ana.id);
    await vi.waitFor(() => expect(bot.slack.homes.has(ana.id)).toBe(true));
    const first = bot.slack.homes.get(ana.id)!;
    expect(shown(first.view as unknown as types.HomeView)).toContain('customer-exports');

    const card = bot.slack.messages(platform).find((m) => JSON.stringify(m.blocks).includes(ids['customer-exports']!))!;
    await bot.click({ actionId: actionIds.approve, value: ids['customer-exports']!, channel: platform, messageTs: card.ts, user: ana });
    await bot.bot.background.idle();
    await openAppHome(bot, ana.id);
    await vi.waitFor(() => expect(bot.slack.callsTo('views.publish')).toHaveLength(2));
    const second = bot.slack.homes.get(ana.id)!;
    expect(second.id).toBe(first.id);
    const text = shown(second.view as unknown as types.HomeView);
    expect(text).toContain('Waiting for your decision (3)');
    expect(text).not.toContain('customer-exports');
    expect(text).toContain('MTTR (30 d): 0 min over 1 verified fix');
  });

  it("shows only the viewer's teams' findings and the decisions the policy lets them take; security sees every team", async () => {
    const policy = parsePolicy(`teams:\n  platform: { channel: ${platform}, approvers: { users: [${ben}] } }\napprovals:\n  security: { users: [${sec}] }\n`);
    const bot = await start(policy);
    for (const user of [ana.id, ben, sec]) await openAppHome(bot, user);
    await vi.waitFor(() => expect(bot.slack.homes.size).toBe(3));

    const anaText = shown(home(bot, ana.id));
    expect(anaText).toContain('*0 open*');
    expect(anaText).toContain('Waiting for your decision (0)');
    expect(anaText).toContain('Nothing is waiting for your decision.');
    expect(anaText).toContain('You approve for no team, so no findings are listed here.');
    expect(anaText).not.toContain('No open findings'); // not "all clear" for someone who sees none
    expect(anaText).not.toContain('customer-exports');
    expect(anaText).not.toContain('someone else');

    const benText = shown(home(bot, ben));
    expect(benText).toContain('*3 open*');
    expect(benText).toContain('Waiting for your decision (3)');
    expect(benText).toContain('Your team: `platform`.');
    expect(benText).toContain(`<#${platform}>: *3 open*`);
    expect(benText).not.toContain('data-lake');
    expect(benText).not.toContain(`<#${data}>`);
    expect(benText).not.toContain('someone else');

    const secText = shown(home(bot, sec));
    expect(secText).toContain('Waiting for your decision (4)');
    expect(secText).toContain(`<#${data}>: *1 open*`);
    expect(secText).not.toContain('Your team');
  });

  it("scopes by user group membership, and leaves a four-eyes fix's second approval to someone else", async () => {
    const dan = 'U0DAN00001';
    const policy = parsePolicy(
      [
        'teams:',
        `  platform: { channel: ${platform}, approvers: { usergroup: S0PLATFORM } }`,
        `  data: { channel: ${data}, approvers: { users: [${dan}] } }`,
        'approvals:',
        `  security: { users: [${sec}] }`,
        '  fourEyes: { severities: [sev1] }',
        '',
      ].join('\n'),
    );
    const bot = await start(policy);
    bot.slack.addUsergroup('S0PLATFORM', [ana.id, ben]);
    const card = bot.slack.messages(platform).find((m) => JSON.stringify(m.blocks).includes(ids['customer-exports']!))!;
    await bot.click({ actionId: actionIds.approve, value: ids['customer-exports']!, channel: platform, messageTs: card.ts, user: ana });
    await bot.bot.background.idle();
    expect(bot.bot.services.findings.get(ids['customer-exports']!)?.status).toBe('awaiting_second');

    for (const user of [ana.id, ben, dan]) await openAppHome(bot, user);
    await vi.waitFor(() => expect(bot.slack.homes.size).toBe(3));

    const anaText = shown(home(bot, ana.id));
    expect(anaText).toContain('Waiting for your decision (2)');
    expect(anaText).toContain("1 other card waits for someone else's decision.");
    expect(anaText).toContain('Your team: `platform`.');
    expect(anaText).toContain(`<#${platform}>: *3 open*`);
    expect(anaText).not.toContain('data-lake');

    const benText = shown(home(bot, ben));
    expect(benText).toContain('Waiting for your decision (3)');
    expect(benText).toContain('customer-exports');
    expect(benText.indexOf('customer-exports')).toBeLessThan(benText.indexOf('Open findings by channel'));

    const danText = shown(home(bot, dan));
    expect(danText).toContain('Waiting for your decision (1)');
    expect(danText).toContain('data-lake');
    expect(danText).toContain('Your team: `data`.');
    expect(danText).not.toContain('customer-exports');
  });

  it('still opens, unscoped and saying so, when the user groups cannot be read', async () => {
    const policy = parsePolicy(`teams:\n  platform: { channel: ${platform}, approvers: { usergroup: S0PLATFORM } }\n`);
    const bot = await start(policy);
    bot.slack.failNext('usergroups.users.list', { error: 'missing_scope' });
    await openAppHome(bot, ana.id);
    await vi.waitFor(() => expect(bot.slack.homes.has(ana.id)).toBe(true));
    const text = shown(home(bot, ana.id));
    expect(text).toContain('Waiting for a decision (4)');
    expect(text).toContain('Who may approve could not be checked just now');
    expect(text).not.toContain('Your team');
  });

  it('publishes nothing when the Messages tab is opened', async () => {
    const bot = await start();
    const response = await openAppHome(bot, ana.id, 'messages');
    expect(response.status).toBe(200);
    await bot.bot.background.idle();
    expect(bot.slack.callsTo('views.publish')).toEqual([]);
  });
});

describe('buildHomeView', () => {
  function finding(i: number, overrides: Partial<OpenFinding> = {}): OpenFinding {
    const channel = `C0CHAN${String(i % 80).padStart(5, '0')}`;
    return {
      id: `f${i}`,
      control: 'S3.8',
      title: 'S3 general purpose buckets should block public access',
      account: '111111111111',
      resourceType: 'AwsS3Bucket',
      resourceId: `arn:aws:s3:::bucket-${i}-${'x'.repeat(100)}`,
      severity: (['sev1', 'sev2', 'sev3'] as const)[i % 3]!,
      status: 'open',
      dueAt: new Date(now.getTime() + (i - 50) * 3_600_000).toISOString(),
      channel,
      card: { channel, ts: `1700000000.${String(i).padStart(6, '0')}` },
      ...overrides,
    };
  }

  const many: StatusSnapshot = {
    open: Array.from({ length: 300 }, (_, i) => finding(i)),
    mttr: { fixes: 2, meanMs: 7_200_000 },
    exceptions: Array.from({ length: 60 }, (_, i) => ({
      findingId: `e${i}`,
      control: 'S3.4',
      title: 'encryption',
      account: '111111111111',
      resourceId: `arn:aws:s3:::excepted-${i}`,
      channel: platform,
      severity: 'sev2' as const,
      justification: 'vendor',
      compensatingControl: null,
      expiresAt: new Date(now.getTime() + (i + 1) * 3_600_000).toISOString(),
      requestedBy: ben,
      grantedBy: { id: sec, name: null },
      grantedAt: '2026-11-20T00:00:00.000Z',
    })),
  };

  it('stays within 100 blocks and Block Kit text limits, cutting long lists', () => {
    const view = buildHomeView(many, now, null);
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    for (const block of view.blocks) {
      const text = 'text' in block && typeof block.text === 'object' && block.text !== null && 'text' in block.text ? String(block.text.text) : '';
      expect(text.length).toBeLessThanOrEqual(block.type === 'header' ? 150 : 3000);
    }
    const text = shown(view);
    expect(text).toContain('Waiting for a decision (300)');
    expect(text).toContain('…and 270 more: `/soc2 status` lists them all.');
    expect(text).toContain('…and 40 more channels');
    expect(text).toContain('Who may approve could not be checked just now');
    expect(text).toMatch(/…and \d+ more: see `\/soc2 exceptions`/);
  });

  it('leaves out findings without a card and those being fixed from the waiting list', () => {
    const view = buildHomeView(
      { ...many, open: [finding(1, { status: 'fixing' }), finding(2, { card: null }), finding(3, { status: 'fix_failed' })], exceptions: [] },
      now,
      { mine: new Set(['f1', 'f2', 'f3']), teams: null },
    );
    const text = shown(view);
    expect(text).toContain('Waiting for your decision (1)');
    expect(text).toContain('_fix failed_');
    expect(text).toContain('1 being fixed');
  });
});
