import type { App } from '@slack/bolt';
import type { Server } from 'node:http';
import { defaultPolicy, type Policy } from '../config/policy.js';
import { systemClock, type Clock } from '../domain/clock.js';
import { BackgroundCheckpointer } from '../evidence/checkpointer.js';
import { migrate, openDatabase, type Db } from '../evidence/database.js';
import { EvidenceLog } from '../evidence/evidence-log.js';
import { EvidenceExports } from '../evidence/export/export-file.js';
import { HeadSigner, parseHmacKey } from '../evidence/head-signature.js';
import { CardGroups } from '../evidence/card-groups.js';
import { CommitQueue } from '../evidence/commit-queue.js';
import { FindingsRepo } from '../evidence/findings-repo.js';
import { PollCursors } from '../evidence/poll-cursors.js';
import { StatusQuery } from '../evidence/status-query.js';
import { scanSecurityHub, type ScanReport } from '../ingest/scan.js';
import { awsSdk, createAwsClients, type AwsClientOptions } from '../remediate/aws-clients.js';
import { AssumedRoleSessions, crossAccountClients } from '../remediate/assume-role.js';
import { recoverInterruptedFixes } from '../remediate/recover-interrupted.js';
import { SecurityHubWriteback } from '../remediate/security-hub-writeback.js';
import type { RoutingConfig } from '../route/routing.js';
import { createTagLookup } from '../route/tag-lookup.js';
import { createSlackApp, registerListeners, singleAttemptClient, type SlackAppOptions } from '../slack/app.js';
import { webApiMessenger } from '../slack/messenger.js';
import { SlackOutbox } from '../slack/outbox.js';
import { BackgroundWork } from './background-work.js';
import type { Logger } from './logger.js';
import type { Services } from './services.js';

export interface BotOptions {
  databasePath: string;
  migrationsDir?: string;
  slack: Omit<SlackAppOptions, 'log' | 'probes'>;
  /** `/readyz` fails when the last successful scan is older than this (default: 1 hour). */
  maxScanAgeMs?: number;
  routing: RoutingConfig;
  policy?: Policy;
  /** Signs the evidence chain head (EVIDENCE_HMAC_KEY); off when absent. */
  evidenceHmacKey?: string;
  securityHubRegion: string;
  aws?: AwsClientOptions;
  /** Fix in each finding's own account by assuming this role there (docs/assume-role.md). */
  assumeRole?: { roleName: string; externalId?: string };
  clock?: Clock;
  log: Logger;
}

export interface Bot {
  app: App;
  services: Services;
  db: Db;
  background: BackgroundWork;
  /** One detect-triage-route pass; passes never overlap. */
  scan(): Promise<ScanReport>;
  /** Starts the Slack listener; in HTTP mode returns the server (port 0 picks a free one). */
  start(port: number): Promise<Server | null>;
  /**
   * Stops taking requests at once, waits for in-flight fixes and for `draining` (other work still
   * using the database, e.g. scheduled jobs), then closes the database.
   */
  stop(draining?: Promise<unknown>): Promise<void>;
}

