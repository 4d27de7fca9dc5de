import { z } from 'zod';
import { trailSettingRemediation } from './cloudtrail-trail-setting.js';
import { kmsKeyIdSchema, parseOptions } from './cloudtrail-trail.js';

const options = z.object({ kmsKeyId: kmsKeyIdSchema });

/**
 * Encrypts a trail's log files with the policy's KMS key (CloudTrail.2, CIS 2.7). A trail
 * already encrypted with any key passes the control and is left alone. The key policy must
 * let cloudtrail.amazonaws.com use the key, or UpdateTrail fails with
 * InsufficientEncryptionPolicyException and nothing changes.
 */
export const cloudTrailKmsEncryption = trailSettingRemediation(
  { id: 'cloudtrail-kms-encryption', controls: ['CloudTrail.2'], cisRules: ['2.7'], mode: 'copilot' },
  {
    field: 'KmsKeyId',
    schema: z.string().min(1).nullable(),
    // CloudTrail reports the key as its ARN; absent means SSE-S3 only.
    read: (trail) => trail.KmsKeyId || null,
    holds: (keyId) => keyId !== null,
    target: (id, given) => parseOptions(id, options, given).kmsKeyId,
    // An empty KmsKeyId is CloudTrail's documented way to turn SSE-KMS off again (undo).
    update: (keyId) => ({ KmsKeyId: keyId ?? '' }),
    show: (keyId) => keyId ?? '(none: SSE-S3 only)',
  },
);
