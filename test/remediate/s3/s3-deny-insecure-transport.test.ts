import { describe, expect, it } from 'vitest';
import { s3DenyInsecureTransport } from '../../../src/remediate/s3/s3-deny-insecure-transport.js';
import { makeFinding } from '../../helpers/findings.js';
import { useSimulatedAws } from '../../helpers/sim-aws.js';

const { sim, clients } = useSimulatedAws();
const finding = makeFinding({ control: 'S3.5' });
const arn = 'arn:aws:s3:::customer-exports';
const denyStatement = {
  Sid: 'DenyInsecureTransport',
  Effect: 'Deny',
  Principal: '*',
  Action: 's3:*',
  Resource: [arn, `${arn}/*`],
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
};
const analytics = {
  Sid: 'ReadForAnalytics',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::111111111111:role/analytics' },
  Action: ['s3:GetObject', 's3:ListBucket'],
  Resource: [arn, `${arn}/*`],
  Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123' } },
};
const vpcOnly = { Sid: 'VpcOnly', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `${arn}/*`, Condition: { StringNotEquals: { 'aws:SourceVpce': 'vpce-1' } } };
// Hand-written, odd spacing included: undo must put back these exact bytes.
const existingPolicy = `{"Id": "exports",\n "Version":"2012-10-17",\n "Statement": [${JSON.stringify(analytics)}, ${JSON.stringify(vpcOnly)}]}`;