/** Wires the database, AWS, Slack and the clock into the loop. Nothing else happens here. */
export function createBot(options: BotOptions): Bot {
  const db = openDatabase(options.databasePath);
  const applied = migrate(db, options.migrationsDir);
  if (applied.length) options.log.info({ applied }, 'database migrated');
  // Commits (clicks, ingest batches) never copy the write-ahead log into the file themselves.
  const checkpointer = options.databasePath === ':memory:' ? null : new BackgroundCheckpointer(db, options.databasePath, options.log);
  const clock = options.clock ?? systemClock;
  const aws = createAwsClients(options.aws);
  const assumeRole = options.assumeRole;
  const crossAccount = assumeRole
    ? crossAccountClients(
        new AssumedRoleSessions({
          sts: new (awsSdk.sts().STSClient)({ ...(options.aws?.credentials ? { credentials: options.aws.credentials } : {}), region: options.securityHubRegion }),
          roleName: assumeRole.roleName,
          clock,
          ...(assumeRole.externalId ? { externalId: assumeRole.externalId } : {}),
        }),
        (credentials) => createAwsClients({ ...options.aws, credentials }),
      )
    : null;
  const background = new BackgroundWork((error) =>
    options.log.error({ err: error instanceof Error ? error.stack : String(error) }, 'background work failed'),
  );
  let lastScan: { at: string; ok: boolean } | null = null;
  let lastSuccessfulScanAt: string | null = null;
  const app = createSlackApp({
    ...options.slack,
    log: options.log,
    probes: {
      // Process up: answers as long as the event loop does.
      '/healthz': () => ({ ok: true, detail: {} }),
      // Ready: the database takes writes and a scan succeeded recently.
      '/readyz': () => {
        const writable = databaseWritable(db);
        const maxAge = options.maxScanAgeMs ?? 60 * 60_000;
        const scanFresh = lastSuccessfulScanAt !== null && clock.now().getTime() - Date.parse(lastSuccessfulScanAt) <= maxAge;
        return { ok: writable && scanFresh, detail: { database: writable ? 'writable' : 'not writable', lastScan, lastSuccessfulScanAt } };
      },
    },
  });
  const headSigner = options.evidenceHmacKey ? new HeadSigner(parseHmacKey(options.evidenceHmacKey)) : null;
  const evidence = new EvidenceLog(db, clock, headSigner);
  const commits = new CommitQueue(db);
  const services: Services = {
    clock,
    log: options.log,
    findings: new FindingsRepo(db),
    groups: new CardGroups(db),
    evidence,
    status: new StatusQuery(db),
    exports: new EvidenceExports(options.databasePath, options.evidenceHmacKey ? parseHmacKey(options.evidenceHmacKey) : null, () => clock.now()),
    aws,
    awsFor: (account) => crossAccount?.clientsFor(account) ?? aws,
    slack: webApiMessenger(app.client, () => clock.now().getTime()),
    outbox: new SlackOutbox({ db, slack: webApiMessenger(singleAttemptClient({ ...options.slack, log: options.log })), clock, evidence, log: options.log }),
    writeback: new SecurityHubWriteback({ db, region: options.securityHubRegion, securityHub: (region) => aws.securityHub(region), evidence, clock, log: options.log }),
    routing: options.routing,
    tagLookup: createTagLookup({ aws, clock, log: options.log }),
    policy: options.policy ?? defaultPolicy,
    securityHubRegion: options.securityHubRegion,
    atomically: (work) => db.transaction(work).immediate(),
    atomicallySoon: (work) => commits.submit(work),
  };
  const cursors = new PollCursors(db);
  let scanning: Promise<ScanReport> | null = null;
  let started = false;

  const bot: Bot = {
    app,
    services,
    db,
    background,
    scan() {
      scanning ??= scanSecurityHub(services, cursors)
        .then(
          (report) => {
            lastScan = { at: clock.now().toISOString(), ok: true };
            lastSuccessfulScanAt = lastScan.at;
            return report;
          },
          (error: unknown) => {
            lastScan = { at: clock.now().toISOString(), ok: false };
            throw error;
          },
        )
        .finally(() => {
          scanning = null;
        });
      return scanning;
    },
    async start(port) {
      // Before taking clicks: settle any fix a crash left half-done, without applying it twice.
      const recovered = await recoverInterruptedFixes(services);
      if (recovered > 0) options.log.warn({ recovered }, 'fixes interrupted by the last shutdown were re-checked');
      // Card updates and replies a crash or an outage left queued; Slack may still be down, so not awaited.
      background.run(async () => {
        await services.outbox.drain();
      });
      // Security Hub updates an outage or a crash left unsent.
      background.run(async () => {
        await services.writeback.drain();
      });
      const server = (await app.start(port)) as unknown;
      started = true;
      return isServer(server) ? server : null;
    },
    async stop(draining) {
      try {
        if (started) await app.stop();
        options.log.info('no longer taking requests; waiting for work in flight');
      } finally {
        // Even when the listener would not close, in-flight work finishes and the database closes cleanly.
        await Promise.allSettled([scanning, draining]);
        await background.idle();
        aws.destroy();
        crossAccount?.destroy();
        await checkpointer?.stop();
        db.close();
      }
    },
  };
  registerListeners(app, services, background, { scan: () => bot.scan(), scanInProgress: () => scanning !== null });
  return bot;
}

function databaseWritable(db: Db): boolean {
  if (!db.open) return false;
  try {
    // Taking the write lock and letting go proves writes would succeed, without writing.
    db.exec('BEGIN IMMEDIATE; ROLLBACK;');
    return true;
  } catch {
    return false;
  }
}

function isServer(value: unknown): value is Server {
  return typeof value === 'object' && value !== null && 'address' in value && typeof value.address === 'function';
}
