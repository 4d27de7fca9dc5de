import { beforeEach, describe, expect, it } from 'vitest';
import { dbInstanceOf, rdsDisablePublicAccess } from '../../../src/remediate/rds/rds-disable-public-access.js';
import { RdsService } from '../../../src/sim/rds-service.js';
import { makeFinding } from '../../helpers/findings.js';
import { useSimulatedAws } from '../../helpers/sim-aws.js';

const { sim, clients } = useSimulatedAws();
const finding = makeFinding({
  id: 'arn:aws:securityhub:us-east-1:111111111111:subscription/aws-foundational-security-best-practices/v/1.0.0/RDS.2/finding/0002',
  control: 'RDS.2',
  resource: { type: 'AwsRdsDbInstance', id: 'arn:aws:rds:us-east-1:111111111111:db:database-1', region: 'us-east-1', tags: {} },
});
let rds: RdsService;

beforeEach(() => {
  rds = new RdsService({ accountId: sim.aws.accountId });
  sim.aws.register(rds);
});

describe('rds-disable-public-access', () => {
  it('makes the instance private, verifies, and undo makes it public again', async () => {
    rds.addDbInstance('database-1', { engine: 'mariadb', publiclyAccessible: true });
    const before = rds.dbInstance('database-1');
    const plan = await rdsDisablePublicAccess.plan(finding, clients);
    expect(plan).toMatchObject({ alreadyCompliant: false, resourceId: 'database-1', region: 'us-east-1' });
    expect(plan.diff.split('\n')).toEqual([
      '--- RDS DB instance database-1 (now)',
      '+++ RDS DB instance database-1 (after fix)',
      '- PubliclyAccessible: true',
      '+ PubliclyAccessible: false',
    ]);
    expect(plan.calls).toEqual([
      { service: 'rds', operation: 'ModifyDBInstance', input: { DBInstanceIdentifier: 'database-1', PubliclyAccessible: false, ApplyImmediately: true } },
    ]);
    expect(sim.aws.callsTo('rds', 'ModifyDBInstance')).toHaveLength(0);

    await rdsDisablePublicAccess.apply(plan, clients);
    expect(rds.dbInstance('database-1')).toEqual({ ...before, publiclyAccessible: false });
    await expect(rdsDisablePublicAccess.verify(plan, clients)).resolves.toEqual({
      ok: true,
      observed: { PubliclyAccessible: false },
      detail: 'PubliclyAccessible reads back as false',
    });

    await rdsDisablePublicAccess.undo?.(plan, clients);
    expect(rds.dbInstance('database-1')).toEqual(before);
  });

  it('says "already compliant" and plans no call for a private instance', async () => {
    rds.addDbInstance('database-1', { publiclyAccessible: false });
    const plan = await rdsDisablePublicAccess.plan(finding, clients);
    expect(plan).toMatchObject({ alreadyCompliant: true, calls: [] });
    await rdsDisablePublicAccess.apply(plan, clients);
    await rdsDisablePublicAccess.undo?.(plan, clients);
    expect(sim.aws.callsTo('rds', 'ModifyDBInstance')).toHaveLength(0);
  });

  it('fails verification while the instance is still public', async () => {
    rds.addDbInstance('database-1', { publiclyAccessible: true });
    const plan = await rdsDisablePublicAccess.plan(finding, clients);
    await expect(rdsDisablePublicAccess.verify(plan, clients)).resolves.toMatchObject({ ok: false, observed: { PubliclyAccessible: true } });
  });

  it('surfaces a deleted instance, a busy instance and AccessDenied as named errors', async () => {
    await expect(rdsDisablePublicAccess.plan(finding, clients)).rejects.toMatchObject({ name: 'DBInstanceNotFoundFault', Code: 'DBInstanceNotFound' });

    rds.addDbInstance('database-1', { publiclyAccessible: true });
    const plan = await rdsDisablePublicAccess.plan(finding, clients);
    sim.aws.failNext('rds', 'ModifyDBInstance', { status: 403, code: 'AccessDenied', message: 'not authorized to perform rds:ModifyDBInstance' });
    await expect(rdsDisablePublicAccess.apply(plan, clients)).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(rds.dbInstance('database-1')?.publiclyAccessible).toBe(true);

    rds.addDbInstance('database-1', { publiclyAccessible: true, status: 'modifying' });
    await expect(rdsDisablePublicAccess.apply(plan, clients)).rejects.toMatchObject({ name: 'InvalidDBInstanceStateFault' });
  });

  it('applies only the call it plans', async () => {
    rds.addDbInstance('database-1', { publiclyAccessible: true });
    const plan = await rdsDisablePublicAccess.plan(finding, clients);
    const widened = { ...plan, calls: [{ ...plan.calls[0]!, input: { DBInstanceIdentifier: 'database-1', PubliclyAccessible: false, ApplyImmediately: true, DeletionProtection: false } }] };
    await expect(rdsDisablePublicAccess.apply(widened, clients)).rejects.toThrow(/DeletionProtection/);
    const other = { ...plan, calls: [{ service: 'rds', operation: 'DeleteDBInstance', input: { DBInstanceIdentifier: 'database-1' } }] };
    await expect(rdsDisablePublicAccess.apply(other, clients)).rejects.toThrow('unexpected call rds:DeleteDBInstance in plan');
    expect(sim.aws.callsTo('rds')).toHaveLength(1);
  });

  it('reads the instance and its Region from the ARN, or a bare identifier', () => {
    const west = makeFinding({ resource: { type: 'AwsRdsDbInstance', id: 'arn:aws:rds:us-west-2:111111111111:db:orders-db', region: 'us-east-1', tags: {} } });
    expect(dbInstanceOf(west)).toEqual({ identifier: 'orders-db', region: 'us-west-2' });
    const bare = makeFinding({ region: 'eu-west-1', resource: { type: 'AwsRdsDbInstance', id: 'orders-db', region: '', tags: {} } });
    expect(dbInstanceOf(bare)).toEqual({ identifier: 'orders-db', region: 'eu-west-1' });
    const cluster = makeFinding({ resource: { type: 'AwsRdsDbCluster', id: 'arn:aws:rds:us-east-1:111111111111:cluster:orders', region: 'us-east-1', tags: {} } });
    expect(() => dbInstanceOf(cluster)).toThrow('"arn:aws:rds:us-east-1:111111111111:cluster:orders" does not name an RDS DB instance');
  });
});
