import type { Finding } from '../../domain/finding.js';
import { awsSdk } from '../aws-clients.js';
import type { Remediation } from '../remediation.js';
import { publicAccessBlockRemediation } from './s3-block-public-access.js';

/**
 * The account a finding is about. Security Hub names it `AWS::::Account:<id>`; the finding's
 * own account must agree, so a fix is never aimed at an account other than the one that failed.
 */
export function findingAccount(finding: Finding): string {
  const account = finding.account;
  if (!/^\d{12}$/.test(account)) throw new Error(`"${account}" is not an AWS account id`);
  const named = /^AWS::::Account:(\d{12})$/.exec(finding.resource.id)?.[1];
  if (named === undefined) throw new Error(`"${finding.resource.id}" does not name an AWS account`);
  if (named !== account) throw new Error(`finding for account ${account} names resource account ${named}`);
  return account;
}

/** Turns on all four account-level Block Public Access settings (S3.1), which apply to every bucket in the account. */
export const s3AccountBlockPublicAccess: Remediation = publicAccessBlockRemediation(
  {
    id: 's3-account-block-public-access',
    controls: ['S3.1'],
    cisRules: [],
    resourceType: 'AwsAccount',
    mode: 'copilot',
    // Account-level IAM actions; DeletePublicAccessBlock (undo) is authorised by the Put action.
    permissions: ['s3:GetAccountPublicAccessBlock', 's3:PutAccountPublicAccessBlock'],
  },
  {
    service: 's3control',
    idField: 'AccountId',
    locate: (finding) => ({ id: findingAccount(finding), region: finding.resource.region || finding.region }),
    title: (account) => `account ${account} Public Access Block (every bucket)`,
    get: async (aws, region, AccountId) =>
      (await aws.s3Control(region).send(new (awsSdk.s3Control().GetPublicAccessBlockCommand)({ AccountId }))).PublicAccessBlockConfiguration,
    put: (aws, region, AccountId, PublicAccessBlockConfiguration) =>
      aws.s3Control(region).send(new (awsSdk.s3Control().PutPublicAccessBlockCommand)({ AccountId, PublicAccessBlockConfiguration })),
    remove: (aws, region, AccountId) => aws.s3Control(region).send(new (awsSdk.s3Control().DeletePublicAccessBlockCommand)({ AccountId })),
  },
);
