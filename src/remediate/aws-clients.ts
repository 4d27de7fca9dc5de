import { createRequire } from 'node:module';
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import type { ConfigServiceClient } from '@aws-sdk/client-config-service';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { S3Client } from '@aws-sdk/client-s3';
import type { S3ControlClient } from '@aws-sdk/client-s3-control';
import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';

const require = createRequire(import.meta.url);

/**
 * An SDK package, loaded when its first client or command is made: each costs 15 to 70 MB of
 * memory (EC2 the most), so a process pays only for the services it calls, and one that only
 * triages pays for none. The packages are CommonJS, so this is the same module instance an
 * `import` elsewhere gets. Modules take command classes from here inside the async function
 * that sends them, and import the SDK's types with `import type` only.
 */
function sdk<M>(name: string): () => M {
  let loaded: M | undefined;
  return () => (loaded ??= require(name) as M);
}

export const awsSdk = {
  cloudTrail: sdk<typeof import('@aws-sdk/client-cloudtrail')>('@aws-sdk/client-cloudtrail'),
  config: sdk<typeof import('@aws-sdk/client-config-service')>('@aws-sdk/client-config-service'),
  ec2: sdk<typeof import('@aws-sdk/client-ec2')>('@aws-sdk/client-ec2'),
  iam: sdk<typeof import('@aws-sdk/client-iam')>('@aws-sdk/client-iam'),
  rds: sdk<typeof import('@aws-sdk/client-rds')>('@aws-sdk/client-rds'),
  s3: sdk<typeof import('@aws-sdk/client-s3')>('@aws-sdk/client-s3'),
  s3Control: sdk<typeof import('@aws-sdk/client-s3-control')>('@aws-sdk/client-s3-control'),
  securityHub: sdk<typeof import('@aws-sdk/client-securityhub')>('@aws-sdk/client-securityhub'),
  sqs: sdk<typeof import('@aws-sdk/client-sqs')>('@aws-sdk/client-sqs'),
  sts: sdk<typeof import('@aws-sdk/client-sts')>('@aws-sdk/client-sts'),
};

/** Per-Region SDK clients: the one seam through which the bot reaches AWS. */
export interface AwsClients {
  s3(region: string): S3Client;
  s3Control(region: string): S3ControlClient;
  ec2(region: string): EC2Client;
  iam(region: string): IAMClient;
  cloudTrail(region: string): CloudTrailClient;
  rds(region: string): RDSClient;
  securityHub(region: string): SecurityHubClient;
  config(region: string): ConfigServiceClient;
  sqs(region: string): SQSClient;
}

export interface AwsClientOptions {
  /** Static credentials (the offline demo and tests); otherwise the SDK's default provider chain. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Attempts per call, including the first; the SDK backs off with jitter on throttling. */
  maxAttempts?: number;
}

interface Destroyable {
  destroy(): void;
}

export function createAwsClients(options: AwsClientOptions = {}): AwsClients & Destroyable {
  const config = {
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: options.maxAttempts ?? 5,
  };
  const made: Destroyable[] = [];
  /** One cached client per Region and service. */
  function perRegion<C extends Destroyable>(make: (region: string) => C): (region: string) => C {
    const cache = new Map<string, C>();
    return (region) => {
      let client = cache.get(region);
      if (!client) {
        client = make(region);
        cache.set(region, client);
        made.push(client);
      }
      return client;
    };
  }
  return {
    s3: perRegion((region) => new (awsSdk.s3().S3Client)({ ...config, region })),
    s3Control: perRegion((region) => new (awsSdk.s3Control().S3ControlClient)({ ...config, region })),
    ec2: perRegion((region) => new (awsSdk.ec2().EC2Client)({ ...config, region })),
    iam: perRegion((region) => new (awsSdk.iam().IAMClient)({ ...config, region })),
    cloudTrail: perRegion((region) => new (awsSdk.cloudTrail().CloudTrailClient)({ ...config, region })),
    rds: perRegion((region) => new (awsSdk.rds().RDSClient)({ ...config, region })),
    securityHub: perRegion((region) => new (awsSdk.securityHub().SecurityHubClient)({ ...config, region })),
    config: perRegion((region) => new (awsSdk.config().ConfigServiceClient)({ ...config, region })),
    sqs: perRegion((region) => new (awsSdk.sqs().SQSClient)({ ...config, region })),
    destroy() {
      for (const client of made) client.destroy();
    },
  };
}
