import type { Actor } from './evidence-log.js';

/*
 * The evidence kinds that shape a finding's lifecycle, and the part of each payload the
 * projection reads. Stored JSON is checked against these before use: a row edited by hand
 * (or by a buggy writer) is reported, never trusted. Each parser accepts the full shape in
 * event-data.ts (a type test holds them together) and, like the zod schemas it replaced,
 * returns only the fields declared, in declaration order, and names the first one that
 * does not fit. Hand-written because the export checks every event of its window (80,000
 * for a busy month) and zod took most of the read's time.
 */

/** A payload field that does not fit; path is filled in on the way out. */
class Unfit extends Error {
  readonly path: (string | number)[] = [];
}

type Parser<T> = (value: unknown) => T;
/** A field that may be absent (never written by older versions). */
type Optional<T> = Parser<T | undefined> & { readonly optional: true };
type Output<P> = P extends Parser<infer T> ? T : never;
type Shape = Record<string, Parser<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends Optional<unknown> ? K : never }[keyof S];
type ObjectOutput<S extends Shape> = { [K in Exclude<keyof S, OptionalKeys<S>>]: Output<S[K]> } & {
  [K in OptionalKeys<S>]?: Exclude<Output<S[K]>, undefined>;
};
type Flat<T> = { [K in keyof T]: T[K] };

const describe = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);
const unfit = (expected: string, value: unknown): never => {
  throw new Unfit(`expected ${expected}, received ${describe(value)}`);
};
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Parses one field, prefixing its key to the path of whatever inside it does not fit. */
function field<T>(key: string | number, parse: Parser<T>, value: unknown): T {
  try {
    return parse(value);
  } catch (error) {
    if (error instanceof Unfit) error.path.unshift(key);
    throw error;
  }
}

const string: Parser<string> = (v) => (typeof v === 'string' ? v : unfit('string', v));
const number: Parser<number> = (v) => (typeof v === 'number' ? v : unfit('number', v));
const boolean: Parser<boolean> = (v) => (typeof v === 'boolean' ? v : unfit('boolean', v));
/** Any JSON object, kept whole (a resource's state). */
const record: Parser<Record<string, unknown>> = (v) => (isObject(v) ? v : unfit('object', v));
const nullable = <T>(parse: Parser<T>): Parser<T | null> => (v) => (v === null ? null : parse(v));
const optional = <T>(parse: Parser<T>): Optional<T> => Object.assign((v: unknown) => (v === undefined ? undefined : parse(v)), { optional: true as const });
const oneOf = <const T extends string>(...values: T[]): Parser<T> => (v) => (values.includes(v as T) ? (v as T) : unfit(values.join(' | '), v));
const array = <T>(parse: Parser<T>): Parser<T[]> => (v) => (Array.isArray(v) ? v.map((item, i) => field(i, parse, item)) : unfit('array', v));
const either = <A, B>(first: Parser<A>, second: Parser<B>, expected: string): Parser<A | B> => (v) => {
  try {
    return first(v);
  } catch (error) {
    if (!(error instanceof Unfit)) throw error;
  }
  try {
    return second(v);
  } catch (error) {
    if (!(error instanceof Unfit)) throw error;
    return unfit(expected, v);
  }
};

function object<S extends Shape>(shape: S): Parser<Flat<ObjectOutput<S>>> {
  const fields = Object.entries(shape);
  return (v) => {
    if (!isObject(v)) return unfit('object', v);
    const out: Record<string, unknown> = {};
    for (const [key, parse] of fields) {
      const value = v[key];
      if (value === undefined && 'optional' in parse) continue;
      out[key] = field(key, parse, value);
    }
    // Each declared key was parsed by its own parser above.
    return out as Flat<ObjectOutput<S>>;
  };
}

const severity = oneOf('sev1', 'sev2', 'sev3', 'none');
const apiCall = object({ service: string, operation: string, input: record });

const sighting = object({
  finding: object({
    title: string,
    control: nullable(string),
    account: string,
    region: string,
    resource: object({ type: string, id: string }),
  }),
  triage: object({
    severity,
    mode: oneOf('autopilot', 'copilot', 'manual'),
    dueAt: nullable(string),
    tsc: array(string),
  }),
  route: object({ channel: string, owner: nullable(string) }),
});

const payloads = {
  'finding.detected': sighting,
  'finding.updated': sighting,
  'finding.recurred': sighting,
  'finding.resolved_at_source': object({ compliance: nullable(string), recordState: string, workflow: nullable(string) }),
  'click.ignored': object({ action: string, outcome: string }),
  'approval.refused': object({ action: string, reason: string }),
  // approval: four-eyes (1 of 2, 2 of 2); absent from events written before it existed.
  'decision.approved': object({ remediation: string, approval: optional(object({ n: number, of: number })) }),
  'exception.requested': object({ justification: string, expiresAt: string, compensatingControl: nullable(string) }),
  'exception.granted': object({
    requestedBy: string,
    justification: string,
    expiresAt: string,
    compensatingControl: nullable(string),
  }),
  'exception.expired': object({ expiresAt: string, stillFailing: boolean }),
  'escalation.raised': object({ from: severity, to: severity, reason: string }),
  'fix.planned': object({
    remediationId: string,
    before: record,
    after: record,
    diff: string,
    alreadyCompliant: boolean,
    calls: array(apiCall),
  }),
  'fix.replanned': object({ newDiff: string }),
  'fix.applied': object({ remediation: string, calls: array(apiCall) }),
  'fix.verified': object({ observed: record, detail: string }),
  'fix.failed': object({
    step: oneOf('plan', 'apply', 'verify', 'undo'),
    error: optional(either(object({ name: string, message: string }), string, '{ name, message } | string')),
    explanation: optional(string),
    detail: optional(string),
  }),
  'decision.undo': object({ remediation: string }),
  'fix.undone': object({ remediation: string }),
};

export type LifecycleKind = keyof typeof payloads;
export type LifecycleData<K extends LifecycleKind> = Output<(typeof payloads)[K]>;

export const lifecycleKinds = Object.keys(payloads) as LifecycleKind[];

/** One evidence event about a finding, its payload checked and typed by kind. */
export type LifecycleEvent = {
  [K in LifecycleKind]: { seq: number; at: string; kind: K; findingId: string; actor: Actor; data: LifecycleData<K> };
}[LifecycleKind];

export function isLifecycleKind(kind: string): kind is LifecycleKind {
  return Object.hasOwn(payloads, kind);
}

/** An event read back from storage, its payload not yet checked. */
export interface UncheckedEvent {
  seq: number;
  at: string;
  kind: LifecycleKind;
  findingId: string;
  actor: Actor;
  data: unknown;
}

/** The event with its payload checked, or what is wrong with the payload. */
export function checkLifecycleEvent(event: UncheckedEvent): { ok: true; event: LifecycleEvent } | { ok: false; problem: string } {
  try {
    const data = payloads[event.kind](event.data);
    // The parser was chosen by this same kind, so kind and data agree; TypeScript cannot follow that through the lookup.
    return { ok: true, event: { ...event, data } as LifecycleEvent };
  } catch (error) {
    if (!(error instanceof Unfit)) throw error;
    return { ok: false, problem: `${error.path.join('.') || 'data'}: ${error.message}` };
  }
}
