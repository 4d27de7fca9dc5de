/**
 * Simulated RDS (DB instances only) in the AWS Query protocol the SDK speaks: form-encoded
 * `Action=...&Version=2014-10-31` requests, `<XResponse><XResult>` XML replies and
 * `<ErrorResponse><Error><Code>` errors (the SDK maps e.g. `DBInstanceNotFound` to
 * DBInstanceNotFoundFault).
 */
import { HttpResponse } from 'msw';
import { ApiError, readQueryForm, unsupported, xmlEscape, type AwsFault, type Routed, type SimService, queryErrorReply } from './aws-service.js';

export interface DbInstanceState {
  identifier: string;
  region: string;
  engine: string;
  instanceClass: string;
  /** Only `available` instances accept ModifyDBInstance. */
  status: string;
  publiclyAccessible: boolean;
  storageEncrypted: boolean;
  /** Key ARN when storage is encrypted. */
  kmsKeyId: string | null;
}

const XMLNS = 'http://rds.amazonaws.com/doc/2014-10-31/';
const HOST = /^rds(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com$/;
const IDENTIFIER = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** The request parameters each modelled action reads; any other parameter is reported unsupported. */
const PARAMETERS: Record<string, readonly string[]> = {
  DescribeDBInstances: ['DBInstanceIdentifier'],
  ModifyDBInstance: ['DBInstanceIdentifier', 'PubliclyAccessible', 'ApplyImmediately'],
};

export class RdsService implements SimService {
  readonly name = 'rds';
  private readonly accountId: string;
  /** Keyed by `region/identifier`: identifiers are unique per account and Region. */
  private readonly instances = new Map<string, DbInstanceState>();

  constructor(options: { accountId: string }) {
    this.accountId = options.accountId;
  }

  // ---- seeding and inspection -------------------------------------------------

  addDbInstance(identifier: string, state: Partial<Omit<DbInstanceState, 'identifier'>> = {}): void {
    const id = identifier.toLowerCase();
    const region = state.region ?? 'us-east-1';
    const storageEncrypted = state.storageEncrypted ?? false;
    this.instances.set(`${region}/${id}`, {
      identifier: id,
      region,
      engine: state.engine ?? 'mysql',
      instanceClass: state.instanceClass ?? 'db.t3.micro',
      status: state.status ?? 'available',
      publiclyAccessible: state.publiclyAccessible ?? false,
      storageEncrypted,
      kmsKeyId: state.kmsKeyId ?? (storageEncrypted ? `arn:aws:kms:${region}:${this.accountId}:key/aws-rds-default` : null),
    });
  }

  /** A copy of the instance's state, or undefined when it does not exist. */
  dbInstance(identifier: string, region = 'us-east-1'): DbInstanceState | undefined {
    const state = this.instances.get(`${region}/${identifier.toLowerCase()}`);
    return state ? { ...state } : undefined;
  }

  // ---- SimService ---------------------------------------------------------------

  handles(hostname: string): boolean {
    return HOST.test(hostname);
  }

  regionOf(hostname: string): string {
    return HOST.exec(hostname)?.[1] ?? 'us-east-1';
  }

  async route(request: Request, region: string): Promise<Routed> {
    const { Action: action = '(none)', Version: version, ...input } = await readQueryForm(request);
    const known = PARAMETERS[action];
    const extra = Object.keys(input).filter((key) => !known?.includes(key));
    if (!known || version !== '2014-10-31' || extra.length > 0) {
      return unsupported(`RDS Action=${action} Version=${version ?? '(none)'} ${extra.join(' ')}`.trim());
    }
    const run = action === 'DescribeDBInstances' ? () => this.describeDbInstances(input, region) : () => this.modifyDbInstance(input, region);
    return { operation: action, input, run };
  }

  errorReply(fault: AwsFault, requestId: string): Response {
    return queryErrorReply(XMLNS, fault, requestId);
  }

  requestIdHeaders(requestId: string): Record<string, string> {
    return { 'x-amzn-requestid': requestId };
  }

  // ---- operations -----------------------------------------------------------------

  private describeDbInstances(input: Record<string, string>, region: string): Response {
    const id = input['DBInstanceIdentifier'];
    const listed = id === undefined ? [...this.instances.values()].filter((i) => i.region === region) : [this.instance(id, region)];
    return reply('DescribeDBInstances', `<DBInstances>${listed.map((i) => this.instanceXml(i)).join('')}</DBInstances>`);
  }

  private modifyDbInstance(input: Record<string, string>, region: string): Response {
    const instance = this.instance(input['DBInstanceIdentifier'] ?? '', region);
    const publiclyAccessible = booleanParameter(input, 'PubliclyAccessible');
    // Only validated: RDS applies PubliclyAccessible at once whatever ApplyImmediately says.
    booleanParameter(input, 'ApplyImmediately');
    if (instance.status !== 'available') {
      throw new ApiError({ status: 400, code: 'InvalidDBInstanceState', message: 'Database instance is not in available state.' });
    }
    // The sim completes a modification at once (real RDS shows `modifying` for a few minutes).
    if (publiclyAccessible !== undefined) instance.publiclyAccessible = publiclyAccessible;
    return reply('ModifyDBInstance', this.instanceXml(instance));
  }

  private instance(identifier: string, region: string): DbInstanceState {
    const id = identifier.toLowerCase();
    if (!IDENTIFIER.test(id) || id.length > 63) {
      throw new ApiError({
        status: 400,
        code: 'InvalidParameterValue',
        message: 'The parameter DBInstanceIdentifier is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.',
      });
    }
    const state = this.instances.get(`${region}/${id}`);
    if (!state) throw new ApiError({ status: 404, code: 'DBInstanceNotFound', message: `DBInstance ${id} not found.` });
    return state;
  }

  private instanceXml(i: DbInstanceState): string {
    const fields: [string, string][] = [
      ['DBInstanceIdentifier', i.identifier],
      ['DBInstanceClass', i.instanceClass],
      ['Engine', i.engine],
      ['DBInstanceStatus', i.status],
      ['PubliclyAccessible', String(i.publiclyAccessible)],
      ['StorageEncrypted', String(i.storageEncrypted)],
      ...(i.kmsKeyId ? [['KmsKeyId', i.kmsKeyId] as [string, string]] : []),
      ['DBInstanceArn', `arn:aws:rds:${i.region}:${this.accountId}:db:${i.identifier}`],
    ];
    return `<DBInstance>${fields.map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`).join('')}</DBInstance>`;
  }
}

function booleanParameter(input: Record<string, string>, key: string): boolean | undefined {
  const value = input[key];
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') {
    throw new ApiError({ status: 400, code: 'InvalidParameterValue', message: `Invalid boolean value for ${key}: ${value}` });
  }
  return value === 'true';
}

function reply(action: string, result: string): Response {
  return new HttpResponse(
    `<${action}Response xmlns="${XMLNS}"><${action}Result>${result}</${action}Result></${action}Response>`,
    { status: 200, headers: { 'content-type': 'text/xml' } },
  );
}
