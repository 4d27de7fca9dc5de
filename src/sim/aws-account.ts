/**
 * A stateful, in-memory AWS account that answers the real SDK v3 HTTP calls the bot
 * makes (S3 bucket Public Access Block, tagging, default encryption, policy, access
 * logging and versioning; Security Hub findings; STS identity).
 * Tests and the offline demo mount `handlers()` on an msw server, so the bot's
 * production clients run unmodified: same endpoints, same wire formats, same errors.
 */
import { createHash } from 'node:crypto';
import { http, HttpResponse, type HttpHandler } from 'msw';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { z } from 'zod';
import { ApiError, failing, unsupported, xmlEscape, type AwsFault, type Routed, type SimService } from './aws-service.js';
import { parseJsonOrUndefined } from '../app/parse-json.js';

export { ApiError, type AwsFault, type SimService };

/** Built-in services; registered ones (see SimService) add their own names. */
export type AwsService = 's3' | 'securityhub' | 'sts' | (string & {});

export interface PublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

/** The one default-encryption rule S3 keeps per bucket. */
export interface BucketEncryption {
  SSEAlgorithm: 'AES256' | 'aws:kms' | 'aws:kms:dsse';
  KMSMasterKeyID?: string;
  BucketKeyEnabled: boolean;
  BlockedEncryptionTypes?: ('NONE' | 'SSE-C')[];
}

export interface BucketLogging {
  TargetBucket: string;
  TargetPrefix: string;
  TargetObjectKeyFormat?: { SimplePrefix: Record<string, never> } | { PartitionedPrefix: { PartitionDateSource?: 'EventTime' | 'DeliveryTime' } };
}

export interface BucketState {
  region: string;
  /** null: the bucket never had a Public Access Block (S3 answers NoSuchPublicAccessBlockConfiguration). */
  publicAccessBlock: PublicAccessBlock | null;
  /** Empty: S3 answers NoSuchTagSet. */
  tags: Record<string, string>;
  /**
   * null: a bucket from before 2023 that never had default encryption (S3 answers
   * ServerSideEncryptionConfigurationNotFoundError). addBucket defaults to SSE-S3, as S3 does today.
   */
  encryption: BucketEncryption | null;
  /** The policy document exactly as PutBucketPolicy sent it; null: NoSuchBucketPolicy. */
  policy: string | null;
  /** null: server access logging is off (an empty BucketLoggingStatus). */
  logging: BucketLogging | null;
  /** null: never versioned; S3 cannot go back to that once versioning was set. */
  versioning: 'Enabled' | 'Suspended' | null;
}

export interface AwsCall {
  service: AwsService;
  /** SDK command name without the `Command` suffix, or `Unsupported` for calls the sim does not model. */
  operation: string;
  /** Region taken from the endpoint the SDK chose. */
  region: string;
  /** Operation input in SDK shape (S3) or the JSON body as sent (Security Hub). */
  input: unknown;
  /** Error code answered instead of a result, when the call failed. */
  failedWith?: string;
}


export interface NoteEntry {
  Text: string;
  UpdatedBy: string;
  UpdatedAt: string;
}

export interface SimulatedAwsOptions {
  accountId?: string;
  /** Security Hub cross-Region aggregation Region: GetFindings there sees findings from every Region. */
  aggregationRegion?: string;
  now?: () => Date;
}

const PAB_KEYS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;
const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
/** Query keys that name the bucket subresource an S3 request addresses. */
const S3_SUBRESOURCES = ['publicAccessBlock', 'tagging', 'encryption', 'policy', 'logging', 'versioning'] as const;
/** What S3 reports for a bucket with no explicit default encryption since January 2023. */
const SSE_S3_DEFAULT: BucketEncryption = { SSEAlgorithm: 'AES256', BucketKeyEnabled: false };
const DEFAULT_REGION = 'us-east-1';
const MAX_PAGE = 100;

type Reply = Response;
type S3Route = (bucket: string, region: string, request: Request) => Routed | Promise<Routed>;

/** The service-specific way to put an error on the wire. */
type ErrorWriter = (fault: AwsFault, requestId: string, extra?: Record<string, string>) => Reply;


export class SimulatedAws {
  readonly calls: AwsCall[] = [];
  readonly accountId: string;
  private readonly aggregationRegion: string | undefined;
  private readonly now: () => Date;
  private readonly buckets = new Map<string, BucketState>();
  /** Keyed by `ProductArn|Id`, the identity Security Hub uses. */
  private readonly findingsByKey = new Map<string, AwsSecurityFinding>();
  private readonly notes = new Map<string, NoteEntry[]>();
  private readonly oneShotFaults: { service: AwsService; operation: string; fault: AwsFault }[] = [];
  private readonly standingFaults: { service: AwsService; operation: string; fault: AwsFault }[] = [];
  private requestCounter = 0;

  constructor(options: SimulatedAwsOptions = {}) {
    this.accountId = options.accountId ?? '111122223333';
    this.aggregationRegion = options.aggregationRegion;
    this.now = options.now ?? (() => new Date());
  }

  // ---- seeding and inspection -------------------------------------------------

  addBucket(name: string, state: Partial<BucketState> = {}): void {
    this.buckets.set(name, {
      region: state.region ?? DEFAULT_REGION,
      publicAccessBlock: state.publicAccessBlock ? { ...state.publicAccessBlock } : null,
      tags: { ...(state.tags ?? {}) },
      encryption: state.encryption === undefined ? { ...SSE_S3_DEFAULT } : structuredClone(state.encryption),
      policy: state.policy ?? null,
      logging: state.logging ? structuredClone(state.logging) : null,
      versioning: state.versioning ?? null,
    });
  }

  /** A copy of the bucket's current state, or undefined when it does not exist. */
  bucket(name: string): BucketState | undefined {
    const state = this.buckets.get(name);
    return state ? structuredClone(state) : undefined;
  }

  /** Inserts or replaces a finding (identity: Id + ProductArn). */
  addFinding(asff: AwsSecurityFinding): void {
    this.findingsByKey.set(findingKey(asff.Id, asff.ProductArn), structuredClone(asff));
  }

