import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTriageCommand } from '../../src/cli/triage-command.js';

const fixtures = fileURLToPath(new URL('../fixtures', import.meta.url));

interface Run {
  code: number;
  out: string[];
  err: string[];
}

async function run(args: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runTriageCommand(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out, err };
}

let dir: string;
let good: string;
let nested: string;
let invalidJson: string;
let otherEvent: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'soc2-bot-triage-'));
  mkdirSync(join(dir, 'events'));
  good = join(dir, 'a-s3.8.json');
  nested = join(dir, 'events', 'two-findings.json');
  invalidJson = join(dir, 'b-broken.json');
  otherEvent = join(dir, 'c-ec2-state.json');
  copyFileSync(join(fixtures, 'asff', 'S3.8-bucket-level-public-access-block-failed.json'), good);
  copyFileSync(join(fixtures, 'eventbridge', 'IAM.6-and-RDS.4-custom-action-two-findings.json'), nested);
  copyFileSync(join(fixtures, 'malformed', 'CloudTrail.2-consolidated-docs-sample-INVALID-JSON.json'), invalidJson);
  writeFileSync(otherEvent, JSON.stringify({ version: '0', 'detail-type': 'EC2 Instance State-change Notification', source: 'aws.ec2', detail: {} }));
  writeFileSync(join(dir, 'notes.txt'), 'not json, and not *.json either');
  writeFileSync(
    join(dir, 'policy.yaml'),
    'teams:\n  platform: { channel: C0PLATFORM }\naccounts:\n  "111111111111": { team: platform }\nrules:\n  - name: all-urgent\n    match: { controls: [S3.8] }\n    sla: 4h\n',
  );
  writeFileSync(join(dir, 'policy-bad.yaml'), 'fallbackChannel: #forgot-quotes\nteams:\n  payments: { channel: 42 }\n');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('soc2-bot triage --json', () => {
  it('prints one JSON object per finding, reports bad files on stderr and exits 2', async () => {
    const { code, out, err } = await run(['--json', dir]);
    expect(code).toBe(2);

    const records = out.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((r) => r['control'])).toEqual(['S3.8', 'IAM.6', 'RDS.4']);
    expect(records[0]).toMatchObject({
      id: 'arn:aws:securityhub:us-east-1:111111111111:subscription/aws-foundational-security-best-practices/v/1.0.0/S3.8/finding/e0182181-9218-420f-bef2-ed09ed230c59',
      title: 'S3.8 S3 Block Public Access setting should be enabled at the bucket-level',
      control: 'S3.8',
      account: '111111111111',
      region: 'us-east-1',
      resource: { type: 'AwsS3Bucket', id: 'arn:aws:s3:::example' },
      severity: 'sev1',
      mode: 'copilot',
      remediation: 's3-block-public-access',
      dueAt: '2021-07-15T17:06:07.284Z',
      tsc: ['CC6.1', 'CC6.6'],
      channel: '#soc2-findings',
      file: good,
    });
    expect(records[0]?.['reason']).toEqual(expect.stringContaining('S3.8'));
    for (const record of records) {
      for (const key of ['id', 'control', 'account', 'region', 'resource', 'severity', 'mode', 'remediation', 'dueAt', 'tsc', 'channel', 'reason', 'title']) {
        expect(record).toHaveProperty(key);
      }
    }

    expect(err).toHaveLength(2);
    expect(err[0]).toMatch(new RegExp(`^soc2-bot triage: ${escape(invalidJson)}: invalid JSON at line 38, column 3: `));
    expect(err[1]).toBe(`soc2-bot triage: ${otherEvent}: not a recognisable finding: saw a EC2 Instance State-change Notification event from aws.ec2`);
  });

  it('exits 0 when every file is good, and reads files named directly', async () => {
    const { code, out, err } = await run(['--json', good, nested]);
    expect(code).toBe(0);
    expect(err).toEqual([]);
    expect(out).toHaveLength(3);
  });

  it('triages and routes with --policy FILE', async () => {
    const { code, out } = await run(['--json', '--policy', join(dir, 'policy.yaml'), good]);
    expect(code).toBe(0);
    expect(JSON.parse(out[0] ?? '{}')).toMatchObject({ channel: 'C0PLATFORM', owner: 'platform', routedVia: 'account', dueAt: '2021-07-14T21:06:07.284Z' });
  });

  it('stops with exit 2 on a bad policy file, one line per problem with its line and field', async () => {
    const policy = join(dir, 'policy-bad.yaml');
    const { code, out, err } = await run(['--json', `--policy=${policy}`, good]);
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err).toEqual([
      `soc2-bot triage: policy file ${policy}: line 1: fallbackChannel: expected a Slack channel id such as C012ABCDEF (in YAML, text after # is a comment)`,
      `soc2-bot triage: policy file ${policy}: line 3: teams.payments.channel: expected a Slack channel id such as C012ABCDEF`,
    ]);
  });

  it('reports a missing path with exit 2 and still processes the others', async () => {
    const missing = join(dir, 'nope.json');
    const { code, out, err } = await run(['--json', missing, good]);
    expect(code).toBe(2);
    expect(err).toEqual([`soc2-bot triage: ${missing}: no such file or folder`]);
    expect(out).toHaveLength(1);
  });

  it('reports a folder with no *.json files', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty, { recursive: true });
    const { code, err } = await run([empty]);
    expect(code).toBe(2);
    expect(err).toEqual([`soc2-bot triage: ${empty}: folder holds no *.json files`]);
  });
});

