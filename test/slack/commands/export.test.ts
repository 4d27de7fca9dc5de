import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/app/logger.js';
import { parsePolicy } from '../../../src/config/policy.js';
import { buildControlFinding } from '../../../src/sim/aws-account.js';
import { startOfflineBot, type OfflineBot } from '../../../src/sim/offline-bot.js';
import { runSoc2 } from '../../helpers/slack-requests.js';

const platform = 'C0PLATFORM01';
const sec = { id: 'U0SEC00001', name: 'sec' }; // named in approvals.security
const carol = { id: 'U0CAROL001', name: 'carol' }; // in the security user group
const ben = { id: 'U0BEN00001', name: 'ben' }; // neither

let offline: OfflineBot;
let now: Date;

async function start(policyYaml: string) {
  now = new Date('2026-10-10T12:00:00.000Z');
  offline = await startOfflineBot({
    databasePath: join(mkdtempSync(join(tmpdir(), 'soc2-export-')), 'evidence.sqlite'),
    routing: { fallbackChannel: 'C0SECURITY01', tagKeys: ['owner'], owners: { platform }, accounts: {} },
    policy: parsePolicy(policyYaml),
    log: createLogger('silent'),
    clock: { now: () => now },
    awsMaxAttempts: 1,
  });
  offline.slack.addUsergroup('S0SECURITY', [carol.id]);
  // One finding detected in October, one in November: the window decides which an export holds.
  await detect('october-bucket', '2026-10-10T12:00:00.000Z');
  await detect('november-bucket', '2026-11-20T12:00:00.000Z');
  now = new Date('2026-11-25T12:00:00.000Z');
}

async function detect(bucket: string, at: string) {
  now = new Date(at);
  offline.aws.addBucket(bucket, { region: 'us-east-1', publicAccessBlock: null });
  offline.aws.addFinding(buildControlFinding({ control: 'S3.8', resourceId: `arn:aws:s3:::${bucket}`, accountId: '111111111111', tags: { owner: 'platform' }, createdAt: at }));
  await offline.bot.scan();
}

const exportEvents = () => offline.bot.services.evidence.all().filter((e) => e.kind.startsWith('export.'));

afterEach(async () => {
  await offline.close();
});

