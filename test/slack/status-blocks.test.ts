import type { types } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import type { ActiveException, OpenFinding, StatusSnapshot } from '../../src/evidence/status-query.js';
import {
  duration,
  exceptionsReply,
  failureReply,
  helpReply,
  scanReply,
  scanStartedReply,
  statusReply,
} from '../../src/slack/status-blocks.js';

const now = new Date('2026-11-25T12:00:00.000Z');

function open(overrides: Partial<OpenFinding> = {}): OpenFinding {
  return {
    id: 'f1',
    control: 'S3.8',
    title: 'S3 general purpose buckets should block public access',
    account: '111111111111',
    resourceType: 'AwsS3Bucket',
    resourceId: 'arn:aws:s3:::customer-exports',
    severity: 'sev1',
    status: 'open',
    dueAt: '2026-11-26T08:00:00.000Z',
    channel: 'C0PLATFORM01',
    card: { channel: 'C0PLATFORM01', ts: '1700000000.000100' },
    ...overrides,
  };
}

function exception(overrides: Partial<ActiveException> = {}): ActiveException {
  return {
    findingId: 'f1',
    control: 'S3.8',
    title: 'S3 general purpose buckets should block public access',
    account: '111111111111',
    resourceId: 'arn:aws:s3:::partner-drop',
    channel: 'C0PLATFORM01',
    severity: 'sev1',
    justification: 'partner uploads until the SFTP migration',
    compensatingControl: null,
    expiresAt: '2026-12-01T00:00:00.000Z',
    requestedBy: 'U0BEN00001',
    grantedBy: { id: 'U0ANA00001', name: 'ana' },
    grantedAt: '2026-11-20T10:00:00.000Z',
    ...overrides,
  };
}

function snapshot(overrides: Partial<StatusSnapshot> = {}): StatusSnapshot {
  return { open: [], mttr: { fixes: 0, meanMs: null }, exceptions: [], ...overrides };
}

function texts(blocks: types.KnownBlock[]): string[] {
  return blocks.flatMap((block) => {
    if (block.type === 'section') return [block.text?.text ?? ''];
    if (block.type === 'context') return block.elements.map((e) => ('text' in e ? e.text : ''));
    if (block.type === 'header') return [block.text.text];
    return [];
  });
}

function expectWithinMessageLimits(blocks: types.KnownBlock[]): void {
  expect(blocks.length).toBeLessThanOrEqual(50);
  for (const text of texts(blocks)) expect(text.length).toBeLessThanOrEqual(3000);
  expect(JSON.stringify(blocks).length).toBeLessThan(12_000);
}

describe('statusReply', () => {
  it('groups by severity, overdue first, with due dates, MTTR and exceptions expiring within 14 days', () => {
    const reply = statusReply(
      { kind: 'all' },
      snapshot({
        open: [
          open({ id: 'late', dueAt: '2026-11-21T08:00:00.000Z', resourceId: 'arn:aws:s3:::late-bucket' }),
          open({ id: 'soon', resourceId: 'arn:aws:s3:::soon-bucket', status: 'fixing' }),
          open({ id: 'two', severity: 'sev2', control: 'S3.4', dueAt: '2026-12-08T00:00:00.000Z', card: null }),
        ],
        mttr: { fixes: 3, meanMs: 5 * 60 * 60 * 1000 },
        exceptions: [exception(), exception({ findingId: 'far', resourceId: 'arn:aws:s3:::far-away', expiresAt: '2027-03-01T00:00:00.000Z' })],
      }),
      now,
    );
    const [title, summary, sev1, sev2, expiring, footer] = texts(reply.blocks);
    expect(title).toContain('Open SOC 2 findings: everything');
    expect(summary).toContain('*3 open*');
    expect(summary).toContain(':warning: 1 overdue');
    expect(summary).toContain('MTTR (30 d): 5 h over 3 verified fixes');
    expect(summary).toContain('1 exception expiring within 14 days');
    expect(sev1).toContain('Sev1');
    expect(sev1).toContain('2 open, 1 overdue');
    expect(sev1!.indexOf('late-bucket')).toBeLessThan(sev1!.indexOf('soon-bucket'));
    expect(sev1).toContain('*overdue by 4 d 4 h*');
    expect(sev1).toMatch(/due <!date\^\d+\^/);
    expect(sev1).toContain('<#C0PLATFORM01>');
    expect(sev1).toContain('_being fixed_');
    expect(sev2).toContain('Sev2');
    expect(sev2).toContain('_card not posted yet_');
    expect(expiring).toContain('Exceptions expiring within 14 days');
    expect(expiring).toContain('partner-drop');
    expect(expiring).not.toContain('far-away');
    expect(footer).toContain('/soc2 help');
    expect(reply.text).toBe('3 open SOC 2 findings, 1 overdue');
  });

  it('names the filter and says plainly when nothing is open', () => {
    const reply = statusReply({ kind: 'team', team: 'platform', channel: 'C0PLATFORM01' }, snapshot(), now);
    const all = texts(reply.blocks).join('\n');
    expect(all).toContain('team `platform` (<#C0PLATFORM01>)');
    expect(all).toContain('No open findings');
    expect(all).toContain('MTTR (30 d): no verified fixes yet');
  });

  it('escapes text from AWS so it cannot mention, link or break out of a code span', () => {
    const reply = statusReply(
      { kind: 'all' },
      snapshot({
        open: [open({ title: '<!channel> <http://evil.example|click> & co', resourceId: 'arn:aws:s3:::x`<!here>`', channel: '#soc2 <!everyone>' })],
      }),
      now,
    );
    const all = texts(reply.blocks).join('\n');
    expect(all).not.toMatch(/<!channel>|<!here>|<!everyone>|<http/);
    expect(all).toContain('&lt;!channel&gt; &lt;http://evil.example|click&gt; &amp; co');
    expect(all).toContain('`arn:aws:s3:::xˋ&lt;!here&gt;ˋ`');
  });

  it('cuts a long list with "and N more" and stays within Slack message limits', () => {
    const many = Array.from({ length: 400 }, (_, i) =>
      open({ id: `f${i}`, severity: (['sev1', 'sev2', 'sev3'] as const)[i % 3], resourceId: `arn:aws:s3:::bucket-${i}-${'x'.repeat(60)}` }),
    );
    const exceptions = Array.from({ length: 100 }, (_, i) => exception({ findingId: `e${i}` }));
    const reply = statusReply({ kind: 'all' }, snapshot({ open: many, exceptions }), now);
    expectWithinMessageLimits(reply.blocks);
    const all = texts(reply.blocks).join('\n');
    expect(all).toMatch(/…and \d+ more: narrow it with `\/soc2 status <team\|account-id>`/);
    expect(all).toMatch(/…and \d+ more: see `\/soc2 exceptions`/);
  });
});

