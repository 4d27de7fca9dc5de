import type { Mode } from '../domain/triage.js';
import { manualGuidance, remediations } from './registry.js';
import type { ManualGuidance } from './remediation.js';

/** What the bot can do about a control: run a remediation (in its declared mode), or guide a person. */
export interface CatalogueEntry {
  remediation: { id: string; mode: Mode } | null;
  guidance: ManualGuidance | null;
}

export type RemediationCatalogue = ReadonlyMap<string, CatalogueEntry>;

/** Control id -> remediation or guidance, derived from the registry's own declarations. */
export function buildCatalogue(): RemediationCatalogue {
  const catalogue = new Map<string, CatalogueEntry>();
  for (const r of remediations) {
    for (const control of r.controls) {
      if (catalogue.has(control)) throw new Error(`two remediations answer ${control}`);
      catalogue.set(control, { remediation: { id: r.id, mode: r.mode }, guidance: null });
    }
  }
  for (const g of manualGuidance) {
    for (const control of g.controls) {
      if (catalogue.has(control)) throw new Error(`${control} has both a remediation and manual guidance`);
      catalogue.set(control, { remediation: null, guidance: g });
    }
  }
  return catalogue;
}

export const defaultCatalogue: RemediationCatalogue = buildCatalogue();
