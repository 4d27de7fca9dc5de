import type { EvidenceReport } from './report.js';

/** Bumped when a field changes meaning, so tools reading exports can tell. */
const jsonReportVersion = 1;

/** The report as data: every field, durations in milliseconds, times in ISO 8601 UTC. */
export function renderJson(report: EvidenceReport): string {
  return `${JSON.stringify({ format: 'soc2-bot-evidence-export', version: jsonReportVersion, ...report }, null, 2)}\n`;
}
