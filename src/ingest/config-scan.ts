import type { Services } from '../app/services.js';
import { deliverCards, recordFindingsWithTags, type IngestSummary } from '../route/deliver-cards.js';
import type { ConfigTarget } from '../config/config-targets.js';
import { pollConfigRules } from './config-rules.js';

/**
 * One pass over AWS Config's non-compliant evaluations in each target (in that account,
 * through its assumed role when one is configured); the findings join Security Hub's
 * as the same findings where both report one problem.
 */
export async function scanConfig(services: Services, targets: readonly ConfigTarget[]): Promise<IngestSummary & { rejected: number; cardsPosted: number }> {
  const total: IngestSummary = { new: 0, recurred: 0, updated: 0, unchanged: 0, resolved: 0 };
  let rejected = 0;
  for (const target of targets) {
    const poll = await pollConfigRules(services.awsFor(target.account).config(target.region), target);
    for (const problem of poll.rejected) services.log.warn({ source: `config:${target.account}:${target.region}`, problem }, 'Config evaluation rejected');
    rejected += poll.rejected.length;
    const summary = await recordFindingsWithTags(services, poll.findings);
    for (const key of Object.keys(total) as (keyof IngestSummary)[]) total[key] += summary[key];
  }
  const cardsPosted = await deliverCards(services);
  services.log.info({ source: 'config', ...total, rejected, cardsPosted }, 'Config scan finished');
  return { ...total, rejected, cardsPosted };
}