describe('soc2-bot triage (text)', () => {
  it('prints a header and one aligned line per finding', async () => {
    const { code, out } = await run([good, nested]);
    expect(code).toBe(0);
    expect(out).toHaveLength(4);
    expect(out[0]).toMatch(/^SEVERITY\s+DUE\s+CONTROL\s+ACCOUNT\s+REGION\s+RESOURCE\s+CHANNEL\s+TITLE$/);
    expect(out[1]).toMatch(/^sev1\s+2021-07-15T17:06Z\s+S3\.8\s+111111111111\s+us-east-1\s+arn:aws:s3:::example\s+#soc2-findings\s+S3\.8 S3 Block/);
    const titleColumn = (out[0] ?? '').indexOf('TITLE');
    for (const line of out.slice(1)) expect(line.slice(titleColumn - 2, titleColumn)).toBe('  ');
  });
});

describe('soc2-bot triage --explain', () => {
  it('prints, per finding, the rules that matched and which setting won', async () => {
    const { code, out } = await run(['--explain', '--policy', join(dir, 'policy.yaml'), good]);
    expect(code).toBe(0);
    expect(out[0]).toBe('S3.8 arn:aws:s3:::example (account 111111111111, us-east-1)');
    expect(out).toContain('    1. s3-bucket-public [shipped] on control S3.8: severity sev1, tsc CC6.1 CC6.6');
    expect(out).toContain(`    2. all-urgent [${join(dir, 'policy.yaml')} line 6] on control S3.8: sla 4h`);
    expect(out.find((line) => line.startsWith('    due '))).toMatch(/2021-07-14T21:06:07.284Z +sla 4h by rule all-urgent$/);
    expect(out.find((line) => line.startsWith('    route '))).toMatch(/C0PLATFORM \(owner platform\) +no owner\/team\/Owner\/Team tag; account 111111111111 belongs to team platform$/);
    expect(out.at(-1)).toBe('');
  });

  it('adds the explanation to each JSON record', async () => {
    const { out } = await run(['--json', '--explain', good]);
    const record = JSON.parse(out[0] ?? '{}') as { severity: string; explain: { matched: { name: string }[]; outcome: { field: string }[] } };
    expect(record.severity).toBe('sev1');
    expect(record.explain.matched.map((m) => m.name)).toEqual(['s3-bucket-public']);
    expect(record.explain.outcome.map((o) => o.field)).toEqual(['severity', 'due', 'mode', 'tsc', 'route']);
  });
});

describe('soc2-bot triage usage', () => {
  it.each([[[]], [['--json']], [['--bogus', 'x']], [['--policy']], [['--policy', 'a', '--policy', 'b', 'x']]])('%j is a usage error (64)', async (args) => {
    const { code, out, err } = await run(args);
    expect(code).toBe(64);
    expect(out).toEqual([]);
    expect(err[0]).toMatch(/^soc2-bot triage: /);
    expect(err.join('\n')).toContain('usage: soc2-bot triage [--json] [--explain] [--policy FILE] PATH...');
  });

  it('--help prints usage and exits 0', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    expect(out[0]).toContain('usage: soc2-bot triage');
  });

  it('treats arguments after -- as paths', async () => {
    const { code, err } = await run(['--', '--json']);
    expect(code).toBe(2);
    expect(err).toEqual(['soc2-bot triage: --json: no such file or folder']);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
