import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRoutingFile, RoutingFileError } from '../../src/config/routing-file.js';
import { defaultRouting, resolveRoute } from '../../src/route/routing.js';
import { makeFinding } from '../helpers/findings.js';

const dir = mkdtempSync(join(tmpdir(), 'soc2-bot-routing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function loadError(path: string): RoutingFileError {
  try {
    loadRoutingFile(path);
  } catch (error) {
    expect(error).toBeInstanceOf(RoutingFileError);
    return error as RoutingFileError;
  }
  throw new Error('expected a RoutingFileError');
}

describe('loadRoutingFile', () => {
  it('reads YAML and fills what it leaves out from the defaults', () => {
    const routing = loadRoutingFile(file('r.yaml', 'owners:\n  payments: C0PAYMENTS\naccounts:\n  "012345678901": "#prod"\n'));
    expect(routing.fallbackChannel).toBe(defaultRouting.fallbackChannel);
    expect(routing.tagKeys).toEqual(defaultRouting.tagKeys);
    expect({ ...routing.owners }).toEqual({ payments: 'C0PAYMENTS' });
    expect({ ...routing.accounts }).toEqual({ '012345678901': '#prod' });
  });

  it('reads JSON', () => {
    const routing = loadRoutingFile(file('r.json', JSON.stringify({ fallbackChannel: 'C0FALLBACK', tagKeys: ['team'] })));
    expect(routing).toMatchObject({ fallbackChannel: 'C0FALLBACK', tagKeys: ['team'] });
  });

  it('treats an empty file as all defaults', () => {
    expect(loadRoutingFile(file('empty.yaml', '# nothing yet\n'))).toMatchObject({ fallbackChannel: defaultRouting.fallbackChannel });
  });

  it('routes by owner tag without tripping over Object.prototype names', () => {
    const routing = loadRoutingFile(file('owners.yaml', 'owners:\n  payments: C0PAYMENTS\n'));
    const tagged = (owner: string) => makeFinding({ resource: { type: 'AwsS3Bucket', id: 'arn:aws:s3:::b', region: 'us-east-1', tags: { owner } } });
    expect(resolveRoute(tagged('payments'), routing)).toMatchObject({ channel: 'C0PAYMENTS', via: 'tag' });
    expect(resolveRoute(tagged('constructor'), routing)).toMatchObject({ channel: defaultRouting.fallbackChannel, via: 'fallback' });
  });

  it('names the file and each bad field', () => {
    const path = file('bad.yaml', 'fallbackChannel: #comment\ntagKey: [owner]\naccounts:\n  12345: C0X\n');
    const error = loadError(path);
    expect(error.file).toBe(path);
    expect(error.message).toContain(`${path}: `);
    expect(error.message).toContain('fallbackChannel: no channel (in YAML, quote channels that start with #)');
    expect(error.message).toContain('unknown key tagKey (expected fallbackChannel, tagKeys, owners, accounts)');
    expect(error.message).toContain('accounts["12345"]: expected a 12-digit AWS account id (quote it in YAML)');
  });

  it('reports unreadable and unparsable files', () => {
    expect(loadError(join(dir, 'missing.yaml')).message).toContain('cannot read');
    expect(loadError(file('broken.yaml', 'owners: [a, b\n')).message).toMatch(/not valid YAML or JSON: .*line/);
    expect(loadError(file('list.yaml', '- a\n- b\n')).message).toContain('expected object');
  });
});
