/**
 * Simulated CloudTrail (trails only): the awsJson1_1 protocol the SDK speaks, i.e.
 * `POST /` with `X-Amz-Target: CloudTrail_20131101.<Operation>` and a JSON body, errors
 * as JSON whose `__type` names the exception. Home-Region rules are modelled because the
 * remediations depend on them: a multi-Region trail is visible (as a shadow trail) in every
 * Region but can only be changed from the Region where it was created.
 */
import { HttpResponse } from 'msw';
import { z } from 'zod';
import { ApiError, failing, unsupported, type AwsFault, type Routed, type SimService } from './aws-service.js';

export interface TrailState {
  name: string;
  homeRegion: string;
  s3BucketName: string;
  s3KeyPrefix: string | null;
  isMultiRegionTrail: boolean;
  includeGlobalServiceEvents: boolean;
  logFileValidationEnabled: boolean;
  /** Key ARN; null: log files are encrypted with SSE-S3 only. */
  kmsKeyId: string | null;
  isLogging: boolean;
  isOrganizationTrail: boolean;
}

export interface LogBucket {
  /** False models a bucket whose policy does not let cloudtrail.amazonaws.com write. */
  policyAllowsCloudTrail: boolean;
}

export interface KmsKey {
  /** Alias names (`alias/...`) that resolve to the key in its Region. */
  aliases: string[];
  /** False models a key policy that does not grant cloudtrail.amazonaws.com GenerateDataKey. */
  policyAllowsCloudTrail: boolean;
}

