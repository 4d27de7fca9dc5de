import { BatchUpdateFindingsCommand } from '@aws-sdk/client-securityhub';
import type { Services } from '../app/services.js';
import { botActor } from '../evidence/evidence-log.js';
import type { Finding } from '../domain/finding.js';

const noteLimit = 512; // Security Hub's Note.Text maximum

/**
 * Writes the outcome back to Security Hub so the console agrees with Slack:
 * RESOLVED when fixed, NOTIFIED with a note when the fix failed or an exception
 * ran out, SUPPRESSED with the justification when an exception is granted. A failure here
 * is recorded, never thrown: the fix itself already happened (or did not).
 */
export async function reportToSecurityHub(
  services: Services,
  finding: Finding,
  status: 'RESOLVED' | 'NOTIFIED' | 'SUPPRESSED',
  note: string,
): Promise<void> {
  const region = services.securityHubRegion;
  const input = {
    FindingIdentifiers: [{ Id: finding.id, ProductArn: finding.productArn }],
    Workflow: { Status: status },
    Note: { Text: note.length > noteLimit ? `${note.slice(0, noteLimit - 1)}…` : note, UpdatedBy: 'soc2-bot' },
  };
  try {
    const out = await services.aws.securityHub(region).send(new BatchUpdateFindingsCommand(input));
    const unprocessed = out.UnprocessedFindings ?? [];
    if (unprocessed.length > 0) {
      services.evidence.append('securityhub.update_failed', finding.id, botActor, {
        region,
        input,
        unprocessed: unprocessed.map((u) => ({ errorCode: u.ErrorCode ?? null, errorMessage: u.ErrorMessage ?? null })),
      });
      services.log.warn({ findingId: finding.id, unprocessed }, 'Security Hub did not process the workflow update');
      return;
    }
    services.evidence.append('securityhub.updated', finding.id, botActor, { region, input });
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    services.evidence.append('securityhub.update_failed', finding.id, botActor, { region, input, error: message });
    services.log.warn({ findingId: finding.id, err: message }, 'BatchUpdateFindings failed');
  }
}
