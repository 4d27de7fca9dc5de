import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Finding } from '../../src/domain/finding.js';
import { FindingParseError, normalize, parseFindingsText } from '../../src/ingest/normalize.js';
import { duplicateKeyText, mutateText, mutateValue, oddDates, runFuzz, type FuzzRun, type Json, type Random } from '../helpers/fuzz.js';

/**
 * Mutated real samples through the two ingest entry points: parseFindingsText (CLI files and
 * SQS message bodies) and normalize (Security Hub pages already parsed by the SDK). Each input
 * must become valid Findings or one readable FindingParseError, quickly.
 */

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const roots = [join(repoRoot, 'test', 'fixtures'), resolve(repoRoot, '..', 'shared', 'corpus')].filter(existsSync);
const shapes = ['asff', 'eventbridge', 'config'];

interface Sample {
  name: string;
  text: string;
}

const samples: Sample[] = roots.flatMap((root) =>
  shapes.flatMap((shape) => {
    const dir = join(root, shape);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((name) => name.endsWith('.json'))
      .sort()
      .map((name) => ({ name: `${root === roots[0] ? 'fixtures' : 'corpus'}/${shape}/${name}`, text: readFileSync(join(dir, name), 'utf8') }));
  }),
);
/** Config configuration items and rule invocations are real samples but not findings. */
const notFindings = /configuration-item/;