const NAMESPACE = 'com.amazonaws.cloudtrail.v20131101';
const TARGET_PREFIX = /^(?:com\.amazonaws\.cloudtrail\.v20131101\.)?CloudTrail_20131101\.(\w+)$/;
const HOST = /^cloudtrail(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com$/;
const TRAIL_ARN = /^arn:aws[a-z-]*:cloudtrail:([a-z0-9-]+):(\d{12}):trail\/(.+)$/;
const KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(key|alias)\/(.+)$/;
const JSON_TYPE = 'application/x-amz-json-1.1';

const name = z.string().min(1);
const nameInput = z.strictObject({ Name: name });
const trailSettings = {
  S3BucketName: z.string().min(1).optional(),
  S3KeyPrefix: z.string().optional(),
  IncludeGlobalServiceEvents: z.boolean().optional(),
  IsMultiRegionTrail: z.boolean().optional(),
  EnableLogFileValidation: z.boolean().optional(),
  KmsKeyId: z.string().optional(),
  // Organization trails need AWS Organizations, which the sim does not model.
  IsOrganizationTrail: z.literal(false).optional(),
};
// Strict: a setting the sim does not apply (SNS, CloudWatch Logs, tags) must fail the test, not vanish.
const createTrailInput = z.strictObject({ Name: name, ...trailSettings, S3BucketName: z.string().min(1) });
const updateTrailInput = z.strictObject({ Name: name, ...trailSettings });
const describeTrailsInput = z.strictObject({
  trailNameList: z.array(z.string()).optional(),
  includeShadowTrails: z.boolean().optional(),
});

type Handler = (input: unknown, region: string) => Response;

export class CloudTrailService implements SimService {
  readonly name = 'cloudtrail';
  private readonly accountId: string;
  /** Keyed by name: the sim keeps trail names unique in the account. */
  private readonly trailsByName = new Map<string, TrailState>();
  private readonly buckets = new Map<string, LogBucket>();
  /** Keyed by key ARN. */
  private readonly keys = new Map<string, KmsKey>();

  private readonly operations: Record<string, Handler> = {
    DescribeTrails: (input, region) => this.describeTrails(parse(describeTrailsInput, input), region),
    GetTrail: (input, region) => json({ Trail: this.describe(this.visible(parse(nameInput, input).Name, region)) }),
    GetTrailStatus: (input, region) => json({ IsLogging: this.visible(parse(nameInput, input).Name, region).isLogging }),
    StartLogging: (input, region) => this.setLogging(parse(nameInput, input).Name, region, true),
    StopLogging: (input, region) => this.setLogging(parse(nameInput, input).Name, region, false),
    CreateTrail: (input, region) => this.createTrail(parse(createTrailInput, input), region),
    UpdateTrail: (input, region) => this.updateTrail(parse(updateTrailInput, input), region),
    DeleteTrail: (input, region) => {
      this.trailsByName.delete(this.atHome(parse(nameInput, input).Name, region).name);
      return json({});
    },
  };

  constructor(options: { accountId: string }) {
    this.accountId = options.accountId;
  }

  // ---- seeding and inspection -------------------------------------------------

  addTrail(trailName: string, state: Partial<Omit<TrailState, 'name'>> = {}): void {
    this.trailsByName.set(trailName, {
      name: trailName,
      homeRegion: state.homeRegion ?? 'us-east-1',
      s3BucketName: state.s3BucketName ?? `aws-cloudtrail-logs-${this.accountId}`,
      s3KeyPrefix: state.s3KeyPrefix ?? null,
      isMultiRegionTrail: state.isMultiRegionTrail ?? false,
      includeGlobalServiceEvents: state.includeGlobalServiceEvents ?? true,
      logFileValidationEnabled: state.logFileValidationEnabled ?? false,
      kmsKeyId: state.kmsKeyId ?? null,
      isLogging: state.isLogging ?? false,
      isOrganizationTrail: state.isOrganizationTrail ?? false,
    });
  }

  /** A copy of the trail's state, or undefined when no trail has this name. */
  trail(trailName: string): TrailState | undefined {
    const state = this.trailsByName.get(trailName);
    return state ? { ...state } : undefined;
  }

  trails(): TrailState[] {
    return [...this.trailsByName.values()].map((t) => ({ ...t }));
  }

  trailArn(trail: Pick<TrailState, 'name' | 'homeRegion'>): string {
    return `arn:aws:cloudtrail:${trail.homeRegion}:${this.accountId}:trail/${trail.name}`;
  }

  /** A bucket CreateTrail/UpdateTrail may name; any other bucket is S3BucketDoesNotExistException. */
  addLogBucket(bucket: string, state: Partial<LogBucket> = {}): void {
    this.buckets.set(bucket, { policyAllowsCloudTrail: state.policyAllowsCloudTrail ?? true });
  }

  addKmsKey(keyArn: string, state: Partial<KmsKey> = {}): void {
    if (!KEY_ARN.test(keyArn)) throw new Error(`${keyArn} is not a KMS key ARN`);
    this.keys.set(keyArn, { aliases: [...(state.aliases ?? [])], policyAllowsCloudTrail: state.policyAllowsCloudTrail ?? true });
  }

  // ---- SimService ---------------------------------------------------------------

  handles(hostname: string): boolean {
    return HOST.test(hostname);
  }

  regionOf(hostname: string): string {
    return HOST.exec(hostname)?.[1] ?? 'us-east-1';
  }

  async route(request: Request, region: string): Promise<Routed> {
    const target = request.headers.get('x-amz-target') ?? '';
    const operation = TARGET_PREFIX.exec(target)?.[1];
    const handler = operation === undefined ? undefined : this.operations[operation];
    if (request.method.toUpperCase() !== 'POST' || operation === undefined || handler === undefined) {
      return unsupported(`${request.method} ${new URL(request.url).pathname} X-Amz-Target: ${target || '(none)'}`);
    }
    const input = safeJson(await request.text());
    if (input === undefined) {
      return failing(operation, null, error('SerializationException', 'Request body is not valid JSON'));
    }
    return { operation, input, run: () => handler(input, region) };
  }

  errorReply(fault: AwsFault, requestId: string): Response {
    // The SDK reads the exception name from `__type` (the part after `#`), the text from `Message`.
    return HttpResponse.json(
      { __type: `${NAMESPACE}#${fault.code}`, Message: fault.message ?? fault.code },
      { status: fault.status, headers: { 'content-type': JSON_TYPE, 'x-amzn-requestid': requestId } },
    );
  }

  requestIdHeaders(requestId: string): Record<string, string> {
    return { 'x-amzn-requestid': requestId };
  }

  // ---- operations -----------------------------------------------------------------

  private describeTrails(input: z.output<typeof describeTrailsInput>, region: string): Response {
    const shadows = input.includeShadowTrails ?? true;
    const wanted = input.trailNameList ?? [];
    const listed = [...this.trailsByName.values()].filter(
      (t) =>
        (t.homeRegion === region || (shadows && t.isMultiRegionTrail)) &&
        (wanted.length === 0 || wanted.some((w) => w === t.name || w === this.trailArn(t))),
    );
    return json({ trailList: listed.map((t) => this.describe(t)) });
  }

  private setLogging(trailName: string, region: string, on: boolean): Response {
    this.atHome(trailName, region).isLogging = on;
    return json({});
  }

  private createTrail(input: z.output<typeof createTrailInput>, region: string): Response {
    checkTrailName(input.Name);
    if (this.trailsByName.has(input.Name)) {
      throw error('TrailAlreadyExistsException', `Trail ${input.Name} already exists for customer: ${this.accountId}`);
    }
    const multiRegion = input.IsMultiRegionTrail ?? false;
    const globalEvents = input.IncludeGlobalServiceEvents ?? true;
    checkCombination(multiRegion, globalEvents);
    this.checkBucket(input.S3BucketName);
    const trail: TrailState = {
      name: input.Name,
      homeRegion: region,
      s3BucketName: input.S3BucketName,
      s3KeyPrefix: input.S3KeyPrefix ?? null,
      isMultiRegionTrail: multiRegion,
      includeGlobalServiceEvents: globalEvents,
      logFileValidationEnabled: input.EnableLogFileValidation ?? false,
      kmsKeyId: input.KmsKeyId ? this.resolveKey(input.KmsKeyId, region) : null,
      // A new trail does not log until StartLogging.
      isLogging: false,
      isOrganizationTrail: false,
    };
    this.trailsByName.set(trail.name, trail);
    return json(this.describe(trail));
  }

  private updateTrail(input: z.output<typeof updateTrailInput>, region: string): Response {
    const trail = this.atHome(input.Name, region);
    const multiRegion = input.IsMultiRegionTrail ?? trail.isMultiRegionTrail;
    const globalEvents = input.IncludeGlobalServiceEvents ?? trail.includeGlobalServiceEvents;
    checkCombination(multiRegion, globalEvents);
    if (input.S3BucketName !== undefined) this.checkBucket(input.S3BucketName);
    // Validate everything before changing anything: a failed UpdateTrail changes nothing.
    const kmsKeyId = input.KmsKeyId === undefined ? trail.kmsKeyId : input.KmsKeyId === '' ? null : this.resolveKey(input.KmsKeyId, region);
    Object.assign(trail, {
      s3BucketName: input.S3BucketName ?? trail.s3BucketName,
      s3KeyPrefix: input.S3KeyPrefix === undefined ? trail.s3KeyPrefix : input.S3KeyPrefix || null,
      isMultiRegionTrail: multiRegion,
      includeGlobalServiceEvents: globalEvents,
      logFileValidationEnabled: input.EnableLogFileValidation ?? trail.logFileValidationEnabled,
      kmsKeyId,
    });
    return json(this.describe(trail));
  }

  // ---- trail lookup -----------------------------------------------------------------

  /**
   * The trail a read names as seen from `region`: by name only in its home Region, by
   * ARN also where a multi-Region trail has its shadow (as CloudTrail documents).
   */
  private visible(nameOrArn: string, region: string): TrailState {
    const trail = this.lookup(nameOrArn);
    const byArn = nameOrArn.startsWith('arn:');
    if (trail && (trail.homeRegion === region || (byArn && trail.isMultiRegionTrail))) return trail;
    throw trailNotFound(nameOrArn, this.accountId);
  }

  /** The trail a change names: only its home Region may change it. */
  private atHome(nameOrArn: string, region: string): TrailState {
    const trail = this.lookup(nameOrArn);
    if (trail && trail.homeRegion !== region && trail.isMultiRegionTrail) {
      throw error('InvalidHomeRegionException', `The request must be made from the trail's home Region, ${trail.homeRegion}.`);
    }
    if (trail?.homeRegion !== region) throw trailNotFound(nameOrArn, this.accountId);
    return trail;
  }

  private lookup(nameOrArn: string): TrailState | undefined {
    if (!nameOrArn.startsWith('arn:')) {
      checkTrailName(nameOrArn);
      return this.trailsByName.get(nameOrArn);
    }
    const match = TRAIL_ARN.exec(nameOrArn);
    if (!match) throw error('CloudTrailARNInvalidException', `${nameOrArn} is not a valid trail ARN.`);
    const [, arnRegion, account, trailName = ''] = match;
    const trail = this.trailsByName.get(trailName);
    return trail && account === this.accountId && trail.homeRegion === arnRegion ? trail : undefined;
  }

  private checkBucket(bucket: string): void {
    const state = this.buckets.get(bucket);
    if (!state) throw error('S3BucketDoesNotExistException', `S3 bucket ${bucket} does not exist.`);
    if (!state.policyAllowsCloudTrail) {
      throw error('InsufficientS3BucketPolicyException', `Incorrect S3 bucket policy is detected for bucket: ${bucket}`);
    }
  }

  /** CloudTrail accepts a key id, key ARN, alias name or alias ARN and stores the key ARN. */
  private resolveKey(keyId: string, region: string): string {
    const arnMatch = KEY_ARN.exec(keyId);
    const keyRegion = arnMatch?.[1] ?? region;
    const found = [...this.keys.entries()].find(([arn, key]) => {
      if (KEY_ARN.exec(arn)?.[1] !== keyRegion) return false;
      if (arnMatch) return arnMatch[3] === 'key' ? arn === keyId : key.aliases.includes(`alias/${arnMatch[4] ?? ''}`);
      return keyId.startsWith('alias/') ? key.aliases.includes(keyId) : arn.endsWith(`:key/${keyId}`);
    });
    if (!found) throw error('KmsKeyNotFoundException', `KMS key ${keyId} not found in ${keyRegion}.`);
    const [arn, key] = found;
    if (!key.policyAllowsCloudTrail) {
      throw error('InsufficientEncryptionPolicyException', `Insufficient permissions to access S3 bucket or KMS key ${arn}.`);
    }
    return arn;
  }

  /** A trail as DescribeTrails / GetTrail / CreateTrail / UpdateTrail return it. */
  private describe(t: TrailState): Record<string, unknown> {
    return {
      Name: t.name,
      S3BucketName: t.s3BucketName,
      ...(t.s3KeyPrefix ? { S3KeyPrefix: t.s3KeyPrefix } : {}),
      IncludeGlobalServiceEvents: t.includeGlobalServiceEvents,
      IsMultiRegionTrail: t.isMultiRegionTrail,
      HomeRegion: t.homeRegion,
      TrailARN: this.trailArn(t),
      LogFileValidationEnabled: t.logFileValidationEnabled,
      ...(t.kmsKeyId ? { KmsKeyId: t.kmsKeyId } : {}),
      HasCustomEventSelectors: false,
      HasInsightSelectors: false,
      IsOrganizationTrail: t.isOrganizationTrail,
    };
  }
}

// ---- helpers ------------------------------------------------------------------------

function error(code: string, message: string): ApiError {
  return new ApiError({ status: 400, code, message });
}

function trailNotFound(nameOrArn: string, accountId: string): ApiError {
  return error('TrailNotFoundException', `Unknown trail: ${nameOrArn} for the user: ${accountId}`);
}

/** CloudTrail's documented trail-name rules. */
function checkTrailName(trailName: string): void {
  const ok =
    /^[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$/.test(trailName) &&
    !/[._-]{2}/.test(trailName) &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(trailName);
  if (!ok) throw error('InvalidTrailNameException', `Trail name ${trailName} is not valid.`);
}

function checkCombination(multiRegion: boolean, globalEvents: boolean): void {
  if (multiRegion && !globalEvents) {
    throw error('InvalidParameterCombinationException', 'Multi-Region trail must include global service events.');
  }
}

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw error('InvalidParameterException', issue ? `${issue.path.join('.') || 'input'}: ${issue.message}` : 'Invalid input');
}

function json(body: Record<string, unknown>): Response {
  return HttpResponse.json(body, { headers: { 'content-type': JSON_TYPE } });
}

function safeJson(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return value;
  } catch {
    return undefined;
  }
}
