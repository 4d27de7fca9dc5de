/** An account and Region whose AWS Config rules the bot reads. */
export interface ConfigTarget {
  account: string;
  region: string;
}

const pair = /^\s*(\d{12}):([a-z]{2}(?:-[a-z]+)+-\d)\s*$/;

/** `111111111111:eu-west-1,222222222222:us-east-1` → targets; null when any pair is malformed. */
export function parseConfigTargets(text: string): ConfigTarget[] | null {
  const targets: ConfigTarget[] = [];
  for (const item of text.split(',')) {
    const [, account, region] = pair.exec(item) ?? [];
    if (!account || !region) return null;
    targets.push({ account, region });
  }
  return targets;
}
