import { z } from 'zod';
import { trailSettingRemediation } from './cloudtrail-trail-setting.js';

/**
 * Turns on log file integrity validation for the trail the finding names (CloudTrail.4,
 * CIS 2.2). Safe to run unattended: it only adds digest files next to the logs.
 */
export const cloudTrailLogFileValidation = trailSettingRemediation(
  { id: 'cloudtrail-log-file-validation', controls: ['CloudTrail.4'], cisRules: ['2.2'], mode: 'autopilot' },
  {
    field: 'LogFileValidationEnabled',
    schema: z.boolean(),
    read: (trail) => trail.LogFileValidationEnabled === true,
    holds: (enabled) => enabled,
    target: () => true,
    update: (enabled) => ({ EnableLogFileValidation: enabled }),
    show: (enabled) => enabled,
  },
);
