import { cloudTrailEnableLogging } from './cloudtrail/cloudtrail-enable-logging.js';
import { cloudTrailKmsEncryption } from './cloudtrail/cloudtrail-kms-encryption.js';
import { cloudTrailLogFileValidation } from './cloudtrail/cloudtrail-log-file-validation.js';
import { ebsEncryptionByDefault } from './ec2/ebs-encryption-by-default.js';
import { ec2DefaultSgRemoveRules } from './ec2/ec2-default-sg-remove-rules.js';
import { ec2RequireImdsv2 } from './ec2/ec2-require-imdsv2.js';
import { iamDeactivateOldAccessKeys } from './iam/iam-deactivate-old-access-keys.js';
import { iamDetachUserPolicies } from './iam/iam-detach-user-policies.js';
import { iamDisableUnusedCredentials } from './iam/iam-disable-unused-credentials.js';
import { iamPasswordPolicy } from './iam/iam-password-policy.js';
import { iamRestrictFullAdminPolicy } from './iam/iam-restrict-full-admin-policy.js';
import { iamRootAccessKeysGuidance, iamRootHardwareMfaGuidance, iamRootMfaGuidance, iamUserConsoleMfaGuidance } from './manual/iam-root-and-mfa.js';
import { rdsEncryptAtRestGuidance } from './manual/rds-encrypt-at-rest.js';
import { rdsDisablePublicAccess } from './rds/rds-disable-public-access.js';
import type { ManualGuidance, Remediation } from './remediation.js';
import { s3AccessLogging } from './s3/s3-access-logging.js';
import { s3AccountBlockPublicAccess } from './s3/s3-account-block-public-access.js';
import { s3BlockPublicAccess } from './s3/s3-block-public-access.js';
import { s3DefaultEncryption } from './s3/s3-default-encryption.js';
import { s3DenyInsecureTransport } from './s3/s3-deny-insecure-transport.js';
import { s3Versioning } from './s3/s3-versioning.js';
import { sgRevokeOpenIngress } from './ec2/sg-revoke-open-ingress.js';

/** Every remediation the bot can run; a new fix is one file plus one line here. */
export const remediations: readonly Remediation[] = [
  s3AccountBlockPublicAccess,
  s3BlockPublicAccess,
  s3DefaultEncryption,
  s3DenyInsecureTransport,
  s3AccessLogging,
  s3Versioning,
  sgRevokeOpenIngress,
  ec2DefaultSgRemoveRules,
  ebsEncryptionByDefault,
  ec2RequireImdsv2,
  iamDeactivateOldAccessKeys,
  iamDisableUnusedCredentials,
  iamDetachUserPolicies,
  iamRestrictFullAdminPolicy,
  iamPasswordPolicy,
  cloudTrailEnableLogging,
  cloudTrailKmsEncryption,
  cloudTrailLogFileValidation,
  rdsDisablePublicAccess,
];

/** Controls no API call of the bot's may fix: the card tells a person exactly what to do. */
export const manualGuidance: readonly ManualGuidance[] = [
  iamRootAccessKeysGuidance,
  iamUserConsoleMfaGuidance,
  iamRootHardwareMfaGuidance,
  iamRootMfaGuidance,
  rdsEncryptAtRestGuidance,
];

export function remediationById(id: string): Remediation | undefined {
  return remediations.find((r) => r.id === id);
}