describe('s3-deny-insecure-transport', () => {
  it('plans a new policy with just the deny statement for a bucket that has none', async () => {
    sim.aws.addBucket('customer-exports');
    const plan = await s3DenyInsecureTransport.plan(finding, clients);
    expect(plan.before).toEqual({ Policy: null });
    expect(JSON.parse(String(plan.after['Policy']))).toEqual({ Version: '2012-10-17', Statement: [denyStatement] });
    expect(plan.diff.split('\n').slice(0, 6)).toEqual([
      '--- s3://customer-exports bucket policy (now: no policy)',
      '+++ s3://customer-exports bucket policy (after fix)',
      '+ {',
      '+   "Version": "2012-10-17",',
      '+   "Statement": [',
      '+     {',
    ]);
    expect(plan.diff.split('\n').slice(2).every((line) => line.startsWith('+ '))).toBe(true);
    expect(plan.calls).toEqual([{ service: 's3', operation: 'PutBucketPolicy', input: { Bucket: 'customer-exports', Policy: plan.after['Policy'] } }]);
  });

  it('applies and verifies, and undo deletes the policy the bucket never had', async () => {
    sim.aws.addBucket('customer-exports');
    const plan = await s3DenyInsecureTransport.plan(finding, clients);
    expect((await s3DenyInsecureTransport.verify(plan, clients)).ok).toBe(false);
    await s3DenyInsecureTransport.apply(plan, clients);
    expect(sim.aws.bucket('customer-exports')?.policy).toBe(plan.after['Policy']);
    expect(await s3DenyInsecureTransport.verify(plan, clients)).toMatchObject({ ok: true });
    await s3DenyInsecureTransport.undo?.(plan, clients);
    expect(sim.aws.bucket('customer-exports')?.policy).toBeNull();
    expect(sim.aws.callsTo('s3', 'DeleteBucketPolicy')).toHaveLength(1);
  });

  it('merges into an existing policy, keeping every other member and statement as it was, and shows only the addition', async () => {
    sim.aws.addBucket('customer-exports', { policy: existingPolicy });
    const before = sim.aws.bucket('customer-exports');
    const plan = await s3DenyInsecureTransport.plan(finding, clients);
    const merged: unknown = JSON.parse(String(plan.after['Policy']));
    expect(merged).toEqual({ Id: 'exports', Version: '2012-10-17', Statement: [analytics, vpcOnly, denyStatement] });
    expect(Object.keys(merged as object)).toEqual(['Id', 'Version', 'Statement']);
    const lines = plan.diff.split('\n');
    expect(lines.filter((line) => line.startsWith('- '))).toEqual([]);
    expect(lines.filter((line) => line.startsWith('+ ')).join('\n')).toContain('"Sid": "DenyInsecureTransport"');
    expect(lines).toContain('        "Sid": "ReadForAnalytics",');
    await s3DenyInsecureTransport.apply(plan, clients);
    expect(await s3DenyInsecureTransport.verify(plan, clients)).toMatchObject({ ok: true });
    await s3DenyInsecureTransport.undo?.(JSON.parse(JSON.stringify(plan)), clients);
    expect(sim.aws.bucket('customer-exports')).toEqual(before);
    expect(sim.aws.bucket('customer-exports')?.policy).toBe(existingPolicy);
  });

  it('accepts a policy whose Statement is a single object', async () => {
    sim.aws.addBucket('customer-exports', { policy: JSON.stringify({ Version: '2012-10-17', Statement: analytics }) });
    const plan = await s3DenyInsecureTransport.plan(finding, clients);
    expect(JSON.parse(String(plan.after['Policy'])).Statement).toEqual([analytics, denyStatement]);
  });

  it('is already compliant when any statement denies s3:* without TLS on the bucket and its objects, in any spelling', async () => {
    const equivalent = {
      Sid: 'TlsOnly',
      Effect: 'Deny',
      Principal: { AWS: ['*'] },
      Action: ['*'],
      Resource: 'arn:aws:s3:::customer-exports*',
      Condition: { Bool: { 'aws:securetransport': ['false'] } },
    };
    sim.aws.addBucket('customer-exports', { policy: JSON.stringify({ Version: '2012-10-17', Statement: [analytics, equivalent] }) });
    const plan = await s3DenyInsecureTransport.plan(finding, clients);
    expect(plan).toMatchObject({ alreadyCompliant: true, calls: [] });
    expect(plan.diff.split('\n').slice(2).every((line) => line.startsWith('  '))).toBe(true);
    await s3DenyInsecureTransport.undo?.(plan, clients);
    expect(sim.aws.calls.map((c) => c.operation)).toEqual(['GetBucketPolicy']);
  });

  it('does not count a deny that covers only objects, or only some actions', async () => {
    const objectsOnly = { ...denyStatement, Sid: 'ObjectsOnly', Resource: `${arn}/*` };
    const getOnly = { ...denyStatement, Sid: 'GetOnly', Action: 's3:GetObject' };
    sim.aws.addBucket('customer-exports', { policy: JSON.stringify({ Version: '2012-10-17', Statement: [objectsOnly, getOnly] }) });
    const plan = await s3DenyInsecureTransport.plan(finding, clients);
    expect(plan.alreadyCompliant).toBe(false);
  });

  it('refuses to add a second statement with the same Sid', async () => {
    const stale = { ...denyStatement, Resource: `${arn}/*` };
    sim.aws.addBucket('customer-exports', { policy: JSON.stringify({ Version: '2012-10-17', Statement: [stale] }) });
    await expect(s3DenyInsecureTransport.plan(finding, clients)).rejects.toThrow(/already has a statement "DenyInsecureTransport"/);
  });

  it('surfaces AccessDenied and NoSuchBucket by name', async () => {
    await expect(s3DenyInsecureTransport.plan(finding, clients)).rejects.toMatchObject({ name: 'NoSuchBucket' });
    sim.aws.addBucket('customer-exports', { policy: existingPolicy });
    sim.aws.failNext('s3', 'GetBucketPolicy', { status: 403, code: 'AccessDenied', message: 'Access Denied' });
    await expect(s3DenyInsecureTransport.plan(finding, clients)).rejects.toMatchObject({ name: 'AccessDenied' });
    const plan = await s3DenyInsecureTransport.plan(finding, clients);
    sim.aws.failNext('s3', 'PutBucketPolicy', { status: 403, code: 'AccessDenied', message: 'Access Denied' });
    await expect(s3DenyInsecureTransport.apply(plan, clients)).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(sim.aws.bucket('customer-exports')?.policy).toBe(existingPolicy);
  });
});