const iso = z.string().refine((s) => new Date(s).toISOString() === s, 'not a normalised ISO timestamp');
const bounded = (max: number) => z.string().max(max);
/** The Finding type as a schema: what every normalised finding must satisfy, whatever the input was. */
const findingSchema: z.ZodType<Finding> = z.strictObject({
  id: bounded(4096).min(1),
  productArn: bounded(4096).min(1),
  productName: bounded(2048),
  control: bounded(256).nullable(),
  controlSource: z.enum(['SecurityControlId', 'ControlId', 'CisRuleId', 'GeneratorId']).nullable(),
  generatorId: bounded(2048).nullable(),
  title: bounded(1024).min(1),
  description: bounded(8192),
  account: bounded(256).min(1),
  region: bounded(64).min(1),
  resource: z.strictObject({
    type: bounded(256).min(1),
    id: bounded(2048).min(1),
    region: bounded(64),
    tags: z.record(bounded(512), bounded(2048)),
  }),
  severity: z.enum(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL']),
  compliance: z.enum(['PASSED', 'FAILED', 'WARNING', 'NOT_AVAILABLE']).nullable(),
  recordState: z.enum(['ACTIVE', 'ARCHIVED']),
  workflow: z.enum(['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED']).nullable(),
  firstSeenAt: iso,
  updatedAt: iso,
});

/** A long message is an echo of the input; a good one names where the problem is. */
const maxMessageLength = 2000;
const locates =
  /^(invalid JSON at line \d+, column \d+: |not a recognisable finding: saw |not a valid (ASFF finding|GuardDuty finding event|Config compliance change): |[\w"[\].-]+: |\(top level\): )/;
/**
 * Generous, in CPU time for both entry points together: most inputs take about a millisecond,
 * but V8's JSON.parse alone spends 100-250 ms on a 100 000-key object, and the collector's
 * pauses for earlier inputs' garbage land on whichever input is running. Catches hangs and
 * anything quadratic.
 */
const maxMsPerInput = 500;
/** Megabyte-sized mutations: 1 in 25, about 150 of the inputs, which take most of the run's time. */
const heavyShare = 0.04;

type Outcome = { findings: Finding[] } | { error: FindingParseError };

function outcomeOf(run: () => Finding[]): Outcome {
  try {
    return { findings: run() };
  } catch (error) {
    // Anything but a FindingParseError (a TypeError, a RangeError from the stack) is a crash.
    if (!(error instanceof FindingParseError)) throw error;
    return { error };
  }
}

function expectWellFormed(outcome: Outcome, source: string): void {
  if ('findings' in outcome) {
    // No findings is a valid answer too: an empty GetFindings page or EventBridge batch.
    for (const finding of outcome.findings) {
      const checked = findingSchema.safeParse(finding);
      expect(checked.success, checked.error?.message).toBe(true);
    }
    return;
  }
  const { error } = outcome;
  expect(error.source).toBe(source);
  expect(error.message.length).toBeGreaterThan(0);
  expect(error.message.length).toBeLessThan(maxMessageLength);
  expect(error.message).toMatch(locates);
  for (const problem of error.problems) expect(problem.length).toBeLessThan(maxMessageLength);
}

/** The same input must get the same verdict from the object path and the text path. */
function verdict(outcome: Outcome): string {
  return 'findings' in outcome ? `${outcome.findings.length} finding(s)` : 'rejected';
}

function sampleValue(sample: Sample): Json {
  return JSON.parse(sample.text) as Json;
}

/** The text is made here rather than in the check, so the timing measures the bot's code only. */
type Case = { kind: 'value'; value: Json; text: string } | { kind: 'text'; text: string };

function generate(random: Random, index: number): { input: Case; mutations: string[] } {
  const sample = samples[index % samples.length]!;
  const mutations = [sample.name];
  let value = sampleValue(sample);
  const rounds = 1 + random.int(3);
  for (let i = 0; i < rounds; i++) {
    const mutated = mutateValue(value, random, { heavyShare });
    value = mutated.value;
    mutations.push(mutated.mutation);
  }
  // A third of the cases also damage the text itself, which only the text path can see.
  const textual = random.int(6);
  if (textual === 0) {
    const dup = duplicateKeyText(value, random);
    return { input: { kind: 'text', text: dup.text }, mutations: [...mutations, dup.mutation] };
  }
  if (textual === 1) {
    const damaged = mutateText(JSON.stringify(value), random);
    return { input: { kind: 'text', text: damaged.text }, mutations: [...mutations, damaged.mutation] };
  }
  return { input: { kind: 'value', value, text: JSON.stringify(value) }, mutations };
}

function report(what: string, run: FuzzRun, accepted: number): void {
  console.info(
    `${what}: ${run.cases} inputs (seed ${run.seed}), ${accepted} normalised, ${run.cases - accepted} rejected; slowest ${run.slowestMs.toFixed(1)} ms CPU (${run.slowestCase.slice(0, 160)})`,
  );
}

describe('normalize fuzzing: mutated real samples', () => {
  it('has real samples to mutate, and every unmutated finding sample still normalises', () => {
    expect(samples.length).toBeGreaterThanOrEqual(30);
    for (const sample of samples) {
      const outcome = outcomeOf(() => parseFindingsText(sample.text, sample.name));
      expectWellFormed(outcome, sample.name);
      if (notFindings.test(sample.name)) expect('error' in outcome && outcome.error.message).toMatch(/^not a recognisable finding: saw an AWS Config/);
      else expect(verdict(outcome), sample.name).not.toBe('rejected');
    }
  });

  it.each(oddDates.map((date) => [date]))('rejects the odd date %j in every timestamp field, naming it', (date) => {
    const asff = sampleValue(samples.find((s) => s.name.endsWith('asff/S3.8-bucket-level-public-access-block-failed.json'))!) as Record<string, Json>;
    for (const field of ['CreatedAt', 'UpdatedAt', 'FirstObservedAt']) {
      const outcome = outcomeOf(() => normalize({ ...asff, [field]: date }, 'dates'));
      expect('error' in outcome && outcome.error.message).toMatch(new RegExp(`^not a valid ASFF finding: ${field}: `));
    }
  });

  it('still accepts real calendar edge dates', () => {
    const asff = sampleValue(samples.find((s) => s.name.endsWith('asff/S3.8-bucket-level-public-access-block-failed.json'))!) as Record<string, Json>;
    for (const date of ['2024-02-29T23:59:59Z', '2000-02-29T00:00:00.123456789Z', '2026-12-31T23:59:59+14:00', '2026-04-30T00:00:00-00:00']) {
      expect(normalize({ ...asff, UpdatedAt: date }, 'dates')[0]?.updatedAt).toBe(new Date(date).toISOString());
    }
  });

  it('turns every mutated input into valid findings or one readable FindingParseError, quickly, without polluting prototypes', () => {
    let accepted = 0;
    const run = runFuzz<Case>({
      count: 2000,
      generate,
      check(input) {
        if (input.kind === 'text') {
          const outcome = outcomeOf(() => parseFindingsText(input.text, 'fuzz.json'));
          expectWellFormed(outcome, 'fuzz.json');
          if ('findings' in outcome) accepted += 1;
          return;
        }
        const fromValue = outcomeOf(() => normalize(input.value, 'fuzz-value'));
        expectWellFormed(fromValue, 'fuzz-value');
        const fromText = outcomeOf(() => parseFindingsText(input.text, 'fuzz.json'));
        expectWellFormed(fromText, 'fuzz.json');
        expect(verdict(fromText)).toBe(verdict(fromValue));
        if ('findings' in fromValue) accepted += 1;
      },
    });
    report('normalize fuzz', run, accepted);
    expect(run.slowestMs).toBeLessThan(maxMsPerInput);
    // Both verdicts occur: the mutations neither break everything nor nothing.
    expect(accepted).toBeGreaterThan(run.cases / 20);
    expect(accepted).toBeLessThan(run.cases);
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.keys(Array.prototype)).toEqual([]);
    // Wall time depends on what else the machine runs; the per-input bound above is CPU time.
  }, 120_000);
});
