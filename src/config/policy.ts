import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import type { Severity } from '../domain/triage.js';

const slackUser = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'expected a Slack user id such as U012ABCDEF');
const userGroup = z.string().regex(/^S[A-Z0-9]{2,}$/, 'expected a Slack user group id such as S012ABCDEF');
const channel = z.string().regex(/^[CG][A-Z0-9]{2,}$/, 'expected a Slack channel id such as C012ABCDEF');
const approverSet = z.strictObject({ usergroup: userGroup.optional(), users: z.array(slackUser).default([]) });
const actionableSeverity = z.enum(['sev1', 'sev2', 'sev3']);

/** Who may decide what, and the limits on exceptions and escalation. */
const policySchema = z.strictObject({
  approvals: z
    .strictObject({
      /** May approve anything. */
      security: approverSet.optional(),
      /** Owner (resource tag value, as in routing) -> who may approve that team's findings. */
      teams: z.record(z.string().min(1), approverSet).default({}),
      /** Findings that need two different approvers before a fix runs. */
      fourEyes: z
        .strictObject({
          severities: z.array(actionableSeverity).default([]),
          accounts: z.array(z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id (quote it in YAML)')).default([]),
        })
        .default({ severities: [], accounts: [] }),
    })
    .optional(),
  exceptions: z
    .strictObject({
      /** Longest exception allowed per severity, in days. */
      maxDays: z
        .strictObject({ sev1: z.number().int().min(1), sev2: z.number().int().min(1), sev3: z.number().int().min(1) })
        .default({ sev1: 7, sev2: 30, sev3: 90 }),
      /** The person who requests an exception may not grant it. */
      separationOfDuties: z.boolean().default(false),
    })
    .default({ maxDays: { sev1: 7, sev2: 30, sev3: 90 }, separationOfDuties: false }),
  escalation: z
    .strictObject({ channel: channel.optional(), oncallUsergroup: userGroup.optional() })
    .default({}),
  /** Options per remediation id (a KMS key, a log bucket, replacement CIDRs); each remediation validates its own. */
  remediationOptions: z.record(z.string().regex(/^[a-z0-9-]+$/, 'expected a remediation id'), z.record(z.string(), z.unknown())).default({}),
});

export type Policy = z.output<typeof policySchema>;
export type ApproverSet = z.output<typeof approverSet>;
export type ActionableSeverity = Exclude<Severity, 'none'>;

/** Without a policy file: anyone in the channel may approve, no four-eyes, default exception limits. */
export const defaultPolicy: Policy = policySchema.parse({});

export class PolicyFileError extends Error {
  override readonly name = 'PolicyFileError';
  constructor(readonly file: string, readonly problems: string[]) {
    super(`${file}: ${problems.join('; ')}`);
  }
}

/** Reads and validates a policy file; every problem names its line, field and what was expected. */
export function loadPolicyFile(file: string): Policy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new PolicyFileError(file, [`cannot read: ${error instanceof Error ? error.message : String(error)}`]);
  }
  return parsePolicy(text, file);
}

export function parsePolicy(text: string, file = 'policy'): Policy {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new PolicyFileError(
      file,
      doc.errors.map((e) => `line ${lineCounter.linePos(e.pos[0]).line}: not valid YAML: ${e.message.split('\n')[0] ?? ''}`),
    );
  }
  const parsed = policySchema.safeParse(doc.toJS() ?? {});
  if (parsed.success) return parsed.data;
  throw new PolicyFileError(
    file,
    parsed.error.issues.map((issue) => {
      // Point at the deepest node that exists: a missing key's parent, else the document.
      let path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
      let node = doc.getIn(path, true);
      while (!node && path.length > 0) {
        path = path.slice(0, -1);
        node = doc.getIn(path, true);
      }
      const range = node && typeof node === 'object' && 'range' in node ? (node.range as [number, number, number] | undefined) : undefined;
      const where = range ? `line ${lineCounter.linePos(range[0]).line}` : 'top level';
      const field = issue.path.join('.') || '(document)';
      const what = issue.code === 'unrecognized_keys' ? `unknown key ${issue.keys.join(', ')}` : issue.message;
      return `${where}: ${field}: ${what}`;
    }),
  );
}
