import { readFile as readFileFromDisk } from 'node:fs/promises';
import { defaultPolicy, loadPolicyFile, type Policy, PolicyFileError } from '../config/policy.js';
import type { Finding } from '../domain/finding.js';
import type { Triage } from '../domain/triage.js';
import { FindingParseError, parseFindingsText } from '../ingest/normalize.js';
import { safeText } from '../ingest/safe-text.js';
import { type Route, resolveRoute, routingFromPolicy } from '../route/routing.js';
import { explainFinding, renderExplanation } from '../triage/explain.js';
import { triage } from '../triage/triage.js';
import { findInputFiles, maxFileBytes } from './input-files.js';
import { formatTable } from './text-table.js';

export interface TriageCommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Reads a file as UTF-8; tests may replace it. Defaults to the file system. */
  readFile?: (path: string) => Promise<string>;
}

export const triageUsage = `usage: soc2-bot triage [--json] [--explain] [--policy FILE] PATH...

Triage Security Hub findings (ASFF finding, array, GetFindings output or EventBridge event)
and native GuardDuty events. A PATH is a JSON file or a folder searched recursively for *.json.

  --json         one JSON object per finding per line (default: an aligned table)
  --explain      for each finding, the rules that matched, what each set and which won
  --policy FILE  policy file (rules, teams, accounts) to triage and route with, as POLICY_FILE
  -h, --help     show this text

Exit status: 0 every file was read, 2 a path, file or policy file was unusable, 64 usage error.`;

const command = 'soc2-bot triage';
const exitOk = 0;
const exitBadInput = 2;
const exitUsage = 64; // EX_USAGE from sysexits.h

interface Options {
  json: boolean;
  explain: boolean;
  policyFile: string | null;
  paths: string[];
}

/** `soc2-bot triage`: args are what follows the subcommand. Returns the exit status. */
export async function runTriageCommand(args: string[], io: TriageCommandIo): Promise<number> {
  const options = parseArgs(args);
  if (options === 'help') {
    io.out(triageUsage);
    return exitOk;
  }
  if (typeof options === 'string') {
    io.err(`${command}: ${options}`);
    io.err(triageUsage);
    return exitUsage;
  }

  let policy: Policy = defaultPolicy;
  if (options.policyFile !== null) {
    try {
      policy = loadPolicyFile(options.policyFile);
    } catch (error) {
      if (!(error instanceof PolicyFileError)) throw error;
      for (const problem of error.problems) io.err(`${command}: policy file ${safeText(error.file, 300)}: ${safeText(problem, 500)}`);
      return exitBadInput;
    }
  }
  const routing = routingFromPolicy(policy);

  const readFile = io.readFile ?? ((path: string) => readFileFromDisk(path, 'utf8'));
  const rows: Row[] = [];
  let failed = false;
  const report = (path: string, problem: string): void => {
    failed = true;
    io.err(`${command}: ${safeText(path, 300)}: ${safeText(problem, 2000)}`);
  };

  for (const path of options.paths) {
    const found = await findInputFiles(path);
    for (const problem of found.problems) report(problem.path, problem.message);
    for (const file of found.files) {
      const findings = await readFindings(file, readFile, report);
      for (const finding of findings) {
        if (options.explain) {
          const explanation = explainFinding(finding, policy.rules, routing);
          if (options.json) io.out(JSON.stringify({ ...jsonRecord({ file, finding, ...explanation }), explain: { matched: explanation.matched, outcome: explanation.outcome } }));
          else for (const line of [...renderExplanation(finding, explanation), '']) io.out(line);
          continue;
        }
        const row = { file, finding, triage: triage(finding, policy.rules), route: resolveRoute(finding, routing) };
        if (options.json) io.out(JSON.stringify(jsonRecord(row)));
        else rows.push(row);
      }
    }
  }
  if (!options.json && rows.length > 0) for (const line of textTable(rows)) io.out(line);
  return failed ? exitBadInput : exitOk;
}

interface Row {
  file: string;
  finding: Finding;
  triage: Triage;
  route: Route;
}

async function readFindings(
  file: string,
  readFile: (path: string) => Promise<string>,
  report: (path: string, problem: string) => void,
): Promise<Finding[]> {
  let text: string;
  try {
    text = await readFile(file);
  } catch (error) {
    report(file, `cannot read: ${error instanceof Error ? error.message : String(error)}`);
    return [];
  }
  if (text.length > maxFileBytes) {
    report(file, 'file too large to be a findings file');
    return [];
  }
  try {
    return parseFindingsText(text, file);
  } catch (error) {
    if (!(error instanceof FindingParseError)) throw error;
    report(file, error.message);
    return [];
  }
}

function jsonRecord({ file, finding, triage: decided, route }: Row): Record<string, unknown> {
  return {
    id: finding.id,
    title: finding.title,
    product: finding.productName,
    control: finding.control,
    controlSource: finding.controlSource,
    account: finding.account,
    region: finding.region,
    resource: { type: finding.resource.type, id: finding.resource.id },
    label: finding.severity,
    compliance: finding.compliance,
    workflow: finding.workflow,
    recordState: finding.recordState,
    firstSeenAt: finding.firstSeenAt,
    severity: decided.severity,
    mode: decided.mode,
    remediation: decided.remediation,
    dueAt: decided.dueAt,
    tsc: decided.tsc,
    channel: route.channel,
    owner: route.owner,
    routedVia: route.via,
    reason: decided.reason,
    file,
  };
}

function textTable(rows: readonly Row[]): string[] {
  const header = ['SEVERITY', 'DUE', 'CONTROL', 'ACCOUNT', 'REGION', 'RESOURCE', 'CHANNEL', 'TITLE'];
  const body = rows.map(({ finding, triage: decided, route }) => [
    decided.severity,
    decided.dueAt === null ? '-' : `${decided.dueAt.slice(0, 16)}Z`,
    finding.control ?? finding.productName,
    finding.account,
    finding.region,
    finding.resource.id,
    route.channel,
    finding.title,
  ]);
  return formatTable(header, body);
}

function parseArgs(args: readonly string[]): Options | 'help' | string {
  const options: Options = { json: false, explain: false, policyFile: null, paths: [] };
  let onlyPaths = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (onlyPaths || !arg.startsWith('-') || arg === '-') {
      if (arg === '') return 'empty PATH';
      options.paths.push(arg);
    } else if (arg === '--') onlyPaths = true;
    else if (arg === '-h' || arg === '--help') return 'help';
    else if (arg === '--json') options.json = true;
    else if (arg === '--explain') options.explain = true;
    else if (arg === '--policy' || arg.startsWith('--policy=')) {
      const value = arg === '--policy' ? args[++i] : arg.slice('--policy='.length);
      if (value === undefined || value === '') return '--policy needs a FILE';
      if (options.policyFile !== null) return '--policy given more than once';
      options.policyFile = value;
    } else return `unknown option ${safeText(arg, 60)}`;
  }
  if (options.paths.length === 0) return 'no PATH given';
  return options;
}
