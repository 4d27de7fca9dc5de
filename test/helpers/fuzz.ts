/**
 * A small seeded fuzzer: mutations of real samples (JSON values and the text they are read
 * from). Deterministic: a fixed base seed unless FUZZ_SEED is set, and every case derives its
 * own seed from it, so a failing case names the seed, its index and its mutations, and
 * `FUZZ_SEED=<seed> FUZZ_CASE=<index>` replays exactly that input.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = readonly (string | number)[];

/** mulberry32: a tiny PRNG with a 32-bit state, plenty for picking mutations. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Random {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
}

const defaultSeed = 0x50c2b07;

/** FUZZ_SEED reproduces a reported failure; without it every run fuzzes the same inputs. */
export function fuzzSeed(): number {
  const fromEnv = process.env['FUZZ_SEED'];
  return fromEnv === undefined ? defaultSeed : Number(fromEnv) >>> 0;
}

export interface FuzzInput<T> {
  input: T;
  /** What was done to the sample, shown when the case fails. */
  mutations: string[];
}

export interface FuzzRun {
  seed: number;
  cases: number;
  /** Slowest single check, in milliseconds of CPU time, and which case it was. */
  slowestMs: number;
  slowestCase: string;
}

/**
 * Generates `count` inputs and checks each, timing the check alone. A throwing check is
 * rethrown with the seed, case index and mutations, so the failure can be replayed.
 */
export function runFuzz<T>(options: {
  count: number;
  seed?: number;
  generate: (random: Random, index: number) => FuzzInput<T>;
  check: (input: T, mutations: readonly string[]) => void;
}): FuzzRun {
  const seed = options.seed ?? fuzzSeed();
  const only = process.env['FUZZ_CASE'];
  const run: FuzzRun = { seed, cases: 0, slowestMs: 0, slowestCase: '' };
  for (let index = 0; index < options.count; index++) {
    if (only !== undefined && Number(only) !== index) continue;
    const { input, mutations } = options.generate(new Random(caseSeed(seed, index)), index);
    // CPU time rather than wall time: a machine busy with other work must not fail the bound.
    const started = process.cpuUsage();
    try {
      options.check(input, mutations);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`fuzz case ${index} failed (replay with FUZZ_SEED=${seed} FUZZ_CASE=${index}); mutations: ${mutations.join(' | ')}\n${reason}`, {
        cause: error,
      });
    }
    const used = process.cpuUsage(started);
    const elapsed = (used.user + used.system) / 1000;
    run.cases += 1;
    if (elapsed > run.slowestMs) {
      run.slowestMs = elapsed;
      run.slowestCase = `case ${index}: ${mutations.join(' | ')}`;
    }
  }
  return run;
}

function caseSeed(seed: number, index: number): number {
  return (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
}

// ---- value-level mutations ----------------------------------------------------------------

export const megabyte = 1024 * 1024;
const defaultHugeLength = 100_000;
const nestingDepth = 200;

/** Dates a parser might wrongly accept or choke on. */
export const oddDates: readonly Json[] = [
  '2026-02-30T00:00:00Z',
  '2025-02-29T12:00:00Z',
  '2026-04-31T00:00:00Z',
  '2026-13-01T00:00:00Z',
  '2026-01-01T24:00:00Z',
  '2026-01-01T23:59:60Z',
  '0000-00-00T00:00:00Z',
  '+275760-09-13T00:00:01Z',
  '2026-01-01',
  '2026-01-01T00:00:00',
  '2026-01-01T00:00:00+25:00',
  '',
  'yesterday',
  'NaN',
  1767225600,
  1767225600000,
  -1,
  1e308,
];

/** Text that must never reach Slack, SQL or a terminal as written. */
export const hostileStrings: readonly string[] = [
  '\u0000\u0007\u001b[31mred\u001b[0m',
  '\u202eevil\u202c',
  '\ud800 lone surrogate',
  'zero\u200bwidth\ufeff',
  '<!channel> <@U0ANA00001> <https://evil.example|click here>',
  '*bold* _it_ ~s~ `code` ```block```',
  "'; DROP TABLE evidence_events; --",
  'line\r\nbreak\u2028sep',
  '😀'.repeat(50),
  ' ',
];

function typeSwaps(value: Json): Json[] {
  if (typeof value === 'string') return [Number(value) || 42, null, true, [value], { value }];
  if (typeof value === 'number') return [String(value), null, false, [value], {}, -value, value + 0.5];
  if (typeof value === 'boolean') return [String(value), Number(value), null];
  if (value === null) return ['null', 0, [], {}];
  if (Array.isArray(value)) return [value.length, 'array', null, {}, value[0] ?? null];
  return [[value], 'object', 0, null, Object.keys(value).length];
}

/** Every path in `value`, outermost first, bounded so a large sample stays cheap. */
export function pathsIn(value: Json, limit = 5000): Path[] {
  const paths: Path[] = [[]];
  const pending: { value: Json; path: Path }[] = [{ value, path: [] }];
  for (let next = 0; next < pending.length && paths.length < limit; next++) {
    const { value: current, path } = pending[next]!;
    if (current === null || typeof current !== 'object') continue;
    const keys: (string | number)[] = Array.isArray(current) ? current.map((_, i) => i) : Object.keys(current);
    for (const key of keys.slice(0, limit - paths.length)) {
      const childPath = [...path, key];
      paths.push(childPath);
      pending.push({ value: getAt(current, [key]) ?? null, path: childPath });
    }
  }
  return paths;
}

export function getAt(root: Json, path: Path): Json | undefined {
  let current: Json | undefined = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = Array.isArray(current) ? current[Number(key)] : Object.hasOwn(current, key) ? current[key] : undefined;
  }
  return current;
}

