import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import type { Services } from '../../src/app/services.js';
import { parsePolicy } from '../../src/config/policy.js';
import { escalate } from '../../src/decisions/escalate.js';
import { expireExceptions, grantRequestedException, submitException } from '../../src/decisions/exception.js';
import { markDone } from '../../src/decisions/recheck.js';
import { undoFix } from '../../src/decisions/undo.js';
import { claimApproval } from '../../src/remediate/approve-fix.js';
import { recoverInterruptedFixes } from '../../src/remediate/recover-interrupted.js';
import { actionIds } from '../../src/slack/cards.js';
import { buildControlFinding } from '../../src/sim/aws-account.js';
import { startOfflineBot, type OfflineBot } from '../../src/sim/offline-bot.js';
import { TestClock } from '../digest/scenario.js';

/**
 * Every decision commits the card update that shows it in the same transaction as the state
 * change (through the outbox). A process that dies right after that commit leaves the update
 * queued, and the next drain (the timer, or the next start-up) shows it: never a card stuck
 * on the state before.
 */

const channel = 'C0PLATFORM01';
const ana = { id: 'U0ANA00001', name: 'ana' };
const sec = { id: 'U0SEC00001', name: 'sec' };
const justification = 'The legacy marketing site is served from this bucket until the CDN migration ships next week.';
const separationOfDuties = `
teams:
  platform: { channel: ${channel}, approvers: { usergroup: S0PLATFORM } }
approvals:
  security: { users: [${sec.id}] }
exceptions:
  separationOfDuties: true
`;

class Crash extends Error {}

let offline: OfflineBot;
let clock: TestClock;

afterEach(async () => {
  await offline.close();
});

async function oneCard(policy?: string) {
  clock = new TestClock(new Date('2026-11-25T10:00:00.000Z'));
  offline = await startOfflineBot({
    databasePath: join(mkdtempSync(join(tmpdir(), 'soc2-bot-commit-')), 'e.sqlite'),
    routing: { fallbackChannel: channel, tagKeys: ['owner'], owners: { platform: channel }, accounts: {} },
    ...(policy ? { policy: parsePolicy(policy) } : {}),
    log: createLogger('silent'),
    awsMaxAttempts: 1,
    clock,
  });
  offline.slack.addUsergroup('S0PLATFORM', [ana.id]);
  offline.aws.addBucket('legacy-site', { region: 'us-east-1', publicAccessBlock: null });
  const asff = buildControlFinding({ control: 'S3.8', resourceId: 'arn:aws:s3:::legacy-site', accountId: '111111111111', tags: { owner: 'platform' } });
  offline.aws.addFinding(asff);
  await offline.bot.scan();
  const findingId = asff.Id!;
  const card = offline.bot.services.findings.get(findingId)?.card;
  if (!card) throw new Error('no card posted');
  return { findingId, card, services: offline.bot.services };
}

/** The process dies right after the n-th transaction from now commits: nothing after it runs. */
function crashAfterCommit(services: Services, n: number) {
  const commit = services.atomically;
  let left = n;
  services.atomically = <T>(work: () => T): T => {
    const result = commit(work);
    left -= 1;
    if (left > 0) return result;
    services.atomically = commit;
    throw new Crash();
  };
}

async function fixIt(findingId: string, card: { channel: string; ts: string }) {
  await offline.click({ actionId: actionIds.approve, value: findingId, channel: card.channel, messageTs: card.ts, user: ana });
  await offline.bot.background.idle();
  expect(offline.bot.services.findings.get(findingId)?.status).toBe('fixed');
}

const request = (approver: string | null) => ({ justification, expiresAt: '2026-11-30T23:59:59.999Z', compensatingControl: 'CloudFront in front', approver });

interface Case {
  name: string;
  policy?: string;
  /** Brings the finding to the state the decision starts from (committed normally). */
  before?: (findingId: string, card: { channel: string; ts: string }) => Promise<void>;
  /** Transactions the flow commits up to and including the deciding one. */
  commits: number;
  decide: (services: Services, findingId: string, card: { channel: string; ts: string }) => Promise<unknown>;
  status: string;
  /** The card state the queued update shows, and a line of it. */
  state: string;
  shows: string;
}

