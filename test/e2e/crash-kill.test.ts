/**
 * Issue 7: the bot really dies (SIGKILL of its process) at each step of an approved fix of a
 * public bucket, and a new process on the same database must settle the fix from AWS's actual
 * state: finished and verified, or failed with evidence saying why; never applied twice; the
 * card brought up to date; the evidence chain intact. AWS and Slack are fakes in this process,
 * so they, and what the dead bot did to them, survive it.
 */
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chainIsSound, verifyChain } from '../../src/evidence/verify-chain.js';
import { buildControlFinding } from '../../src/sim/aws-account.js';
import type { Stage } from '../../src/sim/fake-server.js';
import { actionIds } from '../../src/slack/cards.js';
import { startBotProcess, startSimulatedWorld, type BotProcess, type SimulatedWorld } from '../helpers/bot-process.js';

const channel = 'C0PLATFORM01';
const bucket = 'customer-exports';
const putPab = 'PUT publicAccessBlock';
const getPab = 'GET publicAccessBlock';

let world: SimulatedWorld | null = null;
const running: BotProcess[] = [];

afterEach(async () => {
  for (const bot of running.splice(0)) await bot.kill('SIGKILL');
  await world?.close();
  world = null;
});

/** What a request to the fakes does, in the words the steps below use. */
function operation(request: Request): string {
  const url = new URL(request.url);
  if (url.hostname === 'slack.com') return url.pathname.slice('/api/'.length);
  const subresource = [...url.searchParams.keys()][0] ?? '';
  return `${request.method} ${subresource || url.hostname}`;
}

interface Step {
  name: string;
  stage: Stage;
  /** Whether this request is the step; `before` lists what the fakes received since the click. */
  at(op: string, before: string[]): boolean;
  /** What the restarted bot must conclude from the bucket's real state. */
  outcome: 'fixed' | 'fix_failed';
}

const steps: Step[] = [
  { name: 'decision recorded, plan reading the bucket', stage: 'received', at: (op, before) => op === getPab && !before.includes(putPab), outcome: 'fix_failed' },
  { name: 'apply received, not applied', stage: 'received', at: (op) => op === putPab, outcome: 'fix_failed' },
  { name: 'apply applied, its answer not sent', stage: 'answered', at: (op) => op === putPab, outcome: 'fixed' },
  { name: 'verify reading the bucket back', stage: 'received', at: (op, before) => op === getPab && before.includes(putPab), outcome: 'fixed' },
  { name: 'card update after verify', stage: 'received', at: (op, before) => op === 'chat.update' && before.includes(putPab), outcome: 'fixed' },
];

async function start(databasePath: string): Promise<BotProcess> {
  const bot = await startBotProcess(world!, { databasePath, channel });
  running.push(bot);
  // Each start scans once; waiting for it leaves nothing in flight but what the test does.
  await bot.logged((line) => line.msg === 'scan finished');
  return bot;
}

/** Stops the bot as a container runtime does, then reads what it left on disk. */
async function stopAndRead(bot: BotProcess, databasePath: string, findingId: string) {
  const exit = await bot.kill('SIGTERM');
  running.splice(running.indexOf(bot), 1);
  expect(exit.code, exit.stderr).toBe(0);
  const db = new Database(databasePath, { readonly: true });
  try {
    const status = (db.prepare('SELECT status FROM findings WHERE id = ?').pluck().get(findingId) as string | undefined) ?? null;
    const evidence = (db.prepare('SELECT kind, data FROM evidence_events WHERE finding_id = ? ORDER BY seq').all(findingId) as { kind: string; data: string }[]).map(
      (row) => ({ kind: row.kind, data: JSON.parse(row.data) as Record<string, unknown> }),
    );
    return { status, evidence, chain: verifyChain(db, null), integrity: db.pragma('integrity_check', { simple: true }) };
  } finally {
    db.close();
  }
}

describe('SIGKILL at each step of an approved fix, then a restart on the same database', () => {
  it.each(steps)('$name', { timeout: 120_000 }, async (step) => {
    world = await startSimulatedWorld();
    const databasePath = join(mkdtempSync(join(tmpdir(), 'soc2-bot-kill-')), 'bot.sqlite');
    world.aws.addBucket(bucket, { region: 'us-east-1', publicAccessBlock: null });
    const asff = buildControlFinding({ control: 'S3.8', resourceId: `arn:aws:s3:::${bucket}`, accountId: '111111111111' });
    world.aws.addFinding(asff);
    const findingId = asff.Id!;

    const first = await start(databasePath);
    const card = world.slack.messages(channel)[0]!;
    expect(card).toBeDefined();

    const received: string[] = [];
    let armed = true;
    const victim = first;
    const killed = new Promise<void>((resolve) => {
      world!.fake.hook(async ({ stage, request }) => {
        const op = operation(request);
        const hit = armed && stage === step.stage && step.at(op, received);
        if (stage === 'received') received.push(op);
        if (!hit) return;
        armed = false;
        await victim.kill('SIGKILL');
        resolve();
        return 'hang-up';
      });
    });
    const ack = await first.click({ actionId: actionIds.approve, value: findingId, channel, messageTs: card.ts, user: { id: 'U0ANA00001', name: 'ana' } });
    expect(ack.status).toBe(200);
    await killed;
    expect((await first.exited).signal).toBe('SIGKILL');
    running.splice(running.indexOf(first), 1);

    const second = await start(databasePath);
    const after = await stopAndRead(second, databasePath, findingId);

    const applies = world.aws.callsTo('s3', 'PutPublicAccessBlock').filter((call) => call.failedWith === undefined);
    const pab = world.aws.bucket(bucket)?.publicAccessBlock ?? null;
    const text = JSON.stringify(world.slack.message(channel, card.ts)?.blocks);
    const kinds = after.evidence.map((e) => e.kind);
    // Never applied twice: the restart re-checks AWS instead of repeating the call.
    expect(applies.length).toBeLessThanOrEqual(1);
    expect(received.filter((op) => op === putPab)).toHaveLength(step.name.startsWith('decision') ? 0 : 1);
    expect(after.status).toBe(step.outcome);
    // Security Hub is told the outcome whichever step the kill hit: the update is queued with the outcome itself.
    expect(world.aws.finding(findingId)?.Workflow?.Status).toBe(step.outcome === 'fixed' ? 'RESOLVED' : 'NOTIFIED');
    expect(kinds.filter((kind) => kind === 'securityhub.updated')).toHaveLength(1);
    if (step.outcome === 'fixed') {
      expect(applies).toHaveLength(1);
      expect(pab).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
      expect(kinds).toContain('fix.verified');
      expect(text).toContain('Fixed');
    } else {
      expect(applies).toHaveLength(0);
      expect(pab).toBeNull();
      const failure = after.evidence.filter((e) => e.kind === 'fix.failed').at(-1);
      expect(String(failure?.data['explanation'])).toContain('interrupted');
      expect(text).toContain('interrupted');
      expect(text).toContain(actionIds.approve); // Retry is offered, not done
    }
    expect(after.evidence.filter((e) => e.kind === 'card.updated').at(-1)?.data['state']).toBe(step.outcome);
    expect(after.integrity).toBe('ok');
    expect(chainIsSound(after.chain)).toBe(true);
    expect(world.fake.unhandled).toEqual([]);
  });
});
