import { S3Client } from '@aws-sdk/client-s3';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { AwsCredentialIdentity } from '@aws-sdk/types';

/** Per-Region SDK clients: the one seam through which the bot reaches AWS. */
export interface AwsClients {
  s3(region: string): S3Client;
  securityHub(region: string): SecurityHubClient;
}

export interface AwsClientOptions {
  /** Static credentials (the offline demo and tests); otherwise the SDK's default provider chain. */
  credentials?: AwsCredentialIdentity;
  /** Attempts per call, including the first; the SDK backs off with jitter on throttling. */
  maxAttempts?: number;
}

export function createAwsClients(options: AwsClientOptions = {}): AwsClients & { destroy(): void } {
  const s3 = new Map<string, S3Client>();
  const hub = new Map<string, SecurityHubClient>();
  const common = {
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: options.maxAttempts ?? 5,
  };
  return {
    s3(region) {
      let client = s3.get(region);
      if (!client) s3.set(region, (client = new S3Client({ ...common, region })));
      return client;
    },
    securityHub(region) {
      let client = hub.get(region);
      if (!client) hub.set(region, (client = new SecurityHubClient({ ...common, region })));
      return client;
    },
    destroy() {
      for (const client of [...s3.values(), ...hub.values()]) client.destroy();
    },
  };
}
