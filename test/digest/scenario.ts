/** A bot on a real SQLite file and the simulated Slack, with a clock the test moves. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/app/logger.js';
import type { Services } from '../../src/app/services.js';
import type { Mode, Severity, Triage } from '../../src/domain/triage.js';
import { slaMs } from '../../src/digest/digest-stats.js';
import { botActor } from '../../src/evidence/evidence-log.js';
import type { Route } from '../../src/route/routing.js';
import { startOfflineBot, type OfflineBot } from '../../src/sim/offline-bot.js';
import { makeFinding } from '../helpers/findings.js';

export const account = '111111111111';
export const teamChannel = 'C0PLATFORM01';
export const digestChannel = 'C0COMPLIANCE';

export class TestClock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(iso: string): void {
    this.current = new Date(iso);
  }
  advanceHours(hours: number): void {
    this.current = new Date(this.current.getTime() + hours * 3_600_000);
  }
}

export async function startBot(clock: TestClock, databasePath = newDatabasePath()): Promise<OfflineBot> {
  return startOfflineBot({
    databasePath,
    routing: { fallbackChannel: 'C0SECURITY01', tagKeys: ['owner'], owners: {}, accounts: { [account]: teamChannel } },
    log: createLogger('silent'),
    clock,
    awsMaxAttempts: 1,
  });
}

export function newDatabasePath(): string {
  return join(mkdtempSync(join(tmpdir(), 'soc2-bot-digest-')), 'evidence.sqlite');
}

const route: Route = { channel: teamChannel, owner: null, via: 'fallback' };
const passed: Triage = { severity: 'none', mode: 'manual', remediation: null, dueAt: null, tsc: [], reason: 'compliance PASSED' };

export interface Seeded {
  id: string;
  control: string;
  resourceId: string;
  severity: Exclude<Severity, 'none'>;
  mode: Mode;
}

/**
 * Writes findings and their evidence the way the bot does, each step at the clock's time,
 * so a test can lay out a week of history in a few lines.
 */
export class Seeder {
  private readonly seen = new Map<string, Seeded & { updates: number }>();

  constructor(private readonly services: Services, private readonly clock: TestClock) {}

  private triage(finding: Seeded, at: string): Triage {
    return {
      severity: finding.severity,
      mode: finding.mode,
      remediation: finding.mode === 'manual' ? null : 'test-fix',
      dueAt: new Date(Date.parse(at) + slaMs(finding.severity)).toISOString(),
      tsc: ['CC6.1'],
      reason: 'seeded',
    };
  }

  private record(finding: Seeded & { updates: number }, at: string, triage: Triage) {
    this.clock.set(at);
    finding.updates += 1;
    const data = makeFinding({
      id: finding.id,
      control: finding.control,
      resource: { type: 'AwsEc2SecurityGroup', id: finding.resourceId, region: 'us-east-1', tags: {} },
      firstSeenAt: at,
      updatedAt: `${at.slice(0, 19)}.${String(finding.updates).padStart(3, '0')}Z`,
    });
    const { outcome } = this.services.findings.record(data, triage, route, this.clock.now());
    return { data, outcome };
  }

  detect(at: string, finding: Seeded): void {
    const entry = { ...finding, updates: 0 };
    this.seen.set(finding.id, entry);
    const triage = this.triage(finding, at);
    const { data } = this.record(entry, at, triage);
    this.services.evidence.append('finding.detected', finding.id, botActor, { finding: data, triage, route });
  }

  recur(at: string, id: string): void {
    const entry = this.get(id);
    const triage = this.triage(entry, at);
    const { data, outcome } = this.record(entry, at, triage);
    if (outcome !== 'recurred') throw new Error(`${id} did not recur (${outcome})`);
    this.services.evidence.append('finding.recurred', id, botActor, { finding: data, triage, route });
  }

  /** A human approves, the fix is verified. */
  approveAndFix(at: string, id: string): void {
    this.approve(at, id);
    this.verifyFix(id);
  }

  /** A human approves, and the plan finds nothing left to change. */
  approveAlreadyCompliant(at: string, id: string): void {
    this.approve(at, id);
    if (!this.services.findings.transition(id, ['open'], 'fixed')) throw new Error(`${id} was not open`);
    this.plan(id, true);
  }

  private approve(at: string, id: string): void {
    this.clock.set(at);
    this.services.evidence.append('decision.approved', id, { type: 'slack_user', id: 'U0ANA00001', name: 'ana' }, {
      decision: 'approve',
      remediation: 'test-fix',
      card: { channel: teamChannel, ts: '1.1' },
      approval: { n: 1, of: 1 },
    });
  }

  /** Autopilot: fixed and verified with no approval. */
  autoFix(at: string, id: string): void {
    this.clock.set(at);
    this.verifyFix(id);
  }

  /** Plan, apply, verify: the evidence every fix leaves. */
  private verifyFix(id: string): void {
    if (!this.services.findings.transition(id, ['open', 'fix_failed'], 'fixed')) throw new Error(`${id} was not open`);
    this.plan(id, false);
    this.services.evidence.append('fix.applied', id, { type: 'aws', id: account, name: null }, { remediation: 'test-fix', calls: [], result: 'ok' });
    this.services.evidence.append('fix.verified', id, botActor, { step: 'verify', ok: true, observed: {}, detail: 'seeded' });
  }

  private plan(id: string, alreadyCompliant: boolean): void {
    this.services.evidence.append('fix.planned', id, botActor, {
      remediationId: 'test-fix',
      findingId: id,
      resourceId: this.get(id).resourceId,
      region: 'us-east-1',
      before: {},
      after: {},
      diff: alreadyCompliant ? '' : '- open\n+ closed',
      alreadyCompliant,
      calls: [],
    });
  }

  /** Fixed by hand, confirmed with "Mark done": Security Hub reports the control passed. */
  passAtSource(at: string, id: string): void {
    this.record(this.get(id), at, passed);
    this.services.evidence.append('finding.resolved_at_source', id, botActor, { compliance: 'PASSED', recordState: 'ACTIVE', workflow: 'RESOLVED' });
  }

  /** The next poll reads the finding as passed, as the scan records it. */
  passOnPoll(at: string, id: string): void {
    const { data } = this.record(this.get(id), at, passed);
    this.services.evidence.append('finding.updated', id, botActor, { finding: data, triage: passed, route });
  }

  grantException(at: string, id: string, expiresAt: string): void {
    this.clock.set(at);
    this.services.evidence.append('exception.granted', id, { type: 'slack_user', id: 'U0SEC00001', name: 'sec' }, {
      requestedBy: 'U0ANA00001',
      justification: 'seeded',
      expiresAt,
      compensatingControl: null,
    });
  }

  expireException(at: string, id: string, expiresAt: string): void {
    this.clock.set(at);
    this.services.evidence.append('exception.expired', id, botActor, { expiresAt, stillFailing: true, previousCard: null });
  }

  escalate(at: string, id: string): void {
    this.clock.set(at);
    this.services.evidence.append('escalation.raised', id, { type: 'slack_user', id: 'U0ANA00001', name: 'ana' }, {
      from: 'sev2',
      to: 'sev1',
      reason: 'seeded',
      channel: 'C0ONCALL',
      ts: '2.2',
    });
  }

  private get(id: string) {
    const entry = this.seen.get(id);
    if (!entry) throw new Error(`${id} was not detected`);
    return entry;
  }
}
