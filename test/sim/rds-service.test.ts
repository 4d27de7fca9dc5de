import { DescribeDBInstancesCommand, ModifyDBInstanceCommand } from '@aws-sdk/client-rds';
import { beforeEach, describe, expect, it } from 'vitest';
import { RdsService } from '../../src/sim/rds-service.js';
import { useSimulatedAws } from '../helpers/sim-aws.js';

const { sim, clients } = useSimulatedAws();
let rds: RdsService;

beforeEach(() => {
  rds = new RdsService({ accountId: sim.aws.accountId });
  sim.aws.register(rds);
  rds.addDbInstance('database-1', { engine: 'mariadb', publiclyAccessible: true });
  rds.addDbInstance('ledger', { storageEncrypted: true, kmsKeyId: 'arn:aws:kms:us-east-1:111111111111:key/ledger' });
  rds.addDbInstance('west-db', { region: 'us-west-2' });
});

describe('RdsService', () => {
  it('answers DescribeDBInstances for one instance or every instance in the Region', async () => {
    const east = clients.rds('us-east-1');
    const one = await east.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'Database-1' }));
    expect(one.DBInstances).toEqual([
      {
        DBInstanceIdentifier: 'database-1',
        DBInstanceClass: 'db.t3.micro',
        Engine: 'mariadb',
        DBInstanceStatus: 'available',
        PubliclyAccessible: true,
        StorageEncrypted: false,
        DBInstanceArn: 'arn:aws:rds:us-east-1:111111111111:db:database-1',
      },
    ]);
    const all = await east.send(new DescribeDBInstancesCommand({}));
    expect(all.DBInstances?.map((i) => [i.DBInstanceIdentifier, i.StorageEncrypted, i.KmsKeyId])).toEqual([
      ['database-1', false, undefined],
      ['ledger', true, 'arn:aws:kms:us-east-1:111111111111:key/ledger'],
    ]);
  });

  it('names a missing instance DBInstanceNotFound on the wire (DBInstanceNotFoundFault in the SDK)', async () => {
    await expect(clients.rds('us-east-1').send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'west-db' }))).rejects.toMatchObject({
      name: 'DBInstanceNotFoundFault',
      Code: 'DBInstanceNotFound',
      message: 'DBInstance west-db not found.',
      $metadata: { httpStatusCode: 404 },
    });
    await expect(clients.rds('us-east-1').send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: '1-bad' }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
  });

  it('modifies PubliclyAccessible and answers with the instance', async () => {
    const out = await clients.rds('us-east-1').send(
      new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'database-1', PubliclyAccessible: false, ApplyImmediately: true }),
    );
    expect(out.DBInstance).toMatchObject({ DBInstanceIdentifier: 'database-1', PubliclyAccessible: false });
    expect(rds.dbInstance('database-1')?.publiclyAccessible).toBe(false);
    expect(sim.aws.callsTo('rds', 'ModifyDBInstance')[0]?.input).toEqual({
      DBInstanceIdentifier: 'database-1',
      PubliclyAccessible: 'false',
      ApplyImmediately: 'true',
    });
  });

  it('refuses to modify an instance that is not available', async () => {
    rds.addDbInstance('busy', { status: 'backing-up', publiclyAccessible: true });
    await expect(
      clients.rds('us-east-1').send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'busy', PubliclyAccessible: false })),
    ).rejects.toMatchObject({ name: 'InvalidDBInstanceStateFault' });
    expect(rds.dbInstance('busy')?.publiclyAccessible).toBe(true);
  });

  it('reports parameters it does not model as unsupported rather than ignoring them', async () => {
    await expect(
      clients.rds('us-east-1').send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'database-1', AllocatedStorage: 100 })),
    ).rejects.toMatchObject({ name: 'NotImplemented', $metadata: { httpStatusCode: 501 } });
    expect(sim.aws.callsTo('rds', 'Unsupported')[0]?.input).toEqual({ request: 'RDS Action=ModifyDBInstance Version=2014-10-31 AllocatedStorage' });
  });

  it('puts injected faults in the Query error format', async () => {
    sim.aws.failNext('rds', 'DescribeDBInstances', { status: 403, code: 'AccessDenied', message: 'not authorized' });
    await expect(clients.rds('us-east-1').send(new DescribeDBInstancesCommand({}))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: 'not authorized',
    });
  });
});
