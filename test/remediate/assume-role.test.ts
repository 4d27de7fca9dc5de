import { GetPublicAccessBlockCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../src/remediate/aws-clients.js';
import { AssumedRoleSessions, crossAccountClients, refreshBeforeMs, roleArnFor } from '../../src/remediate/assume-role.js';
import { StsService } from '../../src/sim/sts-service.js';
import { useSimulatedAws } from '../helpers/sim-aws.js';

const { sim } = useSimulatedAws();
const home = '111111111111';
const member = '222222222222';
const roleArn = `arn:aws:iam::${member}:role/soc2-bot-remediation`;
const botCredentials = { accessKeyId: 'AKIDSIMULATED', secretAccessKey: 'simulated' };
const sts = new STSClient({ region: 'us-east-1', credentials: botCredentials, maxAttempts: 1 });
const made: { destroy(): void }[] = [];
afterAll(() => {
  sts.destroy();
  for (const client of made) client.destroy();
});

let now: number;
const clock = { now: () => new Date(now) };
let sessions: AssumedRoleSessions;

/** An STS client acting with `credentials`: asks the sim who is calling. */
async function whoAmI(credentials: AwsCredentialIdentityProvider) {
  const client = new STSClient({ region: 'us-east-1', credentials, maxAttempts: 1 });
  made.push(client);
  return client.send(new GetCallerIdentityCommand({}));
}

const assumeRoleCalls = () => sim.aws.callsTo('sts', 'AssumeRole');

beforeEach(() => {
  now = Date.parse('2026-11-25T12:00:00.000Z');
  const service = new StsService({ accountId: home, now: clock.now });
  service.addRole({ arn: roleArn, trustedAccounts: [home] });
  sim.aws.register(service);
  sessions = new AssumedRoleSessions({ sts, roleName: 'soc2-bot-remediation', clock });
});

describe('assume-role per account', () => {
  it("acts in the finding's account through the configured role", async () => {
    const me = await whoAmI(() => Promise.resolve(botCredentials));
    expect(me.Account).toBe(home);
    const there = await whoAmI(sessions.credentialsFor(member));
    expect(there).toMatchObject({ Account: member, Arn: `arn:aws:sts::${member}:assumed-role/soc2-bot-remediation/soc2-bot` });
    expect(assumeRoleCalls().map((c) => c.input)).toEqual([{ RoleArn: roleArn, RoleSessionName: 'soc2-bot', DurationSeconds: '3600' }]);
  });

  it('caches the session until shortly before it expires, then renews it', async () => {
    const credentials = sessions.credentialsFor(member);
    const first = await credentials();
    expect(await credentials()).toBe(first);
    await Promise.all([credentials(), credentials(), sessions.credentialsFor(member)()]);
    expect(assumeRoleCalls()).toHaveLength(1);

    now = (first.expiration?.getTime() ?? 0) - refreshBeforeMs - 1000;
    expect(await credentials()).toBe(first);
    now += 2000; // now less than 5 minutes are left
    const renewed = await credentials();
    expect(renewed.accessKeyId).not.toBe(first.accessKeyId);
    expect(assumeRoleCalls()).toHaveLength(2);
  });

  it('renews an expired session, which STS itself would refuse', async () => {
    const first = await sessions.credentialsFor(member)();
    now = (first.expiration?.getTime() ?? 0) + 1000;
    await expect(whoAmI(() => Promise.resolve(first))).rejects.toMatchObject({ name: 'ExpiredToken' });
    const again = await whoAmI(sessions.credentialsFor(member));
    expect(again.Account).toBe(member);
    expect(assumeRoleCalls()).toHaveLength(2);
  });

  it('does not cache a refusal: the next call asks again', async () => {
    const credentials = sessions.credentialsFor('333333333333');
    await expect(credentials()).rejects.toMatchObject({ name: 'AccessDenied', message: expect.stringContaining('arn:aws:iam::333333333333:role/soc2-bot-remediation') });
    await expect(credentials()).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(assumeRoleCalls()).toHaveLength(2);
  });

  it('refuses an account id that is not one before calling STS', () => {
    expect(() => sessions.credentialsFor('account-id')).toThrow('cannot assume a role in "account-id": not a 12-digit AWS account id');
    expect(roleArnFor(member, 'audit/soc2-bot', 'aws-us-gov')).toBe(`arn:aws-us-gov:iam::${member}:role/audit/soc2-bot`);
  });

  it('builds one client set per account whose calls are signed with that account\'s session', async () => {
    const handed: AwsCredentialIdentityProvider[] = [];
    const accounts = crossAccountClients(sessions, (credentials) => {
      handed.push(credentials);
      return createAwsClients({ credentials: botCredentials, maxAttempts: 1 });
    });
    expect(accounts.clientsFor(member)).toBe(accounts.clientsFor(member));
    expect(accounts.clientsFor(home)).not.toBe(accounts.clientsFor(member));
    expect(handed).toHaveLength(2);
    // What the bot's clients do with the provider it hands them: sign each call with the session.
    const [memberCredentials] = handed;
    if (!memberCredentials) throw new Error('no credentials were handed over');
    sim.aws.addBucket('member-bucket', { region: 'us-east-1' });
    const s3 = new S3Client({ region: 'us-east-1', credentials: memberCredentials, maxAttempts: 1 });
    made.push(s3);
    const signedWith: string[] = [];
    s3.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers: Record<string, string> };
        signedWith.push(/Credential=([^/]+)\//.exec(request.headers['authorization'] ?? '')?.[1] ?? '');
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low' },
    );
    await s3.send(new GetPublicAccessBlockCommand({ Bucket: 'member-bucket' })).catch(() => undefined);
    expect(signedWith[0]).toBe((await memberCredentials()).accessKeyId);
    expect(signedWith[0]).toMatch(/^ASIA/);
    accounts.destroy();
  });
});
