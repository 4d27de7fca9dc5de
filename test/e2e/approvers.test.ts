import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import { parsePolicy } from '../../src/config/policy.js';
import { actionIds } from '../../src/slack/cards.js';
import { buildControlFinding } from '../../src/sim/aws-account.js';
import { startOfflineBot, type OfflineBot } from '../../src/sim/offline-bot.js';

const channel = 'C0PLATFORM01';
const ana = { id: 'U0ANA00001', name: 'ana' }; // platform team
const ben = { id: 'U0BEN00001', name: 'ben' }; // not an approver
const sec = { id: 'U0SEC00001', name: 'sec' }; // security
let offline: OfflineBot;

async function start(policyYaml: string) {
  offline = await startOfflineBot({
    databasePath: join(mkdtempSync(join(tmpdir(), 'soc2-bot-approvers-')), 'e.sqlite'),
    routing: { fallbackChannel: 'C0SECURITY01', tagKeys: ['owner'], owners: { platform: channel }, accounts: {} },
    policy: parsePolicy(policyYaml),
    log: createLogger('silent'),
    awsMaxAttempts: 1,
  });
  offline.slack.addUsergroup('S0PLATFORM', [ana.id]);
  offline.aws.addBucket('customer-exports', { region: 'us-east-1', publicAccessBlock: null });
  const asff = buildControlFinding({ control: 'S3.8', resourceId: 'arn:aws:s3:::customer-exports', accountId: '111111111111', tags: { owner: 'platform' } });
  offline.aws.addFinding(asff);
  await offline.bot.scan();
  const card = offline.slack.messages(channel)[0]!;
  const click = async (user: { id: string; name: string }) => {
    await offline.click({ actionId: actionIds.approve, value: asff.Id!, channel, messageTs: card.ts, user });
    await offline.bot.background.idle();
  };
  return { findingId: asff.Id!, card, click };
}

const kinds = (findingId: string) => offline.bot.services.evidence.forFinding(findingId).map((e) => e.kind);
const puts = () => offline.aws.callsTo('s3', 'PutPublicAccessBlock').length;

afterEach(async () => {
  await offline.close();
});

describe('who may approve', () => {
  const policy = `
teams:
  platform: { channel: ${channel}, approvers: { usergroup: S0PLATFORM } }
approvals:
  security: { users: [U0SEC00001] }
`;

  it('refuses someone outside the owning team and security, says who can approve, and records the refusal', async () => {
    const { findingId, click } = await start(policy);
    await click(ben);
    expect(puts()).toBe(0);
    expect(offline.slack.ephemerals.at(-1)).toMatchObject({ user: ben.id });
    expect(offline.slack.ephemerals.at(-1)?.text).toContain('<!subteam^S0PLATFORM>');
    expect(offline.slack.ephemerals.at(-1)?.text).toContain('<@U0SEC00001>');
    expect(kinds(findingId)).toContain('approval.refused');
    expect(kinds(findingId)).not.toContain('decision.approved');
  });

  it('lets a member of the owning team\'s user group approve', async () => {
    const { click } = await start(policy);
    await click(ana);
    expect(puts()).toBe(1);
    expect(offline.aws.bucket('customer-exports')?.publicAccessBlock?.BlockPublicPolicy).toBe(true);
  });

  it('lets security approve any team\'s finding', async () => {
    const { click } = await start(policy);
    await click(sec);
    expect(puts()).toBe(1);
  });
});

describe('four-eyes', () => {
  const policy = `
teams:
  platform: { channel: ${channel}, approvers: { usergroup: S0PLATFORM } }
approvals:
  security: { users: [U0SEC00001] }
  fourEyes: { severities: [sev1] }
`;

  it('shows "1 of 2", refuses the same person twice, and fixes on a different second approver', async () => {
    const { findingId, card, click } = await start(policy);
    await click(ana);
    expect(puts()).toBe(0);
    expect(JSON.stringify(offline.slack.message(channel, card.ts)!.blocks)).toContain('1 of 2 approvals');
    expect(offline.bot.services.findings.get(findingId)?.status).toBe('awaiting_second');

    await click(ana);
    expect(puts()).toBe(0);
    expect(offline.slack.ephemerals.at(-1)?.text).toContain('second, different approver');

    await click(sec);
    expect(puts()).toBe(1);
    const approvals = offline.bot.services.evidence.forFinding(findingId).filter((e) => e.kind === 'decision.approved');
    expect(approvals.map((e) => [e.actor.id, e.data['approval']])).toEqual([
      [ana.id, { n: 1, of: 2 }],
      [sec.id, { n: 2, of: 2 }],
    ]);
    expect(JSON.stringify(offline.slack.message(channel, card.ts)!.blocks)).toContain('Fixed.');
  });
});
