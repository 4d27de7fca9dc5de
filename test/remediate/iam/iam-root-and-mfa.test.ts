import { describe, expect, it } from 'vitest';
import {
  iamRootAccessKeysGuidance,
  iamRootHardwareMfaGuidance,
  iamRootMfaGuidance,
  iamUserConsoleMfaGuidance,
} from '../../../src/remediate/manual/iam-root-and-mfa.js';

const guidance = [iamRootAccessKeysGuidance, iamUserConsoleMfaGuidance, iamRootHardwareMfaGuidance, iamRootMfaGuidance];

describe('IAM manual guidance', () => {
  it('maps each control to its CIS v1.2 rule', () => {
    expect(guidance.map((g) => [g.id, g.controls, g.cisRules])).toEqual([
      ['iam-root-access-keys', ['IAM.4'], ['1.12']],
      ['iam-user-console-mfa', ['IAM.5'], ['1.2']],
      ['iam-root-hardware-mfa', ['IAM.6'], ['1.14']],
      ['iam-root-mfa', ['IAM.9'], ['1.13']],
    ]);
  });

  it('gives concrete steps ending in "Mark done", and a read-only re-check', () => {
    for (const g of guidance) {
      expect(g.steps.length).toBeGreaterThanOrEqual(4);
      expect(g.steps.at(-1)).toMatch(/Mark done/);
      expect(g.recheck).toMatch(/^(GetAccountSummary|GetLoginProfile|ListMFADevices)/);
      expect(g.recheck).not.toMatch(/\b(Create|Delete|Update|Put|Attach|Detach)[A-Z]/);
    }
    expect(iamRootAccessKeysGuidance.recheck).toContain('AccountAccessKeysPresent');
    expect(iamRootMfaGuidance.recheck).toContain('AccountMFAEnabled');
    expect(iamRootHardwareMfaGuidance.recheck).toContain('ListVirtualMFADevices');
    expect(iamUserConsoleMfaGuidance.recheck).toContain('ListMFADevices');
  });
});
