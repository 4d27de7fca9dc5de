export type Severity = 'sev1' | 'sev2' | 'sev3' | 'none';
/** autopilot: fix now, tell afterwards; copilot: ask first; manual: a human fixes it. */
export type Mode = 'autopilot' | 'copilot' | 'manual';

export interface Triage {
  severity: Severity;
  mode: Mode;
  /** Id of the remediation that can fix it, or null when there is none. */
  remediation: string | null;
  /** ISO 8601 deadline, null when severity is none. */
  dueAt: string | null;
  /** SOC 2 trust services criteria touched, e.g. ["CC6.1", "CC6.6"]. */
  tsc: string[];
  /** Which rule decided, in words a reviewer can check. */
  reason: string;
}
