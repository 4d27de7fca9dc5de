import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/app/logger.js';
import { actionIds } from '../../../src/slack/cards.js';
import { buildControlFinding } from '../../../src/sim/aws-account.js';
import { startOfflineBot, type OfflineBot } from '../../../src/sim/offline-bot.js';
import { runSoc2, sendSoc2 } from '../../helpers/slack-requests.js';

const platform = 'C0PLATFORM01';
const data = 'C0DATA00001';
const ana = { id: 'U0ANA00001', name: 'ana' };
const hour = 60 * 60 * 1000;

let offline: OfflineBot;
let now: Date;
const ids: Record<string, string> = {};

function seed(name: string, options: { control: string; account: string; createdAt: string; owner?: string; title?: string }) {
  offline.aws.addBucket(name, { region: 'us-east-1', publicAccessBlock: null });
  const asff = buildControlFinding({
    control: options.control,
    resourceId: `arn:aws:s3:::${name}`,
    accountId: options.account,
    createdAt: options.createdAt,
    ...(options.title ? { title: options.title } : {}),
    ...(options.owner ? { tags: { owner: options.owner } } : {}),
  });
  offline.aws.addFinding(asff);
  ids[name] = asff.Id!;
}

/** The text Slack would show: every section, context and field of every block. */
function shown(blocks: unknown[] | undefined): string {
  return JSON.stringify(blocks ?? []);
}

beforeEach(async () => {
  now = new Date('2026-11-25T12:00:00.000Z');
  offline = await startOfflineBot({
    databasePath: join(mkdtempSync(join(tmpdir(), 'soc2-command-')), 'evidence.sqlite'),
    routing: {
      fallbackChannel: 'C0SECURITY01',
      tagKeys: ['owner'],
      owners: { platform, data },
      accounts: { '222222222222': data },
    },
    log: createLogger('silent'),
    clock: { now: () => now },
    awsMaxAttempts: 1,
  });
  // Copilot controls, so nothing is fixed without a click: S3.8 is Sev1 (24 h), S3.5 Sev2 (14 days), S3.9 Sev3 (90 days), from first seen.
  seed('customer-exports', { control: 'S3.8', account: '111111111111', owner: 'platform', createdAt: '2026-11-20T08:00:00.000Z' });
  seed('billing-reports', { control: 'S3.5', account: '111111111111', owner: 'platform', createdAt: '2026-11-24T12:00:00.000Z' });
  seed('data-lake', { control: 'S3.9', account: '222222222222', createdAt: '2026-11-01T00:00:00.000Z' });
  seed('odd-bucket', {
    control: 'S3.9',
    account: '111111111111',
    owner: 'platform',
    createdAt: '2026-11-24T00:00:00.000Z',
    title: '<!channel> <http://evil.example|click here> & win',
  });
});

afterEach(async () => {
  await offline.close();
});

describe('/soc2 help and mistakes', () => {
  it('answers help in the acknowledgement, ephemerally, listing subcommands and teams', async () => {
    const result = await runSoc2(offline, 'help');
    expect(result.status).toBe(200);
    expect(result.ack?.response_type).toBe('ephemeral');
    const text = shown(result.ack?.blocks);
    for (const expected of ['/soc2 status', '/soc2 exceptions', '/soc2 scan', '/soc2 help', '`platform`, `data`']) {
      expect(text).toContain(expected);
    }
    expect(result.replies).toEqual([]);
  });

  it('answers an unknown subcommand with the help text and what was wrong', async () => {
    const result = await runSoc2(offline, 'frobnicate <!channel>');
    expect(result.status).toBe(200);
    expect(result.ack?.response_type).toBe('ephemeral');
    const text = shown(result.ack?.blocks);
    expect(text).toContain('Unknown subcommand: `frobnicate`');
    expect(text).toContain('/soc2 exceptions');
    expect(text).not.toContain('<!channel>');
  });

  it('answers an unknown filter or a stray argument with what was wrong', async () => {
    expect(shown((await runSoc2(offline, 'status marketing')).ack?.blocks)).toContain('a team from the policy file: `marketing`');
    expect(shown((await runSoc2(offline, 'scan please')).ack?.blocks)).toContain('takes no arguments; got: `please`');
  });
});

