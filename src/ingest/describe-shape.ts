import { safeText } from './safe-text.js';

const maxKeysShown = 8;

/**
 * A short phrase for what a JSON value looks like ("a Config Rules Compliance Change event",
 * "an object with keys a, b, c"), so a rejection tells the user what they actually fed in.
 * Looks at the top level only, so it is cheap on any input.
 */
export function describeShape(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    if (value.length === 0) return 'an empty array';
    return `an array of ${value.length} item${value.length === 1 ? '' : 's'} starting with ${describeShallow(value[0])}`;
  }
  if (typeof value !== 'object') return describeShallow(value);
  const record = value as Record<string, unknown>;
  const detailType = record['detail-type'];
  if (typeof detailType === 'string') {
    const source = typeof record['source'] === 'string' ? ` from ${safeText(record['source'], 40)}` : '';
    return `a ${safeText(detailType, 80)} event${source}`;
  }
  if (record['Type'] === 'Notification' && typeof record['TopicArn'] === 'string') return 'an SNS notification';
  if (typeof record['invokingEvent'] === 'string' && 'configRuleName' in record) return 'an AWS Config rule invocation event';
  if ('configurationItemCaptureTime' in record && 'resourceType' in record) return 'an AWS Config configuration item';
  return describeKeys(record);
}

function describeKeys(record: Record<string, unknown>): string {
  const keys = Object.keys(record);
  if (keys.length === 0) return 'an empty object';
  const shown = keys.slice(0, maxKeysShown).map((k) => safeText(k, 40));
  const more = keys.length > maxKeysShown ? ` and ${keys.length - maxKeysShown} more` : '';
  return `an object with key${keys.length === 1 ? '' : 's'} ${shown.join(', ')}${more}`;
}

function describeShallow(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value}`;
  }
}
