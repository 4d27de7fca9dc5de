import type { SeverityLabel } from '../domain/finding.js';
import { severityLabels } from './asff-schema.js';

/** A severity label given as free text ("HIGH", " high "), or null when it is not one. */
export function toSeverityLabel(value: string | undefined): SeverityLabel | null {
  const upper = value?.trim().toUpperCase();
  return severityLabels.find((label) => label === upper) ?? null;
}

/**
 * ASFF's 0-100 scale: 0 INFORMATIONAL, 1-39 LOW, 40-69 MEDIUM, 70-89 HIGH, 90-100 CRITICAL.
 * Accepts a numeric string as some published samples carry one; anything else, or a value
 * off the scale, is null so the caller can try the next source.
 */
export function severityFromScore(value: number | string | undefined): SeverityLabel | null {
  if (value === undefined) return null;
  const score = typeof value === 'number' ? value : value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(score) || score < 0 || score > 100) return null;
  if (score === 0) return 'INFORMATIONAL';
  if (score < 40) return 'LOW';
  if (score < 70) return 'MEDIUM';
  if (score < 90) return 'HIGH';
  return 'CRITICAL';
}

/** GuardDuty's own scale: 7.0 and up HIGH, 4.0 to 6.9 MEDIUM, below LOW. */
export function severityFromGuardDuty(score: number): SeverityLabel {
  if (score >= 7) return 'HIGH';
  if (score >= 4) return 'MEDIUM';
  return 'LOW';
}
