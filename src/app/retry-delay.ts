const baseDelayMs = 5_000;
const maxDelayMs = 5 * 60_000;

/**
 * The wait before attempt `attempts + 1` of a call that must not be lost (the Slack and Security
 * Hub outboxes): exponential backoff with jitter (half fixed, half random), capped at five
 * minutes; a Retry-After from the service wins.
 */
export function retryDelayMs(attempts: number, retryAfterSeconds: number | null, random: () => number): number {
  if (retryAfterSeconds !== null) return retryAfterSeconds * 1000;
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
