/** The clock comes in through this seam so triage, cards and evidence are testable. */
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };
