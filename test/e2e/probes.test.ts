import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app/logger.js';
import { startOfflineBot, type OfflineBot } from '../../src/sim/offline-bot.js';

let offline: OfflineBot;
afterEach(async () => {
  await offline.close();
});

describe('health probes', () => {
  it('/healthz answers while the process runs; /readyz only once a scan succeeded and the database takes writes', async () => {
    let now = new Date('2026-11-25T10:00:00.000Z');
    offline = await startOfflineBot({
      databasePath: join(mkdtempSync(join(tmpdir(), 'soc2-bot-probe-')), 'e.sqlite'),
      routing: { fallbackChannel: 'C0SECURITY01', tagKeys: [], owners: {}, accounts: {} },
      log: createLogger('silent'),
      awsMaxAttempts: 1,
      clock: { now: () => now },
    });
    const base = offline.url.replace('/slack/events', '');
    const probe = async (path: string) => {
      const response = await fetch(`${base}${path}`);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    expect((await probe('/healthz')).status).toBe(200);
    expect((await probe('/readyz')).status).toBe(503); // no scan yet

    await offline.bot.scan();
    const ready = await probe('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ ok: true, database: 'writable' });

    offline.aws.failNext('securityhub', 'GetFindings', { status: 403, code: 'AccessDeniedException', message: 'denied' });
    await expect(offline.bot.scan()).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect((await probe('/readyz')).status).toBe(200); // the last success is still recent

    now = new Date('2026-11-25T12:00:00.000Z');
    expect((await probe('/readyz')).status).toBe(503); // no success for two hours
  });
});