describe('/soc2 status', () => {
  beforeEach(async () => {
    await offline.bot.scan();
  });

  it('acknowledges at once, then replies ephemerally: by severity, overdue first, due dates, channels', async () => {
    const result = await runSoc2(offline, 'status');
    expect(result.status).toBe(200);
    expect(result.ack).toBeNull();
    expect(result.replies).toHaveLength(1);
    const reply = result.replies[0]!;
    const text = shown(reply.blocks);
    expect(reply.text).toBe('4 open SOC 2 findings, 1 overdue');
    expect(text).toContain('Open SOC 2 findings: everything');
    expect(text).toContain('1 overdue');
    expect(text).toContain('customer-exports');
    expect(text).toContain('*overdue by 4 d 4 h*');
    expect(text.indexOf('customer-exports')).toBeLessThan(text.indexOf('billing-reports'));
    expect(text.indexOf('billing-reports')).toBeLessThan(text.indexOf('data-lake'));
    expect(text).toContain(`<#${data}>`);
    expect(text).toContain('MTTR (30 d): no verified fixes yet');
    // AWS text is escaped: no @channel, no link.
    expect(text).toContain('&lt;!channel&gt; &lt;http://evil.example|click here&gt; &amp; win');
    expect(text).not.toContain('<!channel>');
  });

  it('filters by team, severity and account', async () => {
    const team = shown((await runSoc2(offline, 'status platform')).replies[0]?.blocks);
    expect(team).toContain('team `platform`');
    expect(team).toContain('customer-exports');
    expect(team).toContain('billing-reports');
    expect(team).not.toContain('data-lake');

    const sev2 = shown((await runSoc2(offline, 'status SEV2')).replies[0]?.blocks);
    expect(sev2).toContain('billing-reports');
    expect(sev2).not.toContain('customer-exports');

    const account = shown((await runSoc2(offline, 'status 222222222222')).replies[0]?.blocks);
    expect(account).toContain('data-lake');
    expect(account).not.toContain('billing-reports');

    const none = shown((await runSoc2(offline, 'status 333333333333')).replies[0]?.blocks);
    expect(none).toContain('No open findings');
  });

  it('reports MTTR from first sighting to verified fix once a fix is approved', async () => {
    const card = offline.slack.messages(platform).find((m) => JSON.stringify(m.blocks).includes(ids['customer-exports']!))!;
    now = new Date(now.getTime() + 3 * hour);
    await offline.click({ actionId: actionIds.approve, value: ids['customer-exports']!, channel: platform, messageTs: card.ts, user: ana });
    await offline.bot.background.idle();

    const text = shown((await runSoc2(offline, 'status')).replies[0]?.blocks);
    expect(text).toContain('MTTR (30 d): 3 h over 1 verified fix');
    expect(text).not.toContain('customer-exports');
  });

  it('lists exceptions expiring within 14 days', async () => {
    offline.bot.services.evidence.append('exception.granted', ids['billing-reports']!, { type: 'slack_user', id: 'U0SEC00001', name: 'sec' }, {
      requestedBy: ana.id,
      justification: 'reports bucket is re-created next week',
      expiresAt: '2026-12-02T00:00:00.000Z',
      compensatingControl: null,
    });
    const text = shown((await runSoc2(offline, 'status')).replies[0]?.blocks);
    expect(text).toContain('1 exception expiring within 14 days');
    expect(text).toContain('Exceptions expiring within 14 days');
  });
});

