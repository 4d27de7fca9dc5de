import type { z } from 'zod';
import type { Finding } from '../domain/finding.js';
import { asffFindingSchema } from './asff-schema.js';
import { asffToFinding } from './asff-to-finding.js';
import { describeShape } from './describe-shape.js';
import { FindingParseError, InputProblem } from './finding-parse-error.js';
import { guardDutyDetailSchema, guardDutyToFinding } from './guardduty.js';
import { jsonErrorPosition, positionOf } from './json-error-position.js';
import { configChangeIn, configChangeSchema, configChangeToFinding } from './normalize-config.js';
import { formatPath, located, safeText } from './safe-text.js';

export { FindingParseError } from './finding-parse-error.js';

type Path = readonly PropertyKey[];

const securityHubDetailTypes: ReadonlySet<unknown> = new Set(['Security Hub Findings - Imported', 'Security Hub Findings - Custom Action']);
/** Past this many problems, further findings are not checked: the message is long enough. */
const maxProblems = 100;
const problemsInMessage = 6;

/**
 * Every finding in `input`: one ASFF finding, an array of them, a GetFindings response
 * ({"Findings": [...]}), a Security Hub EventBridge event (detail.findings), a native
 * GuardDuty EventBridge event or an AWS Config compliance change (EventBridge event or SNS
 * notification, see normalize-config.ts). Anything else, or any invalid finding, throws a
 * FindingParseError; no other exception escapes.
 */
export function normalize(input: unknown, source = 'input'): Finding[] {
  try {
    return findingsIn(input);
  } catch (error) {
    throw toParseError(error, source);
  }
}

/** JSON text from `source` (a file path, an HTTP body...) to findings. */
export function parseFindingsText(text: string, source: string): Finding[] {
  // A leading byte order mark is common from Windows editors and is not a JSON error.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw new FindingParseError(source, invalidJsonMessage(body, error));
  }
  return normalize(value, source);
}

function findingsIn(input: unknown): Finding[] {
  if (Array.isArray(input)) return asffList(input, []);
  if (isRecord(input)) {
    if ('Findings' in input) return asffList(expectArray(input['Findings'], ['Findings']), ['Findings']);
    const detailType = input['detail-type'];
    if (securityHubDetailTypes.has(detailType)) {
      const detail = expectRecord(input['detail'], ['detail']);
      return asffList(expectArray(detail['findings'], ['detail', 'findings']), ['detail', 'findings']);
    }
    if (detailType === 'GuardDuty Finding') return [guardDutyEvent(input)];
    const configChange = configChangeIn(input);
    if (configChange !== null) return [configChangeEvent(configChange.body, configChange.at)];
    if (detailType === undefined && looksLikeAsff(input)) return asffList([input], [], false);
  }
  throw new InputProblem(`not a recognisable finding: saw ${describeShape(input)}`);
}

/** Validates every item, collecting all problems so one run shows everything to fix. */
function asffList(items: readonly unknown[], at: Path, indexed = true): Finding[] {
  const findings: Finding[] = [];
  const problems: string[] = [];
  for (const [index, item] of items.entries()) {
    if (problems.length >= maxProblems) break;
    const itemPath = indexed ? [...at, index] : at;
    try {
      findings.push(asffOne(item, itemPath));
    } catch (error) {
      if (!(error instanceof InputProblem)) throw error;
      problems.push(...(error.problems.length > 0 ? error.problems : [error.message]));
    }
  }
  if (problems.length > 0) throw new InputProblem(problemMessage(problems), problems.slice(0, maxProblems));
  return findings;
}

function asffOne(item: unknown, at: Path): Finding {
  if (!isRecord(item)) throw new InputProblem(located(at, `not a recognisable finding: saw ${describeShape(item)}`));
  const result = asffFindingSchema.safeParse(item);
  if (!result.success) throw new InputProblem('invalid', issueProblems(result.error.issues, item, at));
  return asffToFinding(result.data, at);
}

