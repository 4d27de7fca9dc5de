import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import { parsePolicy } from '../../src/config/policy.js';
import { expireExceptions } from '../../src/decisions/exception.js';
import { actionIds } from '../../src/slack/cards.js';
import { escalationCallbackId } from '../../src/slack/modals/escalation-modal.js';
import { exceptionBlocks, exceptionCallbackId } from '../../src/slack/modals/exception-modal.js';
import { buildControlFinding } from '../../src/sim/aws-account.js';
import { startOfflineBot, type OfflineBot } from '../../src/sim/offline-bot.js';

const channel = 'C0PLATFORM01';
const ana = { id: 'U0ANA00001', name: 'ana' };
const sec = { id: 'U0SEC00001', name: 'sec' };
let offline: OfflineBot;
let now = new Date('2026-11-25T10:00:00.000Z');

async function start(policyYaml: string) {
  now = new Date('2026-11-25T10:00:00.000Z');
  offline = await startOfflineBot({
    databasePath: join(mkdtempSync(join(tmpdir(), 'soc2-bot-exc-')), 'e.sqlite'),
    routing: { fallbackChannel: 'C0SECURITY01', tagKeys: ['owner'], owners: { platform: channel }, accounts: {} },
    policy: parsePolicy(policyYaml),
    log: createLogger('silent'),
    awsMaxAttempts: 1,
    clock: { now: () => now },
  });
  offline.slack.addUsergroup('S0PLATFORM', [ana.id]);
  offline.aws.addBucket('legacy-site', { region: 'us-east-1', publicAccessBlock: null });
  const asff = buildControlFinding({ control: 'S3.8', resourceId: 'arn:aws:s3:::legacy-site', accountId: '111111111111', tags: { owner: 'platform' } });
  offline.aws.addFinding(asff);
  await offline.bot.scan();
  const card = offline.slack.messages(channel)[0]!;
  const findingId = asff.Id!;
  const metadata = JSON.stringify({ findingId, channel, ts: card.ts });
  const submitException = async (user: { id: string; name: string }, justification: string, expiry: string, approver?: string) => {
    const response = await offline.submitView({
      user,
      callbackId: exceptionCallbackId,
      privateMetadata: metadata,
      values: {
        [exceptionBlocks.justification]: { type: 'plain_text_input', value: justification },
        [exceptionBlocks.expiry]: { type: 'datepicker', value: expiry },
        [exceptionBlocks.compensating]: { type: 'plain_text_input', value: 'CloudFront in front, bucket policy limits to OAC' },
        ...(approver ? { [exceptionBlocks.approver]: { type: 'users_select' as const, value: approver } } : {}),
      },
    });
    await offline.bot.background.idle();
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as { response_action?: string; errors?: Record<string, string> }) : {} };
  };
  const cardText = () => JSON.stringify(offline.slack.message(channel, card.ts)!.blocks);
  return { findingId, card, submitException, cardText };
}

const justification = 'The legacy marketing site is served from this bucket until the CDN migration ships next week.';

afterEach(async () => {
  await offline.close();
});