describe('/soc2 exceptions', () => {
  it('says there are none', async () => {
    const result = await runSoc2(offline, 'exceptions');
    expect(result.ack).toBeNull();
    expect(result.replies[0]?.text).toBe('No active exceptions.');
  });

  it('lists active exceptions with owner, justification and expiry, soonest first; expired ones are gone', async () => {
    await offline.bot.scan();
    const grant = (bucket: string, expiresAt: string, justification: string) =>
      offline.bot.services.evidence.append('exception.granted', ids[bucket]!, { type: 'slack_user', id: 'U0SEC00001', name: 'sec' }, {
        requestedBy: ana.id,
        justification,
        expiresAt,
        compensatingControl: null,
      });
    grant('data-lake', '2027-02-01T00:00:00.000Z', 'lake access logging lands with the Q1 rebuild');
    grant('billing-reports', '2026-12-02T00:00:00.000Z', 'bucket <!here> is re-created next week');
    grant('odd-bucket', '2026-11-25T11:00:00.000Z', 'already over');

    const reply = (await runSoc2(offline, 'exceptions')).replies[0]!;
    const text = shown(reply.blocks);
    expect(reply.text).toBe('2 active exceptions');
    expect(text).toContain('Active exceptions (2)');
    expect(text.indexOf('billing-reports')).toBeLessThan(text.indexOf('data-lake'));
    expect(text).toContain('requested by <@U0ANA00001>');
    expect(text).toContain('granted by <@U0SEC00001>');
    expect(text).toContain('bucket &lt;!here&gt; is re-created next week');
    expect(text).toContain(`<#${platform}>`);
    expect(text).not.toContain('already over');
  });
});

/** Holds every Security Hub call until released, so a scan is deterministically still running. */
function holdSecurityHub(): () => void {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  offline.bot.services.aws.securityHub('us-east-1').middlewareStack.add(
    (next) => async (args) => {
      await gate;
      return next(args);
    },
    { step: 'initialize', name: 'holdSecurityHubForTest' },
  );
  return release;
}

describe('/soc2 scan', () => {
  it('acknowledges before the scan finishes, then reports what it found', async () => {
    const release = holdSecurityHub();
    const sent = await sendSoc2(offline, 'scan');
    expect(sent.status).toBe(200);
    expect(sent.ack?.response_type).toBe('ephemeral');
    expect(sent.ack?.text).toContain('Scanning Security Hub now');
    expect(offline.slack.ephemerals).toEqual([]); // the scan is still held
    release();
    await offline.bot.background.idle();
    expect(offline.slack.ephemerals.map((e) => e.text)).toEqual(['Scan finished: 4 new, 0 recurred, 4 cards posted, 0 rejected.']);
    expect(offline.slack.messages(platform)).toHaveLength(3);

    const bad = buildControlFinding({ control: 'S3.8', resourceId: 'arn:aws:s3:::broken', accountId: '111111111111', updatedAt: '2026-11-25T11:00:00.000Z' });
    offline.aws.addFinding({ ...bad, Resources: [] });
    seed('new-bucket', { control: 'S3.8', account: '111111111111', owner: 'platform', createdAt: '2026-11-25T11:00:00.000Z' });
    const again = await runSoc2(offline, 'scan');
    expect(again.replies[0]?.text).toBe('Scan finished: 1 new, 0 recurred, 1 card posted, 1 rejected.');
  });

  it('says so when a scan is already running, and reports that scan', async () => {
    const release = holdSecurityHub();
    const running = offline.bot.scan();
    const sent = await sendSoc2(offline, 'scan');
    expect(sent.ack?.text).toContain('already running');
    release();
    await running;
    await offline.bot.background.idle();
    const reply = offline.slack.ephemerals.at(-1);
    expect(reply?.text).toBe('Scan finished: 4 new, 0 recurred, 4 cards posted, 0 rejected.');
    expect(shown(reply?.blocks)).toContain('a scan was already running when you asked');
    // One pass, not two: every finding was carded once.
    expect(offline.slack.messages()).toHaveLength(4);
    expect(offline.aws.callsTo('securityhub', 'GetFindings')).toHaveLength(1);
  });

  it('tells the user when the scan fails', async () => {
    offline.aws.failNext('securityhub', 'GetFindings', { status: 403, code: 'AccessDeniedException', message: 'not allowed <@U0EVIL>' });
    const result = await runSoc2(offline, 'scan');
    const text = result.replies[0]?.text ?? '';
    expect(text).toContain('could not finish `/soc2 scan`');
    expect(text).toContain('not allowed &lt;@U0EVIL&gt;');
  });
});
