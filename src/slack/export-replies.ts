import type { ExportFormat } from '../evidence/export/export-file.js';
import { windowLabel } from '../evidence/export/export-window.js';
import type { ExportWindow } from '../evidence/export/report.js';
import type { ShareOutcome } from '../evidence/export/share-export.js';
import type { Card } from './cards.js';
import { codeSpan, escapeMrkdwn, truncate } from './escape.js';
import { plural, section } from './status-blocks.js';

const card = (text: string): Card => ({ text, blocks: [section(text)] });

const windowText = (window: ExportWindow, format: ExportFormat) => `${windowLabel(window)}, ${format}`;

/** The acknowledgement: the approver check (a Slack call), building and uploading happen afterwards. */
export function exportStartedReply(window: ExportWindow, format: ExportFormat): Card {
  return card(
    `:hourglass_flowing_sand: Preparing the evidence export for ${windowText(window, format)} if you may export it (security approvers only); it will be shared in this channel.`,
  );
}

export function exportRefusedReply(who: string): Card {
  return card(`:no_entry: Audit evidence is exported only for security approvers: ${who}. Your request was recorded.`);
}

export function exportOutcomeReply(window: ExportWindow, format: ExportFormat, outcome: ShareOutcome): Card {
  if (!outcome.ok) {
    return card(`:x: The evidence export for ${windowText(window, format)} could not be shared: ${escapeMrkdwn(truncate(outcome.error, 500))}`);
  }
  const chain = outcome.verification.sound ? 'the evidence chain verified' : '*the evidence chain did NOT verify* (the file says so at the top)';
  return card(`:white_check_mark: Shared ${codeSpan(outcome.file.name)} in this channel: ${plural(outcome.events, 'evidence event', 'evidence events')}, ${chain}.`);
}
