import { describe, expect, it } from 'vitest';
import { defaultPolicy, parsePolicy } from '../../src/config/policy.js';
import { explainRoute, resolveRoute, routingFromPolicy } from '../../src/route/routing.js';
import { makeFinding } from '../helpers/findings.js';

const policy = parsePolicy(`
fallbackChannel: C0SECURITY01
teams:
  platform: { channel: C0PLATFORM01 }
  payments: { channel: C0PAYMENTS01 }
  security: { channel: C0SECURITY01 }
accounts:
  "111111111111": { team: platform }
  "222222222222": { channel: C0SANDBOX01 }
rules:
  - name: guardduty-to-security
    match: { products: [aws/guardduty] }
    owner: security
  - name: pci-alerts
    match: { tags: { pci: "true" } }
    channel: C0PCIALERTS1
`);
const routing = routingFromPolicy(policy);
const withTags = (tags: Record<string, string>, account = '111111111111') =>
  makeFinding({ account, resource: { type: 'AwsS3Bucket', id: 'arn:aws:s3:::b', region: 'us-east-1', tags } });

describe('owner resolution', () => {
  it('takes the first tag key whose value names a team', () => {
    expect(resolveRoute(withTags({ team: 'platform', owner: 'payments' }), routing)).toEqual({ channel: 'C0PAYMENTS01', owner: 'payments', via: 'tag' });
  });

  it('skips tag values that name no team, then uses the account team', () => {
    const found = explainRoute(withTags({ owner: 'nobody' }), routing);
    expect(found.route).toEqual({ channel: 'C0PLATFORM01', owner: 'platform', via: 'account' });
    expect(found.why).toBe('tag owner=nobody names no team; account 111111111111 belongs to team platform');
  });

  it('routes an account with a channel but no team there, owned by the account', () => {
    expect(resolveRoute(withTags({}, '222222222222'), routing)).toEqual({ channel: 'C0SANDBOX01', owner: 'account 222222222222', via: 'account' });
  });

  it('marks a finding with no tag and no account mapping unowned, in the fallback channel', () => {
    const found = explainRoute(withTags({}, '999999999999'), routing);
    expect(found.route).toEqual({ channel: 'C0SECURITY01', owner: null, via: 'fallback' });
    expect(found.why).toContain('unowned');
  });

  it('lets a rule set the owner over tags and accounts', () => {
    const guardDuty = makeFinding({ productArn: 'arn:aws:securityhub:us-east-1::product/aws/guardduty', control: null, resource: { type: 'AwsEc2Instance', id: 'i-1', region: 'us-east-1', tags: { owner: 'payments' } } });
    expect(explainRoute(guardDuty, routing)).toEqual({
      route: { channel: 'C0SECURITY01', owner: 'security', via: 'rule' },
      why: 'owner security by rule guardduty-to-security',
    });
  });

  it('lets a rule set the channel while the owner still comes from the tag', () => {
    expect(explainRoute(withTags({ owner: 'payments', pci: 'true' }), routing)).toEqual({
      route: { channel: 'C0PCIALERTS1', owner: 'payments', via: 'rule' },
      why: 'tag owner=payments names team payments; channel C0PCIALERTS1 by rule pci-alerts',
    });
  });

  it('does not trip over Object.prototype names', () => {
    expect(resolveRoute(withTags({ owner: 'constructor' }, '999999999999'), routing)).toMatchObject({ owner: null, via: 'fallback' });
    expect(resolveRoute(withTags({}, 'toString'), routingFromPolicy(defaultPolicy))).toMatchObject({ channel: '#soc2-findings', owner: null, via: 'fallback' });
  });

  it('accepts a routing table without account owners or rules', () => {
    const plain = { fallbackChannel: 'C0SEC', tagKeys: ['owner'], owners: { platform: 'C0P' }, accounts: { '111111111111': 'C0A' } };
    expect(resolveRoute(withTags({ owner: 'platform' }), plain)).toEqual({ channel: 'C0P', owner: 'platform', via: 'tag' });
    expect(resolveRoute(withTags({}), plain)).toEqual({ channel: 'C0A', owner: 'account 111111111111', via: 'account' });
  });
});