describe('Exception', () => {
  const policy = `
teams:
  platform: { channel: ${channel}, approvers: { usergroup: S0PLATFORM } }
exceptions:
  maxDays: { sev1: 7, sev2: 30, sev3: 90 }
`;

  it('opens the modal from the button with the click\'s trigger id', async () => {
    const { findingId, card } = await start(policy);
    await offline.click({ actionId: actionIds.exception, value: findingId, channel, messageTs: card.ts, user: ana });
    await offline.bot.background.idle();
    expect(offline.slack.views).toHaveLength(1);
    expect(JSON.stringify(offline.slack.views[0]?.view)).toContain(exceptionCallbackId);
    expect(JSON.stringify(offline.slack.views[0]?.view)).toContain('7 days');
  });

  it('answers a missing justification and an expiry beyond the limit inside the modal', async () => {
    const { findingId, submitException } = await start(policy);
    const bad = await submitException(ana, 'because', '2027-01-30');
    expect(bad.status).toBe(200);
    expect(bad.body.response_action).toBe('errors');
    expect(Object.keys(bad.body.errors ?? {}).sort()).toEqual([exceptionBlocks.expiry, exceptionBlocks.justification]);
    expect(bad.body.errors?.[exceptionBlocks.expiry]).toContain('At most 7 days');
    expect(offline.bot.services.evidence.forFinding(findingId).map((e) => e.kind)).not.toContain('exception.requested');
  });

  it('grants an approver\'s exception, updates the card, suppresses the finding in Security Hub, and re-opens it on expiry', async () => {
    const { findingId, card, submitException, cardText } = await start(policy);
    const ok = await submitException(ana, justification, '2026-11-30');
    expect(ok.body).toEqual({});
    expect(cardText()).toContain('Exception granted');
    expect(cardText()).toContain('CDN migration');
    expect(cardText()).not.toContain(actionIds.approve);
    expect(offline.aws.finding(findingId)?.Workflow?.Status).toBe('SUPPRESSED');
    expect(offline.aws.noteHistory(findingId).at(-1)?.Text).toContain('CDN migration');
    const kinds = offline.bot.services.evidence.forFinding(findingId).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['exception.requested', 'exception.granted']));

    // Not expired yet: nothing happens.
    now = new Date('2026-11-30T12:00:00.000Z');
    expect(await expireExceptions(offline.bot.services)).toBe(0);

    // Expired and the bucket is still public: a fresh card, linked to the old one.
    now = new Date('2026-12-01T00:30:00.000Z');
    expect(await expireExceptions(offline.bot.services)).toBe(1);
    const cards = offline.slack.messages(channel).filter((m) => !m.thread_ts);
    expect(cards).toHaveLength(2);
    const fresh = cards[1]!;
    expect(JSON.stringify(fresh.blocks)).toContain(actionIds.approve);
    const linked = offline.slack.messages(channel).find((m) => m.thread_ts === fresh.ts);
    expect(linked?.text).toContain(`p${card.ts.replace('.', '')}`);
    expect(cardText()).toContain('Exception expired');
    expect(offline.bot.services.findings.get(findingId)?.status).toBe('open');
    expect(offline.aws.finding(findingId)?.Workflow?.Status).toBe('NOTIFIED');
  });

  it('closes an expired exception whose control passes meanwhile', async () => {
    const { findingId, submitException, cardText } = await start(policy);
    await submitException(ana, justification, '2026-11-30');
    offline.aws.addFinding({ ...offline.aws.finding(findingId)!, Compliance: { Status: 'PASSED' } });
    now = new Date('2026-12-02T00:00:00.000Z');
    expect(await expireExceptions(offline.bot.services)).toBe(1);
    expect(offline.bot.services.findings.get(findingId)?.status).toBe('resolved_at_source');
    expect(cardText()).toContain('now reports the control passing');
    expect(offline.slack.messages(channel).filter((m) => !m.thread_ts)).toHaveLength(1);
  });

  it('with separation of duties, waits for the named approver and refuses the requester', async () => {
    const { findingId, card, submitException, cardText } = await start(`
teams:
  platform: { channel: ${channel}, approvers: { usergroup: S0PLATFORM } }
approvals:
  security: { users: [U0SEC00001] }
exceptions:
  separationOfDuties: true
`);
    const self = await submitException(ana, justification, '2026-11-30', ana.id);
    expect(self.body.errors?.[exceptionBlocks.approver]).toContain('someone other than you');

    await submitException(ana, justification, '2026-11-30', sec.id);
    expect(cardText()).toContain('Exception requested');
    expect(cardText()).toContain(actionIds.grantException);
    expect(offline.aws.finding(findingId)?.Workflow?.Status).toBe('NEW');

    await offline.click({ actionId: actionIds.grantException, value: findingId, channel, messageTs: card.ts, user: ana });
    await offline.bot.background.idle();
    expect(offline.slack.ephemerals.at(-1)?.text).toContain('Separation of duties');
    expect(offline.bot.services.findings.get(findingId)?.status).toBe('exception_requested');

    await offline.click({ actionId: actionIds.grantException, value: findingId, channel, messageTs: card.ts, user: sec });
    await offline.bot.background.idle();
    expect(offline.bot.services.findings.get(findingId)?.status).toBe('excepted');
    expect(cardText()).toContain('Exception granted');
    const granted = offline.bot.services.evidence.forFinding(findingId).find((e) => e.kind === 'exception.granted');
    expect(granted?.actor.id).toBe(sec.id);
    expect(granted?.data['requestedBy']).toBe(ana.id);
  });
});

describe('Escalate', () => {
  it('announces in the escalation channel with the on-call group, raises the severity and links both messages', async () => {
    const { findingId, card, cardText } = await start(`
escalation: { channel: C0ESCALATE1, oncallUsergroup: S0ONCALL01 }
`);
    await offline.click({ actionId: actionIds.escalate, value: findingId, channel, messageTs: card.ts, user: ana });
    await offline.bot.background.idle();
    expect(JSON.stringify(offline.slack.views.at(-1)?.view)).toContain(escalationCallbackId);

    const response = await offline.submitView({
      user: ana,
      callbackId: escalationCallbackId,
      privateMetadata: JSON.stringify({ findingId, channel, ts: card.ts }),
      values: { reason: { type: 'plain_text_input', value: 'Customer data is in this bucket' } },
    });
    expect(response.status).toBe(200);
    await offline.bot.background.idle();

    const announcement = offline.slack.messages('C0ESCALATE1')[0];
    expect(announcement?.text).toContain('<!subteam^S0ONCALL01>');
    expect(announcement?.text).toContain('sev1 → sev1');
    expect(announcement?.text).toContain(`p${card.ts.replace('.', '')}`);
    const threadReply = offline.slack.messages(channel).find((m) => m.thread_ts === card.ts);
    expect(threadReply?.text).toContain(`p${announcement!.ts.replace('.', '')}`);
    expect(cardText()).toContain('Escalated');
    const raised = offline.bot.services.evidence.forFinding(findingId).find((e) => e.kind === 'escalation.raised');
    expect(raised).toMatchObject({ actor: { id: ana.id }, data: { from: 'sev1', to: 'sev1', reason: 'Customer data is in this bucket' } });
  });
});
