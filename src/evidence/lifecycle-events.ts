import { z } from 'zod';
import type { Actor } from './evidence-log.js';

/*
 * The evidence kinds that shape a finding's lifecycle, and the part of each payload the
 * projection reads. Stored JSON is checked against these before use: a row edited by hand
 * (or by a buggy writer) is reported, never trusted. Each schema accepts the full shape in
 * event-data.ts (a type test holds them together) and drops what the projection ignores.
 */

const severity = z.enum(['sev1', 'sev2', 'sev3', 'none']);
const state = z.record(z.string(), z.unknown());
const apiCall = z.object({ service: z.string(), operation: z.string(), input: z.record(z.string(), z.unknown()) });

const sighting = z.object({
  finding: z.object({
    title: z.string(),
    control: z.string().nullable(),
    account: z.string(),
    region: z.string(),
    resource: z.object({ type: z.string(), id: z.string() }),
  }),
  triage: z.object({
    severity,
    mode: z.enum(['autopilot', 'copilot', 'manual']),
    dueAt: z.string().nullable(),
    tsc: z.array(z.string()),
  }),
  route: z.object({ channel: z.string(), owner: z.string().nullable() }),
});

const payloads = {
  'finding.detected': sighting,
  'finding.updated': sighting,
  'finding.recurred': sighting,
  'finding.resolved_at_source': z.object({ compliance: z.string().nullable(), recordState: z.string(), workflow: z.string().nullable() }),
  'click.ignored': z.object({ action: z.string(), outcome: z.string() }),
  'approval.refused': z.object({ action: z.string(), reason: z.string() }),
  // approval: four-eyes (1 of 2, 2 of 2); absent from events written before it existed.
  'decision.approved': z.object({ remediation: z.string(), approval: z.object({ n: z.number(), of: z.number() }).optional() }),
  'exception.requested': z.object({ justification: z.string(), expiresAt: z.string(), compensatingControl: z.string().nullable() }),
  'exception.granted': z.object({
    requestedBy: z.string(),
    justification: z.string(),
    expiresAt: z.string(),
    compensatingControl: z.string().nullable(),
  }),
  'exception.expired': z.object({ expiresAt: z.string(), stillFailing: z.boolean() }),
  'escalation.raised': z.object({ from: severity, to: severity, reason: z.string() }),
  'fix.planned': z.object({
    remediationId: z.string(),
    before: state,
    after: state,
    diff: z.string(),
    alreadyCompliant: z.boolean(),
    calls: z.array(apiCall),
  }),
  'fix.replanned': z.object({ newDiff: z.string() }),
  'fix.applied': z.object({ remediation: z.string(), calls: z.array(apiCall) }),
  'fix.verified': z.object({ observed: state, detail: z.string() }),
  'fix.failed': z.object({
    step: z.enum(['plan', 'apply', 'verify', 'undo']),
    error: z.union([z.object({ name: z.string(), message: z.string() }), z.string()]).optional(),
    explanation: z.string().optional(),
    detail: z.string().optional(),
  }),
  'decision.undo': z.object({ remediation: z.string() }),
  'fix.undone': z.object({ remediation: z.string() }),
};

export type LifecycleKind = keyof typeof payloads;
export type LifecycleData<K extends LifecycleKind> = z.output<(typeof payloads)[K]>;

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
  const parsed = payloads[event.kind].safeParse(event.data);
  if (parsed.success) {
    // The schema was chosen by this same kind, so kind and data agree; TypeScript cannot follow that through the lookup.
    return { ok: true, event: { ...event, data: parsed.data } as LifecycleEvent };
  }
  const issue = parsed.error.issues[0];
  return { ok: false, problem: issue ? `${issue.path.join('.') || 'data'}: ${issue.message}` : 'invalid payload' };
}