  /** A copy of the finding with this Id (any product), or undefined. */
  finding(id: string, productArn?: string): AwsSecurityFinding | undefined {
    for (const f of this.findingsByKey.values()) {
      if (f.Id === id && (productArn === undefined || f.ProductArn === productArn)) return structuredClone(f);
    }
    return undefined;
  }

  findings(): AwsSecurityFinding[] {
    return [...this.findingsByKey.values()].map((f) => structuredClone(f));
  }

  /** Every note BatchUpdateFindings wrote on the finding, oldest first (ASFF itself keeps only the last). */
  noteHistory(id: string): NoteEntry[] {
    return [...(this.notes.get(id) ?? [])];
  }

  callsTo(service: AwsService, operation?: string): AwsCall[] {
    return this.calls.filter((c) => c.service === service && (operation === undefined || c.operation === operation));
  }

  // ---- fault injection --------------------------------------------------------

  /** The next matching call fails with this error; `operation` may be '*'. Queued faults fire in order. */
  failNext(service: AwsService, operation: string, fault: AwsFault): void {
    this.oneShotFaults.push({ service, operation, fault });
  }

  /** Every matching call fails until clearFaults(). */
  failAlways(service: AwsService, operation: string, fault: AwsFault): void {
    this.standingFaults.push({ service, operation, fault });
  }

