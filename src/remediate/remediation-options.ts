import type { Services } from '../app/services.js';
import type { RemediationOptions } from './remediation.js';

/** The policy's options for one remediation (each remediation validates its own). */
export function remediationOptions(services: Services, remediationId: string): RemediationOptions {
  const all = services.policy.remediationOptions;
  return Object.hasOwn(all, remediationId) ? (all[remediationId] ?? {}) : {};
}
