import type { Remediation } from './remediation.js';
import { s3BlockPublicAccess } from './s3-block-public-access.js';

/** Every remediation the bot can run; a new fix is one file plus one line here. */
export const remediations: readonly Remediation[] = [s3BlockPublicAccess];

export function remediationById(id: string): Remediation | undefined {
  return remediations.find((r) => r.id === id);
}
