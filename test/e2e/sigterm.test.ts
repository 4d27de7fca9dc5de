/**
 * Issue 7: SIGTERM (what a container runtime sends) while a fix is in flight. The bot must stop
 * taking requests at once, let the fix finish, close the database cleanly and exit 0. The bot is
 * a real child process; the simulated AWS holds the fix's apply call until the test releases it.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chainIsSound, verifyChain } from '../../src/evidence/verify-chain.js';
import { buildControlFinding } from '../../src/sim/aws-account.js';
import { actionIds } from '../../src/slack/cards.js';
import { startBotProcess, startSimulatedWorld, type BotProcess, type SimulatedWorld } from '../helpers/bot-process.js';

const channel = 'C0PLATFORM01';
const user = { id: 'U0ANA00001', name: 'ana' };
const blocked = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

let world: SimulatedWorld | null = null;
let bot: BotProcess | null = null;

afterEach(async () => {
  await bot?.kill('SIGKILL');
  bot = null;
  await world?.close();
  world = null;
});

describe('SIGTERM with a fix in flight', () => {
  it('refuses new clicks, finishes the fix, closes the database and exits 0', { timeout: 120_000 }, async () => {
    world = await startSimulatedWorld();
    const databasePath = join(mkdtempSync(join(tmpdir(), 'soc2-bot-sigterm-')), 'bot.sqlite');
    const ids: string[] = [];
    for (const bucket of ['customer-exports', 'partner-drop']) {
      world.aws.addBucket(bucket, { region: 'us-east-1', publicAccessBlock: null });
      const asff = buildControlFinding({ control: 'S3.8', resourceId: `arn:aws:s3:::${bucket}`, accountId: '111111111111' });
      world.aws.addFinding(asff);
      ids.push(asff.Id!);
    }
    bot = await startBotProcess(world, { databasePath, channel });
    await bot.logged((line) => line.msg === 'scan finished');
    const cardOf = (id: string) => world!.slack.messages(channel).find((m) => JSON.stringify(m.blocks).includes(id))!;
    const [inFlight, refused] = [ids[0]!, ids[1]!];

    // The apply call reaches AWS and waits there, as a slow call would, until released.
    const isApply = (request: Request) => request.method === 'PUT' && new URL(request.url).searchParams.has('publicAccessBlock');
    const held = world.fake.next(({ stage, request }) => stage === 'received' && isApply(request));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    world.fake.hook(async ({ stage, request }) => {
      if (stage === 'received' && isApply(request)) await released;
    });
    const ack = await bot.click({ actionId: actionIds.approve, value: inFlight, channel, messageTs: cardOf(inFlight).ts, user });
    expect(ack.status).toBe(200);
    await held;

    let exitedEarly = false;
    const exited = bot.kill('SIGTERM').then((exit) => {
      exitedEarly = true;
      return exit;
    });
    await bot.logged((line) => line.msg.startsWith('no longer taking requests'));
    // A new click is refused: the port is closed.
    await expect(bot.click({ actionId: actionIds.approve, value: refused, channel, messageTs: cardOf(refused).ts, user })).rejects.toThrow();
    expect(exitedEarly).toBe(false);

    release();
    const exit = await exited;
    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.signal).toBeNull();

    // The fix that was in flight finished, and only that one.
    expect(world.aws.bucket('customer-exports')?.publicAccessBlock).toEqual(blocked);
    expect(world.aws.bucket('partner-drop')?.publicAccessBlock).toBeNull();
    expect(world.aws.callsTo('s3', 'PutPublicAccessBlock')).toHaveLength(1);
    expect(JSON.stringify(cardOf(inFlight).blocks)).toContain('Fixed');

    // Closed cleanly: the write-ahead log was checkpointed into the file and removed.
    expect(existsSync(`${databasePath}-wal`)).toBe(false);
    const db = new Database(databasePath, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(chainIsSound(verifyChain(db, null))).toBe(true);
      const status = db.prepare('SELECT status FROM findings WHERE id = ?').pluck();
      expect(status.get(inFlight)).toBe('fixed');
      expect(status.get(refused)).toBe('open');
    } finally {
      db.close();
    }
    expect(world.fake.unhandled).toEqual([]);
  });
});
