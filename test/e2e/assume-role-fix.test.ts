import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import { actionIds } from '../../src/slack/cards.js';
import { buildControlFinding } from '../../src/sim/aws-account.js';
import { startOfflineBot, type OfflineBot } from '../../src/sim/offline-bot.js';

const member = '222222222222';
const channel = 'C0SECURITY01';
let offline: OfflineBot;

afterEach(async () => {
  await offline.close();
});

describe('fixes in the finding\'s own account', () => {
  it('assumes the configured role in that account, once, and fixes through it', async () => {
    offline = await startOfflineBot({
      databasePath: join(mkdtempSync(join(tmpdir(), 'soc2-bot-assume-')), 'e.sqlite'),
      routing: { fallbackChannel: channel, tagKeys: [], owners: {}, accounts: {} },
      assumeRole: { roleName: 'soc2-bot-remediation' },
      log: createLogger('silent'),
      awsMaxAttempts: 1,
    });
    offline.services.sts.addRole({ arn: `arn:aws:iam::${member}:role/soc2-bot-remediation`, trustedAccounts: [offline.aws.accountId] });
    offline.aws.addBucket('member-exports', { region: 'us-east-1', publicAccessBlock: null });
    const asff = buildControlFinding({ control: 'S3.8', resourceId: 'arn:aws:s3:::member-exports', accountId: member });
    offline.aws.addFinding(asff);
    await offline.bot.scan();
    const card = offline.slack.messages(channel)[0]!;
    await offline.click({ actionId: actionIds.approve, value: asff.Id!, channel, messageTs: card.ts, user: { id: 'U0ANA00001', name: 'ana' } });
    await offline.bot.background.idle();

    const assumed = offline.aws.callsTo('sts', 'AssumeRole');
    expect(assumed).toHaveLength(1); // the card's plan and the fix share one cached session
    expect(assumed[0]?.input).toMatchObject({ RoleArn: `arn:aws:iam::${member}:role/soc2-bot-remediation` });
    expect(offline.aws.bucket('member-exports')?.publicAccessBlock?.BlockPublicAcls).toBe(true);
  });

  it('says so on the card when the account does not trust the bot, and changes nothing', async () => {
    offline = await startOfflineBot({
      databasePath: join(mkdtempSync(join(tmpdir(), 'soc2-bot-assume-')), 'e.sqlite'),
      routing: { fallbackChannel: channel, tagKeys: [], owners: {}, accounts: {} },
      assumeRole: { roleName: 'soc2-bot-remediation' },
      log: createLogger('silent'),
      awsMaxAttempts: 1,
    });
    offline.aws.addBucket('member-exports', { region: 'us-east-1', publicAccessBlock: null });
    const asff = buildControlFinding({ control: 'S3.8', resourceId: 'arn:aws:s3:::member-exports', accountId: member });
    offline.aws.addFinding(asff);
    await offline.bot.scan();
    const card = offline.slack.messages(channel)[0]!;
    expect(JSON.stringify(card.blocks)).toContain('could not read the current state');
    expect(JSON.stringify(card.blocks)).toContain('AccessDenied');
    expect(offline.aws.callsTo('s3', 'GetPublicAccessBlock')).toHaveLength(0);
    expect(offline.aws.callsTo('s3', 'PutPublicAccessBlock')).toHaveLength(0);
  });
});
