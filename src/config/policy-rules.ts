import { z } from 'zod';
import { ruleFields, type Sla } from '../triage/rules.js';

// `*` in a matched value stands for any run of characters (see RuleMatch).
const list = <T extends z.ZodType>(item: T) => z.array(item).min(1, 'expected at least one value');
const controlId = z.string().regex(/^[A-Za-z0-9*]+(\.[0-9*]+)?$/, 'expected a Security Hub control id such as S3.8');
const configRule = z.string().regex(/^[A-Za-z0-9*][A-Za-z0-9_*-]{0,127}$/, 'expected an AWS Config rule name such as s3-bucket-versioning-enabled');
const product = z.string().regex(/^[a-z0-9*][a-z0-9*.-]*\/[a-z0-9*][a-z0-9*.-]*$/, 'expected company/product such as aws/guardduty');
const resourceType = z.string().regex(/^[A-Za-z0-9*]+$/, 'expected an ASFF resource type such as AwsS3Bucket');
const region = z.string().regex(/^[a-z0-9*-]+$/, 'expected a Region such as eu-west-1');
// YAML reads an unquoted 012345678901 as a number and drops the leading zero, hence the hint.
const accountHint = 'expected a 12-digit AWS account id (quote it in YAML)';
export const accountId = z.string({ error: accountHint }).regex(/^\d{12}$/, accountHint);
/** A team is what an owner tag names; the first character rules out names such as __proto__. */
export const teamName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 _.:/=+@-]{0,255}$/, 'expected a team name (letters, digits and _.:/=+@- after the first)');
const channelHint = 'expected a Slack channel id such as C012ABCDEF';
// In YAML an unquoted "#security" is a comment, which leaves the value empty: say so.
export const channelId = z
  .string({ error: (issue) => (issue.input === null ? `${channelHint} (in YAML, text after # is a comment)` : channelHint) })
  .regex(/^[CG][A-Z0-9]{2,}$/, channelHint);
// YAML reads `cost-center: 1234` as a number; tag values are text either way.
const tagValues = z.preprocess(
  (value) => (Array.isArray(value) ? value : [value]).map((v: unknown) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v)),
  list(z.string({ error: 'expected a tag value or a list of values' }).max(256)),
);

const ruleMatch = z.strictObject({
  controls: list(controlId).optional(),
  configRules: list(configRule).optional(),
  products: list(product).optional(),
  resourceTypes: list(resourceType).optional(),
  accounts: list(accountId).optional(),
  regions: list(region).optional(),
  tags: z.record(z.string().min(1).max(128), tagValues).optional(),
});

const sla = z
  .string({ error: 'expected a duration such as 24h or 14d' })
  .regex(/^[1-9]\d{0,4}[hd]$/, 'expected a duration such as 24h or 14d')
  .transform((text): Sla => (text.endsWith('h') ? { hours: Number(text.slice(0, -1)) } : { days: Number(text.slice(0, -1)) }));

/** One rule as written in a policy file; its origin is added once its line is known. */
export const policyRuleSchema = z
  .strictObject({
    name: z.string({ error: 'expected a rule name' }).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'expected a short rule name: letters, digits and _.- after the first'),
    match: ruleMatch,
    why: z.string().min(1).max(500).optional(),
    severity: z.enum(['sev1', 'sev2', 'sev3', 'none'], { error: 'expected sev1, sev2, sev3 or none' }).optional(),
    sla: sla.optional(),
    mode: z.enum(['autopilot', 'copilot', 'manual'], { error: 'expected autopilot, copilot or manual' }).optional(),
    tsc: list(z.string().regex(/^(CC[1-9]|A1|C1|PI1|P[1-8])\.\d{1,2}$/, 'expected a SOC 2 criterion such as CC6.1')).optional(),
    owner: teamName.optional(),
    channel: channelId.optional(),
  })
  .refine((rule) => ruleFields.some((field) => rule[field] !== undefined), {
    message: `sets nothing: give at least one of ${ruleFields.join(', ')}`,
  });
