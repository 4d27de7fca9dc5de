/** The window "third time in 30 days" counts over. */
export const recurrenceWindowDays = 30;

/** How many of the sightings (ISO times of detections and recurrences) fall in the window ending at `now`. */
export function occurrencesWithin(sightings: readonly string[], now: Date, days = recurrenceWindowDays): number {
  const since = now.getTime() - days * 24 * 60 * 60_000;
  return sightings.filter((at) => {
    const t = Date.parse(at);
    return t >= since && t <= now.getTime();
  }).length;
}

const ordinals = ['First', 'Second', 'Third'];

/** "Second time in 30 days", "Third time …", "4 times …"; null when it is the only one in the window. */
export function recurrenceWording(occurrences: number, days = recurrenceWindowDays): string | null {
  if (occurrences < 2) return null;
  const count = ordinals[occurrences - 1];
  return `${count ? `${count} time` : `${occurrences} times`} in ${days} days`;
}
