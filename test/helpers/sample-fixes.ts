/**
 * Runs a remediation end to end against a real sample finding: a simulated account with
 * the sample's own account id is seeded from the finding, then plan, apply, verify and
 * (where reversible) undo run through the bot's real SDK clients, recording each phase's calls.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setupServer } from 'msw/node';
import { afterAll } from 'vitest';
import { parsePolicy } from '../../src/config/policy.js';
import type { Finding } from '../../src/domain/finding.js';
import { parseFindingsText } from '../../src/ingest/normalize.js';
import { createAwsClients } from '../../src/remediate/aws-clients.js';
import { defaultCatalogue } from '../../src/remediate/catalogue.js';
import { remediationById } from '../../src/remediate/registry.js';
import type { Plan, Remediation, Verification } from '../../src/remediate/remediation.js';
import { SimulatedAws, type AwsCall } from '../../src/sim/aws-account.js';
import { registerSimulatedServices, type SimulatedServices } from '../../src/sim/offline-bot.js';
import { seedFromFindings, type SeedReport } from '../../src/sim/seed-from-findings.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const fixtureSamplesDir = join(repoRoot, 'test', 'fixtures', 'asff');
export const corpusSamplesDir = resolve(repoRoot, '..', 'shared', 'corpus', 'asff');

const KMS_ALIAS = 'alias/soc2-bot-trail-logs';
/** Options for the remediations that need them, from a real policy document. */
const testPolicy = parsePolicy(`remediationOptions:\n  cloudtrail-kms-encryption:\n    kmsKeyId: ${KMS_ALIAS}\n`, 'test policy');

export interface Sample {
  /** The file name, with `#n` when the file holds several findings. */
  label: string;
  finding: Finding;
  remediation: Remediation;
}

/** Every failing, active sample in `dir` whose control the bot can fix. */
export function fixableSamples(dir: string): Sample[] {
  const samples: Sample[] = [];
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.json')).sort()) {
    const findings = parseFindingsText(readFileSync(join(dir, file), 'utf8'), file);
    for (const [index, finding] of findings.entries()) {
      const id = defaultCatalogue.get(finding.control ?? '')?.remediation?.id;
      const remediation = id === undefined ? undefined : remediationById(id);
      if (!remediation || finding.compliance !== 'FAILED' || finding.recordState !== 'ACTIVE') continue;
      samples.push({ label: findings.length > 1 ? `${file}#${index}` : file, finding, remediation });
    }
  }
  return samples;
}

export type Phase = 'plan' | 'apply' | 'verify' | 'undo';

export interface SampleFix {
  seed: SeedReport;
  plan: Plan;
  verification: Verification;
  /** The AWS calls each phase made, as the simulated account recorded them. */
  calls: Record<Phase, AwsCall[]>;
}

/** A simulated account with this id, every service registered (as the offline bot has it). */
export function simulatedAccount(accountId: string): { aws: SimulatedAws; services: SimulatedServices } {
  const aws = new SimulatedAws({ accountId });
  return { aws, services: registerSimulatedServices(aws) };
}

/** One msw server and one set of SDK clients for the test file; each sample gets a fresh account. */
export function useSampleAccounts() {
  const server = setupServer();
  server.listen({ onUnhandledRequest: 'error' });
  const clients = createAwsClients({ credentials: { accessKeyId: 'AKIDSIMULATED', secretAccessKey: 'simulated' }, maxAttempts: 1 });
  afterAll(() => {
    clients.destroy();
    server.close();
  });

  return async function runSampleFix({ finding, remediation }: Sample): Promise<SampleFix> {
    const { aws, services } = simulatedAccount(finding.account);
    server.resetHandlers(...aws.handlers());
    // The key the test policy names exists, and lets CloudTrail use it, where the finding is.
    const region = finding.resource.region || finding.region;
    services.cloudTrail.addKmsKey(`arn:aws:kms:${region}:${aws.accountId}:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0`, { aliases: [KMS_ALIAS] });
    const seed = seedFromFindings(aws, services, [finding]);

    const calls: Record<Phase, AwsCall[]> = { plan: [], apply: [], verify: [], undo: [] };
    async function phase<T>(name: Phase, run: () => Promise<T>): Promise<T> {
      const start = aws.calls.length;
      const result = await run();
      calls[name] = aws.calls.slice(start);
      return result;
    }
    const options = testPolicy.remediationOptions[remediation.id] ?? {};
    const plan = await phase('plan', () => remediation.plan(finding, clients, options));
    await phase('apply', () => remediation.apply(plan, clients));
    const verification = await phase('verify', () => remediation.verify(plan, clients));
    const undo = remediation.undo;
    if (undo) await phase('undo', () => undo.call(remediation, plan, clients));
    return { seed, plan, verification, calls };
  };
}
