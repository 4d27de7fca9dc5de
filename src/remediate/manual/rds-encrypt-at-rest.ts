import type { ManualGuidance } from '../remediation.js';

/**
 * RDS.3: storage encryption can only be chosen when an instance is created, so the fix
 * is a migration to an encrypted copy, which needs a write freeze and an endpoint
 * cut-over that only the database's owners can schedule.
 */
export const rdsEncryptAtRestGuidance: ManualGuidance = {
  id: 'rds-encrypt-at-rest',
  controls: ['RDS.3'],
  cisRules: [],
  why: 'RDS cannot encrypt an existing DB instance in place: it must be rebuilt from an encrypted snapshot copy and the application cut over, which needs a planned write freeze.',
  steps: [
    'Record the instance settings to reproduce: `aws rds describe-db-instances --db-instance-identifier <db>` (DBInstanceClass, DBSubnetGroup, VpcSecurityGroups, DBParameterGroups, OptionGroupMemberships, MultiAZ, BackupRetentionPeriod, DeletionProtection, tags). For an Aurora instance, do the same steps at cluster level (create-db-cluster-snapshot, copy-db-cluster-snapshot, restore-db-cluster-from-snapshot).',
    'Choose the KMS key (in the same Region) and a maintenance window; announce it, then stop writes to <db> (application read-only mode or scale writers to zero) so nothing is lost after the snapshot.',
    'Snapshot the instance: `aws rds create-db-snapshot --db-instance-identifier <db> --db-snapshot-identifier <db>-pre-encryption`, then `aws rds wait db-snapshot-available --db-snapshot-identifier <db>-pre-encryption`.',
    'Make an encrypted copy: `aws rds copy-db-snapshot --source-db-snapshot-identifier <db>-pre-encryption --target-db-snapshot-identifier <db>-encrypted --kms-key-id <kms-key-arn> --copy-tags`, then `aws rds wait db-snapshot-available --db-snapshot-identifier <db>-encrypted`.',
    'Restore it as a new instance with the recorded settings and no public access: `aws rds restore-db-instance-from-db-snapshot --db-instance-identifier <db>-enc --db-snapshot-identifier <db>-encrypted --db-instance-class <class> --db-subnet-group-name <subnet-group> --vpc-security-group-ids <sg-ids> --db-parameter-group-name <parameter-group> --option-group-name <option-group> --no-publicly-accessible [--multi-az] [--deletion-protection]`, then `aws rds wait db-instance-available --db-instance-identifier <db>-enc`.',
    'Check the copy before cutting over: `aws rds describe-db-instances --db-instance-identifier <db>-enc --query "DBInstances[0].[StorageEncrypted,KmsKeyId,DBInstanceStatus]"` must show true, your key, available; compare row counts of the main tables against <db>; set the backup retention to the recorded value with modify-db-instance.',
    'Cut over while writes are still stopped, keeping the endpoint name: `aws rds modify-db-instance --db-instance-identifier <db> --new-db-instance-identifier <db>-unencrypted --apply-immediately`, wait until it is available, then `aws rds modify-db-instance --db-instance-identifier <db>-enc --new-db-instance-identifier <db> --apply-immediately` and wait again (or point the application at the new endpoint instead).',
    'Re-enable writes and watch the application for errors. Rollback while the freeze holds: rename the instances back the other way.',
    'After the rollback period, stop <db>-unencrypted, and later delete it with a final snapshot: `aws rds delete-db-instance --db-instance-identifier <db>-unencrypted --final-db-snapshot-identifier <db>-unencrypted-final`; delete <db>-pre-encryption once no longer needed (it is unencrypted).',
    'Press "Mark done": the bot re-reads the instance named in the finding.',
  ],
  recheck: 'DescribeDBInstances with DBInstanceIdentifier from the finding: passes when StorageEncrypted is true (and reports KmsKeyId).',
};
