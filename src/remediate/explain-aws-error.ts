import type { ApiCall } from './remediation.js';

/**
 * Turns an SDK error into one sentence an on-call engineer can act on, naming
 * the AWS error code so it can be looked up.
 */
export function explainAwsError(error: unknown, call: ApiCall | null, permissions: readonly string[]): string {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const what = call ? `${call.service}:${call.operation}` : 'the AWS call';
  switch (name) {
    case 'AccessDenied':
    case 'AccessDeniedException':
    case 'UnauthorizedOperation':
      return `AWS refused ${what} (${name}): the bot's IAM role lacks permission. It needs ${permissions.join(', ')}.`;
    case 'NoSuchBucket':
    case 'NoSuchEntity':
    case 'NoSuchEntityException':
    case 'InvalidGroup.NotFound':
    case 'InvalidInstanceID.NotFound':
    case 'TrailNotFoundException':
    case 'DBInstanceNotFound':
    case 'DBInstanceNotFoundFault':
      return `The resource no longer exists (${name}); nothing was changed. If it was deleted on purpose, the finding will archive itself.`;
    case 'ThrottlingException':
    case 'Throttling':
    case 'RequestLimitExceeded':
    case 'SlowDown':
    case 'TooManyRequestsException':
      return `AWS throttled ${what} (${name}) even after retries; try again in a few minutes.`;
    case 'ExpiredToken':
    case 'ExpiredTokenException':
      return `The bot's AWS session expired (${name}) during ${what}; its credentials must be refreshed.`;
    case 'OptInRequired':
    case 'AuthFailure':
      return `${what} failed (${name}): the Region may not be enabled for this account, or the credentials are not valid there.`;
    case 'InvalidClientTokenId':
    case 'UnrecognizedClientException':
    case 'CredentialsProviderError':
      return `The bot has no valid AWS credentials (${name}) for ${what}.`;
    default:
      return `${what} failed: ${name}: ${message}`;
  }
}
