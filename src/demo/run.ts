import Database from 'better-sqlite3';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { z } from 'zod';
import { createLogger } from '../app/logger.js';
import { actionIds } from '../slack/cards.js';
import { startOfflineBot } from '../sim/offline-bot.js';
import { renderBlocksAsText } from '../sim/render-card.js';

const samplesDir = join(dirname(fileURLToPath(import.meta.url)), 'samples');
const channels = { platform: { id: 'C0PLATFORM01', name: 'platform-team' }, security: { id: 'C0SECURITY01', name: 'security' } };
const engineer = { id: 'U0ANA00001', name: 'ana' };
const seedShape = z.looseObject({ Id: z.string(), ProductArn: z.string() });

interface Io {
  out(line: string): void;
  err(line: string): void;
}

/** The bundled samples, validated enough to be stored by the simulated Security Hub. */
function loadSamples(): AwsSecurityFinding[] {
  return readdirSync(samplesDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const parsed = seedShape.safeParse(JSON.parse(readFileSync(join(samplesDir, file), 'utf8')));
      if (!parsed.success) throw new Error(`demo sample ${file} is not an ASFF finding: ${parsed.error.message}`);
      // The simulator stores the sample verbatim, as Security Hub would; Id and ProductArn are its identity.
      return parsed.data as unknown as AwsSecurityFinding;
    });
}

/**
 * `npm run demo`: the whole loop with no Slack or AWS account. A simulated AWS account
 * holds a public bucket matching a real sample finding; the stand-in Slack prints each
 * card; a simulated engineer approves the fix through the real, signed HTTP path.
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

    aws.addBucket('example', { region: 'us-east-1', publicAccessBlock: null });
    const samples = loadSamples();
    for (const finding of samples) aws.addFinding(finding);
    io.out('soc2-bot demo: simulated AWS account 111111111111 (us-east-1), stand-in Slack, real SQLite evidence.');
    io.out(`Seeded Security Hub with ${samples.length} real sample findings; bucket "example" has no Block Public Access.`);
    io.out(`Before: s3://example Public Access Block = ${JSON.stringify(aws.bucket('example')?.publicAccessBlock)}`);

    io.out('\n== 1. Detect, triage, route: one Security Hub poll ==');
    const report = await bot.scan();
    io.out(`\nPoll: ${report.pages} page(s), ${report.new} new finding(s), ${report.cardsPosted} card(s) posted, ${report.rejected} rejected.`);

    const card = slack.messages(channels.platform.id).find((m) => JSON.stringify(m.blocks).includes(actionIds.approve));
    if (!card) throw new Error('no card with an Approve button was posted');
    const findingId = approveValue(card.blocks);
    if (!findingId) throw new Error('the card carries no finding id');

    io.out(`\n== 2. ${engineer.name} clicks Approve (a signed block_actions request to ${offline.url}) ==`);
    const response = await offline.click({ actionId: actionIds.approve, value: findingId, channel: card.channel, messageTs: card.ts, user: engineer });
    io.out(`Slack receiver answered HTTP ${response.status}.`);
    await bot.background.idle();

    io.out('\n== 3. Outcome ==');
    const bucket = aws.bucket('example');
    const hub = aws.finding(findingId);
    io.out(`After:  s3://example Public Access Block = ${JSON.stringify(bucket?.publicAccessBlock)}`);
    io.out(`Security Hub workflow for the S3.8 finding: ${hub?.Workflow?.Status ?? 'unknown'}`);
    const fixed = Object.values(bucket?.publicAccessBlock ?? {}).every(Boolean) && bucket?.publicAccessBlock !== null;
    await offline.close();

    const db = new Database(databasePath, { readonly: true });
    const rows = db.prepare('SELECT kind, count(*) AS n FROM evidence_events GROUP BY kind ORDER BY min(seq)').all() as { kind: string; n: number }[];
    db.close();
    io.out(`\nEvidence written to ${relative(process.cwd(), databasePath) || databasePath}:`);
    for (const row of rows) io.out(`  ${row.kind.padEnd(22)} ${row.n}`);
    if (!fixed || hub?.Workflow?.Status !== 'RESOLVED') {
      io.err('demo: the bucket was not fixed; see the card above for the reason');
      return 1;
    }
    io.out('\nFixed: s3://example now blocks all public access (S3.8), verified and resolved in Security Hub.');
    return 0;
  } catch (error) {
    await offline.close().catch(() => undefined);
    io.err(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
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
