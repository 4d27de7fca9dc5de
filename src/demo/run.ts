import Database from 'better-sqlite3';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { z } from 'zod';
import { createLogger } from '../app/logger.js';
import { formatTable } from '../cli/text-table.js';
import type { Finding } from '../domain/finding.js';
import { parseFindingsText } from '../ingest/normalize.js';
import { bucketName } from '../remediate/s3/s3-block-public-access.js';
import { actionIds } from '../slack/cards.js';
import { startOfflineBot } from '../sim/offline-bot.js';
import { renderBlocksAsText } from '../sim/render-card.js';
import { seedFromFindings } from '../sim/seed-from-findings.js';
import { proposalTable, shortResource } from './proposal-table.js';

const samplesDir = join(dirname(fileURLToPath(import.meta.url)), 'samples');
const channels = { platform: { id: 'C0PLATFORM01', name: 'platform-team' }, security: { id: 'C0SECURITY01', name: 'security' } };
const engineer = { id: 'U0ANA00001', name: 'ana' };
const seedShape = z.looseObject({ Id: z.string(), ProductArn: z.string() });
/** The card the simulated engineer approves. */
const APPROVED_CONTROL = 'S3.8';

interface Io {
  out(line: string): void;
  err(line: string): void;
}

interface Sample {
  /** Stored verbatim by the simulated Security Hub, as the real one would. */
  asff: AwsSecurityFinding;
  /** The bot's own view, used to set the simulated account up to match. */
  finding: Finding;
}

/** The bundled samples, each validated by the real ingest path. */
function loadSamples(): Sample[] {
  return readdirSync(samplesDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const text = readFileSync(join(samplesDir, file), 'utf8');
      const parsed = seedShape.safeParse(JSON.parse(text));
      const [finding] = parseFindingsText(text, file);
      if (!parsed.success || !finding) throw new Error(`demo sample ${file} is not one ASFF finding`);
      // Id and ProductArn are all Security Hub needs to store it; the rest is kept as published.
      return { asff: parsed.data as unknown as AwsSecurityFinding, finding };
    });
}

/**
 * `npm run demo`: the whole loop with no Slack or AWS account. A simulated AWS account is
 * set up to match real sample findings; the stand-in Slack prints each card; autopilot
 * fixes what the policy lets it, and a simulated engineer approves one copilot fix
 * through the real, signed HTTP path.
 */
