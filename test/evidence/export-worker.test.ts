import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import { parsePolicy } from '../../src/config/policy.js';
import { buildExport, EvidenceExports } from '../../src/evidence/export/export-file.js';
import { HeadSigner } from '../../src/evidence/head-signature.js';
import { openEvidenceReadOnly } from '../../src/evidence/open-read-only.js';
import { startOfflineBot, type OfflineBot } from '../../src/sim/offline-bot.js';
import { runSoc2 } from '../helpers/slack-requests.js';
import { window, writeFixedScenario } from './fixed-scenario.js';

const generatedAt = '2026-12-02T09:00:00.000Z';
const key = Buffer.alloc(32, 9);
let dir: string;
let scenarioDb: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'soc2-bot-export-worker-'));
  scenarioDb = join(dir, 'scenario.sqlite');
  writeFixedScenario(scenarioDb, new HeadSigner(key));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('building an export in a worker thread', () => {
  it('returns the same file as a build on this thread, while this thread keeps running', async () => {
    const building = new EvidenceExports(scenarioDb, key, () => new Date(generatedAt)).build(window, 'html');
    // The event loop turns while the worker builds: a Slack request arriving now is answered.
    let settled = false;
    void building.finally(() => (settled = true));
    await new Promise(setImmediate);
    expect(settled).toBe(false);
    const built = await building;

    const db = openEvidenceReadOnly(scenarioDb);
    const here = buildExport(db, new HeadSigner(key), window, 'html', generatedAt);
    db.close();
    expect(Buffer.isBuffer(built.file.bytes)).toBe(true);
    expect(built.file.bytes.equals(here.file.bytes)).toBe(true);
    expect(built).toEqual(here);
    // The key reached the worker: the head signature was checked, not skipped.
    expect(built.verification).toMatchObject({ sound: true, signature: 'valid', firstBreakSeq: null });
    expect(built).toMatchObject({ events: here.events, findings: 8, file: { name: 'soc2-evidence-2026-11-01-to-2026-11-30.html' } });
  });

  it('rejects with what went wrong in the worker', async () => {
    const missing = join(dir, 'missing.sqlite');
    await expect(new EvidenceExports(missing, null, () => new Date(generatedAt)).build(window, 'csv')).rejects.toThrow(`cannot read ${missing}`);
  });
});

describe('/soc2 export when the build fails', () => {
  let offline: OfflineBot;
  afterEach(async () => {
    await offline.close();
  });

  it('tells the requester what the worker said and records export.failed', async () => {
    offline = await startOfflineBot({
      databasePath: join(mkdtempSync(join(dir, 'bot-')), 'evidence.sqlite'),
      routing: { fallbackChannel: 'C0SECURITY01', tagKeys: ['owner'], owners: {}, accounts: {} },
      policy: parsePolicy('approvals:\n  security: { users: [U0SEC00001] }\n'),
      log: createLogger('silent'),
      clock: { now: () => new Date('2026-12-02T09:00:00.000Z') },
      awsMaxAttempts: 1,
    });
    // A database the worker cannot open, the bot's own left as it is.
    const missing = join(dir, 'gone.sqlite');
    offline.bot.services.exports = new EvidenceExports(missing, null, () => new Date(generatedAt));
    const result = await runSoc2(offline, 'export 2026-11-01 2026-11-30', { user: { id: 'U0SEC00001', name: 'sec' }, channel: 'C0PLATFORM01' });
    expect(result.replies.map((r) => r.text)).toEqual([expect.stringContaining(`could not be shared: cannot read ${missing}`)]);
    expect(offline.slack.files()).toEqual([]);
    const failed = offline.bot.services.evidence.all().filter((e) => e.kind.startsWith('export.'));
    expect(failed.map((e) => [e.kind, e.data['error']])).toEqual([['export.failed', expect.stringContaining(`cannot read ${missing}`)]]);
  });
});
