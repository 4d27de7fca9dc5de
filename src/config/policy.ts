import { readFileSync } from 'node:fs';
import { type Alias, isScalar, LineCounter, parseDocument, visit } from 'yaml';
import { z } from 'zod';
import type { Severity } from '../domain/triage.js';
import { defaultRules, type PolicyRule } from '../triage/rules.js';
import { formatPath, safeText } from '../ingest/safe-text.js';
import { accountId, channelId, policyRuleSchema, teamName } from './policy-rules.js';
import { lineAt } from './yaml-location.js';

const slackUser = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'expected a Slack user id such as U012ABCDEF');
const userGroup = z.string().regex(/^S[A-Z0-9]{2,}$/, 'expected a Slack user group id such as S012ABCDEF');
const approverSet = z.strictObject({ usergroup: userGroup.optional(), users: z.array(slackUser).default([]) });
const actionableSeverity = z.enum(['sev1', 'sev2', 'sev3']);

const team = z.strictObject({ channel: channelId, approvers: approverSet.optional() });
const account = z
  .strictObject({ team: teamName.optional(), channel: channelId.optional() })
  .refine((entry) => entry.team !== undefined || entry.channel !== undefined, { message: 'expected a team, a channel or both' });

/** Triage rules, ownership and routing, who may decide what, and the limits on exceptions and escalation. */
const policySchema = z
  .strictObject({
    /** The user's rules, after the shipped ones: a later match overrides an earlier one field by field. */
    rules: z.array(policyRuleSchema).default([]),
    /** Team -> its channel and who may approve its fixes. */
    teams: z.record(teamName, team).default({}),
    /** Account -> owning team (and its channel) or a channel of its own, when no tag names a team. */
    accounts: z.record(accountId, account).default({}),
    /** Unowned findings go here. */
    fallbackChannel: channelId.default('#soc2-findings'),
    /** Resource tags read for the owner, first match wins. */
    tagKeys: z.array(z.string().min(1, 'empty tag key').max(128)).max(50, 'more than 50 tag keys').default(['owner', 'team', 'Owner', 'Team']),
    approvals: z
      .strictObject({
        /** May approve anything. */
        security: approverSet.optional(),
        /** Findings that need two different approvers before a fix runs. */
        fourEyes: z
          .strictObject({ severities: z.array(actionableSeverity).default([]), accounts: z.array(accountId).default([]) })
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
    escalation: z.strictObject({ channel: channelId.optional(), oncallUsergroup: userGroup.optional() }).default({}),
    /** Guard rails on fixes that run without asking. */
    autopilot: z
      .strictObject({
        /** Beyond this many autopilot fixes in one account within an hour, fixes ask first (copilot) and security is told. */
        maxFixesPerAccountPerHour: z.number().int().min(0).default(20),
        /** A resource tagged with this key (any value) is never fixed without asking. */
        optOutTag: z.string().min(1).max(128).default('soc2-bot:no-autopilot'),
      })
      .default({ maxFixesPerAccountPerHour: 20, optOutTag: 'soc2-bot:no-autopilot' }),
    /**
     * Grouped cards: at least this many copilot findings awaiting a card in one delivery pass, with
     * the same account, fix, exact change and channel, share one card with "Approve all".
     */
    grouping: z
      .strictObject({ minFindings: z.number().int().min(2, 'a group needs at least 2 findings').default(5) })
      .default({ minFindings: 5 }),
    /** Options per remediation id (a KMS key, a log bucket, replacement CIDRs); each remediation validates its own. */
    remediationOptions: z.record(z.string().regex(/^[a-z0-9-]+$/, 'expected a remediation id'), z.record(z.string(), z.unknown())).default({}),
  })
  .superRefine((policy, context) => {
    const teams = Object.keys(policy.teams);
    const noTeam = (name: string) => `no team "${name}" under teams (${teams.length > 0 ? `expected one of ${listed(teams)}` : 'none defined'})`;
    const named = new Map<string, number>();
    policy.rules.forEach((rule, index) => {
      if (rule.owner !== undefined && !Object.hasOwn(policy.teams, rule.owner)) {
        context.addIssue({ code: 'custom', path: ['rules', index, 'owner'], message: noTeam(rule.owner) });
      }
      const first = named.get(rule.name);
      if (first !== undefined) context.addIssue({ code: 'custom', path: ['rules', index, 'name'], message: `"${rule.name}" is already the name of rules.${first}` });
      else named.set(rule.name, index);
    });
    for (const [id, entry] of Object.entries(policy.accounts)) {
      if (entry.team !== undefined && !Object.hasOwn(policy.teams, entry.team)) {
        context.addIssue({ code: 'custom', path: ['accounts', id, 'team'], message: noTeam(entry.team) });
      }
    }
  });

type PolicyFile = z.output<typeof policySchema>;
/** The validated policy; `rules` holds the shipped rules followed by the file's own. */
export type Policy = Omit<PolicyFile, 'rules'> & { rules: readonly PolicyRule[] };
export type ApproverSet = z.output<typeof approverSet>;
export type ActionableSeverity = Exclude<Severity, 'none'>;

/** Without a policy file: the shipped rules, anyone in the channel may approve, default exception limits. */
export const defaultPolicy: Policy = { ...policySchema.parse({}), rules: defaultRules };

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

/** Past this many, problems are counted rather than listed: the first ones are what to fix. */
const maxProblems = 50;
/** The yaml library searches the whole document for each alias's anchor, so thousands of them take minutes. */
const maxAliases = 100;

export function parsePolicy(text: string, file = 'policy'): Policy {
  const lineCounter = new LineCounter();
  // Duplicate keys are found by keyProblems: the library's own check (uniqueKeys) is quadratic in a map's size.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const lineOf = (offset: number) => lineCounter.linePos(offset).line;
  if (doc.errors.length > 0) {
    throw new PolicyFileError(file, capped(doc.errors.map((e) => `line ${lineOf(e.pos[0])}: not valid YAML: ${safeText(e.message.split('\n')[0] ?? '', 200)}`)));
  }
  const badKeys = keyProblems(doc, lineOf);
  if (badKeys.length > 0) throw new PolicyFileError(file, capped(badKeys));
  const aliases = aliasesIn(doc);
  const tooMany = aliases[maxAliases];
  if (tooMany) throw new PolicyFileError(file, [`line ${lineOf(tooMany.range?.[0] ?? 0)}: more than ${maxAliases} aliases (*name)`]);
  let value: unknown;
  try {
    // Aliases are expanded here: an unknown anchor or an alias bomb ("billion laughs") throws.
    value = doc.toJS() ?? {};
  } catch (error) {
    const reason = safeText(error instanceof Error ? error.message : String(error), 200);
    // The alias at fault: the first naming no anchor, else the first (a bomb starts there).
    const culprit = aliases.find((alias) => alias.resolve(doc) === undefined) ?? aliases[0];
    throw new PolicyFileError(file, [`line ${lineOf(culprit?.range?.[0] ?? 0)}: not valid YAML: ${reason}`]);
  }
  const parsed = policySchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => describeIssue(issue, doc, lineCounter));
    throw new PolicyFileError(file, capped(problems.sort((a, b) => a.line - b.line).map((p) => p.text)));
  }
  const rules = parsed.data.rules.map((rule, index): PolicyRule => ({ ...rule, origin: `${file} line ${lineAt(doc, lineCounter, ['rules', index]) ?? '?'}` }));
  return { ...parsed.data, rules: [...defaultRules, ...rules] };
}