describe('exceptionsReply', () => {
  it('says so when there are none', () => {
    const reply = exceptionsReply([], now);
    expect(reply.text).toBe('No active exceptions.');
    expect(texts(reply.blocks).join()).toContain('No active exceptions');
  });

  it('shows owner channel, requester, approver, justification and expiry, escaped', () => {
    const reply = exceptionsReply(
      [exception({ justification: 'ok <!channel>\nsecond line', compensatingControl: 'WAF rule & alarm' }), exception({ findingId: 'f2', expiresAt: '2027-01-01T00:00:00.000Z' })],
      now,
    );
    const [title, first] = texts(reply.blocks);
    expect(title).toContain('Active exceptions (2)');
    expect(first).toContain('<#C0PLATFORM01>');
    expect(first).toContain('requested by <@U0BEN00001>');
    expect(first).toContain('granted by <@U0ANA00001>');
    expect(first).toContain('> ok &lt;!channel&gt; second line');
    expect(first).toContain('Compensating control: WAF rule &amp; alarm');
    expect(first).toContain('*expires <!date^1796083200^');
    expect(first).toContain('(in 5 d 12 h)');
  });

  it('cuts a long list and stays within Slack message limits', () => {
    const reply = exceptionsReply(
      Array.from({ length: 200 }, (_, i) => exception({ findingId: `e${i}`, justification: 'j'.repeat(2000) })),
      now,
    );
    expectWithinMessageLimits(reply.blocks);
    expect(texts(reply.blocks).at(-1)).toMatch(/…and \d+ more, expiring later/);
  });
});

describe('helpReply', () => {
  it('lists every subcommand and the teams', () => {
    const all = texts(helpReply(['platform', 'data'], null).blocks).join('\n');
    for (const expected of ['/soc2 status', 'sev1', '<account-id>', '<team>', '/soc2 exceptions', '/soc2 scan', '/soc2 help', '`platform`, `data`']) {
      expect(all).toContain(expected);
    }
  });

  it('puts what was wrong first, escaped in a code span', () => {
    const reply = helpReply([], { message: 'Unknown subcommand', word: '<!channel>`x' });
    const [problem] = texts(reply.blocks);
    expect(problem).toBe(':warning: Unknown subcommand: `&lt;!channel&gt;ˋx`');
    expect(texts(reply.blocks).join()).toContain('no teams are set in the policy file yet');
  });
});

describe('scan replies', () => {
  it('reports the numbers of the pass', () => {
    const reply = scanReply({ new: 2, recurred: 1, updated: 4, unchanged: 7, resolved: 0, pages: 1, rejected: 1, cardsPosted: 3 }, false);
    expect(reply.text).toBe('Scan finished: 2 new, 1 recurred, 3 cards posted, 1 rejected.');
    const all = texts(reply.blocks).join('\n');
    expect(all).toContain('4 updated, 7 unchanged; 1 page read');
    expect(all).toContain("named in the bot's log");
    expect(all).not.toContain('already running');
  });

  it('says when the results are those of a scan that was already running', () => {
    expect(scanStartedReply(true).text).toContain('already running');
    expect(texts(scanReply({ new: 0, recurred: 0, updated: 0, unchanged: 0, resolved: 0, pages: 1, rejected: 0, cardsPosted: 0 }, true).blocks).join()).toContain(
      'already running',
    );
  });

  it('escapes a failure', () => {
    expect(failureReply('scan', new Error('AccessDenied <@U123>')).text).toContain('AccessDenied &lt;@U123&gt;');
  });
});

describe('duration', () => {
  it('is coarse and readable', () => {
    expect(duration(0)).toBe('0 min');
    expect(duration(45 * 60_000)).toBe('45 min');
    expect(duration(3 * 3_600_000 + 20 * 60_000)).toBe('3 h 20 min');
    expect(duration(2 * 86_400_000)).toBe('2 d');
    expect(duration(2 * 86_400_000 + 4 * 3_600_000 + 59_000)).toBe('2 d 4 h');
  });
});
