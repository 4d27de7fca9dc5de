/**
 * Simulated AWS STS with identities: AssumeRole into roles of other accounts (checked against
 * each role's trust), and GetCallerIdentity answering for whoever signed the request, read from
 * the SigV4 `Credential=` of the Authorization header. Sessions expire on the account's clock;
 * a call signed with an expired session fails with ExpiredToken, as STS does. AWS Query
 * protocol. Registering it replaces the account's built-in STS, which knows only one identity.
 */
import { randomBytes } from 'node:crypto';
import { HttpResponse } from 'msw';
import { ApiError, readQueryForm, unsupported, xmlEscape, type AwsFault, type Routed, type SimService, queryErrorReply } from './aws-service.js';

export interface SimRole {
  /** arn:aws:iam::<account>:role/<name> */
  arn: string;
  /** Accounts whose principals the trust policy lets assume the role. */
  trustedAccounts: string[];
  /** When set, AssumeRole must pass it (the trust policy's sts:ExternalId condition). */
  externalId?: string;
  /** The role's MaxSessionDuration (3600 unless raised). */
  maxSessionSeconds?: number;
}

interface Session {
  account: string;
  roleArn: string;
  sessionName: string;
  expiresAt: number;
}

const HOST = /^sts(?:\.([a-z0-9-]+))?\.amazonaws\.com$/;
const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

export class StsService implements SimService {
  readonly name = 'sts';
  private readonly accountId: string;
  private readonly now: () => Date;
  private readonly roles = new Map<string, SimRole>();
  /** Issued sessions by access key id. */
  private readonly sessions = new Map<string, Session>();

  /** `accountId` is the account of every key STS did not issue (the bot's own credentials). */
  constructor(options: { accountId: string; now?: () => Date }) {
    this.accountId = options.accountId;
    this.now = options.now ?? (() => new Date());
  }

  addRole(role: SimRole): void {
    this.roles.set(role.arn, { ...role, trustedAccounts: [...role.trustedAccounts] });
  }

  // ---- SimService ---------------------------------------------------------------

  handles(hostname: string): boolean {
    return HOST.test(hostname);
  }

  regionOf(hostname: string): string {
    return HOST.exec(hostname)?.[1] ?? 'us-east-1';
  }

  async route(request: Request): Promise<Routed> {
    const { Action: action = '(none)', Version: version, ...input } = await readQueryForm(request);
    const caller = callerKey(request);
    if (version !== '2011-06-15') return unsupported(`STS Action=${action} Version=${version ?? '(none)'}`);
    if (action === 'AssumeRole') return { operation: action, input, run: () => this.assumeRole(input, caller) };
    if (action === 'GetCallerIdentity') return { operation: action, input, run: () => this.getCallerIdentity(caller) };
    return unsupported(`STS Action=${action}`);
  }

  errorReply(fault: AwsFault, requestId: string): Response {
    return queryErrorReply(XMLNS, fault, requestId);
  }

  requestIdHeaders(requestId: string): Record<string, string> {
    return { 'x-amzn-requestid': requestId };
  }

  // ---- operations -----------------------------------------------------------------

  private assumeRole(input: Record<string, string>, caller: string): Response {
    const identity = this.identity(caller);
    const roleArn = input['RoleArn'] ?? '';
    const sessionName = input['RoleSessionName'] ?? '';
    const role = this.roles.get(roleArn);
    const arnParts = ROLE_ARN.exec(roleArn);
    if (!arnParts || !SESSION_NAME.test(sessionName)) {
      throw new ApiError({ status: 400, code: 'ValidationError', message: '1 validation error detected: RoleArn or RoleSessionName does not match the required pattern' });
    }
    if (!role || !role.trustedAccounts.includes(identity.account) || (role.externalId !== undefined && role.externalId !== input['ExternalId'])) {
      throw new ApiError({ status: 403, code: 'AccessDenied', message: `User: ${identity.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}` });
    }
    const duration = Number(input['DurationSeconds'] ?? '3600');
    const maxSeconds = role.maxSessionSeconds ?? 3600;
    if (!Number.isInteger(duration) || duration < 900 || duration > maxSeconds) {
      throw new ApiError({ status: 400, code: 'ValidationError', message: `The requested DurationSeconds exceeds the MaxSessionDuration set for this role.` });
    }
    const [, partition, account = '', roleName = ''] = arnParts;
    const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    const expiresAt = this.now().getTime() + duration * 1000;
    this.sessions.set(accessKeyId, { account, roleArn, sessionName, expiresAt });
    const roleId = `AROA${account}${roleName.length}`;
    return xmlReply(
      'AssumeRole',
      `<AssumedRoleUser><AssumedRoleId>${roleId}:${xmlEscape(sessionName)}</AssumedRoleId>` +
        `<Arn>arn:${partition}:sts::${account}:assumed-role/${xmlEscape(roleName)}/${xmlEscape(sessionName)}</Arn></AssumedRoleUser>` +
        `<Credentials><AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>${randomBytes(20).toString('base64')}</SecretAccessKey>` +
        `<SessionToken>${randomBytes(32).toString('base64')}</SessionToken><Expiration>${new Date(expiresAt).toISOString()}</Expiration></Credentials>`,
    );
  }

  private getCallerIdentity(caller: string): Response {
    const { account, arn, userId } = this.identity(caller);
    return xmlReply('GetCallerIdentity', `<Arn>${xmlEscape(arn)}</Arn><UserId>${xmlEscape(userId)}</UserId><Account>${account}</Account>`);
  }

  /** Who signed: a session this STS issued (refused once expired), else the account's own principal. */
  private identity(caller: string): { account: string; arn: string; userId: string } {
    const session = this.sessions.get(caller);
    if (!session) return { account: this.accountId, arn: `arn:aws:iam::${this.accountId}:user/soc2-bot`, userId: 'AIDASIMULATEDBOT' };
    if (session.expiresAt <= this.now().getTime()) {
      throw new ApiError({ status: 400, code: 'ExpiredToken', message: 'The security token included in the request is expired' });
    }
    const roleName = session.roleArn.split('/').pop() ?? '';
    return {
      account: session.account,
      arn: `arn:aws:sts::${session.account}:assumed-role/${roleName}/${session.sessionName}`,
      userId: `AROA${session.account}:${session.sessionName}`,
    };
  }
}

/** The access key id from SigV4's `Authorization: AWS4-HMAC-SHA256 Credential=<key>/<date>/...`. */
function callerKey(request: Request): string {
  return /Credential=([^/,\s]+)\//.exec(request.headers.get('authorization') ?? '')?.[1] ?? '';
}

function xmlReply(action: string, result: string): Response {
  return new HttpResponse(
    `<${action}Response xmlns="${XMLNS}"><${action}Result>${result}</${action}Result>` +
      `<ResponseMetadata><RequestId>${randomBytes(8).toString('hex')}</RequestId></ResponseMetadata></${action}Response>`,
    { status: 200, headers: { 'content-type': 'text/xml' } },
  );
}
