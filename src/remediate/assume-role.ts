import type { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import type { Clock } from '../domain/clock.js';
import { awsSdk, type AwsClients } from './aws-clients.js';

/**
 * Acting in the finding's own account: the bot assumes one role of a configured name in each
 * account (trust policy: docs/assume-role.md) and signs with that session there. Sessions are
 * cached per account and renewed shortly before they expire.
 */
export interface AssumeRoleOptions {
  /** STS client signing with the bot's own credentials. */
  sts: STSClient;
  /** The role's name (optionally with its path, `path/name`), the same in every account. */
  roleName: string;
  clock: Clock;
  /** Shows in the account's CloudTrail as the assumed-role session name. */
  sessionName?: string;
  /** Session length; at most the role's MaxSessionDuration. */
  durationSeconds?: number;
  /** The trust policy's sts:ExternalId condition, when it has one. */
  externalId?: string;
  partition?: string;
}

/** A session is renewed when less than this is left, so no call signs with credentials about to lapse. */
export const refreshBeforeMs = 5 * 60_000;

/** `arn:aws:iam::<account>:role/<name>`; the account must be a real account id (samples carry placeholders). */
export function roleArnFor(account: string, roleName: string, partition = 'aws'): string {
  if (!/^\d{12}$/.test(account)) throw new Error(`cannot assume a role in "${account}": not a 12-digit AWS account id`);
  return `arn:${partition}:iam::${account}:role/${roleName}`;
}

export class AssumedRoleSessions {
  /** Per account: the session, or the AssumeRole call that will give it (shared by concurrent callers). */
  private readonly sessions = new Map<string, Promise<AwsCredentialIdentity>>();

  constructor(private readonly options: AssumeRoleOptions) {}

  /** Credentials for SDK clients acting in `account`; each call answers from the cache while it is fresh. */
  credentialsFor(account: string): AwsCredentialIdentityProvider {
    const roleArn = roleArnFor(account, this.options.roleName, this.options.partition);
    return () => this.session(account, roleArn);
  }

  private async session(account: string, roleArn: string): Promise<AwsCredentialIdentity> {
    const cached = this.sessions.get(account);
    if (cached) {
      const credentials = await cached;
      if (this.isFresh(credentials)) return credentials;
      // Another caller may have started the renewal while this one waited.
      if (this.sessions.get(account) !== cached) return this.session(account, roleArn);
    }
    const assuming = this.assume(account, roleArn);
    this.sessions.set(account, assuming);
    // A failed AssumeRole is not cached: the next call tries again.
    assuming.catch(() => {
      if (this.sessions.get(account) === assuming) this.sessions.delete(account);
    });
    return assuming;
  }

  private isFresh(credentials: AwsCredentialIdentity): boolean {
    const expiresAt = credentials.expiration?.getTime();
    return expiresAt !== undefined && expiresAt - this.options.clock.now().getTime() > refreshBeforeMs;
  }

  private async assume(account: string, roleArn: string): Promise<AwsCredentialIdentity> {
    const { sts, sessionName = 'soc2-bot', durationSeconds = 3600, externalId } = this.options;
    const out = await sts.send(
      new (awsSdk.sts().AssumeRoleCommand)({
        RoleArn: roleArn,
        RoleSessionName: sessionName,
        DurationSeconds: durationSeconds,
        ...(externalId === undefined ? {} : { ExternalId: externalId }),
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
      throw new Error(`STS AssumeRole of ${roleArn} answered without complete credentials`);
    }
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration, accountId: account };
  }
}

export interface CrossAccountClients {
  /** The per-Region clients acting in `account` through its assumed role; one set per account. */
  clientsFor(account: string): AwsClients;
  destroy(): void;
}

/**
 * `clientsWith` builds a client set signing with the given credentials: the bot passes
 * `(credentials) => createAwsClients({ ...options, credentials })`, so each account's clients
 * are configured exactly like the bot's own.
 */
export function crossAccountClients(
  sessions: AssumedRoleSessions,
  clientsWith: (credentials: AwsCredentialIdentityProvider) => AwsClients & { destroy(): void },
): CrossAccountClients {
  const byAccount = new Map<string, AwsClients & { destroy(): void }>();
  return {
    clientsFor(account) {
      let clients = byAccount.get(account);
      if (!clients) {
        clients = clientsWith(sessions.credentialsFor(account));
        byAccount.set(account, clients);
      }
      return clients;
    },
    destroy() {
      for (const clients of byAccount.values()) clients.destroy();
      byAccount.clear();
    },
  };
}
