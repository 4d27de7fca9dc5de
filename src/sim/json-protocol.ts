/**
 * The AWS JSON protocols (1.0 for SQS, 1.1 for Config): `POST /` with the operation in
 * `X-Amz-Target: <Service>.<Operation>` and JSON in both directions. Shared by the simulated
 * services that speak them.
 */
import { HttpResponse } from 'msw';
import { z } from 'zod';
import { ApiError } from './aws-service.js';

/** The operation named by `X-Amz-Target`, or '' when the target is not for this service. */
export function targetOperation(request: Request, targetPrefix: string): string {
  const target = request.headers.get('x-amz-target') ?? '';
  return target.startsWith(`${targetPrefix}.`) ? target.slice(targetPrefix.length + 1) : '';
}

/** The request body, or the error the service answers when it is not JSON. */
export async function readJsonBody(request: Request): Promise<unknown> {
  const text = await request.text();
  try {
    const value: unknown = JSON.parse(text === '' ? '{}' : text);
    return value;
  } catch {
    return new ApiError({ status: 400, code: 'SerializationException', message: 'Request body is not valid JSON' });
  }
}

/** The input as `schema` reads it; the first problem becomes the service's validation error. */
export function parseJsonInput<T extends z.ZodType>(schema: T, body: unknown, fault = { status: 400, code: 'ValidationException' }): z.output<T> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new ApiError({ ...fault, message: issue ? `${issue.path.join('.') || 'input'}: ${issue.message}` : 'Invalid input' });
}

export function jsonReply(body: unknown, version: '1.0' | '1.1'): Response {
  return new HttpResponse(JSON.stringify(body), { status: 200, headers: { 'content-type': `application/x-amz-json-${version}` } });
}

/** Opaque paging: the token is the offset of the next page. */
export function paged<T>(items: readonly T[], token: string | undefined, size: number, invalidToken: ApiError): { page: T[]; next: string | undefined } {
  const offset = token === undefined ? 0 : Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0) throw invalidToken;
  const next = offset + size < items.length ? Buffer.from(String(offset + size)).toString('base64url') : undefined;
  return { page: items.slice(offset, offset + size), next };
}