function guardDutyEvent(event: Record<string, unknown>): Finding {
  const at: Path = ['detail'];
  return guardDutyToFinding(validated(guardDutyDetailSchema, expectRecord(event['detail'], at), at, 'GuardDuty finding event'));
}

function configChangeEvent(body: unknown, at: Path): Finding {
  return configChangeToFinding(validated(configChangeSchema, expectRecord(body, at), at, 'Config compliance change'));
}

/** `value` checked against a native event's schema; every problem names its full path. */
function validated<S extends z.ZodType>(schema: S, value: unknown, at: Path, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = issueProblems(result.error.issues, value, at);
  throw new InputProblem(`not a valid ${what}: ${summarise(problems)}`, problems);
}

function problemMessage(problems: readonly string[]): string {
  const [first] = problems;
  if (problems.length === 1 && first !== undefined && first.includes('not a recognisable finding')) return first;
  return `not a valid ASFF finding: ${summarise(problems)}`;
}

function summarise(problems: readonly string[]): string {
  const shown = problems.slice(0, problemsInMessage).join('; ');
  const more = problems.length - problemsInMessage;
  return more > 0 ? `${shown}; and ${more} more problem${more === 1 ? '' : 's'}` : shown;
}

/** One line per zod issue, naming the full field path and saying "missing" when it is. */
function issueProblems(issues: readonly z.core.$ZodIssue[], value: unknown, at: Path): string[] {
  return issues.slice(0, maxProblems).map((issue) => {
    const path = formatPath([...at, ...issue.path]);
    const found = valueAt(value, issue.path);
    if (found === undefined) return `${path}: missing`;
    const message = issue.message.replace(/^Invalid input: /, '');
    const scalar = typeof found === 'string' || typeof found === 'number' || typeof found === 'boolean';
    // Only the head is shown, so only the head is quoted: JSON.stringify of a 1 MB value costs milliseconds.
    const got = scalar ? ` (got ${safeText(JSON.stringify(typeof found === 'string' ? found.slice(0, 40) : found), 40)})` : '';
    // Echo the offending value only where it helps: a wrong enum option or a bad date.
    return `${path}: ${message}${issue.code === 'invalid_value' || issue.code === 'custom' ? got : ''}`;
  });
}

/** Follows a zod issue path (bounded by the schema's depth) into the raw input. */
function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object' || typeof key === 'symbol') return undefined;
    if (!Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

function looksLikeAsff(record: Record<string, unknown>): boolean {
  return 'SchemaVersion' in record || 'ProductArn' in record || ('AwsAccountId' in record && ('Resources' in record || 'Severity' in record));
}

function expectArray(value: unknown, at: Path): unknown[] {
  if (Array.isArray(value)) return value;
  throw new InputProblem(`${formatPath(at)}: ${value === undefined ? 'missing' : `expected an array of findings, saw ${describeShape(value)}`}`);
}

function expectRecord(value: unknown, at: Path): Record<string, unknown> {
  if (isRecord(value)) return value;
  throw new InputProblem(`${formatPath(at)}: ${value === undefined ? 'missing' : `expected an object, saw ${describeShape(value)}`}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalidJsonMessage(text: string, error: unknown): string {
  const parserMessage = safeText(error instanceof Error ? error.message : String(error), 200);
  const v8Offset = /at position (\d+)/.exec(parserMessage)?.[1];
  const position = jsonErrorPosition(text) ?? (v8Offset === undefined ? null : positionOf(text, Number(v8Offset)));
  const where = position === null ? '' : ` at line ${position.line}, column ${position.column}`;
  return `invalid JSON${where}: ${parserMessage}`;
}

function toParseError(error: unknown, source: string): FindingParseError {
  if (error instanceof FindingParseError) return error;
  if (error instanceof InputProblem) return new FindingParseError(source, error.message, error.problems);
  // A bug or resource exhaustion in mapping must still surface as a parse error, not a crash.
  const message = error instanceof Error ? error.message : String(error);
  return new FindingParseError(source, `could not read the finding: ${safeText(message, 200)}`);
}