export async function runDemo(io: Io, databasePath = resolve('data', 'demo-evidence.sqlite')): Promise<number> {
  // Each run starts from a clean evidence file so the story is the same every time.
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${databasePath}${suffix}`, { force: true });
  const offline = await startOfflineBot({
    databasePath,
    routing: {
      fallbackChannel: channels.security.id,
      tagKeys: ['owner', 'team'],
      owners: {},
      accounts: { '111111111111': channels.platform.id },
    },
    log: createLogger('warn', process.stderr),
  });
  try {
    const { aws, slack, bot } = offline;
    for (const channel of Object.values(channels)) slack.addChannel(channel);
    const channelName = (id: string) => Object.values(channels).find((c) => c.id === id)?.name ?? id;
    slack.onPost = (m) => io.out(`\n┌─ Slack #${channelName(m.channel)} (new message ${m.ts})\n${indent(renderBlocksAsText(m.blocks))}\n└─`);
    slack.onUpdate = (m) => io.out(`\n┌─ Slack #${channelName(m.channel)} (message ${m.ts} updated)\n${indent(renderBlocksAsText(m.blocks))}\n└─`);

    const samples = loadSamples();
    for (const { asff } of samples) aws.addFinding(asff);
    const seed = seedFromFindings(aws, offline.services, samples.map((s) => s.finding));
    io.out(`soc2-bot demo: simulated AWS account ${aws.accountId}, stand-in Slack, real SQLite evidence.`);
    io.out(`Security Hub holds ${samples.length} real sample findings (src/demo/samples); the account was set up to match them:`);
    for (const line of formatTable(
      ['CONTROL', 'SIMULATED RESOURCE'],
      [...seed.seeded.map((s) => [s.control, s.created]), ...seed.skipped.map((s) => [s.control ?? '-', `not set up: ${s.reason}`])],
    )) {
      io.out(`  ${line}`);
    }

    io.out('\n== 1. Detect, triage, route: one Security Hub poll (autopilot fixes run at once) ==');
    const report = await bot.scan();
    await bot.background.idle();
    io.out(`\nPoll: ${report.pages} page(s), ${report.new} new finding(s), ${report.cardsPosted} card(s) posted, ${report.rejected} rejected.`);

    const findings = samples.map((s) => s.finding).filter((f) => bot.services.findings.get(f.id)?.card);
    io.out('\n== 2. What each card proposed ==');
    for (const line of proposalTable(bot, findings)) io.out(`  ${line}`);

    const target = findings.find((f) => f.control === APPROVED_CONTROL);
    const where = target ? bot.services.findings.get(target.id)?.card : undefined;
    const card = where ? slack.messages(where.channel).find((m) => m.ts === where.ts) : undefined;
    const findingId = card ? approveValue(card.blocks) : null;
    if (!target || !card || !findingId) throw new Error(`no ${APPROVED_CONTROL} card with an Approve button was posted`);
    const bucket = bucketName(target.resource.id);
    io.out(`\nBefore: s3://${bucket} Public Access Block = ${JSON.stringify(aws.bucket(bucket)?.publicAccessBlock ?? null)}`);

    io.out(`\n== 3. ${engineer.name} approves the ${APPROVED_CONTROL} card (a signed block_actions request to ${offline.url}) ==`);
    const response = await offline.click({ actionId: actionIds.approve, value: findingId, channel: card.channel, messageTs: card.ts, user: engineer });
    io.out(`Slack receiver answered HTTP ${response.status}.`);
    await bot.background.idle();

    io.out('\n== 4. Outcome ==');
    const block = aws.bucket(bucket)?.publicAccessBlock ?? null;
    const hub = aws.finding(findingId);
    io.out(`After:  s3://${bucket} Public Access Block = ${JSON.stringify(block)}`);
    io.out(`Security Hub workflow for the ${APPROVED_CONTROL} finding: ${hub?.Workflow?.Status ?? 'unknown'}`);
    const fixed = findings.filter((f) => bot.services.findings.get(f.id)?.status === 'fixed');
    const waiting = findings.filter((f) => bot.services.findings.get(f.id)?.status === 'open');
    await offline.close();

    const db = new Database(databasePath, { readonly: true });
    const rows = db.prepare('SELECT kind, count(*) AS n FROM evidence_events GROUP BY kind ORDER BY min(seq)').all() as { kind: string; n: number }[];
    db.close();
    io.out(`\nEvidence written to ${relative(process.cwd(), databasePath) || databasePath} (hash-chained, append-only):`);
    for (const row of rows) io.out(`  ${row.kind.padEnd(22)} ${row.n}`);
    if (block === null || !Object.values(block).every(Boolean) || hub?.Workflow?.Status !== 'RESOLVED') {
      io.err(`demo: the ${APPROVED_CONTROL} fix did not complete; see the card above for the reason`);
      return 1;
    }
    io.out(`\nFixed, verified and resolved in Security Hub: ${fixed.map(cardLabel).join('; ')}.`);
    if (waiting.length > 0) io.out(`Still waiting for an approver: ${waiting.map(cardLabel).join('; ')}.`);
    return 0;
  } catch (error) {
    await offline.close().catch(() => undefined);
    io.err(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

function cardLabel(finding: Finding): string {
  return `${finding.control ?? finding.title} ${shortResource(finding.resource.id)}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `│ ${line}`)
    .join('\n');
}

/** The finding id the card's Approve button carries, exactly as a click would send it. */
function approveValue(blocks: unknown[]): string | null {
  const approve = z.object({ action_id: z.literal(actionIds.approve), value: z.string() });
  for (const block of blocks) {
    const elements = z.object({ type: z.literal('actions'), elements: z.array(z.unknown()) }).safeParse(block);
    if (!elements.success) continue;
    for (const element of elements.data.elements) {
      const button = approve.safeParse(element);
      if (button.success) return button.data.value;
    }
  }
  return null;
}
