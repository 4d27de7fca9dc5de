import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createAwsClients } from '../../src/remediate/aws-clients.js';
import { makeFinding } from '../helpers/findings.js';

const require = createRequire(import.meta.url);
const loaded = (sdk: string) => Object.keys(require.cache).some((path) => path.includes(`/node_modules/${sdk}/`));

describe('AWS clients', () => {
  it('loads no SDK package for a process that only triages, routes and knows the fixes', async () => {
    // Every remediation module is imported here (through the registry), as in any process that triages.
    const { triage } = await import('../../src/triage/triage.js');
    await import('../../src/remediate/registry.js');
    await import('../../src/route/tag-lookup.js');
    expect(triage(makeFinding()).remediation).toBe('s3-block-public-access');
    expect(Object.keys(require.cache).filter((path) => path.includes('/node_modules/@aws-sdk/client-'))).toEqual([]);
  });

  it('loads an SDK package only when the first client of that service is made, then reuses the client per Region', async () => {
    const clients = createAwsClients({ credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
    expect(loaded('@aws-sdk/client-ec2')).toBe(false);
    expect(loaded('@aws-sdk/client-iam')).toBe(false);

    const ec2 = clients.ec2('eu-west-1');
    expect(loaded('@aws-sdk/client-ec2')).toBe(true);
    expect(loaded('@aws-sdk/client-iam')).toBe(false);
    expect(clients.ec2('eu-west-1')).toBe(ec2);
    expect(clients.ec2('us-east-1')).not.toBe(ec2);
    expect(await ec2.config.region()).toBe('eu-west-1');
    expect(ec2.config.maxAttempts).toBeDefined();
    clients.destroy();
  });
});
