import type { Services } from '../../app/services.js';
import { codeSpan, escapeMrkdwn, truncate } from '../../slack/escape.js';
import { plural } from '../../slack/status-blocks.js';
import type { Actor } from '../evidence-log.js';
import { windowLabel } from './export-window.js';
import type { BuiltExport, ExportFile, ExportFormat, VerificationSummary } from './export-file.js';
import type { ExportWindow } from './report.js';

export interface ShareRequest {
  window: ExportWindow;
  format: ExportFormat;
  channel: string;
  /** Shares the file as a reply in this thread (the digest's). */
  threadTs: string | null;
  /** Who asked: a Slack user for `/soc2 export`, the bot for the digest. */
  actor: Actor;
  digestWeek: string | null;
}

export type ShareOutcome =
  | { ok: true; file: ExportFile; fileId: string; events: number; verification: VerificationSummary }
  | { ok: false; error: string };

/**
 * Builds the window's report, uploads it to the channel and records `export.shared`, or
 * `export.failed` with the reason. Failures come back as an outcome, never thrown: the
 * caller tells the requester (or retries the digest's attachment later).
 */
export async function shareExport(services: Services, request: ShareRequest): Promise<ShareOutcome> {
  const { window, format, channel, threadTs, actor, digestWeek } = request;
  let shared: { file: ExportFile; fileId: string; events: number; verification: VerificationSummary };
  try {
    // Built off the main thread (a worker): the bot keeps answering Slack meanwhile.
    const built = await services.exports.build(window, format);
    const { file, events, verification } = built;
    const { fileId } = await services.slack.uploadFile({
      channel,
      ...(threadTs ? { threadTs } : {}),
      name: file.name,
      title: `SOC 2 evidence ${window.from} to ${window.to}`,
      bytes: file.bytes,
      comment: shareComment(window, built, actor),
    });
    shared = { file, fileId, events, verification };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    services.log.error({ channel, window: { from: window.from, to: window.to }, format, digestWeek, err: message }, 'evidence export could not be shared');
    services.evidence.append('export.failed', null, actor, { window, format, channel, error: truncate(message, 500), digestWeek });
    return { ok: false, error: message };
  }
  // Outside the try: once Slack has the file, a failure to record it must not read as "not shared".
  const { file, fileId, events, verification } = shared;
  services.evidence.append('export.shared', null, actor, {
    window,
    format,
    fileName: file.name,
    sha256: file.sha256,
    bytes: file.bytes.length,
    events,
    verification,
    channel,
    threadTs,
    fileId,
    digestWeek,
  });
  return { ok: true, ...shared };
}

/** What the file message says: the window, how much evidence, whether the chain verified. */
function shareComment(window: ExportWindow, { file, events, findings, verification: { sound }, verificationLines }: BuiltExport, actor: Actor): string {
  const verification = verificationLines.map((line) => escapeMrkdwn(line)).join('; ');
  return [
    `:page_facing_up: *SOC 2 evidence export, ${windowLabel(window)}*, ${file.format}`,
    `${plural(events, 'evidence event', 'evidence events')} covering ${plural(findings, 'finding', 'findings')}.`,
    `${sound ? ':white_check_mark: Evidence chain verified' : ':x: *Evidence chain did NOT verify*'}: ${verification}.`,
    `SHA-256 ${codeSpan(file.sha256)}${actor.type === 'slack_user' ? ` · requested by <@${actor.id}>` : ''}`,
  ].join('\n');
}
