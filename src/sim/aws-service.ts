/**
 * The extension point of the simulated AWS account: each AWS service the bot calls is
 * one module implementing SimService (its state, its wire protocol, its errors), and
 * SimulatedAws.register() plugs it in. Calls are recorded and faults injected centrally.
 */

export interface AwsFault {
  status: number;
  code: string;
  message?: string;
}

/** Thrown while serving a call: becomes the service's own error format on the wire. */
export class ApiError extends Error {
  constructor(
    readonly fault: AwsFault,
    readonly extra: Record<string, string> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(fault.message ?? fault.code);
  }
}

/** A request identified as one operation, with its input as recorded and the work to answer it. */
export interface Routed {
  /** SDK command name without the `Command` suffix (e.g. RevokeSecurityGroupIngress). */
  operation: string;
  input: unknown;
  run: () => Response | Promise<Response>;
}

export interface SimService {
  /** Short service name used in call records and fault injection, e.g. 'ec2', 'iam'. */
  readonly name: string;
  /** Whether a request to this hostname is for this service. */
  handles(hostname: string): boolean;
  /** The Region the SDK addressed (global services answer 'us-east-1'). */
  regionOf(hostname: string): string;
  route(request: Request, region: string): Promise<Routed>;
  /** The error exactly as this service puts it on the wire, so the SDK names it right. */
  errorReply(fault: AwsFault, requestId: string, extra?: Record<string, string>): Response;
  /** Headers that carry the request id on a successful reply. */
  requestIdHeaders(requestId: string): Record<string, string>;
}

/** A request that is recorded under its operation but can only fail (its body could not be read). */
export function failing(operation: string, input: unknown, error: ApiError): Routed {
  return {
    operation,
    input,
    run: () => {
      throw error;
    },
  };
}

/** Anything the sim does not model fails loudly (501) rather than pretending to succeed. */
export function unsupported(what: string): Routed {
  return {
    operation: 'Unsupported',
    input: { request: what },
    run: () => {
      throw new ApiError({ status: 501, code: 'NotImplemented', message: `SimulatedAws does not implement ${what}` });
    },
  };
}

export function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/**
 * The form fields of an AWS Query protocol request (EC2, IAM, RDS, STS): `Action`,
 * `Version` and the flattened parameters (`GroupId`, `IpPermissions.1.IpProtocol`, ...).
 */
export async function readQueryForm(request: Request): Promise<Record<string, string>> {
  const text = request.method.toUpperCase() === 'GET' ? new URL(request.url).search.slice(1) : await request.text();
  return Object.fromEntries(new URLSearchParams(text));
}

/**
 * Items of a flattened Query list, e.g. prefix `IpPermissions` gives the field maps of
 * `IpPermissions.1.*`, `IpPermissions.2.*` ... in index order (keys without the prefix).
 */
export function queryList(form: Record<string, string>, prefix: string): Record<string, string>[] {
  const items = new Map<number, Record<string, string>>();
  const pattern = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)(?:\\.(.+))?$`);
  for (const [key, value] of Object.entries(form)) {
    const match = pattern.exec(key);
    if (!match?.[1]) continue;
    const index = Number(match[1]);
    const item = items.get(index) ?? {};
    item[match[2] ?? ''] = value;
    items.set(index, item);
  }
  return [...items.entries()].sort(([a], [b]) => a - b).map(([, item]) => item);
}

/** An AWS Query protocol error (IAM, RDS, STS): `<ErrorResponse><Error><Type><Code><Message>`. */
export function queryErrorReply(xmlns: string, fault: AwsFault, requestId: string): Response {
  return new Response(
    `<ErrorResponse xmlns="${xmlns}"><Error><Type>${fault.status >= 500 ? 'Receiver' : 'Sender'}</Type>` +
      `<Code>${xmlEscape(fault.code)}</Code><Message>${xmlEscape(fault.message ?? fault.code)}</Message></Error>` +
      `<RequestId>${requestId}</RequestId></ErrorResponse>`,
    { status: fault.status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId } },
  );
}
