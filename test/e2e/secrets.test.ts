import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import { actionIds } from '../../src/slack/cards.js';
import { buildControlFinding } from '../../src/sim/aws-account.js';
import { startOfflineBot } from '../../src/sim/offline-bot.js';

describe('secrets', () => {
  it('never appear in logs, cards or evidence, even at trace level and on failures', async () => {
    let logged = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged += chunk.toString();
        done();
      },
    });
    const databasePath = join(mkdtempSync(join(tmpdir(), 'soc2-bot-secrets-')), 'e.sqlite');
    const offline = await startOfflineBot({
      databasePath,
      routing: { fallbackChannel: 'C0SECURITY01', tagKeys: [], owners: {}, accounts: {} },
      log: createLogger('trace', sink),
      awsMaxAttempts: 1,
    });
    try {
      offline.aws.addBucket('customer-exports', { region: 'us-east-1', publicAccessBlock: null });
      const asff = buildControlFinding({ control: 'S3.8', resourceId: 'arn:aws:s3:::customer-exports', accountId: '111111111111' });
      offline.aws.addFinding(asff);
      offline.slack.failNext('chat.postMessage', { status: 500 }); // a logged failure path
      await offline.bot.scan();
      await offline.bot.scan();
      const card = offline.slack.messages()[0]!;
      offline.aws.failNext('s3', 'PutPublicAccessBlock', { status: 403, code: 'AccessDenied', message: 'Access Denied' });
      await offline.click({ actionId: actionIds.approve, value: asff.Id!, channel: card.channel, messageTs: card.ts, user: { id: 'U0ANA00001', name: 'ana' } });
      await offline.bot.background.idle();
      await offline.post('payload=%7B%7D', { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-signature': 'v0=bad', 'x-slack-request-timestamp': '1' });
    } finally {
      await offline.close();
    }
    const db = new Database(databasePath, { readonly: true });
    const evidence = (db.prepare('SELECT data FROM evidence_events').pluck().all() as string[]).join('\n');
    db.close();
    const cards = JSON.stringify(offline.slack.messages());
    expect(logged.length).toBeGreaterThan(1000); // trace logging really ran
    for (const secret of [offline.signingSecret, offline.botToken, 'simulated' /* the AWS secret access key */]) {
      expect(secret.length).toBeGreaterThan(5);
      for (const [where, text] of Object.entries({ logs: logged, evidence, cards })) {
        expect(text.includes(secret), `${where} must not contain a secret`).toBe(false);
      }
    }
  });
});