describe('/soc2 export by a security approver', () => {
  beforeEach(async () => {
    await start('approvals:\n  security: { usergroup: S0SECURITY, users: [U0SEC00001] }\n');
  });

  it('acknowledges at once, then uploads the HTML export of the window to the channel and records it', async () => {
    const result = await runSoc2(offline, 'export 2026-10-01 2026-10-31', { user: sec, channel: platform });
    expect(result.status).toBe(200);
    expect(result.ack).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('Preparing the evidence export for 2026-10-01 to 2026-10-31') });

    const [file, ...others] = offline.slack.files(platform);
    expect(others).toEqual([]);
    expect(file).toMatchObject({ name: 'soc2-evidence-2026-10-01-to-2026-10-31.html', title: 'SOC 2 evidence 2026-10-01 to 2026-10-31', threadTs: null });
    const html = file!.bytes.toString('utf8');
    expect(html).toContain('SOC 2 remediation evidence, 2026-10-01 to 2026-10-31');
    expect(html).toContain('october-bucket');
    expect(html).not.toContain('november-bucket'); // detected after the window
    // The three steps of Slack's external upload flow, in order.
    expect(offline.slack.calls.map((c) => c.method).filter((m) => m.startsWith('files.') || m === 'upload_url')).toEqual([
      'files.getUploadURLExternal',
      'upload_url',
      'files.completeUploadExternal',
    ]);
    expect(offline.slack.callsTo('files.getUploadURLExternal')[0]?.args).toMatchObject({ filename: file!.name, length: String(file!.bytes.length) });

    const [shared, ...more] = exportEvents();
    expect(more).toEqual([]);
    expect(shared).toMatchObject({ kind: 'export.shared', findingId: null, actor: { type: 'slack_user', id: sec.id } });
    expect(shared?.data).toMatchObject({
      window: { from: '2026-10-01', to: '2026-10-31', start: '2026-10-01T00:00:00.000Z', end: '2026-11-01T00:00:00.000Z' },
      format: 'html',
      fileName: file!.name,
      sha256: createHash('sha256').update(file!.bytes).digest('hex'),
      bytes: file!.bytes.length,
      channel: platform,
      threadTs: null,
      digestWeek: null,
      verification: { sound: true, firstBreakSeq: null },
    });
    // The finding's one lifecycle event (its detection): card posts are not lifecycle evidence.
    const events = shared?.data['events'];
    expect(events).toBe(1);
    expect(file!.initialComment).toContain('2026-10-01 to 2026-10-31 (UTC, both days inclusive)');
    expect(file!.initialComment).toContain('1 evidence event covering 1 finding.');
    expect(file!.initialComment).toContain('Evidence chain verified');
    expect(file!.initialComment).toContain(`requested by <@${sec.id}>`);
    expect(result.replies.map((r) => r.text)).toEqual([expect.stringContaining(`Shared \`${file!.name}\` in this channel: 1 evidence event, the evidence chain verified`)]);
  });

  it('takes the format and a security user group member, and covers both findings in November', async () => {
    await runSoc2(offline, 'export 2026-11-01 2026-11-25 csv', { user: carol, channel: platform });
    const [file] = offline.slack.files(platform);
    expect(file?.name).toBe('soc2-evidence-2026-11-01-to-2026-11-25.csv');
    const csv = file!.bytes.toString('utf8');
    expect(csv).toContain('october-bucket'); // still open in November
    expect(csv).toContain('november-bucket');
    expect(exportEvents().map((e) => [e.kind, e.actor.id])).toEqual([['export.shared', carol.id]]);
  });

  it('tells the requester why when Slack refuses to share the file, and records the failure', async () => {
    offline.slack.failNext('files.completeUploadExternal', { error: 'not_in_channel' });
    const result = await runSoc2(offline, 'export 2026-10-01 2026-10-31', { user: sec, channel: platform });
    expect(offline.slack.files()).toEqual([]);
    expect(result.replies.map((r) => r.text)).toEqual([expect.stringMatching(/could not be shared: .*not_in_channel/)]);
    expect(exportEvents().map((e) => e.kind)).toEqual(['export.failed']);
    expect(exportEvents()[0]?.data).toMatchObject({ channel: platform, error: expect.stringContaining('not_in_channel'), digestWeek: null });
  });

  it('reports a failed byte upload too', async () => {
    offline.slack.failNext('upload_url', { status: 500 });
    const result = await runSoc2(offline, 'export 2026-10-01 2026-10-31', { user: sec, channel: platform });
    expect(result.replies[0]?.text).toContain('could not be shared: the file upload answered HTTP 500');
    expect(offline.slack.callsTo('files.completeUploadExternal')).toEqual([]);
    expect(exportEvents().map((e) => e.kind)).toEqual(['export.failed']);
  });

  it('answers bad arguments with the help text saying what was wrong, and exports nothing', async () => {
    for (const [text, expected] of [
      ['export 2026-10-31 2026-10-01', 'The window ends before it starts: 2026-10-01 is before: `2026-10-31`'],
      ['export 2026-10-01 2026-13-01', 'Not a date YYYY-MM-DD: `2026-13-01`'],
      ['export 2026-11-01 2026-11-30', 'The window reaches into the future (today is 2026-11-25 UTC): `2026-11-30`'],
      ['export 2024-01-01 2026-01-01', 'An export covers at most 366 days; this window has 732'],
      ['export 2026-10-01 2026-10-31 pdf', 'Not an export format (csv, json, html): `pdf`'],
    ] as const) {
      const result = await runSoc2(offline, text, { user: sec, channel: platform });
      expect(result.ack?.response_type).toBe('ephemeral');
      expect(JSON.stringify(result.ack?.blocks)).toContain(expected);
      expect(JSON.stringify(result.ack?.blocks)).toContain('/soc2 export <from> <to> [html|csv|json]');
      expect(result.replies).toEqual([]);
    }
    expect(offline.slack.callsTo('files.getUploadURLExternal')).toEqual([]);
    expect(exportEvents()).toEqual([]);
  });
});

describe('/soc2 export by anyone else', () => {
  it('is refused, told who may export, and the attempt is evidence', async () => {
    await start('approvals:\n  security: { usergroup: S0SECURITY, users: [U0SEC00001] }\n');
    const result = await runSoc2(offline, 'export 2026-10-01 2026-10-31', { user: ben, channel: platform });
    expect(offline.slack.files()).toEqual([]);
    expect(offline.slack.callsTo('files.getUploadURLExternal')).toEqual([]);
    const told = result.replies[0]?.text ?? '';
    expect(told).toContain('only for security approvers');
    expect(told).toContain('<!subteam^S0SECURITY>');
    expect(told).toContain(`<@${sec.id}>`);
    expect(exportEvents().map((e) => ({ kind: e.kind, actor: e.actor.id, data: e.data }))).toEqual([
      {
        kind: 'export.refused',
        actor: ben.id,
        data: {
          window: { from: '2026-10-01', to: '2026-10-31', start: '2026-10-01T00:00:00.000Z', end: '2026-11-01T00:00:00.000Z' },
          format: 'html',
          channel: platform,
          reason: expect.stringContaining('not a security approver'),
        },
      },
    ]);
  });

  it('is refused to everyone when the policy names no security approvers', async () => {
    await start('teams:\n  platform: { channel: C0PLATFORM01, approvers: { users: [U0BEN00001] } }\n');
    const result = await runSoc2(offline, 'export 2026-10-01 2026-10-31', { user: ben, channel: platform });
    expect(result.replies[0]?.text).toContain('nobody: the policy names no security approvers (approvals.security)');
    expect(offline.slack.files()).toEqual([]);
    expect(exportEvents().map((e) => e.kind)).toEqual(['export.refused']);
  });
});