  /** One throttling error in the form the service really uses (the SDK retries all of them). */
  throttleNext(service: AwsService, operation: string): void {
    const faults: Record<string, AwsFault> = {
      s3: { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' },
      securityhub: { status: 429, code: 'ThrottlingException', message: 'Rate exceeded' },
      ec2: { status: 503, code: 'RequestLimitExceeded', message: 'Request limit exceeded.' },
    };
    this.failNext(service, operation, faults[service] ?? { status: 400, code: 'Throttling', message: 'Rate exceeded' });
  }

  clearFaults(): void {
    this.oneShotFaults.length = 0;
    this.standingFaults.length = 0;
  }

  private takeFault(service: AwsService, operation: string): AwsFault | undefined {
    const matches = (f: { service: AwsService; operation: string }) =>
      f.service === service && (f.operation === '*' || f.operation === operation);
    const index = this.oneShotFaults.findIndex(matches);
    if (index >= 0) return this.oneShotFaults.splice(index, 1)[0]?.fault;
    return this.standingFaults.find(matches)?.fault;
  }

  // ---- HTTP -------------------------------------------------------------------

  /** Plugs in another simulated service (EC2, IAM, ...); its calls and faults go through this account. */
  register(service: SimService): void {
    this.services.unshift(service);
  }

  /** One handler for every AWS host; the service is chosen per request, so services registered later are served too. */
  handlers(): HttpHandler[] {
    const serviceFor = (request: Request) => {
      const hostname = new URL(request.url).hostname;
      return this.services.find((service) => service.handles(hostname));
    };
    return [
      http.all(
        ({ request }) => serviceFor(request) !== undefined,
        ({ request }) => this.serve(serviceFor(request)!, request),
      ),
    ];
  }

  private nextRequestId(): string {
    this.requestCounter += 1;
    return `SIM${this.requestCounter.toString(16).toUpperCase().padStart(13, '0')}`;
  }

  /**
   * Common path for every service: identify the operation, record it, fire any injected
   * fault, then run it; an ApiError from running becomes that service's error format.
   */
  private async serve(service: SimService, request: Request): Promise<Reply> {
    const requestId = this.nextRequestId();
    const region = service.regionOf(new URL(request.url).hostname);
    const routed = await service.route(request, region);
    const call: AwsCall = { service: service.name, operation: routed.operation, region, input: routed.input };
    this.calls.push(call);
    const fault = this.takeFault(service.name, routed.operation);
    if (fault) {
      call.failedWith = fault.code;
      return service.errorReply(fault, requestId);
    }
    try {
      const reply = await routed.run();
      for (const [name, value] of Object.entries(service.requestIdHeaders(requestId))) reply.headers.set(name, value);
      return reply;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      call.failedWith = error.fault.code;
      const reply = service.errorReply(error.fault, requestId, error.extra);
      for (const [name, value] of Object.entries(error.headers)) reply.headers.set(name, value);
      return reply;
    }
  }

  /** The services this account answers for: S3, Security Hub and STS built in, others registered. */
  private readonly services: SimService[] = [
    this.builtIn('s3', S3_HOST, (r, region) => this.s3(r, region)),
    this.builtIn('securityhub', SECURITY_HUB_HOST, (r, region) => this.securityHub(r, region)),
    this.builtIn('sts', STS_HOST, (r, region) => this.sts(r, region)),
  ];

  private builtIn(name: 's3' | 'securityhub' | 'sts', host: RegExp, route: SimService['route']): SimService {
    return {
      name,
      handles: (hostname) => host.test(hostname),
      regionOf: (hostname) => regionOf(name, hostname),
      route,
      errorReply: ERROR_WRITERS[name],
      requestIdHeaders: (requestId): Record<string, string> =>
        name === 's3' ? { 'x-amz-request-id': requestId, 'x-amz-id-2': `sim/${requestId}` } : { 'x-amzn-requestid': requestId },
    };
  }

  // ---- S3 ---------------------------------------------------------------------

  private async s3(request: Request, region: string): Promise<Routed> {
    const url = new URL(request.url);
    const { bucket, key } = s3BucketAndKey(url);
    const method = request.method.toUpperCase();
    const subresource = bucket && !key ? S3_SUBRESOURCES.find((name) => url.searchParams.has(name)) : undefined;
    const route = subresource ? this.s3Routes[`${method} ${subresource}`] : undefined;
    if (!bucket || !route) return unsupported(`${method} ${url.pathname}${url.search}`);
    return route(bucket, region, request);
  }

  /** The bucket subresource operations the sim models, keyed by `METHOD subresource`. */
  private readonly s3Routes: Record<string, S3Route> = {
    'GET publicAccessBlock': this.s3Call('GetPublicAccessBlock', (state, bucket) => {
      if (!state.publicAccessBlock) {
        throw s3NotFound('NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found', bucket);
      }
      return xmlReply(publicAccessBlockXml(state.publicAccessBlock, S3_XMLNS));
    }),
    'PUT publicAccessBlock': this.s3Put(
      'PutPublicAccessBlock',
      parsePublicAccessBlockXml,
      (config) => ({ PublicAccessBlockConfiguration: config }),
      (state, config) => {
        state.publicAccessBlock = { ...config };
        return ok();
      },
    ),
    'DELETE publicAccessBlock': this.s3Call('DeletePublicAccessBlock', (state) => {
      state.publicAccessBlock = null;
      return noContent();
    }),
    'GET tagging': this.s3Call('GetBucketTagging', (state, bucket) => {
      const tags = Object.entries(state.tags);
      if (tags.length === 0) throw s3NotFound('NoSuchTagSet', 'The TagSet does not exist', bucket);
      const tagXml = tags.map(([k, v]) => `<Tag><Key>${xmlEscape(k)}</Key><Value>${xmlEscape(v)}</Value></Tag>`).join('');
      return xmlReply(`<Tagging xmlns="${S3_XMLNS}"><TagSet>${tagXml}</TagSet></Tagging>`);
    }),
    'GET encryption': this.s3Call('GetBucketEncryption', (state, bucket) => {
      if (!state.encryption) {
        throw s3NotFound('ServerSideEncryptionConfigurationNotFoundError', 'The server side encryption configuration was not found', bucket);
      }
      return xmlReply(encryptionXml(state.encryption));
    }),
    'PUT encryption': this.s3Put(
      'PutBucketEncryption',
      parseEncryptionXml,
      (rule) => ({ ServerSideEncryptionConfiguration: { Rules: [encryptionRule(rule)] } }),
      (state, rule) => {
        state.encryption = structuredClone(rule);
        return ok();
      },
    ),
    // Since 2023 S3 cannot leave a bucket unencrypted: deleting the configuration resets it to SSE-S3.
    'DELETE encryption': this.s3Call('DeleteBucketEncryption', (state) => {
      state.encryption = { ...SSE_S3_DEFAULT };
      return noContent();
    }),
    'GET policy': this.s3Call('GetBucketPolicy', (state, bucket) => {
      if (state.policy === null) throw s3NotFound('NoSuchBucketPolicy', 'The bucket policy does not exist', bucket);
      return new HttpResponse(state.policy, { status: 200, headers: { 'content-type': 'application/json' } });
    }),
    'PUT policy': this.s3Put(
      'PutBucketPolicy',
      checkPolicy,
      (policy) => ({ Policy: policy }),
      (state, policy) => {
        state.policy = policy;
        return ok();
      },
    ),
    'DELETE policy': this.s3Call('DeleteBucketPolicy', (state) => {
      state.policy = null;
      return noContent();
    }),
    'GET logging': this.s3Call('GetBucketLogging', (state) => xmlReply(loggingXml(state.logging))),
    'PUT logging': this.s3Put(
      'PutBucketLogging',
      parseLoggingXml,
      (logging) => ({ BucketLoggingStatus: logging ? { LoggingEnabled: logging } : {} }),
      (state, logging) => {
        if (logging) this.checkLogTarget(state, logging.TargetBucket);
        state.logging = logging && structuredClone(logging);
        return ok();
      },
    ),
    'GET versioning': this.s3Call('GetBucketVersioning', (state) =>
      xmlReply(
        state.versioning
          ? `<VersioningConfiguration xmlns="${S3_XMLNS}"><Status>${state.versioning}</Status></VersioningConfiguration>`
          : `<VersioningConfiguration xmlns="${S3_XMLNS}"/>`,
      ),
    ),
    'PUT versioning': this.s3Put(
      'PutBucketVersioning',
      parseVersioningXml,
      (status) => ({ VersioningConfiguration: { Status: status } }),
      (state, status) => {
        state.versioning = status;
        return ok();
      },
    ),
  };

  /** An operation without a request body. */
  private s3Call(operation: string, run: (state: BucketState, bucket: string) => Reply): S3Route {
    return (bucket, region) => ({ operation, input: { Bucket: bucket }, run: () => run(this.s3Bucket(bucket, region), bucket) });
  }

  /** An operation whose body is read while routing, so a malformed one is still recorded under its operation. */
  private s3Put<T>(
    operation: string,
    parse: (body: string) => T | ApiError,
    input: (value: T) => Record<string, unknown>,
    run: (state: BucketState, value: T) => Reply,
  ): S3Route {
    return async (bucket, region, request) => {
      const body = await request.text();
      const value = parse(body);
      if (value instanceof ApiError) return failing(operation, { Bucket: bucket, body }, value);
      return { operation, input: { Bucket: bucket, ...input(value) }, run: () => run(this.s3Bucket(bucket, region), value) };
    };
  }

  /** S3 delivers access logs only to an existing bucket in the source bucket's Region. */
  private checkLogTarget(source: BucketState, target: string): void {
    const state = this.buckets.get(target);
    if (!state) {
      throw new ApiError(
        { status: 400, code: 'InvalidTargetBucketForLogging', message: 'The target bucket for logging does not exist' },
        { TargetBucket: target },
      );
    }
    if (state.region !== source.region) {
      throw new ApiError({ status: 403, code: 'CrossLocationLoggingProhibitted', message: 'Cross S3 location logging not allowed. ' });
    }
  }

  /** S3 answers for a bucket only at its own Region's endpoint. */
  private s3Bucket(name: string, region: string): BucketState {
    const state = this.buckets.get(name);
    if (!state) {
      throw new ApiError({ status: 404, code: 'NoSuchBucket', message: 'The specified bucket does not exist' }, { BucketName: name });
    }
    if (state.region !== region) {
      throw new ApiError(
        {
          status: 301,
          code: 'PermanentRedirect',
          message: 'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.',
        },
        { Bucket: name, Endpoint: `${name}.s3.${state.region}.amazonaws.com` },
        { 'x-amz-bucket-region': state.region },
      );
    }
    return state;
  }

  // ---- Security Hub -----------------------------------------------------------

  private async securityHub(request: Request, region: string): Promise<Routed> {
    const path = new URL(request.url).pathname.replace(/\/+$/, '');
    const method = request.method.toUpperCase();
    const route = `${method} ${path}`;
    if (route === 'POST /findings') {
      const input = await readJson(request);
      if (input instanceof ApiError) return failing('GetFindings', null, input);
      return { operation: 'GetFindings', input, run: () => this.getFindings(input, region) };
    }
    if (route === 'PATCH /findings/batchupdate') {
      const input = await readJson(request);
      if (input instanceof ApiError) return failing('BatchUpdateFindings', null, input);
      return { operation: 'BatchUpdateFindings', input, run: () => this.batchUpdateFindings(input, region) };
    }
    if (route === 'POST /findings/import') {
      const input = await readJson(request);
      if (input instanceof ApiError) return failing('BatchImportFindings', null, input);
      return { operation: 'BatchImportFindings', input, run: () => this.batchImportFindings(input) };
    }
    return unsupported(route);
  }

  private visibleIn(region: string, f: AwsSecurityFinding): boolean {
    return region === this.aggregationRegion || f.Region === undefined || f.Region === region;
  }

  private getFindings(body: unknown, region: string): Reply {
    const input = parseInput(getFindingsInput, body);
    const pageSize = input.MaxResults ?? MAX_PAGE;
    if (pageSize < 1 || pageSize > MAX_PAGE) {
      throw invalidInput(`MaxResults must be between 1 and ${MAX_PAGE}`);
    }
    const matches = compileFilters(input.Filters ?? {}, this.now());
    const selected = [...this.findingsByKey.values()].filter((f) => this.visibleIn(region, f) && matches(f));
    for (const criterion of [...(input.SortCriteria ?? [])].reverse()) {
      const read = sortKey(criterion.Field);
      const direction = criterion.SortOrder === 'desc' ? -1 : 1;
      selected.sort((a, b) => direction * (read(a) ?? '').localeCompare(read(b) ?? ''));
    }
    const offset = input.NextToken === undefined ? 0 : decodeToken(input.NextToken);
    const page = selected.slice(offset, offset + pageSize);
    const next = offset + pageSize < selected.length ? encodeToken(offset + pageSize) : undefined;
    return HttpResponse.json({ Findings: page, ...(next ? { NextToken: next } : {}) });
  }

  private batchUpdateFindings(body: unknown, region: string): Reply {
    const input = parseInput(batchUpdateInput, body);
    const { FindingIdentifiers: ids, ...changes } = input;
    if (Object.keys(changes).length === 0) throw invalidInput('At least one finding attribute to update is required');
    const updatedAt = this.now().toISOString();
    const processed: { Id: string; ProductArn: string }[] = [];
    const unprocessed: { FindingIdentifier: { Id: string; ProductArn: string }; ErrorCode: string; ErrorMessage: string }[] = [];
    const seen = new Set<string>();
    for (const id of ids) {
      const key = findingKey(id.Id, id.ProductArn);
      const finding = this.findingsByKey.get(key);
      if (seen.has(key)) {
        unprocessed.push({ FindingIdentifier: id, ErrorCode: 'DuplicatedFindingIdentifier', ErrorMessage: 'Finding Identifier is duplicated' });
        continue;
      }
      seen.add(key);
      if (!finding || !this.visibleIn(region, finding)) {
        unprocessed.push({ FindingIdentifier: id, ErrorCode: 'FindingNotFound', ErrorMessage: 'Finding Not Found' });
        continue;
      }
      if (changes.Workflow) finding.Workflow = { Status: changes.Workflow.Status };
      if (changes.Note) {
        const note = { ...changes.Note, UpdatedAt: updatedAt };
        finding.Note = note;
        this.notes.set(id.Id, [...(this.notes.get(id.Id) ?? []), note]);
      }
      if (changes.Severity) finding.Severity = { ...finding.Severity, ...changes.Severity };
      if (changes.VerificationState) finding.VerificationState = changes.VerificationState;
      if (changes.Confidence !== undefined) finding.Confidence = changes.Confidence;
      if (changes.Criticality !== undefined) finding.Criticality = changes.Criticality;
      if (changes.Types) finding.Types = [...changes.Types];
      if (changes.UserDefinedFields) finding.UserDefinedFields = { ...finding.UserDefinedFields, ...changes.UserDefinedFields };
      finding.UpdatedAt = updatedAt;
      processed.push(id);
    }
    return HttpResponse.json({ ProcessedFindings: processed, UnprocessedFindings: unprocessed });
  }

  private batchImportFindings(body: unknown): Reply {
    const input = parseInput(z.object({ Findings: z.array(z.unknown()).min(1).max(100) }), body);
    const failed: { Id: string; ErrorCode: string; ErrorMessage: string }[] = [];
    let succeeded = 0;
    for (const candidate of input.Findings) {
      if (!isAsffFinding(candidate)) {
        const id = z.object({ Id: z.string() }).safeParse(candidate);
        failed.push({ Id: id.success ? id.data.Id : '', ErrorCode: 'InvalidInput', ErrorMessage: 'Finding does not match the ASFF required fields' });
        continue;
      }
      const key = findingKey(candidate.Id, candidate.ProductArn);
      const existing = this.findingsByKey.get(key);
      const imported: AwsSecurityFinding = structuredClone(candidate);
      // Providers cannot overwrite the customer-owned fields that BatchUpdateFindings sets.
      if (existing) {
        imported.Note = existing.Note;
        imported.Workflow = existing.Workflow;
        imported.UserDefinedFields = existing.UserDefinedFields;
        imported.VerificationState = existing.VerificationState;
      }
      this.findingsByKey.set(key, imported);
      succeeded += 1;
    }
    return HttpResponse.json({ FailedCount: failed.length, SuccessCount: succeeded, FailedFindings: failed });
  }

  // ---- STS --------------------------------------------------------------------

  private async sts(request: Request, _region: string): Promise<Routed> {
    const form = new URLSearchParams(request.method === 'POST' ? await request.text() : new URL(request.url).search);
    const action = form.get('Action');
    if (action === 'GetCallerIdentity') {
      return { operation: 'GetCallerIdentity', input: {}, run: () => this.getCallerIdentity() };
    }
    return unsupported(`Action=${action ?? '(none)'}`);
  }

  private getCallerIdentity(): Reply {
    const id = this.accountId;
    return xmlReply(
      `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
        `<Arn>arn:aws:sts::${id}:assumed-role/soc2-bot/simulated</Arn><UserId>AROASIMULATED:simulated</UserId><Account>${id}</Account>` +
        `</GetCallerIdentityResult><ResponseMetadata><RequestId>${this.nextRequestId()}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
    );
  }
}

// ---- routing helpers ------------------------------------------------------------




const S3_HOST = /^(?:.+\.)?s3(?:\.dualstack)?(?:[.-][a-z0-9-]+)?\.amazonaws\.com$/;
const SECURITY_HUB_HOST = /^securityhub(?:\.[a-z0-9-]+)?\.amazonaws\.com$/;
const STS_HOST = /^sts(?:\.[a-z0-9-]+)?\.amazonaws\.com$/;

function regionOf(service: AwsService, hostname: string): string {
  const label = service === 's3' ? /(?:^|\.)s3(?:\.dualstack)?[.-]([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com$/ : /^[a-z]+\.([a-z0-9-]+)\.amazonaws\.com$/;
  return label.exec(hostname)?.[1] ?? DEFAULT_REGION;
}

/** Virtual-hosted style puts the bucket in the host; path style (used for dotted names) in the first segment. */
function s3BucketAndKey(url: URL): { bucket: string | null; key: string } {
  const hostBucket = /^(.+)\.s3(?:\.dualstack)?(?:[.-][a-z0-9-]+)?\.amazonaws\.com$/.exec(url.hostname)?.[1];
  const segments = url.pathname.split('/').slice(1);
  if (hostBucket) return { bucket: hostBucket, key: decodeURIComponent(segments.join('/')) };
  const [first = '', ...rest] = segments;
  return { bucket: first ? decodeURIComponent(first) : null, key: decodeURIComponent(rest.join('/')) };
}


// ---- wire formats ---------------------------------------------------------------

const ERROR_WRITERS: Record<'s3' | 'securityhub' | 'sts', ErrorWriter> = {
  // REST-XML: the SDK reads <Error><Code> to name the exception.
  s3: (fault, requestId, extra = {}) => {
    const extras = Object.entries(extra).map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`).join('');
    const body =
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${xmlEscape(fault.code)}</Code>` +
      `<Message>${xmlEscape(fault.message ?? fault.code)}</Message>${extras}` +
      `<RequestId>${requestId}</RequestId><HostId>sim/${requestId}</HostId></Error>`;
    return new HttpResponse(body, {
      status: fault.status,
      headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId, 'x-amz-id-2': `sim/${requestId}` },
    });
  },
  // REST-JSON: the SDK takes the exception name from x-amzn-errortype, the message from the body.
  securityhub: (fault, requestId) =>
    HttpResponse.json(
      { Code: fault.code, Message: fault.message ?? fault.code },
      { status: fault.status, headers: { 'x-amzn-errortype': fault.code, 'x-amzn-requestid': requestId } },
    ),
  // AWS Query: <ErrorResponse><Error><Code>.
  sts: (fault, requestId) =>
    new HttpResponse(
      `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>${fault.status >= 500 ? 'Receiver' : 'Sender'}</Type>` +
        `<Code>${xmlEscape(fault.code)}</Code><Message>${xmlEscape(fault.message ?? fault.code)}</Message></Error>` +
        `<RequestId>${requestId}</RequestId></ErrorResponse>`,
      { status: fault.status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId } },
    ),
};

function xmlReply(body: string): Reply {
  return new HttpResponse(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`, {
    status: 200,
    headers: { 'content-type': 'application/xml' },
  });
}


function ok(): Reply {
  return new HttpResponse(null, { status: 200 });
}

function noContent(): Reply {
  return new HttpResponse(null, { status: 204 });
}

function s3NotFound(code: string, message: string, bucket: string): ApiError {
  return new ApiError({ status: 404, code, message }, { BucketName: bucket });
}

function malformedXml(): ApiError {
  return new ApiError({
    status: 400,
    code: 'MalformedXML',
    message: 'The XML you provided was not well-formed or did not validate against our published schema',
  });
}

/** A request field the sim does not model fails loudly rather than being dropped. */
function notModelled(what: string): ApiError {
  return new ApiError({ status: 501, code: 'NotImplemented', message: `SimulatedAws does not implement ${what}` });
}

/** The raw inner XML of each `<name>` element; S3 bodies never nest an element inside one of the same name. */
function xmlElements(xml: string, name: string): string[] {
  const pattern = new RegExp(`<${name}(?:\\s[^>]*)?(?:/>|>([\\s\\S]*?)</${name}>)`, 'g');
  return [...xml.matchAll(pattern)].map((match) => match[1] ?? '');
}

/** The text of the first `<name>` element, unescaped, or undefined when there is none. */
function xmlValue(xml: string, name: string): string | undefined {
  const [inner] = xmlElements(xml, name);
  return inner === undefined ? undefined : xmlUnescape(inner.trim());
}

function xmlUnescape(text: string): string {
  const named: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (entity, body: string) => {
    if (body.startsWith('#x')) return String.fromCodePoint(parseInt(body.slice(2), 16));
    if (body.startsWith('#')) return String.fromCodePoint(Number(body.slice(1)));
    return named[body] ?? entity;
  });
}

/** Shared with S3 Control, whose account-level configuration has the same four settings. */
export function publicAccessBlockXml(block: PublicAccessBlock, xmlns: string): string {
  const fields = PAB_KEYS.map((k) => `<${k}>${String(block[k])}</${k}>`).join('');
  return `<PublicAccessBlockConfiguration xmlns="${xmlns}">${fields}</PublicAccessBlockConfiguration>`;
}

/** S3 treats an omitted setting as false; anything but true/false is malformed. */
export function parsePublicAccessBlockXml(xml: string): PublicAccessBlock | ApiError {
  if (!/<PublicAccessBlockConfiguration[\s>]/.test(xml)) return malformedXml();
  const config: PublicAccessBlock = { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false };
  for (const key of PAB_KEYS) {
    const value = xmlValue(xml, key);
    if (value === undefined) continue;
    if (value !== 'true' && value !== 'false') return malformedXml();
    config[key] = value === 'true';
  }
  return config;
}

/** The rule in the SDK's shape, as the call record shows it. */
function encryptionRule(rule: BucketEncryption): Record<string, unknown> {
  const { BucketKeyEnabled, BlockedEncryptionTypes, ...byDefault } = rule;
  return {
    ApplyServerSideEncryptionByDefault: byDefault,
    BucketKeyEnabled,
    ...(BlockedEncryptionTypes ? { BlockedEncryptionTypes: { EncryptionType: BlockedEncryptionTypes } } : {}),
  };
}

function encryptionXml(rule: BucketEncryption): string {
  const key = rule.KMSMasterKeyID === undefined ? '' : `<KMSMasterKeyID>${xmlEscape(rule.KMSMasterKeyID)}</KMSMasterKeyID>`;
  const blocked = rule.BlockedEncryptionTypes
    ? `<BlockedEncryptionTypes>${rule.BlockedEncryptionTypes.map((t) => `<EncryptionType>${t}</EncryptionType>`).join('')}</BlockedEncryptionTypes>`
    : '';
  return (
    `<ServerSideEncryptionConfiguration xmlns="${S3_XMLNS}"><Rule><ApplyServerSideEncryptionByDefault>` +
    `<SSEAlgorithm>${rule.SSEAlgorithm}</SSEAlgorithm>${key}</ApplyServerSideEncryptionByDefault>` +
    `<BucketKeyEnabled>${String(rule.BucketKeyEnabled)}</BucketKeyEnabled>${blocked}</Rule></ServerSideEncryptionConfiguration>`
  );
}

const encryptionRuleXml = z.object({
  SSEAlgorithm: z.enum(['AES256', 'aws:kms', 'aws:kms:dsse']),
  KMSMasterKeyID: z.string().min(1).optional(),
  BucketKeyEnabled: z.enum(['true', 'false']).optional(),
  BlockedEncryptionTypes: z.array(z.enum(['NONE', 'SSE-C'])).optional(),
});

/** S3 keeps exactly one rule; a KMS key only goes with a KMS algorithm. */
function parseEncryptionXml(xml: string): BucketEncryption | ApiError {
  const [rule, ...more] = xmlElements(xml, 'Rule');
  if (!/<ServerSideEncryptionConfiguration[\s>]/.test(xml) || rule === undefined || more.length > 0) return malformedXml();
  const byDefault = xmlElements(rule, 'ApplyServerSideEncryptionByDefault')[0] ?? '';
  const blocked = xmlElements(rule, 'BlockedEncryptionTypes')[0];
  const parsed = encryptionRuleXml.safeParse({
    SSEAlgorithm: xmlValue(byDefault, 'SSEAlgorithm'),
    KMSMasterKeyID: xmlValue(byDefault, 'KMSMasterKeyID'),
    BucketKeyEnabled: xmlValue(rule, 'BucketKeyEnabled'),
    BlockedEncryptionTypes: blocked === undefined ? undefined : xmlElements(blocked, 'EncryptionType').map(xmlUnescape),
  });
  if (!parsed.success) return malformedXml();
  const { SSEAlgorithm, KMSMasterKeyID, BucketKeyEnabled, BlockedEncryptionTypes } = parsed.data;
  if (KMSMasterKeyID !== undefined && SSEAlgorithm === 'AES256') {
    return new ApiError({
      status: 400,
      code: 'InvalidArgument',
      message: 'a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse',
    });
  }
  return {
    SSEAlgorithm,
    ...(KMSMasterKeyID === undefined ? {} : { KMSMasterKeyID }),
    BucketKeyEnabled: BucketKeyEnabled === 'true',
    ...(BlockedEncryptionTypes ? { BlockedEncryptionTypes } : {}),
  };
}

/** S3 stores the document as sent, once it is a JSON object with statements. */
function checkPolicy(body: string): string | ApiError {
  const parsed = z.object({ Statement: z.union([z.array(z.unknown()).min(1), z.record(z.string(), z.unknown())]) }).safeParse(parseJsonOrUndefined(body));
  if (!body.startsWith('{') || !parsed.success) {
    return new ApiError({ status: 400, code: 'MalformedPolicy', message: "Policies must be valid JSON and the first byte must be '{'" });
  }
  return body;
}

function loggingXml(logging: BucketLogging | null): string {
  if (!logging) return `<BucketLoggingStatus xmlns="${S3_XMLNS}"/>`;
  const format = logging.TargetObjectKeyFormat;
  const formatXml = !format
    ? ''
    : 'SimplePrefix' in format
      ? '<TargetObjectKeyFormat><SimplePrefix/></TargetObjectKeyFormat>'
      : `<TargetObjectKeyFormat><PartitionedPrefix>${
          format.PartitionedPrefix.PartitionDateSource ? `<PartitionDateSource>${format.PartitionedPrefix.PartitionDateSource}</PartitionDateSource>` : ''
        }</PartitionedPrefix></TargetObjectKeyFormat>`;
  return (
    `<BucketLoggingStatus xmlns="${S3_XMLNS}"><LoggingEnabled><TargetBucket>${xmlEscape(logging.TargetBucket)}</TargetBucket>` +
    `<TargetPrefix>${xmlEscape(logging.TargetPrefix)}</TargetPrefix>${formatXml}</LoggingEnabled></BucketLoggingStatus>`
  );
}

/** null: the body turns logging off (an empty BucketLoggingStatus). */
function parseLoggingXml(xml: string): BucketLogging | null | ApiError {
  if (!/<BucketLoggingStatus[\s>/]/.test(xml)) return malformedXml();
  const enabled = xmlElements(xml, 'LoggingEnabled')[0];
  if (enabled === undefined) return null;
  if (xmlElements(enabled, 'TargetGrants').length > 0) return notModelled('TargetGrants');
  const TargetBucket = xmlValue(enabled, 'TargetBucket');
  const TargetPrefix = xmlValue(enabled, 'TargetPrefix');
  if (!TargetBucket || TargetPrefix === undefined) return malformedXml();
  const format = xmlElements(enabled, 'TargetObjectKeyFormat')[0];
  if (format === undefined) return { TargetBucket, TargetPrefix };
  if (xmlElements(format, 'SimplePrefix').length > 0) return { TargetBucket, TargetPrefix, TargetObjectKeyFormat: { SimplePrefix: {} } };
  const partitioned = xmlElements(format, 'PartitionedPrefix')[0];
  const source = z.enum(['EventTime', 'DeliveryTime']).optional().safeParse(partitioned === undefined ? null : xmlValue(partitioned, 'PartitionDateSource'));
  if (!source.success) return malformedXml();
  return {
    TargetBucket,
    TargetPrefix,
    TargetObjectKeyFormat: { PartitionedPrefix: source.data ? { PartitionDateSource: source.data } : {} },
  };
}

function parseVersioningXml(xml: string): 'Enabled' | 'Suspended' | ApiError {
  if (!/<VersioningConfiguration[\s>]/.test(xml)) return malformedXml();
  // Changing MFA Delete needs the x-amz-mfa header and a device; the sim has neither.
  if (xmlElements(xml, 'MfaDelete').length > 0) return notModelled('MfaDelete');
  const status = z.enum(['Enabled', 'Suspended']).safeParse(xmlValue(xml, 'Status'));
  return status.success ? status.data : malformedXml();
}

/** The parsed body, or the error to answer with when it is not JSON. */
async function readJson(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === '') return {};
  const parsed = parseJsonOrUndefined(text);
  return parsed === undefined ? new ApiError({ status: 400, code: 'SerializationException', message: 'Request body is not valid JSON' }) : parsed;
}

function invalidInput(message: string): ApiError {
  return new ApiError({ status: 400, code: 'InvalidInputException', message });
}

function parseInput<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw invalidInput(issue ? `${issue.path.join('.') || 'input'}: ${issue.message}` : 'Invalid input');
  }
  return result.data;
}

// ---- Security Hub semantics -----------------------------------------------------

const stringComparison = z.enum(['EQUALS', 'PREFIX', 'NOT_EQUALS', 'PREFIX_NOT_EQUALS', 'CONTAINS', 'NOT_CONTAINS']);
const stringFilter = z.object({ Value: z.string(), Comparison: stringComparison });
const dateFilter = z.object({
  Start: z.string().optional(),
  End: z.string().optional(),
  DateRange: z.object({ Value: z.number().int(), Unit: z.literal('DAYS') }).optional(),
});

const getFindingsInput = z.object({
  Filters: z.record(z.string(), z.array(z.unknown())).optional(),
  SortCriteria: z.array(z.object({ Field: z.string(), SortOrder: z.enum(['asc', 'desc']).optional() })).optional(),
  MaxResults: z.number().int().optional(),
  NextToken: z.string().optional(),
});

const findingIdentifier = z.object({ Id: z.string().min(1), ProductArn: z.string().min(1) });
// Strict: a field the sim does not apply should fail the test, not be silently dropped.
const batchUpdateInput = z.strictObject({
  FindingIdentifiers: z.array(findingIdentifier).min(1).max(100),
  Note: z.object({ Text: z.string().min(1).max(512), UpdatedBy: z.string().min(1).max(512) }).optional(),
  Workflow: z.object({ Status: z.enum(['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED']) }).optional(),
  Severity: z
    .object({
      Label: z.enum(['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']).optional(),
      Normalized: z.number().int().min(0).max(100).optional(),
      Product: z.number().optional(),
    })
    .optional(),
  VerificationState: z.enum(['UNKNOWN', 'TRUE_POSITIVE', 'FALSE_POSITIVE', 'BENIGN_POSITIVE']).optional(),
  Confidence: z.number().int().min(0).max(100).optional(),
  Criticality: z.number().int().min(0).max(100).optional(),
  Types: z.array(z.string()).optional(),
  UserDefinedFields: z.record(z.string(), z.string()).optional(),
});

type FindingReader = (f: AwsSecurityFinding) => (string | undefined)[];

const STRING_FIELDS: Record<string, FindingReader> = {
  Id: (f) => [f.Id],
  ProductArn: (f) => [f.ProductArn],
  ProductName: (f) => [f.ProductName],
  CompanyName: (f) => [f.CompanyName],
  GeneratorId: (f) => [f.GeneratorId],
  AwsAccountId: (f) => [f.AwsAccountId],
  Region: (f) => [f.Region],
  Title: (f) => [f.Title],
  Type: (f) => f.Types ?? [],
  RecordState: (f) => [f.RecordState],
  ComplianceStatus: (f) => [f.Compliance?.Status],
  ComplianceSecurityControlId: (f) => [f.Compliance?.SecurityControlId],
  WorkflowStatus: (f) => [f.Workflow?.Status],
  SeverityLabel: (f) => [f.Severity?.Label],
  VerificationState: (f) => [f.VerificationState],
  ResourceType: (f) => (f.Resources ?? []).map((r) => r.Type),
  ResourceId: (f) => (f.Resources ?? []).map((r) => r.Id),
  ResourceRegion: (f) => (f.Resources ?? []).map((r) => r.Region),
};

const DATE_FIELDS: Record<string, (f: AwsSecurityFinding) => string | undefined> = {
  CreatedAt: (f) => f.CreatedAt,
  UpdatedAt: (f) => f.UpdatedAt,
  FirstObservedAt: (f) => f.FirstObservedAt,
  LastObservedAt: (f) => f.LastObservedAt,
};

type Predicate = (f: AwsSecurityFinding) => boolean;

/**
 * Security Hub semantics: different attributes AND together; within one attribute the
 * positive comparisons OR together and the negative ones AND together.
 */
function compileFilters(filters: Record<string, unknown[]>, now: Date): Predicate {
  const predicates: Predicate[] = [];
  for (const [field, raw] of Object.entries(filters)) {
    if (raw.length === 0) continue;
    const readStrings = STRING_FIELDS[field];
    const readDate = DATE_FIELDS[field];
    if (readStrings) {
      predicates.push(stringPredicate(readStrings, parseInput(z.array(stringFilter), raw)));
    } else if (readDate) {
      const ranges = parseInput(z.array(dateFilter), raw).map((d) => dateRange(field, d, now));
      predicates.push((f) => {
        const at = Date.parse(readDate(f) ?? '');
        return !Number.isNaN(at) && ranges.every(([start, end]) => at >= start && at <= end);
      });
    } else {
      throw invalidInput(`SimulatedAws does not implement the ${field} filter`);
    }
  }
  return (f) => predicates.every((p) => p(f));
}

function stringPredicate(read: FindingReader, filters: z.output<typeof stringFilter>[]): Predicate {
  const test = (value: string, { Value, Comparison }: z.output<typeof stringFilter>): boolean => {
    switch (Comparison) {
      case 'EQUALS':
      case 'NOT_EQUALS':
        return value === Value;
      case 'PREFIX':
      case 'PREFIX_NOT_EQUALS':
        return value.startsWith(Value);
      case 'CONTAINS':
      case 'NOT_CONTAINS':
        return value.includes(Value);
    }
  };
  const positive = filters.filter((f) => !f.Comparison.includes('NOT_'));
  const negative = filters.filter((f) => f.Comparison.includes('NOT_'));
  return (finding) => {
    const values = read(finding).filter((v): v is string => v !== undefined);
    const anyPositive = positive.length === 0 || positive.some((flt) => values.some((v) => test(v, flt)));
    const noNegative = negative.every((flt) => values.every((v) => !test(v, flt)));
    return anyPositive && noNegative;
  };
}

function dateRange(field: string, filter: z.output<typeof dateFilter>, now: Date): [number, number] {
  if (filter.DateRange) return [now.getTime() - filter.DateRange.Value * 86_400_000, now.getTime()];
  const start = filter.Start === undefined ? -Infinity : Date.parse(filter.Start);
  const end = filter.End === undefined ? Infinity : Date.parse(filter.End);
  if (Number.isNaN(start) || Number.isNaN(end)) throw invalidInput(`${field}: Start and End must be ISO 8601 dates`);
  return [start, end];
}

function sortKey(field: string): (f: AwsSecurityFinding) => string | undefined {
  const date = DATE_FIELDS[field];
  if (date) return date;
  const strings = STRING_FIELDS[field];
  if (strings) return (f) => strings(f)[0];
  throw invalidInput(`SimulatedAws cannot sort by ${field}`);
}

function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64url');
}

function decodeToken(token: string): number {
  const parsed = z.object({ offset: z.number().int().min(0) }).safeParse(parseJsonOrUndefined(Buffer.from(token, 'base64url').toString('utf8')));
  if (!parsed.success) throw invalidInput('The NextToken is invalid');
  return parsed.data.offset;
}


function findingKey(id: string | undefined, productArn: string | undefined): string {
  return `${productArn ?? ''}|${id ?? ''}`;
}

const REQUIRED_ASFF = ['SchemaVersion', 'Id', 'ProductArn', 'GeneratorId', 'AwsAccountId', 'CreatedAt', 'UpdatedAt', 'Title', 'Description'] as const;

function isAsffFinding(value: unknown): value is AwsSecurityFinding & { Id: string; ProductArn: string } {
  if (typeof value !== 'object' || value === null) return false;
  const record: Record<string, unknown> = { ...value };
  return REQUIRED_ASFF.every((k) => typeof record[k] === 'string') && Array.isArray(record['Resources']);
}

// ---- fixtures -------------------------------------------------------------------

export interface ControlFindingOptions {
  /** Security Hub control id, e.g. "S3.8". */
  control: string;
  /** ARN of the failing resource, e.g. arn:aws:s3:::my-bucket. */
  resourceId: string;
  resourceType?: string;
  region?: string;
  accountId?: string;
  title?: string;
  severity?: 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
  compliance?: 'PASSED' | 'FAILED' | 'WARNING' | 'NOT_AVAILABLE';
  workflow?: 'NEW' | 'NOTIFIED' | 'RESOLVED' | 'SUPPRESSED';
  recordState?: 'ACTIVE' | 'ARCHIVED';
  /** ISO 8601; defaults to a fixed instant so fixtures are deterministic. */
  updatedAt?: string;
  createdAt?: string;
  tags?: Record<string, string>;
}

/**
 * A consolidated Security Hub CSPM control finding as GetFindings returns it. The Id is
 * derived from control + resource, so re-seeding the same pair yields the same finding.
 */
export function buildControlFinding(options: ControlFindingOptions): AwsSecurityFinding {
  const region = options.region ?? DEFAULT_REGION;
  const account = options.accountId ?? '111122223333';
  const digest = createHash('sha256').update(`${options.control}|${options.resourceId}|${region}`).digest('hex');
  const uuid = `${digest.slice(0, 8)}-${digest.slice(8, 12)}-${digest.slice(12, 16)}-${digest.slice(16, 20)}-${digest.slice(20, 32)}`;
  const createdAt = options.createdAt ?? '2024-05-01T09:00:00.000Z';
  const updatedAt = options.updatedAt ?? createdAt;
  const severity = options.severity ?? 'HIGH';
  const normalized = { INFORMATIONAL: 0, LOW: 1, MEDIUM: 40, HIGH: 70, CRITICAL: 90 }[severity];
  return {
    SchemaVersion: '2018-10-08',
    Id: `arn:aws:securityhub:${region}:${account}:security-control/${options.control}/finding/${uuid}`,
    ProductArn: `arn:aws:securityhub:${region}::product/aws/securityhub`,
    ProductName: 'Security Hub',
    CompanyName: 'AWS',
    Region: region,
    GeneratorId: `security-control/${options.control}`,
    AwsAccountId: account,
    Types: ['Software and Configuration Checks/Industry and Regulatory Standards'],
    FirstObservedAt: createdAt,
    LastObservedAt: updatedAt,
    CreatedAt: createdAt,
    UpdatedAt: updatedAt,
    Severity: { Label: severity, Normalized: normalized, Original: severity },
    Title: options.title ?? `${options.control} control check failed`,
    Description: `Security Hub control ${options.control} failed for ${options.resourceId}.`,
    ProductFields: { 'aws/securityhub/ProductName': 'Security Hub', 'aws/securityhub/CompanyName': 'AWS' },
    Resources: [
      {
        Type: options.resourceType ?? 'AwsS3Bucket',
        Id: options.resourceId,
        Partition: 'aws',
        Region: region,
        ...(options.tags ? { Tags: { ...options.tags } } : {}),
      },
    ],
    Compliance: {
      Status: options.compliance ?? 'FAILED',
      SecurityControlId: options.control,
      AssociatedStandards: [{ StandardsId: 'standards/aws-foundational-security-best-practices/v/1.0.0' }],
    },
    WorkflowState: 'NEW',
    Workflow: { Status: options.workflow ?? 'NEW' },
    RecordState: options.recordState ?? 'ACTIVE',
  };
}
