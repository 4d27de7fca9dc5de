import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import { parseConfigTargets } from '../../src/config/config-targets.js';
import { scanConfig } from '../../src/ingest/config-scan.js';
import { startOfflineBot, type OfflineBot } from '../../src/sim/offline-bot.js';

let offline: OfflineBot | undefined;
afterEach(async () => {
  await offline?.close();
  offline = undefined;
});

describe('scheduled AWS Config scan', () => {
  it('reads the targets setting strictly', () => {
    expect(parseConfigTargets('111111111111:eu-west-1, 222222222222:us-east-1')).toEqual([
      { account: '111111111111', region: 'eu-west-1' },
      { account: '222222222222', region: 'us-east-1' },
    ]);
    expect(parseConfigTargets('111111111111')).toBeNull();
    expect(parseConfigTargets('111111111111:eu-west-1,oops')).toBeNull();
  });

  it('turns non-compliant evaluations into triaged, carded findings, once', async () => {
    offline = await startOfflineBot({
      databasePath: join(mkdtempSync(join(tmpdir(), 'soc2-bot-config-')), 'e.sqlite'),
      routing: { fallbackChannel: 'C0SECURITY01', tagKeys: [], owners: {}, accounts: {} },
      log: createLogger('silent'),
      awsMaxAttempts: 1,
    });
    const { services, aws, bot, slack } = offline;
    services.config.putEvaluation({
      ruleName: 'securityhub-cloud-trail-encryption-enabled-dadfg6',
      resourceType: 'AWS::CloudTrail::Trail',
      resourceId: 'org-trail',
      compliance: 'NON_COMPLIANT',
      recordedAt: new Date('2026-11-24T10:00:00.000Z'),
    });
    const targets = [{ account: aws.accountId, region: 'us-east-1' }];
    expect(await scanConfig(bot.services, targets)).toMatchObject({ new: 1, cardsPosted: 1, rejected: 0 });
    const card = JSON.stringify(slack.messages('C0SECURITY01')[0]?.blocks);
    expect(card).toContain('CloudTrail.2');
    expect(await scanConfig(bot.services, targets)).toMatchObject({ new: 0, unchanged: 1, cardsPosted: 0 });
  });
});
