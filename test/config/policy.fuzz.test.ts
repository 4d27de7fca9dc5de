import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { parsePolicy, PolicyFileError, type Policy } from '../../src/config/policy.js';
import { defaultRules } from '../../src/triage/rules.js';
import { duplicateKeyText, mutateText, mutateValue, runFuzz, type FuzzRun, type Json, type Random } from '../helpers/fuzz.js';

/**
 * The policy loader fed mutations of config/policy.example.yml, at the YAML-text level and
 * at the level of the parsed object (written back as YAML or as JSON, which is YAML too).
 * Each input must load as a policy or fail with PolicyFileError problems that name a line.
 */

const example = readFileSync(fileURLToPath(new URL('../../config/policy.example.yml', import.meta.url)), 'utf8');
const exampleValue = parseYaml(example) as Json;

/** YAML syntax a user (or a hostile file) might put anywhere: anchors, aliases, tags, documents, indentation. */
const yamlSnippets = [
  '*nowhere',
  '&a ',
  '*a',
  '<<: *a',
  '!!binary aGk=',
  '!!set',
  '!custom ',
  '? [complex, key]\n: value',
  '---\n',
  '...\n',
  '%YAML 1.1\n',
  '\t',
  '  ',
  '- ',
  "'unterminated",
  '"\\u0000\\x1b"',
  '{',
  '[',
  '__proto__: { polluted: true }',
  'constructor: { prototype: { polluted: true } }',
  'teams: { __proto__: { channel: C0EVIL0001 } }',
];

/** A problem says where: "line 12: ..." or, for the file as a whole, "top level: ...". */
const locatedProblem = /^(line \d+|top level): \S/;
const maxProblemLength = 1500;
/**
 * The yaml library parses some 60 000 nodes and a few MB of escaped text a second, so a huge
 * array or object here has 10 000 items rather than the normaliser's 100 000, and the bound (CPU time)
 * leaves room above the 200-600 ms a megabyte takes.
 */
const hugeLength = 10_000;
/** A megabyte costs the yaml library some 200 ms, so those mutations are rarer here. */
const heavyShare = 0.02;
const maxMsPerInput = 2000;
/** Alias bombs must fail long before they expand. */
const maxBombMs = 250;

type Outcome = { policy: Policy } | { error: PolicyFileError };

function load(text: string): Outcome {
  try {
    return { policy: parsePolicy(text, 'fuzz.yml') };
  } catch (error) {
    if (!(error instanceof PolicyFileError)) throw error;
    return { error };
  }
}

function expectWellFormed(outcome: Outcome): void {
  if ('policy' in outcome) {
    expect(outcome.policy.rules.slice(0, defaultRules.length)).toEqual(defaultRules);
    expect(outcome.policy.fallbackChannel.length).toBeGreaterThan(0);
    return;
  }
  const { error } = outcome;
  expect(error.file).toBe('fuzz.yml');
  expect(error.problems.length).toBeGreaterThan(0);
  expect(error.problems.length).toBeLessThanOrEqual(51);
  for (const problem of error.problems.slice(0, 50)) {
    expect(problem).toMatch(locatedProblem);
    expect(problem.length).toBeLessThan(maxProblemLength);
  }
}

function insertSnippet(text: string, random: Random): { text: string; mutation: string } {
  const lines = text.split('\n');
  const index = random.int(lines.length);
  const line = lines[index] ?? '';
  const snippet = random.pick(yamlSnippets);
  const at = random.chance(0.5) ? line.length : random.int(line.length + 1);
  lines[index] = `${line.slice(0, at)}${snippet}${line.slice(at)}`;
  return { text: lines.join('\n'), mutation: `${JSON.stringify(snippet)} into line ${index + 1}` };
}

function generate(random: Random): { input: string; mutations: string[] } {
  const mutations: string[] = [];
  if (random.chance(0.5)) {
    // Object level: every value-level mutation, written back as YAML or JSON.
    let value = structuredClone(exampleValue);
    for (let i = 0, rounds = 1 + random.int(3); i < rounds; i++) {
      const mutated = mutateValue(value, random, { hugeLength, heavyShare });
      value = mutated.value;
      mutations.push(mutated.mutation);
    }
    const form = random.int(3);
    if (form === 0) {
      const dup = duplicateKeyText(value, random);
      return { input: dup.text, mutations: [...mutations, `as JSON, ${dup.mutation}`] };
    }
    return form === 1 ? { input: JSON.stringify(value), mutations: [...mutations, 'as JSON'] } : { input: stringifyYaml(value), mutations: [...mutations, 'as YAML'] };
  }
  // Text level: damage to the file as written.
  let text = example;
  for (let i = 0, rounds = 1 + random.int(3); i < rounds; i++) {
    const mutated = random.chance(0.5) ? insertSnippet(text, random) : mutateText(text, random);
    text = mutated.text;
    mutations.push(mutated.mutation);
  }
  return { input: text, mutations };
}

