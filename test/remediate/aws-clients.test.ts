import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createAwsClients } from '../../src/remediate/aws-clients.js';

const require = createRequire(import.meta.url);
const loaded = (sdk: string) => Object.keys(require.cache).some((path) => path.includes(`/node_modules/${sdk}/`));

describe('AWS clients', () => {
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
