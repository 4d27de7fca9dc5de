import type { App, RespondFn } from '@slack/bolt';
import { z } from 'zod';
import type { BackgroundWork } from '../../app/background-work.js';
import type { Services } from '../../app/services.js';
import { checkSecurityApprover } from '../../decisions/approvers.js';
import type { ExportFormat } from '../../evidence/export/export-file.js';
import type { ExportWindow } from '../../evidence/export/report.js';
import { shareExport } from '../../evidence/export/share-export.js';
import type { Actor } from '../../evidence/evidence-log.js';
import type { BotControls } from '../app.js';
import type { Card } from '../cards.js';
import { exportOutcomeReply, exportRefusedReply, exportStartedReply } from '../export-replies.js';
import {
  exceptionsReply,
  failureReply,
  helpReply,
  scanReply,
  scanStartedReply,
  statusReply,
} from '../status-blocks.js';
import { parseSoc2Command } from './parse-soc2-command.js';

export const soc2Command = '/soc2';

/** The fields of the slash-command payload relied on; a few words make a command, so a huge text is refused. */
const commandSchema = z.object({
  text: z.string().max(4000),
  user_id: z.string().regex(/^[UW][A-Z0-9]+$/),
  user_name: z.string().max(200).optional(),
  channel_id: z.string().regex(/^[CGD][A-Z0-9]+$/),
});

const ephemeral = (card: Card) => ({ response_type: 'ephemeral' as const, text: card.text, blocks: card.blocks });

/**
 * `/soc2`: answers are ephemeral. Help comes back in the acknowledgement itself; anything
 * that reads the database or AWS is acknowledged first and answered through response_url.
 */
export function registerSoc2Command(app: App, services: Services, background: BackgroundWork, bot: BotControls): void {
  app.command(soc2Command, async ({ command, ack, respond }) => {
    const teams = services.routing.owners;
    const payload = commandSchema.safeParse(command);
    if (!payload.success) {
      await ack(ephemeral(helpReply(Object.keys(teams), { message: 'Slack sent a command soc2-bot could not read', word: '' })));
      services.log.warn({ issues: payload.error.issues.map((i) => i.message) }, '/soc2 payload rejected');
      return;
    }
    const request = parseSoc2Command(payload.data.text, teams, services.clock.now());
    const answerLater = (subcommand: string, answer: () => Promise<Card> | Card) =>
      background.run(() => reply(services, respond, subcommand, answer));
    switch (request.kind) {
      case 'help':
        await ack(ephemeral(helpReply(Object.keys(teams), request.problem)));
        return;
      case 'scan': {
        const alreadyRunning = bot.scanInProgress();
        await ack(ephemeral(scanStartedReply(alreadyRunning)));
        answerLater('scan', async () => scanReply(await bot.scan(), alreadyRunning));
        return;
      }
      case 'status':
        await ack();
        answerLater('status', () => {
          const now = services.clock.now();
          return statusReply(request.scope, services.status.snapshot(request.scope, now), now);
        });
        return;
      case 'export': {
        const { window, format } = request;
        const requester: Actor = { type: 'slack_user', id: payload.data.user_id, name: payload.data.user_name ?? null };
        await ack(ephemeral(exportStartedReply(window, format)));
        answerLater('export', () => exportToChannel(services, requester, payload.data.channel_id, window, format));
        return;
      }
      case 'exceptions':
        await ack();
        answerLater('exceptions', () => {
          const now = services.clock.now();
          return exceptionsReply(services.status.activeExceptions({ kind: 'all' }, now), now);
        });
        return;
    }
  });
}

/** Only security approvers get audit evidence; anyone else is told who can, and the attempt is evidence. */
async function exportToChannel(services: Services, requester: Actor, channel: string, window: ExportWindow, format: ExportFormat): Promise<Card> {
  const verdict = await checkSecurityApprover(requester.id, services.policy, (group) => services.slack.usergroupMembers(group));
  if (!verdict.allowed) {
    services.evidence.append('export.refused', null, requester, { window, format, channel, reason: `not a security approver; approvers: ${verdict.who}` });
    return exportRefusedReply(verdict.who);
  }
  const outcome = await shareExport(services, { window, format, channel, threadTs: null, actor: requester, digestWeek: null });
  return exportOutcomeReply(window, format, outcome);
}

async function reply(services: Services, respond: RespondFn, subcommand: string, answer: () => Promise<Card> | Card): Promise<void> {
  let card: Card;
  try {
    card = await answer();
  } catch (error) {
    services.log.error({ subcommand, err: error instanceof Error ? error.stack : String(error) }, '/soc2 failed after the acknowledgement');
    card = failureReply(subcommand, error);
  }
  await respond(ephemeral(card));
}
