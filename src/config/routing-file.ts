import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { formatPath } from '../ingest/safe-text.js';
import { defaultRouting, type RoutingConfig } from '../route/routing.js';

/** A routing file that cannot be read or is invalid; the message names the file and the field. */
export class RoutingFileError extends Error {
  override readonly name = 'RoutingFileError';

  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

const maxFileBytes = 1024 * 1024;

// In YAML an unquoted "#soc2-findings" is a comment, which leaves the value empty (null):
// say so, since that is nearly always why a channel is missing.
const channelSchema = z
  .string({ error: (issue) => (issue.input === null ? 'no channel (in YAML, quote channels that start with #)' : 'expected a channel name or id') })
  .trim()
  .min(1, 'empty channel')
  .max(200, 'longer than 200 characters')
  .regex(/^\S+$/, 'a channel cannot contain spaces');

const routingFileSchema = z.strictObject({
  fallbackChannel: channelSchema.optional(),
  tagKeys: z.array(z.string().min(1, 'empty tag key').max(128)).max(50, 'more than 50 tag keys').optional(),
  owners: z.record(z.string().min(1).max(256), channelSchema).optional(),
  // YAML reads an unquoted 012345678901 as a number and drops the leading zero, hence the hint.
  accounts: z.record(z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id (quote it in YAML)'), channelSchema).optional(),
});

/**
 * Reads a routing file (YAML, or JSON, which is YAML too), checks it against RoutingConfig and
 * fills what it leaves out from defaultRouting. Synchronous: it runs once at start-up.
 */
export function loadRoutingFile(file: string): RoutingConfig {
  const parsed = routingFileSchema.safeParse(readYaml(file) ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 10).map((issue) => {
      // A typo in a key is the likeliest mistake: list what is allowed.
      if (issue.code === 'unrecognized_keys') return `unknown key ${issue.keys.join(', ')} (expected fallbackChannel, tagKeys, owners, accounts)`;
      // A bad record key (an account id) carries the reason in a nested issue.
      const message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
      return `${formatPath(issue.path)}: ${message.replace(/^Invalid input: /, '')}`;
    });
    throw new RoutingFileError(file, problems.join('; '));
  }
  const config = parsed.data;
  return {
    fallbackChannel: config.fallbackChannel ?? defaultRouting.fallbackChannel,
    tagKeys: [...(config.tagKeys ?? defaultRouting.tagKeys)],
    owners: lookupTable(config.owners ?? defaultRouting.owners),
    accounts: lookupTable(config.accounts ?? defaultRouting.accounts),
  };
}

function readYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new RoutingFileError(file, `cannot read: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (text.length > maxFileBytes) throw new RoutingFileError(file, 'larger than 1 MiB; not a routing file');
  try {
    return parse(text, { logLevel: 'error' });
  } catch (error) {
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
    throw new RoutingFileError(file, `not valid YAML or JSON: ${message}`);
  }
}

/** Null prototype, so a tag value such as "constructor" cannot pick up an Object.prototype member. */
function lookupTable(entries: Record<string, string>): Record<string, string> {
  return Object.assign(Object.create(null) as Record<string, string>, entries);
}
