/**
 * Simulated S3 Control, account-level Block Public Access only. REST-XML on
 * `<account>.s3-control.<region>.amazonaws.com/v20180820/...`, the account in the
 * `x-amz-account-id` header; errors wrapped as `<ErrorResponse><Error><Code>`, the form
 * the SDK's restXml protocol reads for this service.
 */
import { HttpResponse } from 'msw';
import { parsePublicAccessBlockXml, publicAccessBlockXml, type PublicAccessBlock } from './aws-account.js';
import { ApiError, failing, unsupported, xmlEscape, type AwsFault, type Routed, type SimService } from './aws-service.js';

const HOST = /^[^.]+\.s3-control(?:-fips)?(?:\.dualstack)?\.([a-z0-9-]+)\.amazonaws\.com$/;
const XMLNS = 'http://awss3control.amazonaws.com/doc/2018-08-20/';
const PAB_PATH = '/v20180820/configuration/publicAccessBlock';

export class S3ControlService implements SimService {
  readonly name = 's3control';
  /** null: the account never had a Public Access Block (NoSuchPublicAccessBlockConfiguration). */
  private block: PublicAccessBlock | null = null;

  constructor(
    /** The only account this service answers for; any other id is denied, as for a caller without access to it. */
    readonly accountId: string,
  ) {}

  /** Seeds the account's configuration; null: none at all. */
  setPublicAccessBlock(block: PublicAccessBlock | null): void {
    this.block = block && { ...block };
  }

  /** A copy of the account's Public Access Block, or null when it has none. */
  publicAccessBlock(): PublicAccessBlock | null {
    return this.block && { ...this.block };
  }

  handles(hostname: string): boolean {
    return HOST.test(hostname);
  }

  regionOf(hostname: string): string {
    return HOST.exec(hostname)?.[1] ?? 'us-east-1';
  }

  async route(request: Request, _region: string): Promise<Routed> {
    const url = new URL(request.url);
    const method = request.method.toUpperCase();
    if (url.pathname.replace(/\/+$/, '') !== PAB_PATH) return unsupported(`${method} ${url.pathname}${url.search}`);
    const account = request.headers.get('x-amz-account-id') ?? '';
    const input = { AccountId: account };
    if (method === 'GET') return { operation: 'GetPublicAccessBlock', input, run: () => this.get(account) };
    if (method === 'DELETE') return { operation: 'DeletePublicAccessBlock', input, run: () => this.remove(account) };
    if (method === 'PUT') {
      const body = await request.text();
      const config = parsePublicAccessBlockXml(body);
      if (config instanceof ApiError) return failing('PutPublicAccessBlock', { ...input, body }, config);
      return { operation: 'PutPublicAccessBlock', input: { ...input, PublicAccessBlockConfiguration: config }, run: () => this.put(account, config) };
    }
    return unsupported(`${method} ${url.pathname}`);
  }

  errorReply(fault: AwsFault, requestId: string, extra: Record<string, string> = {}): Response {
    const extras = Object.entries(extra).map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`).join('');
    return new HttpResponse(
      `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Code>${xmlEscape(fault.code)}</Code>` +
        `<Message>${xmlEscape(fault.message ?? fault.code)}</Message>${extras}</Error>` +
        `<RequestId>${requestId}</RequestId><HostId>sim/${requestId}</HostId></ErrorResponse>`,
      { status: fault.status, headers: { 'content-type': 'application/xml', ...this.requestIdHeaders(requestId) } },
    );
  }

  requestIdHeaders(requestId: string): Record<string, string> {
    return { 'x-amz-request-id': requestId, 'x-amz-id-2': `sim/${requestId}` };
  }

  private get(account: string): Response {
    this.checkAccount(account);
    if (!this.block) {
      throw new ApiError(
        { status: 404, code: 'NoSuchPublicAccessBlockConfiguration', message: 'The public access block configuration was not found' },
        { AccountId: account },
      );
    }
    return new HttpResponse(`<?xml version="1.0" encoding="UTF-8"?>\n${publicAccessBlockXml(this.block, XMLNS)}`, {
      status: 200,
      headers: { 'content-type': 'application/xml' },
    });
  }

  private put(account: string, config: PublicAccessBlock): Response {
    this.checkAccount(account);
    this.block = { ...config };
    return new HttpResponse(null, { status: 200 });
  }

  private remove(account: string): Response {
    this.checkAccount(account);
    this.block = null;
    return new HttpResponse(null, { status: 200 });
  }

  private checkAccount(account: string): void {
    if (account !== this.accountId) throw new ApiError({ status: 403, code: 'AccessDenied', message: 'Access Denied' });
  }
}
