import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { S3ControlClient } from '@aws-sdk/client-s3-control';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';

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
    s3: perRegion((region) => new S3Client({ ...config, region })),
    s3Control: perRegion((region) => new S3ControlClient({ ...config, region })),
    ec2: perRegion((region) => new EC2Client({ ...config, region })),
    iam: perRegion((region) => new IAMClient({ ...config, region })),
    cloudTrail: perRegion((region) => new CloudTrailClient({ ...config, region })),
    rds: perRegion((region) => new RDSClient({ ...config, region })),
    securityHub: perRegion((region) => new SecurityHubClient({ ...config, region })),
    config: perRegion((region) => new ConfigServiceClient({ ...config, region })),
    sqs: perRegion((region) => new SQSClient({ ...config, region })),
    destroy() {
      for (const client of made) client.destroy();
    },
  };
}