function report(run: FuzzRun, accepted: number): void {
  console.info(
    `policy fuzz: ${run.cases} inputs (seed ${run.seed}), ${accepted} loaded, ${run.cases - accepted} rejected; slowest ${run.slowestMs.toFixed(1)} ms CPU (${run.slowestCase.slice(0, 160)})`,
  );
}

/** n levels of "each alias expands to nine of the previous": 9^n strings from a few hundred bytes. */
function billionLaughs(levels: number, under = ''): string {
  const lines = [`${under}l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]`];
  for (let i = 1; i <= levels; i++) lines.push(`${under}l${i}: &l${i} [${new Array(9).fill(`*l${i - 1}`).join(', ')}]`);
  return lines.join('\n');
}

function cpuMs(run: () => void): number {
  const started = process.cpuUsage();
  run();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000;
}

describe('policy loader fuzzing', () => {
  it('loads the unmutated example', () => {
    const outcome = load(example);
    expect('policy' in outcome).toBe(true);
    expectWellFormed(outcome);
  });

  it('turns every mutated policy into a valid policy or problems that name their line, quickly, without polluting prototypes', () => {
    let accepted = 0;
    const run = runFuzz<string>({
      count: 500,
      generate,
      check(text) {
        const outcome = load(text);
        expectWellFormed(outcome);
        if ('policy' in outcome) accepted += 1;
      },
    });
    report(run, accepted);
    expect(run.slowestMs).toBeLessThan(maxMsPerInput);
    expect(accepted).toBeGreaterThan(run.cases / 20);
    expect(accepted).toBeLessThan(run.cases);
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    // Wall time depends on what else the machine runs; the per-input bound above is CPU time.
  }, 120_000);

  it.each([
    ['at the top level', billionLaughs(9)],
    ['used by a rule', `${billionLaughs(9)}\nrules:\n  - name: r\n    why: *l9\n    severity: sev1\n    match: { controls: [S3.8] }`],
    ['under a team', `teams:\n  t:\n    channel: C0PLATFORM01\n${billionLaughs(9, '    ')}`],
  ])('rejects a billion-laughs alias bomb %s quickly, naming a line', (_where, text) => {
    let outcome: Outcome | undefined;
    const ms = cpuMs(() => {
      outcome = load(text);
    });
    expect(outcome !== undefined && 'error' in outcome).toBe(true);
    if (outcome === undefined || !('error' in outcome)) return;
    expect(outcome.error.problems.join('; ')).toMatch(/^line \d+: /);
    expect(outcome.error.problems.join('; ')).toMatch(/alias|unknown key|expected/);
    expect(ms).toBeLessThan(maxBombMs);
  });

  it('rejects an alias to an anchor that does not exist, naming its line and not echoing a 1 MB name', () => {
    const outcome = load(`fallbackChannel: C0SECURITY01\nescalation: *${'x'.repeat(1024 * 1024)}\n`);
    expect('error' in outcome && outcome.error.problems).toEqual([expect.stringMatching(/^line 2: not valid YAML: Unresolved alias .{0,200}$/)]);
  });

  it('refuses a __proto__ key instead of silently dropping it (a tag match on nothing would match every finding)', () => {
    const outcome = load(
      ['teams:', '  platform: { channel: C0PLATFORM01 }', 'rules:', '  - name: prod-on-autopilot', '    match: { tags: { __proto__: prod } }', '    mode: autopilot'].join('\n'),
    );
    expect('error' in outcome && outcome.error.problems).toEqual(['line 5: __proto__ cannot be used as a key']);
  });

  it('refuses thousands of aliases before the yaml library resolves each one with a search of the whole file', () => {
    const text = `teams:\n  t: { channel: C0PLATFORM01 }\nx: &empty []\ntagKeys:\n${'  - *empty\n'.repeat(5000)}`;
    let outcome: Outcome | undefined;
    const ms = cpuMs(() => {
      outcome = load(text);
    });
    expect(outcome !== undefined && 'error' in outcome && outcome.error.problems).toEqual(['line 105: more than 100 aliases (*name)']);
    expect(ms).toBeLessThan(maxMsPerInput);
  });

  it('lists at most 50 problems and counts the rest', () => {
    const text = ['rules:', ...Array.from({ length: 200 }, (_, i) => `  - { name: r${i}, match: { controls: [S3.8] }, severity: sev9 }`)].join('\n');
    const outcome = load(text);
    expect('error' in outcome && outcome.error.problems.length).toBe(51);
    expect('error' in outcome && outcome.error.problems.at(-1)).toBe('and 150 more problems');
  });
});