const cases: Case[] = [
  {
    name: 'Mark done (recheck.ts)',
    before: async (findingId) => {
      offline.aws.addFinding({ ...offline.aws.finding(findingId)!, Compliance: { Status: 'PASSED' } });
    },
    commits: 1,
    decide: (services, findingId, card) => markDone(services, { findingId, channel: card.channel, messageTs: card.ts, user: ana }),
    status: 'resolved_at_source',
    state: 'resolved_at_source',
    shows: 'Resolved in Security Hub',
  },
  {
    name: 'an exception granted at once (exception.ts)',
    commits: 1,
    decide: (services, findingId, card) => submitException(services, { findingId, channel: card.channel, ts: card.ts }, ana, request(null)),
    status: 'excepted',
    state: 'excepted',
    shows: 'Exception granted',
  },
  {
    name: 'an exception requested (exception.ts)',
    policy: separationOfDuties,
    commits: 1,
    decide: (services, findingId, card) => submitException(services, { findingId, channel: card.channel, ts: card.ts }, ana, request(sec.id)),
    status: 'exception_requested',
    state: 'exception_requested',
    shows: 'Exception requested',
  },
  {
    name: 'a requested exception granted (exception.ts)',
    policy: separationOfDuties,
    before: async (findingId, card) => {
      await submitException(offline.bot.services, { findingId, channel: card.channel, ts: card.ts }, ana, request(sec.id));
    },
    commits: 1,
    decide: (services, findingId, card) => grantRequestedException(services, { findingId, channel: card.channel, messageTs: card.ts, user: sec }),
    status: 'excepted',
    state: 'excepted',
    shows: 'Exception granted',
  },
  {
    name: 'an exception expired (exception.ts)',
    before: async (findingId, card) => {
      await submitException(offline.bot.services, { findingId, channel: card.channel, ts: card.ts }, ana, request(null));
      clock.set('2026-12-01T00:30:00.000Z');
    },
    commits: 1,
    decide: (services) => expireExceptions(services),
    status: 'open',
    state: 'exception_expired',
    shows: 'Exception expired',
  },
  {
    name: 'Undo (undo.ts)',
    before: fixIt,
    commits: 2,
    decide: (services, findingId, card) => undoFix(services, { findingId, channel: card.channel, messageTs: card.ts, user: ana }),
    status: 'open',
    state: 'undone',
    shows: 'Undone',
  },
  {
    name: 'a failed Undo (undo.ts)',
    before: async (findingId, card) => {
      await fixIt(findingId, card);
      offline.aws.failAlways('s3', 'DeletePublicAccessBlock', { status: 403, code: 'AccessDenied', message: 'Access Denied' });
    },
    commits: 2,
    decide: (services, findingId, card) => undoFix(services, { findingId, channel: card.channel, messageTs: card.ts, user: ana }),
    status: 'fixed',
    state: 'fixed',
    shows: 'Fixed.',
  },
  {
    name: 'Escalate (escalate.ts)',
    commits: 1,
    decide: (services, findingId, card) => escalate(services, { findingId, channel: card.channel, ts: card.ts }, ana, 'Customer data is in this bucket'),
    status: 'open',
    state: 'open',
    shows: ':rotating_light: Escalated',
  },
  {
    name: 'a fix a restart interrupted (recover-interrupted.ts)',
    before: async (findingId) => {
      offline.bot.db.prepare("UPDATE findings SET status = 'fixing' WHERE id = ?").run(findingId);
    },
    commits: 1,
    decide: (services) => recoverInterruptedFixes(services),
    status: 'fix_failed',
    state: 'fix_failed',
    shows: 'a restart interrupted the fix',
  },
];

describe('a crash right after a decision commits', () => {
  it.each(cases)('leaves the card update of $name queued, and the next drain shows it', async (c) => {
    const { findingId, card, services } = await oneCard(c.policy);
    await c.before?.(findingId, card);
    const shownBefore = offline.slack.message(card.channel, card.ts)!.versions.length;
    const updatesBefore = services.evidence.forFinding(findingId).filter((e) => e.kind === 'card.updated').length;

    crashAfterCommit(services, c.commits);
    await expect(c.decide(services, findingId, card)).rejects.toBeInstanceOf(Crash);

    // The decision is committed and the card has not been told yet, but the update is durable.
    expect(services.findings.get(findingId)?.status).toBe(c.status);
    expect(offline.slack.message(card.channel, card.ts)!.versions).toHaveLength(shownBefore);
    expect(services.outbox.pendingCount()).toBe(1);

    expect(await services.outbox.drain()).toBe(0);
    expect(JSON.stringify(offline.slack.message(card.channel, card.ts)!.blocks)).toContain(c.shows);
    const updates = services.evidence.forFinding(findingId).filter((e) => e.kind === 'card.updated');
    expect(updates).toHaveLength(updatesBefore + 1);
    expect(updates.at(-1)?.data['state']).toBe(c.state);
  });
});

describe('a crash right after the first of two approvals commits', () => {
  it('leaves the card\'s "1 of 2" queued with the approval, and the next drain shows it', async () => {
    const { findingId, card, services } = await oneCard(`
teams:
  platform: { channel: ${channel}, approvers: { usergroup: S0PLATFORM } }
approvals:
  security: { users: [${sec.id}] }
  fourEyes: { severities: [sev1] }
`);
    const shownBefore = offline.slack.message(card.channel, card.ts)!.versions.length;

    // The claim commits the approval and queues the card update; the process dies before delivering it.
    const claim = await claimApproval(services, { findingId, user: ana, channel: card.channel, messageTs: card.ts }, true);
    expect(claim.kind).toBe('first_of_two');
    expect(services.findings.get(findingId)?.status).toBe('awaiting_second');
    expect(offline.slack.message(card.channel, card.ts)!.versions).toHaveLength(shownBefore);
    expect(services.outbox.pendingCount()).toBe(1);

    expect(await services.outbox.drain()).toBe(0);
    expect(JSON.stringify(offline.slack.message(card.channel, card.ts)!.blocks)).toContain('1 of 2 approvals.');
    expect(services.evidence.forFinding(findingId).filter((e) => e.kind === 'card.updated').at(-1)?.data['state']).toBe('awaiting_second');
  });
});