/** "line N: field.path: what was expected", pointing at the key for key problems. */
function describeIssue(issue: z.core.$ZodIssue, doc: ReturnType<typeof parseDocument>, lineCounter: LineCounter): { line: number; text: string } {
  const field = formatPath(issue.path);
  let line: number | null;
  let what: string;
  if (issue.code === 'unrecognized_keys') {
    line = lineAt(doc, lineCounter, [...issue.path, issue.keys[0] ?? ''], 'key');
    const hint = issue.path.join('.') === 'approvals' && issue.keys.includes('teams') ? ' (team approvers moved to teams.<team>.approvers)' : '';
    what = `unknown key ${listed(issue.keys)}${hint}`;
  } else {
    line = lineAt(doc, lineCounter, issue.path, issue.code === 'invalid_key' ? 'key' : 'value');
    // A bad record key (an account id) carries its reason in a nested issue.
    what = (issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message).replace(/^Invalid input: /, '');
  }
  return { line: line ?? 0, text: `${line === null ? 'top level' : `line ${line}`}: ${field}: ${what}` };
}

function capped(problems: string[]): string[] {
  const more = problems.length - maxProblems;
  return more > 0 ? [...problems.slice(0, maxProblems), `and ${more} more problem${more === 1 ? '' : 's'}`] : problems;
}

/** Names from the file, each shortened and at most ten of them, so a message never echoes the file back. */
function listed(names: readonly string[]): string {
  const shown = names.slice(0, 10).map((name) => safeText(name, 60));
  return names.length > 10 ? `${shown.join(', ')} and ${names.length - 10} more` : shown.join(', ');
}

/**
 * Repeated keys, in one pass over each map, and `__proto__` keys: zod drops those from records
 * without an error, so `tags: { __proto__: prod }` would become a match on no tags, matching everything.
 */
function keyProblems(doc: ReturnType<typeof parseDocument>, lineOf: (offset: number) => number): string[] {
  const problems: string[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const { key } of map.items) {
        if (!isScalar(key)) continue;
        const name = String(key.value);
        const line = lineOf(key.range?.[0] ?? 0);
        if (name === '__proto__') problems.push(`line ${line}: __proto__ cannot be used as a key`);
        else if (seen.has(name)) problems.push(`line ${line}: not valid YAML: Map keys must be unique; ${safeText(name, 60)} is repeated`);
        seen.add(name);
      }
    },
  });
  return problems;
}

/** The first maxAliases + 1 aliases, in document order. */
function aliasesIn(doc: ReturnType<typeof parseDocument>): Alias[] {
  const aliases: Alias[] = [];
  visit(doc, {
    Alias(_, alias) {
      aliases.push(alias);
      return aliases.length > maxAliases ? visit.BREAK : undefined;
    },
  });
  return aliases;
}
