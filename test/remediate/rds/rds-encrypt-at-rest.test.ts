import { describe, expect, it } from 'vitest';
import { rdsEncryptAtRestGuidance } from '../../../src/remediate/manual/rds-encrypt-at-rest.js';

describe('rds-encrypt-at-rest guidance', () => {
  it('walks snapshot, encrypted copy, restore and cut-over in that order, and re-checks StorageEncrypted', () => {
    const { steps, controls, recheck } = rdsEncryptAtRestGuidance;
    expect(controls).toEqual(['RDS.3']);
    const at = (text: string) => steps.findIndex((step) => step.includes(text));
    const order = ['create-db-snapshot', 'copy-db-snapshot', 'restore-db-instance-from-db-snapshot', '--new-db-instance-identifier', 'delete-db-instance'].map(at);
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(steps[at('copy-db-snapshot')]).toContain('--kms-key-id');
    expect(recheck).toMatch(/DescribeDBInstances.*StorageEncrypted/);
  });
});