/** Sets like JSON.parse does: a "__proto__" key becomes an own property, never the prototype. */
function defineOwn(target: Record<string, Json> | Json[], key: string | number, value: Json): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/** Replaces the value at `path`, returning the (possibly new) root. */
export function setAt(root: Json, path: Path, value: Json): Json {
  if (path.length === 0) return value;
  const parent = getAt(root, path.slice(0, -1));
  const key = path[path.length - 1]!;
  if (parent !== null && typeof parent === 'object') defineOwn(parent, key, value);
  return root;
}

function deleteAt(root: Json, path: Path): Json {
  if (path.length === 0) return null;
  const parent = getAt(root, path.slice(0, -1));
  const key = path[path.length - 1]!;
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else if (parent !== null && typeof parent === 'object') delete parent[key];
  return root;
}

function nest(value: Json, random: Random): Json {
  const asArrays = random.chance(0.5);
  let out = value;
  for (let i = 0; i < nestingDepth; i++) out = asArrays ? [out] : { a: out };
  return out;
}

function label(path: Path): string {
  const text = path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('') || '(root)';
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

export type ValueMutation = 'delete' | 'retype' | 'hugeString' | 'hugeKey' | 'deepNest' | 'oddDate' | 'hostileText' | 'hugeArray' | 'hugeObject' | 'protoKey';
export const valueMutations: readonly ValueMutation[] = [
  'delete',
  'retype',
  'hugeString',
  'hugeKey',
  'deepNest',
  'oddDate',
  'hostileText',
  'hugeArray',
  'hugeObject',
  'protoKey',
];
const heavyMutations: readonly ValueMutation[] = ['hugeString', 'hugeKey', 'hugeArray', 'hugeObject'];
const lightMutations = valueMutations.filter((kind) => !heavyMutations.includes(kind));

/** Paths whose key looks like a timestamp field, where odd dates hurt most. */
const dateKey = /(At|Time|time|Seen|date|Date)$/;

export interface MutationOptions {
  /** One mutation instead of a random one. */
  kind?: ValueMutation;
  /** Items in a huge array or keys in a huge object: 100 000 unless the parser under test is known to be slow per item. */
  hugeLength?: number;
  /** Share of megabyte-sized mutations (default 0.06): rare enough that thousands of cases take seconds. */
  heavyShare?: number;
}

/** Applies one mutation in place where possible; returns the new root and what was done. */
export function mutateValue(root: Json, random: Random, options: MutationOptions = {}): { value: Json; mutation: string } {
  const kind = options.kind ?? random.pick(random.chance(options.heavyShare ?? 0.06) ? heavyMutations : lightMutations);
  const paths = pathsIn(root);
  const anyPath = () => random.pick(paths.length > 1 ? paths.slice(1) : paths);
  switch (kind) {
    case 'delete': {
      const path = anyPath();
      return { value: deleteAt(root, path), mutation: `delete ${label(path)}` };
    }
    case 'retype': {
      const path = anyPath();
      const replacement = random.pick(typeSwaps(getAt(root, path) ?? null));
      return { value: setAt(root, path, replacement), mutation: `retype ${label(path)} to ${preview(replacement)}` };
    }
    case 'hugeString': {
      const path = preferStrings(root, paths, random) ?? anyPath();
      const unit = random.pick(['x', '€', ' ', '"\\\n']);
      return { value: setAt(root, path, unit.repeat(Math.floor(megabyte / unit.length))), mutation: `1 MB string of ${JSON.stringify(unit)} at ${label(path)}` };
    }
    case 'deepNest': {
      const path = anyPath();
      return { value: setAt(root, path, nest(getAt(root, path) ?? null, random)), mutation: `${nestingDepth}-deep nesting at ${label(path)}` };
    }
    case 'oddDate': {
      const dated = paths.filter((p) => dateKey.test(String(p[p.length - 1] ?? '')));
      const path = dated.length > 0 && random.chance(0.8) ? random.pick(dated) : anyPath();
      const date = random.pick(oddDates);
      return { value: setAt(root, path, date), mutation: `date ${preview(date)} at ${label(path)}` };
    }
    case 'hostileText': {
      const path = preferStrings(root, paths, random) ?? anyPath();
      const current = getAt(root, path);
      const hostile = random.pick(hostileStrings);
      const text = typeof current === 'string' && random.chance(0.5) ? `${current}${hostile}` : hostile;
      return { value: setAt(root, path, text), mutation: `text ${preview(text)} at ${label(path)}` };
    }
    case 'hugeArray':
    case 'hugeObject': {
      const path = anyPath();
      const current = getAt(root, path) ?? null;
      // Small items only: a huge array of whole findings would measure JSON.stringify, not the parser.
      const small = current === null || typeof current === 'number' || typeof current === 'boolean' || (typeof current === 'string' && current.length <= 16);
      const item: Json = small ? current : random.pick<Json>([{}, [], 0, null, 'x']);
      const length = options.hugeLength ?? defaultHugeLength;
      const items = new Array<Json>(length).fill(item);
      const huge: Json = kind === 'hugeArray' ? items : Object.fromEntries(items.map((v, i) => [`k${i}`, v]));
      return { value: setAt(root, path, huge), mutation: `${length} ${kind === 'hugeArray' ? 'items' : 'keys'} of ${preview(item)} at ${label(path)}` };
    }
    case 'hugeKey':
    case 'protoKey': {
      const path = random.pick(objectPaths(root, paths));
      const target = getAt(root, path);
      const key = kind === 'hugeKey' ? random.pick(['k', '€', '-']).repeat(megabyte) : random.pick(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']);
      const value = random.pick<Json>([{ polluted: true }, 'polluted', { prototype: { polluted: true } }, null]);
      if (target !== null && target !== undefined && typeof target === 'object' && !Array.isArray(target)) defineOwn(target, key, value);
      return { value: root, mutation: `own key ${preview(key)}=${preview(value)} at ${label(path)}` };
    }
  }
}

/** Paths of plain objects (the root when there are none). */
function objectPaths(root: Json, paths: readonly Path[]): Path[] {
  const objects = paths.filter((p) => {
    const v = getAt(root, p);
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  });
  return objects.length > 0 ? objects : [[]];
}

function preferStrings(root: Json, paths: readonly Path[], random: Random): Path | null {
  const strings = paths.filter((p) => typeof getAt(root, p) === 'string');
  return strings.length > 0 && random.chance(0.8) ? random.pick(strings) : null;
}

function preview(value: Json | undefined): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

// ---- text-level mutations ------------------------------------------------------------------

/**
 * JSON text where one key appears twice in the same object (JSON.parse keeps the last): the
 * original and a changed value, in random order, so either may win.
 */
export function duplicateKeyText(root: Json, random: Random): { text: string; mutation: string } {
  const keyed = pathsIn(root).filter((p) => typeof p[p.length - 1] === 'string');
  if (keyed.length === 0) return { text: JSON.stringify(root), mutation: 'duplicate key (none to duplicate)' };
  const path = random.pick(keyed);
  const key = String(path[path.length - 1]);
  const original = getAt(root, path) ?? null;
  const other = random.pick(typeSwaps(original));
  const marker = `\u0000fuzz-duplicate-${random.int(1e9)}`;
  const text = JSON.stringify(setAt(root, path, marker));
  const pair = (v: Json) => `${JSON.stringify(key)}:${JSON.stringify(v)}`;
  const both = random.chance(0.5) ? `${pair(original)},${pair(other)}` : `${pair(other)},${pair(original)}`;
  return { text: text.replace(`${JSON.stringify(key)}:${JSON.stringify(marker)}`, () => both), mutation: `duplicate key ${label(path)} with ${preview(other)}` };
}

export type TextMutation = 'truncate' | 'flipChar' | 'deleteSpan' | 'duplicateLine' | 'controlChar';
export const textMutations: readonly TextMutation[] = ['truncate', 'flipChar', 'deleteSpan', 'duplicateLine', 'controlChar'];

/** Syntax-level damage to any text format (JSON, YAML). */
export function mutateText(text: string, random: Random, kind: TextMutation = random.pick(textMutations)): { text: string; mutation: string } {
  const at = random.int(text.length + 1);
  switch (kind) {
    case 'truncate':
      return { text: text.slice(0, at), mutation: `truncated at ${at} of ${text.length}` };
    case 'flipChar': {
      const c = random.pick(['{', '}', '[', ']', '"', ',', ':', '\\', '-', '#', '&', '*', '!', '|', '>', '\t', ' ', "'", '%', '@', '`']);
      return { text: `${text.slice(0, at)}${c}${text.slice(at + 1)}`, mutation: `char ${JSON.stringify(c)} at ${at}` };
    }
    case 'deleteSpan': {
      const length = 1 + random.int(40);
      return { text: `${text.slice(0, at)}${text.slice(at + length)}`, mutation: `deleted ${length} chars at ${at}` };
    }
    case 'duplicateLine': {
      const lines = text.split('\n');
      const index = random.int(lines.length);
      lines.splice(index, 0, lines[index] ?? '');
      return { text: lines.join('\n'), mutation: `duplicated line ${index + 1}` };
    }
    case 'controlChar': {
      const c = random.pick(['\u0000', '\u0007', '\u001b', '\u007f', '\ufeff', '\u2028', '\ud800', '\r']);
      return { text: `${text.slice(0, at)}${c}${text.slice(at)}`, mutation: `control char U+${c.charCodeAt(0).toString(16).padStart(4, '0')} at ${at}` };
    }
  }
}
